// The row pane: opening a row (fetch, render, keep the sticky header's height), closing it,
// stepping to the previous or next row, and the address bar of `qed view` following the open row.

import type { FullRow } from '../../protocol';
import { clear, h } from './dom';
import { renderDetail, runDeferred, type DetailContext } from './detail';
import type { RowList } from './list';
import type { Rpc } from './rpc';
import { remoteCalls } from './trace';
import { warmUp } from '../render/warmUp';
import { updateLink } from './state';

export interface RowPageHost {
  rpc: Rpc;
  list: RowList;
  /** The app's root element (`row-open` while a row is shown). */
  root: HTMLElement;
  file(): number;
  macros(): Record<string, string> | undefined;
  /** The action bar of a row page (rowActions.ts). */
  actions(full: FullRow): HTMLElement;
  locateOpen(): Promise<unknown>;
  /** Resolves once the list is loaded with the open row selected (ListLoader.settled). */
  listSettled(): Promise<void>;
  saveState(): void;
}

export class RowPage {
  readonly detail = h('section', { class: 'detail', tabindex: -1, 'aria-live': 'polite' });
  /** Index of the row shown (or being fetched), null when none. */
  open: number | null = null;
  /** The row shown, once fetched. */
  current: FullRow | undefined;
  private detailSeq = 0;
  private headObserver: ResizeObserver | undefined;
  private headHeight = '';
  /** A row asked for before the handshake was answered (see prefetch). */
  private early: { file: number; index: number; reply: Promise<FullRow> } | undefined;
  /** Resolves once the last row page built has been painted (see whenPainted). */
  private paint: Promise<void> = Promise.resolve();

  constructor(private readonly host: RowPageHost) {
    this.detail.append(emptyDetail());
  }

  /**
   * Asks for a row now, before the page knows its files (a deep link, or the row open when the
   * page was last left): its answer is used when the same row of the same file is opened.
   */
  prefetch(file: number, index: number): void {
    const reply = this.host.rpc.request('row', { file, index, lazyCalls: true });
    reply.catch(() => undefined);
    this.early = { file, index, reply };
    // While the row is on its way: a few formulas and some markdown rendered once, so the
    // renderer's code is compiled and its tables built before the row page needs them.
    setTimeout(warmUp, 0);
  }

  /** Resolves when the row page last built has been painted (at once when the page is hidden). */
  whenPainted(): Promise<void> {
    return document.visibilityState === 'hidden' ? Promise.resolve() : this.paint;
  }

  async openIndex(index: number, locate = false, keepScroll = false): Promise<void> {
    const { rpc, list, root } = this.host;
    const seq = ++this.detailSeq;
    this.open = index;
    list.openIndex = index;
    list.schedule();
    // Read only when needed: reading it lays the page out.
    const scroll = keepScroll ? this.detail.scrollTop : 0;
    if (!keepScroll) {
      clear(this.detail);
      this.detail.append(h('p', { class: 'muted loading', text: `Loading row ${index + 1}…` }));
    }
    root.classList.add('row-open');
    let full: FullRow;
    try {
      // An agent's row comes without its calls: the steps fetch theirs when opened.
      const early = this.early;
      this.early = undefined;
      full = await (early && early.file === this.host.file() && early.index === index
        ? early.reply
        : rpc.request('row', { file: this.host.file(), index, lazyCalls: true }));
    } catch (e) {
      if (seq !== this.detailSeq) return;
      clear(this.detail);
      this.detail.append(
        h('div', { class: 'callout error' }, `Row ${index + 1} cannot be shown: ${(e as Error).message}`),
      );
      return;
    }
    if (seq !== this.detailSeq) return;
    performance.mark('qed:row');
    this.current = full;
    const file = this.host.file();
    const rev = full.rev;
    const calls =
      full.calls !== undefined
        ? remoteCalls(
            full.calls,
            async (from, count) => (await rpc.request('calls', { file, index, rev, from, count })).entries,
          )
        : undefined;
    const ctx: DetailContext = { macros: this.host.macros(), stats: { formulas: 0, errors: 0 }, deferred: [], calls };
    const t0 = performance.now();
    const page = renderDetail(full, ctx, this.host.actions(full));
    page.dataset.renderMs = (performance.now() - t0).toFixed(1);
    performance.mark('qed:built');
    page.dataset.formulas = String(ctx.stats.formulas);
    page.dataset.mathErrors = String(ctx.stats.errors);
    clear(this.detail);
    this.detail.append(page);
    this.trackHead(page);
    // The scroll position is set in the next frame, before its layout: set here, it would lay the
    // whole new page out at once, in this task, and again in the frame if anything changes.
    const top = keepScroll ? scroll : 0;
    this.paint = new Promise<void>((painted) =>
      requestAnimationFrame(() => {
        if (seq === this.detailSeq) this.detail.scrollTop = top;
        // For measurements: when the row page was first painted (ms since the page was loaded).
        setTimeout(() => {
          page.dataset.paintedAt = performance.now().toFixed(0);
          // After the paint: the state includes the list's scroll position, whose reading would
          // have laid the new page out in the task that built it.
          if (seq === this.detailSeq) this.host.saveState();
          painted();
        }, 0);
      }),
    );
    runDeferred(page, ctx);
    if (locate) void this.host.locateOpen();
    this.updateLink();
  }

  /** Keeps --row-head-h on the row pane at the sticky header's height (what sticks below it sits there). */
  private trackHead(page: HTMLElement): void {
    this.headObserver?.disconnect();
    const head = page.querySelector<HTMLElement>('.row-head');
    if (!head) return;
    this.headObserver = new ResizeObserver(() => {
      // Only a change is written: the same value written again would lay the page out again.
      const px = `${head.offsetHeight}px`;
      if (px === this.headHeight) return;
      this.headHeight = px;
      this.detail.style.setProperty('--row-head-h', px);
    });
    this.headObserver.observe(head);
  }

  closeRow(): void {
    const list = this.host.list;
    this.open = null;
    this.current = undefined;
    list.openIndex = null;
    this.host.root.classList.remove('row-open');
    clear(this.detail);
    this.detail.append(emptyDetail());
    list.schedule();
    list.root.focus();
    this.updateLink();
    this.host.saveState();
  }

  /** A new file is loading: the pane shows the hint (the open index stays, to be located again). */
  reset(): void {
    this.current = undefined;
    this.host.list.openIndex = null;
    this.show(emptyDetail());
  }

  /** Shows `el` (the comparison) in the pane instead of a row. */
  show(el: HTMLElement): void {
    clear(this.detail);
    this.detail.append(el);
  }

  /** Moves the selection by `delta` rows, and opens the row there when `openIt`. */
  async step(delta: number, openIt: boolean): Promise<void> {
    // Shown by a deep link, a row page can be stepped from before the list has arrived.
    await this.host.listSettled();
    const list = this.host.list;
    const pos = list.selected + delta;
    if (pos < 0 || pos >= list.length) return;
    list.select(pos);
    if (openIt) {
      const s = await list.load(pos);
      if (s) await this.openIndex(s.index);
    }
  }

  private updateLink(): void {
    if (this.host.rpc.transport.kind !== 'http') return;
    updateLink(this.open, this.host.file());
  }
}

function emptyDetail(): HTMLElement {
  return h(
    'div',
    { class: 'empty' },
    h('p', { text: 'Pick a row to see the problem, the proof and how it was graded.' }),
    h('p', { class: 'muted', text: 'j / k or ↑ / ↓ move · Enter opens · / searches · Esc goes back' }),
  );
}
