// The action bar of a row page (back, previous/next, Regrade, Override, Export, Link) and what
// Regrade and Override do: the dialog, a toast with the outcome, the row page reloaded.

import type { Capabilities, FullRow } from '../../protocol';
import { actionsBlocked, overrideLabel } from './rowHead';
import { button } from './controls';
import { fmtUsd, h } from './dom';
import type { Rpc } from './rpc';
import { overrideDialog, regradeDialog, toast } from './dialogs';
import { copyText } from './clipboard';

export interface RowActionsHost {
  rpc: Rpc;
  caps(): Capabilities;
  /** The reviewer name the override dialog suggests. */
  reviewer(): string;
  /** The row shown in the row pane, once fetched. */
  current(): FullRow | undefined;
  /** Reloads row `index` in place (after a regrade or override). */
  reopen(index: number): Promise<void>;
  step(delta: number): Promise<void>;
  closeRow(): void;
  exportRow(index: number): void;
}

export class RowActions {
  /** A regrade or override is under way (one at a time; refreshes wait for it). */
  busy = false;

  constructor(private readonly host: RowActionsHost) {}

  /** The bar's elements, built once and moved to each row page (a control costs more to build than
   *  to update: each is a web component with its own shadow root). */
  private built:
    { bar: HTMLElement; regrade: ReturnType<typeof button>; override: ReturnType<typeof button> } | undefined;

  /** The action bar for `full`: the same element for every row, its buttons set for this one. */
  bar(full: FullRow): HTMLElement {
    const caps = this.host.caps();
    const { bar, regrade, override } = (this.built ??= this.build());
    const blocked = actionsBlocked(full, caps);
    regrade.disabled = blocked.regrade !== undefined;
    regrade.title = blocked.regrade ?? 'Grade this row again with a grader config';
    override.textContent = overrideLabel(full);
    override.disabled = blocked.override !== undefined;
    if (blocked.override) override.title = blocked.override;
    else override.removeAttribute('title');
    return bar;
  }

  private build(): NonNullable<RowActions['built']> {
    const bar = h('div', { class: 'actions' });
    const prev = button(
      '◀',
      { class: 'icon', title: 'Previous row (k, then Enter)', 'aria-label': 'Previous row' },
      true,
    );
    const next = button('▶', { class: 'icon', title: 'Next row (j, then Enter)', 'aria-label': 'Next row' }, true);
    prev.addEventListener('click', () => void this.host.step(-1));
    next.addEventListener('click', () => void this.host.step(1));
    const regrade = button('Regrade…', { 'data-action': 'regrade' });
    regrade.addEventListener('click', () => void this.regrade());
    const override = button('Override grade…', { 'data-action': 'override' });
    override.addEventListener('click', () => void this.override());
    const exp = button('Export', { 'data-action': 'export-row' }, true);
    exp.addEventListener('click', () => {
      const full = this.host.current();
      if (full) this.host.exportRow(full.index);
    });
    const back = button('List', { class: 'back', title: 'Back to the list (Esc)' }, true);
    back.addEventListener('click', () => this.host.closeRow());
    bar.append(back, prev, next, regrade, override, exp);
    if (this.host.rpc.transport.kind === 'http') {
      const link = button('Link', { title: 'Copy a link to this row' }, true);
      link.addEventListener('click', () => void copyText(location.href).then(() => toast('Link copied')));
      bar.append(link);
    }
    return { bar, regrade, override };
  }

  private async regrade(): Promise<void> {
    const full = this.host.current();
    if (!full || this.busy) return;
    this.busy = true;
    try {
      const res = await regradeDialog(this.host.rpc, full);
      if (res) {
        const s = res.row.summary;
        toast(
          `Regraded ${s.id}: ${s.score ?? (res.flag === 'parse_failure' ? 'reply unreadable' : '–')}${s.max !== null && s.score !== null ? `/${s.max}` : ''}, cost ${fmtUsd(res.cost?.cost)}`,
        );
        await this.host.reopen(full.index);
      }
    } finally {
      this.busy = false;
    }
  }

  private async override(): Promise<void> {
    const full = this.host.current();
    if (!full || this.busy) return;
    this.busy = true;
    try {
      const res = await overrideDialog(this.host.rpc, full, this.host.reviewer());
      if (res) {
        toast(
          res.row.row.human_grade
            ? `Human grade saved: ${String((res.row.row.human_grade as { total?: unknown }).total)}`
            : 'Human grade removed',
        );
        await this.host.reopen(full.index);
      }
    } finally {
      this.busy = false;
    }
  }
}
