// Loading the list: the open file's summary (status counts, warnings in the banner), the list's
// pages for the current query, the row counts in the toolbar, and where the open row sits in the
// list. (list.ts is the virtualised list widget itself; this feeds it.)

import type { FileSummary, RowQuery } from '../../protocol';
import { fmtInt, h } from './dom';
import { PAGE_SIZE, type RowList } from './list';
import { RpcError, type Rpc } from './rpc';
import type { FilterBar } from './filters';

export interface ListHost {
  rpc: Rpc;
  list: RowList;
  filters: Pick<FilterBar, 'buildChips' | 'searchError' | 'updateClearAll'>;
  file(): number;
  /** The open file's name, for error messages. */
  fileName(): string | undefined;
  query(): RowQuery;
  /** The row shown in the row pane, if any. */
  open(): number | null;
  /** The host's notice, shown in the banner above every file. */
  notice(): string | undefined;
  /** The file changed under the list: the host schedules a refresh. */
  changed(): void;
}

export class ListLoader {
  summary: FileSummary | undefined;
  readonly counts = h('span', { class: 'counts', 'data-testid': 'counts' });
  readonly banner = h('div', { class: 'banner', hidden: true });
  private queryVersion = 0;
  /** The list's first load has been asked for (see settled). */
  private started: () => void = () => undefined;
  private readonly firstLoad = new Promise<void>((resolve) => (this.started = resolve));
  /** The latest reload of the list, the open row's place in it included. */
  private reloading: Promise<void> = Promise.resolve();

  constructor(private readonly host: ListHost) {}

  /**
   * Resolves once the list is loaded and its selection is where the open row is: stepping to the
   * next row waits for it (with a deep link, the row page is shown before the list is asked for).
   */
  async settled(): Promise<void> {
    await this.firstLoad;
    // A reload begun meanwhile is waited for too, but only a few: while a job appends rows the
    // list reloads again and again, and a step must not wait for a quiet moment.
    for (let round = 0; round < 3; round++) {
      const current = this.reloading;
      await current;
      if (current === this.reloading) return;
    }
  }

  async loadSummary(): Promise<void> {
    try {
      this.summary = await this.host.rpc.request('summary', { file: this.host.file() });
    } catch (e) {
      this.showBanner(`Cannot read ${this.host.fileName() ?? 'the file'}: ${(e as Error).message}`, 'error');
      return;
    }
    this.host.filters.buildChips();
    const s = this.summary;
    const notice = this.host.notice();
    const notes: string[] = notice ? [notice] : [];
    if (s.badLines.length)
      notes.push(
        `${s.badLines.length} unreadable line(s) skipped (first: line ${s.badLines[0].line}, ${s.badLines[0].message})`,
      );
    if (s.locked) notes.push('A run or grading job is writing this file: regrade and override wait until it ends.');
    if (s.live)
      notes.push(
        `${fmtInt(s.live.rows)} row(s) shown live (●) from the job's journal ${s.live.journal}${s.locked ? '' : ': the job is not running; run it again to finish it'}.`,
      );
    if (notes.length) this.showBanner(notes.join(' · '), 'warn');
    else if (!this.banner.classList.contains('progress')) this.banner.hidden = true;
  }

  showBanner(text: string, kind: 'warn' | 'error' | 'progress'): void {
    this.banner.hidden = false;
    this.banner.className = `banner ${kind}`;
    this.banner.textContent = text;
  }

  /** Hides a progress banner; true when one was shown. */
  endProgress(): boolean {
    if (!this.banner.classList.contains('progress')) return false;
    this.banner.hidden = true;
    this.banner.className = 'banner';
    return true;
  }

  reloadList(toTop: boolean, scrollTop?: number, selected?: number): Promise<void> {
    this.started();
    const p = this.reload(toTop, scrollTop, selected);
    this.reloading = p;
    return p;
  }

  private async reload(toTop: boolean, scrollTop?: number, selected?: number): Promise<void> {
    const { rpc, list, filters } = this.host;
    const version = ++this.queryVersion;
    filters.searchError.textContent = '';
    try {
      const first = await rpc.request('page', {
        file: this.host.file(),
        query: this.host.query(),
        offset: 0,
        limit: PAGE_SIZE,
      });
      if (version !== this.queryVersion) return;
      list.reset(first.matched, first.rows);
      this.updateCounts(first.matched, first.total, first.incomplete);
      if (toTop) list.setScrollTop(0);
      else if (scrollTop !== undefined) list.setScrollTop(scrollTop);
      // With a row open, the selection is that row's place (the next row is the one after it).
      if (this.host.open() !== null && (await this.locateOpen().catch(() => false))) return;
      if (version !== this.queryVersion) return;
      if (toTop) list.select(0, false);
      else if (selected !== undefined) list.select(selected, false);
    } catch (e) {
      if (version !== this.queryVersion) return;
      if (e instanceof RpcError && e.code === 'invalid') {
        filters.searchError.textContent = e.message.replace(/^[^:]*: /, '');
        list.reset(0);
        this.updateCounts(0, this.summary?.rows ?? 0);
      } else this.showBanner(`The list could not be loaded: ${(e as Error).message}`, 'error');
    }
  }

  private updateCounts(matched: number, total: number, incomplete?: { reason: string; searched: number }): void {
    const counts = this.counts;
    counts.textContent = matched === total ? `${fmtInt(total)} rows` : `${fmtInt(matched)} of ${fmtInt(total)} rows`;
    counts.dataset.shown = String(matched);
    counts.dataset.total = String(total);
    counts.title = incomplete ? `${incomplete.reason} (${fmtInt(incomplete.searched)} rows looked at)` : '';
    counts.classList.toggle('incomplete', !!incomplete);
    this.host.filters.updateClearAll(matched, total);
  }

  /** The list's page source (see ListSource in list.ts). */
  async fetchPage(p: number) {
    const version = this.queryVersion;
    try {
      const res = await this.host.rpc.request('page', {
        file: this.host.file(),
        query: this.host.query(),
        offset: p * PAGE_SIZE,
        limit: PAGE_SIZE,
      });
      if (version !== this.queryVersion) return undefined;
      if (res.matched !== this.host.list.length) {
        // The file changed under the list: start again from its new state.
        this.host.changed();
        return undefined;
      }
      return res.rows;
    } catch {
      return undefined;
    }
  }

  /** Selects the open row in the list; false when no row is open or the query does not show it. */
  async locateOpen(): Promise<boolean> {
    const open = this.host.open();
    if (open === null) return false;
    const { position } = await this.host.rpc.request('locate', {
      file: this.host.file(),
      query: this.host.query(),
      index: open,
    });
    if (position < 0 || this.host.open() !== open) return false;
    this.host.list.select(position);
    return true;
  }
}
