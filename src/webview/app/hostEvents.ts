// Events the host sends unasked: "reveal this row", read progress, and "the file changed" (a job
// appending rows, a rewrite, a removal). Bursts of changes are coalesced into one refresh.

import { progressText } from './dom';
import type { HostEvent } from '../../protocol';
import type { ListLoader } from './listLoader';
import type { RowList } from './list';

export interface EventHost {
  loader: Pick<ListLoader, 'summary' | 'loadSummary' | 'reloadList' | 'showBanner' | 'endProgress'>;
  list: RowList;
  file(): number;
  /** Switches the view to another file (and loads it). */
  showFile(file: number): Promise<void>;
  openIndex(index: number, locate?: boolean, keepScroll?: boolean): Promise<void>;
  closeRow(): void;
  /** The row shown in the row pane, if any. */
  open(): number | null;
  /** A regrade or override is under way (the row page is not reloaded under it). */
  busy(): boolean;
}

export class HostEvents {
  private pendingRefresh: number | undefined;
  private refreshReopen = false;

  constructor(private readonly host: EventHost) {}

  onEvent(e: HostEvent): void {
    const host = this.host;
    if (e.type === 'reveal') {
      if (e.file !== host.file()) void host.showFile(e.file).then(() => host.openIndex(e.index, true));
      else void host.openIndex(e.index, true);
      return;
    }
    if (e.file !== host.file()) return;
    if (e.type === 'progress') {
      if (e.fraction !== undefined && e.fraction < 1)
        host.loader.showBanner(progressText(e.message, e.fraction), 'progress');
      else if (host.loader.endProgress()) this.scheduleRefresh();
      return;
    }
    if (e.type === 'changed') {
      if (e.change === 'removed')
        host.loader.showBanner(
          'The file is no longer on disk (deleted or moved); the view shows it again if it comes back.',
          'warn',
        );
      this.scheduleRefresh(e.change === 'row' ? e.index : undefined, e.change);
    }
  }

  /** Coalesces bursts of changes (a job appending rows) into one reload of the visible part. */
  scheduleRefresh(index?: number, change?: string): void {
    const host = this.host;
    if (change === 'rewritten' || change === 'removed' || (index !== undefined && index === host.open()))
      this.refreshReopen = true;
    if (this.pendingRefresh !== undefined) return;
    this.pendingRefresh = window.setTimeout(async () => {
      this.pendingRefresh = undefined;
      const reopen = this.refreshReopen;
      this.refreshReopen = false;
      await host.loader.loadSummary();
      await host.loader.reloadList(false, host.list.root.scrollTop, host.list.selected);
      const open = host.open();
      if (reopen && open !== null && !host.busy()) {
        const summary = host.loader.summary;
        if (summary && open >= summary.rows) host.closeRow();
        else await host.openIndex(open, false, true);
      }
    }, 250);
  }
}
