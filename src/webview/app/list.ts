// The virtualised row list: only the rows in view (plus a margin) exist in the DOM; their
// summaries are fetched from the host a page at a time and the pages far from view are dropped.

import type { RowSummary } from '../../protocol';
import { clear, fmtInt, fmtScore, fmtUsd, h, STATUS_LABEL, STATUS_SHORT } from './dom';

export const ROW_HEIGHT = 30;
export const PAGE_SIZE = 200;
const OVERSCAN = 8;
const MAX_PAGES = 40;

export interface ListSource {
  /** Fetches page `p` (rows p*PAGE_SIZE …); resolves with the rows, or undefined when stale. */
  fetchPage(p: number): Promise<RowSummary[] | undefined>;
}

export class RowList {
  readonly root: HTMLElement;
  /** The column header above the list: the id column's width is dragged there. */
  readonly head: HTMLElement;
  /** Longest id seen, in characters: the id column fits it (and is never narrower than an id). */
  private widestId = 0;
  private readonly spacer: HTMLElement;
  private readonly rowsEl: HTMLElement;
  private pages = new Map<number, RowSummary[]>();
  private loading = new Set<number>();
  private count = 0;
  private version = 0;
  private frame = 0;
  selected = 0;
  /** Row index of the row shown in the detail pane (highlighted differently). */
  openIndex: number | null = null;
  onOpen: (s: RowSummary, position: number) => void = () => undefined;
  onSelect: (position: number) => void = () => undefined;
  onScroll: (top: number) => void = () => undefined;

  constructor(private readonly source: ListSource) {
    this.rowsEl = h('div', { class: 'list-rows' });
    this.spacer = h('div', { class: 'list-spacer' }, this.rowsEl);
    this.root = h('div', { class: 'list', role: 'listbox', tabindex: 0, 'aria-label': 'Rows' }, this.spacer);
    this.head = this.columnHead();
    this.root.addEventListener('scroll', () => {
      this.schedule();
      this.onScroll(this.root.scrollTop);
    });
    this.root.addEventListener('click', (e) => {
      const el = (e.target as Element).closest<HTMLElement>('.row');
      if (!el) return;
      const pos = Number(el.dataset.pos);
      this.select(pos, false);
      const s = this.at(pos);
      if (s) this.onOpen(s, pos);
    });
    new ResizeObserver(() => this.schedule()).observe(this.root);
  }

  /**
   * Column titles; the id column's right edge is a handle: dragging it sets the column's width
   * (`--id-col` on the pane). The column is never narrower than its widest id.
   */
  private columnHead(): HTMLElement {
    const grip = h('span', {
      class: 'col-resize',
      role: 'separator',
      'aria-orientation': 'vertical',
      'aria-label': 'Resize the id column',
      title: 'Drag to resize the id column (double-click: fit)',
    });
    const idCol = h('span', { class: 'row-id col-id' }, 'problem id', grip);
    const head = h(
      'div',
      { class: 'list-head', 'aria-hidden': 'true' },
      h('span', { class: 'row-num', text: 'row · score' }),
      idCol,
      h('span', { class: 'row-model', text: 'model' }),
    );
    grip.addEventListener('pointerdown', (e) => {
      e.preventDefault();
      grip.setPointerCapture(e.pointerId);
      const start = e.clientX;
      const width =
        this.rowsEl.querySelector<HTMLElement>('.row[data-index] .row-id')?.getBoundingClientRect().width ??
        idCol.getBoundingClientRect().width;
      const move = (ev: PointerEvent) => this.setIdWidth(Math.max(40, width + ev.clientX - start));
      const up = () => {
        grip.removeEventListener('pointermove', move);
        grip.removeEventListener('pointerup', up);
      };
      grip.addEventListener('pointermove', move);
      grip.addEventListener('pointerup', up);
    });
    grip.addEventListener('dblclick', () => this.setIdWidth(undefined));
    return head;
  }

  /** The id column's width in px (undefined: fit the widest id). */
  setIdWidth(px: number | undefined): void {
    const pane = this.head.parentElement ?? this.root;
    if (px === undefined) pane.style.removeProperty('--id-col');
    else pane.style.setProperty('--id-col', `${Math.round(px)}px`);
    this.syncHead();
  }

  /** The header's id title sits over the rows' id column. */
  private syncHead(): void {
    const id = this.rowsEl.querySelector<HTMLElement>('.row[data-index] .row-id');
    const title = this.head.querySelector<HTMLElement>('.col-id');
    if (!id || !title) return;
    const r = id.getBoundingClientRect();
    const base = this.head.getBoundingClientRect().left;
    title.style.left = `${Math.round(r.left - base)}px`;
    title.style.width = `${Math.round(r.width)}px`;
  }

  private longestId = '';

  private fitIds(rows: RowSummary[]): void {
    let widest = this.widestId;
    for (const r of rows) {
      if (r.id.length <= widest) continue;
      widest = r.id.length;
      this.longestId = r.id;
    }
    if (widest === this.widestId) return;
    this.widestId = widest;
    this.widen = true;
  }

  private canvas: CanvasRenderingContext2D | null | undefined;

  /**
   * The width of the longest id in the rows' font (a few px spare for wider glyphs elsewhere), and
   * never less than the column's title (short ids would leave it running under the resize grip).
   */
  private fitWidth(sample: HTMLElement): number {
    this.canvas ??= document.createElement('canvas').getContext('2d');
    if (!this.canvas) return sample.scrollWidth;
    this.canvas.font = getComputedStyle(sample).font;
    const ids = Math.ceil(this.canvas.measureText(this.longestId).width * 1.08) + 4;
    const title = this.head.querySelector<HTMLElement>('.col-id');
    if (!title?.textContent) return ids;
    this.canvas.font = getComputedStyle(title).font;
    return Math.max(ids, Math.ceil(this.canvas.measureText(title.textContent).width) + 8);
  }

  private widen = false;

  /** After a wider id came in: the pane grows (up to 70 % of the window) so whole ids fit. */
  private widenPane(): void {
    this.widen = false;
    const pane = this.head.parentElement;
    if (!pane) return;
    const sample = this.rowsEl.querySelector<HTMLElement>('.row[data-index] .row-id');
    if (!sample) return;
    pane.style.setProperty('--id-fit', `${this.fitWidth(sample)}px`);
    let need = 0;
    for (const el of Array.from(this.rowsEl.querySelectorAll<HTMLElement>('.row-id')))
      need = Math.max(need, el.offsetLeft + el.scrollWidth);
    // The row's right padding and a little air after the id.
    need += 24 + (pane.offsetWidth - this.root.clientWidth);
    if (need > pane.offsetWidth) pane.style.minWidth = `${Math.min(need, Math.round(window.innerWidth * 0.7))}px`;
    this.syncHead();
  }

  /** A new query or file: forget every page. */
  reset(count: number, firstPage?: RowSummary[]): void {
    this.version++;
    this.pages.clear();
    this.loading.clear();
    this.count = count;
    if (firstPage) {
      this.pages.set(0, firstPage);
      this.fitIds(firstPage);
    }
    this.spacer.style.height = `${count * ROW_HEIGHT}px`;
    // At once, so the rows and the counts above them change together.
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.render();
  }

  get length(): number {
    return this.count;
  }

  at(pos: number): RowSummary | undefined {
    return this.pages.get(Math.floor(pos / PAGE_SIZE))?.[pos % PAGE_SIZE];
  }

  /** The summary at a position, fetching its page when needed. */
  async load(pos: number): Promise<RowSummary | undefined> {
    const have = this.at(pos);
    if (have || pos < 0 || pos >= this.count) return have;
    await this.fetch(Math.floor(pos / PAGE_SIZE));
    return this.at(pos);
  }

  select(pos: number, scroll = true): void {
    if (!this.count) return;
    this.selected = Math.max(0, Math.min(this.count - 1, pos));
    if (scroll) this.scrollTo(this.selected);
    this.onSelect(this.selected);
    // Only the highlight moves: no need to rebuild the rows.
    for (const el of Array.from(this.rowsEl.children)) {
      const on = Number((el as HTMLElement).dataset.pos) === this.selected;
      el.classList.toggle('selected', on);
      el.setAttribute('aria-selected', on ? 'true' : 'false');
    }
    this.schedule();
  }

  scrollTo(pos: number): void {
    const top = pos * ROW_HEIGHT;
    const view = this.root.clientHeight;
    if (top < this.root.scrollTop) this.root.scrollTop = top;
    else if (top + ROW_HEIGHT > this.root.scrollTop + view) this.root.scrollTop = top + ROW_HEIGHT - view;
    this.schedule();
  }

  setScrollTop(top: number): void {
    this.root.scrollTop = top;
    this.schedule();
  }

  schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private async fetch(p: number): Promise<void> {
    if (this.pages.has(p) || this.loading.has(p)) return;
    const version = this.version;
    this.loading.add(p);
    try {
      const rows = await this.source.fetchPage(p);
      if (version !== this.version || !rows) return;
      this.pages.set(p, rows);
      this.fitIds(rows);
      this.evict(p);
      this.schedule();
    } finally {
      if (version === this.version) this.loading.delete(p);
    }
  }

  /** Keeps the cache small: the pages furthest from the one just loaded go first. */
  private evict(near: number): void {
    if (this.pages.size <= MAX_PAGES) return;
    const far = [...this.pages.keys()].sort((a, b) => Math.abs(b - near) - Math.abs(a - near));
    for (const p of far.slice(0, this.pages.size - MAX_PAGES)) this.pages.delete(p);
  }

  private render(): void {
    const top = this.root.scrollTop;
    const height = this.root.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this.count - 1, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
    for (let p = Math.floor(first / PAGE_SIZE); p <= Math.floor(Math.max(first, last) / PAGE_SIZE) && last >= 0; p++)
      void this.fetch(p);
    clear(this.rowsEl);
    this.rowsEl.style.transform = `translateY(${first * ROW_HEIGHT}px)`;
    for (let pos = first; pos <= last; pos++) this.rowsEl.append(this.rowEl(pos));
    if (this.widen && this.rowsEl.querySelector('.row[data-index]')) this.widenPane();
  }

  private rowEl(pos: number): HTMLElement {
    const s = this.at(pos);
    const selected = pos === this.selected;
    if (!s)
      return h(
        'div',
        { class: `row placeholder${selected ? ' selected' : ''}`, 'data-pos': pos, role: 'option' },
        h('span', { class: 'row-num', text: '…' }),
      );
    const badge = h(
      'span',
      { class: `badge st-${s.status}`, title: STATUS_LABEL[s.status] },
      s.score !== null ? fmtScore(s.score, s.max) : STATUS_SHORT[s.status],
    );
    return h(
      'div',
      {
        class: `row${selected ? ' selected' : ''}${s.index === this.openIndex ? ' open' : ''}${s.live ? ' live' : ''}`,
        'data-pos': pos,
        'data-index': s.index,
        'data-status': s.status,
        role: 'option',
        'aria-selected': selected ? 'true' : 'false',
        title: `row ${s.index + 1}, ${s.live ? 'journal ' : ''}line ${s.line}`,
      },
      h('span', { class: 'row-num', text: `#${s.index + 1}` }),
      badge,
      h('span', { class: 'row-id', title: s.id, text: s.id }),
      s.human !== null
        ? h('span', { class: 'badge human', title: 'human grade', text: `H ${fmtScore(s.human, s.max)}` })
        : null,
      s.truncated
        ? h('span', { class: 'flag', title: 'empty solution, or stopped at the token limit', text: '✂' })
        : null,
      s.live
        ? h('span', {
            class: 'live-dot',
            title: 'just written by a running job (in its journal, not in the file yet)',
            text: '●',
          })
        : null,
      s.steps !== undefined
        ? h('span', {
            class: 'row-steps',
            title: `an agent's row: ${fmtInt(s.steps)} step${s.steps === 1 ? '' : 's'}, agent cost ${fmtUsd(s.agentCost)}`,
            text: `${fmtInt(s.steps)} step${s.steps === 1 ? '' : 's'}`,
          })
        : null,
      h('span', { class: 'row-source', text: s.source ?? '' }),
      h('span', { class: 'row-model', text: s.model ?? '' }),
    );
  }
}
