// The viewer: toolbar (search, filters, sort, counts), the row list, the row page and its
// actions. Everything it knows about the file comes from the host, a page at a time.

import type { Capabilities, FileInfo, FullRow, RowQuery, RowStatus, ViewerSettings, ViewerState } from '../../protocol';
import { clear, fmtUsd, h } from './dom';
import { renderDetail, runDeferred, type DetailContext } from './detail';
import { RowList } from './list';
import type { Rpc } from './rpc';
import { overrideDialog, regradeDialog, toast } from './dialogs';
import { CompareView } from './compare';
import { remoteCalls } from './trace';
import { renderPending } from './lazyRich';
import { applyFont, clampFont, deepLink, updateLink, viewerState } from './state';
import { exportRows } from './export';
import { bindDetailClicks, copyText } from './clipboard';
import { bindKeys } from './keys';
import { FilterBar } from './filters';
import { ListLoader } from './listLoader';
import { HostEvents } from './hostEvents';

export class App {
  private files: FileInfo[] = [];
  private file = 0;
  private caps: Capabilities = { regrade: false, override: false, saveExport: false };
  private settings: ViewerSettings = {};
  private query: RowQuery = { filter: {}, sort: 'index' };
  private list: RowList;
  private readonly filters: FilterBar;
  private readonly loader: ListLoader;
  private readonly events: HostEvents;
  private open: number | null = null;
  private current: FullRow | undefined;
  private detailSeq = 0;
  private fontSize = 14;
  private busy = false;
  private compare: CompareView | undefined;

  // Elements.
  private readonly root: HTMLElement;
  private readonly detail = h('section', { class: 'detail', tabindex: -1, 'aria-live': 'polite' });
  private readonly fileSelect = h('select', { 'aria-label': 'File' });
  private readonly main = h('main', { class: 'split' });

  constructor(
    mount: HTMLElement,
    private readonly rpc: Rpc,
  ) {
    this.root = mount;
    this.list = new RowList({ fetchPage: (p) => this.loader.fetchPage(p) });
    this.filters = new FilterBar({
      query: () => this.query,
      summary: () => this.loader.summary,
      setQuery: (q) => this.setQuery(q),
      focusList: () => this.list.root.focus(),
    });
    this.loader = new ListLoader({
      rpc,
      list: this.list,
      filters: this.filters,
      file: () => this.file,
      fileName: () => this.files[this.file]?.name,
      query: () => this.query,
      open: () => this.open,
      notice: () => this.settings.notice,
      changed: () => this.events.scheduleRefresh(),
    });
    this.events = new HostEvents({
      loader: this.loader,
      list: this.list,
      file: () => this.file,
      showFile: (file) => {
        this.file = file;
        this.fileSelect.value = String(file);
        return this.loadFile();
      },
      openIndex: (index, locate, keepScroll) => this.openIndex(index, locate, keepScroll),
      closeRow: () => this.closeRow(),
      open: () => this.open,
      busy: () => this.busy,
    });
  }

  private state(): ViewerState {
    return viewerState({
      files: this.files,
      file: this.file,
      comparing: !!this.compare,
      query: this.query,
      open: this.open,
      selected: this.list.selected,
      fontSize: this.fontSize,
      scrollTop: this.list.root.scrollTop,
    });
  }

  private saveState(): void {
    this.rpc.transport.setState(this.state());
  }

  async start(): Promise<void> {
    const saved = this.rpc.transport.getState();
    const init = await this.rpc.ready(saved);
    this.files = init.files;
    this.caps = init.capabilities;
    this.settings = init.settings ?? {};
    const restored = saved ?? init.state;
    const link = deepLink();
    this.fontSize = clampFont(restored?.fontSize ?? this.settings.fontSize ?? 14);
    if (restored?.query) this.query = restored.query;
    if (typeof restored?.file === 'number' && restored.file < this.files.length) this.file = restored.file;
    if (link.file !== undefined && link.file < this.files.length) this.file = link.file;
    this.build();
    applyFont(this.fontSize);
    this.rpc.onEvent((e) => this.events.onEvent(e));
    // The row asked for is fetched at the same time as the list, not after it.
    const loading = this.loadFile(restored?.scrollTop, restored?.selected);
    const open = link.row ?? (restored?.open ?? null);
    if (open !== null && open !== undefined) await this.openIndex(open, false);
    await loading;
    if (open !== null && open !== undefined) await this.loader.locateOpen();
    // QED: Compare Results opens straight into the comparison.
    if (restored?.compare && this.files.length > 1 && !this.compare) this.toggleCompare();
    document.body.dataset.ready = 'true';
  }

  // ---------------------------------------------------------------------------------------------
  // Layout
  // ---------------------------------------------------------------------------------------------

  private build(): void {
    clear(this.root);
    this.root.className = 'qed-app';
    this.filters.build();
    for (const f of this.files) this.fileSelect.append(h('option', { value: f.file, text: f.name, title: f.path }));
    this.fileSelect.value = String(this.file);
    this.fileSelect.addEventListener('change', () => {
      this.file = Number(this.fileSelect.value);
      this.open = null;
      void this.loadFile();
    });

    const smaller = h('button', { type: 'button', class: 'icon', title: 'Smaller text', 'aria-label': 'Smaller text', text: 'A−' });
    const larger = h('button', { type: 'button', class: 'icon', title: 'Larger text', 'aria-label': 'Larger text', text: 'A+' });
    smaller.addEventListener('click', () => this.setFont(this.fontSize - 1));
    larger.addEventListener('click', () => this.setFont(this.fontSize + 1));
    const compareBtn = h('button', { type: 'button', class: 'secondary', text: 'Compare', title: 'Compare two result files problem by problem' });
    compareBtn.hidden = this.files.length < 2;
    compareBtn.addEventListener('click', () => this.toggleCompare());
    const exportBtn = h('button', { type: 'button', class: 'secondary', text: 'Export', title: 'The rows shown, as markdown' });
    exportBtn.addEventListener('click', () => void exportRows(this.rpc, this.file, this.query));

    const toolbar = h(
      'header',
      { class: 'toolbar' },
      this.files.length > 1 ? this.fileSelect : h('span', { class: 'file-name', title: this.files[0]?.path ?? '', text: this.files[0]?.name ?? '' }),
      h('div', { class: 'search-box' }, this.filters.search, this.filters.searchError),
      h('label', { class: 'sort' }, 'Sort ', this.filters.sortSelect, this.filters.dirButton),
      this.filters.filtersToggle,
      this.loader.counts,
      this.filters.clearAll,
      h('span', { class: 'spacer' }),
      compareBtn,
      exportBtn,
      smaller,
      larger,
    );
    this.list.onOpen = (s) => void this.openIndex(s.index);
    this.list.onSelect = () => this.saveState();
    let scrollTimer = 0;
    this.list.onScroll = () => {
      clearTimeout(scrollTimer);
      scrollTimer = window.setTimeout(() => this.saveState(), 200);
    };
    const listPane = h('section', { class: 'list-pane' }, this.list.head, this.list.root);
    this.main.append(listPane, this.detail);
    this.detail.append(this.emptyDetail());
    this.root.append(toolbar, this.filters.chips, this.filters.filtersBox, this.loader.banner, this.main);
    bindKeys({
      list: this.list,
      search: this.filters.search,
      rowOpen: () => this.open !== null,
      closeRow: () => this.closeRow(),
      openRow: (s) => this.openIndex(s.index),
      fontSize: () => this.fontSize,
      setFont: (n) => this.setFont(n),
    });
    bindDetailClicks(this.detail, this.rpc.transport.kind);
    // A printed row page shows the whole text, not only the blocks scrolled into view.
    window.addEventListener('beforeprint', renderPending);
  }

  private emptyDetail(): HTMLElement {
    return h('div', { class: 'empty' }, h('p', { text: 'Pick a row to see the problem, the proof and how it was graded.' }), h('p', { class: 'muted', text: 'j / k or ↑ / ↓ move · Enter opens · / searches · Esc goes back' }));
  }

  private setFont(size: number): void {
    this.fontSize = clampFont(size);
    applyFont(this.fontSize);
    this.saveState();
  }

  // ---------------------------------------------------------------------------------------------
  // The query and the file
  // ---------------------------------------------------------------------------------------------

  private setQuery(q: RowQuery): void {
    this.query = q;
    this.filters.showQuery(q);
    void this.loader.reloadList(true);
    this.saveState();
  }

  private async loadFile(scrollTop?: number, selected?: number): Promise<void> {
    this.compare = undefined;
    this.current = undefined;
    this.list.openIndex = null;
    clear(this.detail);
    this.detail.append(this.emptyDetail());
    await this.loader.loadSummary();
    this.filters.buildFilters();
    await this.loader.reloadList(scrollTop === undefined, scrollTop, selected);
    this.saveState();
  }

  // ---------------------------------------------------------------------------------------------
  // The row page
  // ---------------------------------------------------------------------------------------------

  async openIndex(index: number, locate = false, keepScroll = false): Promise<void> {
    const seq = ++this.detailSeq;
    this.open = index;
    this.list.openIndex = index;
    this.list.schedule();
    const scroll = this.detail.scrollTop;
    if (!keepScroll) {
      clear(this.detail);
      this.detail.append(h('p', { class: 'muted loading', text: `Loading row ${index + 1}…` }));
    }
    this.root.classList.add('row-open');
    let full: FullRow;
    try {
      // An agent's row comes without its calls: the steps fetch theirs when opened.
      full = await this.rpc.request('row', { file: this.file, index, lazyCalls: true });
    } catch (e) {
      if (seq !== this.detailSeq) return;
      clear(this.detail);
      this.detail.append(h('div', { class: 'callout error' }, `Row ${index + 1} cannot be shown: ${(e as Error).message}`));
      return;
    }
    if (seq !== this.detailSeq) return;
    this.current = full;
    const file = this.file;
    const rev = full.rev;
    const calls = full.calls !== undefined ? remoteCalls(full.calls, async (from, count) => (await this.rpc.request('calls', { file, index, rev, from, count })).entries) : undefined;
    const ctx: DetailContext = { macros: this.settings.macros, stats: { formulas: 0, errors: 0 }, deferred: [], calls };
    const t0 = performance.now();
    const page = renderDetail(full, ctx, this.actions(full));
    page.dataset.renderMs = (performance.now() - t0).toFixed(1);
    page.dataset.formulas = String(ctx.stats.formulas);
    page.dataset.mathErrors = String(ctx.stats.errors);
    clear(this.detail);
    this.detail.append(page);
    this.trackHead(page);
    // For measurements: when the row page was first painted (ms since the page was loaded).
    requestAnimationFrame(() => setTimeout(() => (page.dataset.paintedAt = performance.now().toFixed(0)), 0));
    runDeferred(page, ctx);
    this.detail.scrollTop = keepScroll ? scroll : 0;
    if (locate) void this.loader.locateOpen();
    this.updateLink();
    this.saveState();
  }

  private headObserver: ResizeObserver | undefined;

  /** Keeps --row-head-h on the row pane at the sticky header's height (what sticks below it sits there). */
  private trackHead(page: HTMLElement): void {
    this.headObserver?.disconnect();
    const head = page.querySelector<HTMLElement>('.row-head');
    if (!head) return;
    this.headObserver = new ResizeObserver(() => this.detail.style.setProperty('--row-head-h', `${head.offsetHeight}px`));
    this.headObserver.observe(head);
  }

  private closeRow(): void {
    this.open = null;
    this.current = undefined;
    this.list.openIndex = null;
    this.root.classList.remove('row-open');
    clear(this.detail);
    this.detail.append(this.emptyDetail());
    this.list.schedule();
    this.list.root.focus();
    this.updateLink();
    this.saveState();
  }

  private updateLink(): void {
    if (this.rpc.transport.kind !== 'http') return;
    updateLink(this.open, this.file);
  }

  private actions(full: FullRow): HTMLElement {
    const bar = h('div', { class: 'actions' });
    const prev = h('button', { type: 'button', class: 'icon', title: 'Previous row (k, then Enter)', 'aria-label': 'Previous row', text: '◀' });
    const next = h('button', { type: 'button', class: 'icon', title: 'Next row (j, then Enter)', 'aria-label': 'Next row', text: '▶' });
    prev.addEventListener('click', () => void this.step(-1, true));
    next.addEventListener('click', () => void this.step(1, true));
    const regrade = h('button', { type: 'button', 'data-action': 'regrade', text: 'Regrade…' });
    const live = full.summary.live ? 'this row is still in the running job\'s journal: wait until the job ends' : undefined;
    regrade.disabled = !this.caps.regrade || !!full.row.error || !!live;
    regrade.title = !this.caps.regrade ? (this.caps.regradeUnavailable ?? 'not available here') : (live ?? (full.row.error ? 'generation failed: nothing to grade' : 'Grade this row again with a grader config'));
    regrade.addEventListener('click', () => void this.regrade());
    const override = h('button', { type: 'button', 'data-action': 'override', text: full.row.human_grade ? 'Edit human grade…' : 'Override grade…' });
    override.disabled = !this.caps.override || !!live;
    if (live) override.title = live;
    override.addEventListener('click', () => void this.override());
    const exp = h('button', { type: 'button', class: 'secondary', 'data-action': 'export-row', text: 'Export' });
    exp.addEventListener('click', () => void exportRows(this.rpc, this.file, this.query, full.index));
    const back = h('button', { type: 'button', class: 'secondary back', title: 'Back to the list (Esc)', text: 'List' });
    back.addEventListener('click', () => this.closeRow());
    bar.append(back, prev, next, regrade, override, exp);
    if (this.rpc.transport.kind === 'http') {
      const link = h('button', { type: 'button', class: 'secondary', title: 'Copy a link to this row', text: 'Link' });
      link.addEventListener('click', () => void copyText(location.href).then(() => toast('Link copied')));
      bar.append(link);
    }
    return bar;
  }

  private async step(delta: number, openIt: boolean): Promise<void> {
    const pos = this.list.selected + delta;
    if (pos < 0 || pos >= this.list.length) return;
    this.list.select(pos);
    if (openIt) {
      const s = await this.list.load(pos);
      if (s) await this.openIndex(s.index);
    }
  }

  private async regrade(): Promise<void> {
    const full = this.current;
    if (!full || this.busy) return;
    this.busy = true;
    try {
      const res = await regradeDialog(this.rpc, full);
      if (res) {
        const s = res.row.summary;
        toast(`Regraded ${s.id}: ${s.score ?? (res.flag === 'parse_failure' ? 'reply unreadable' : '–')}${s.max !== null && s.score !== null ? `/${s.max}` : ''}, cost ${fmtUsd(res.cost?.cost)}`);
        await this.openIndex(full.index, false, true);
      }
    } finally {
      this.busy = false;
    }
  }

  private async override(): Promise<void> {
    const full = this.current;
    if (!full || this.busy) return;
    this.busy = true;
    try {
      const res = await overrideDialog(this.rpc, full, this.settings.reviewer ?? '');
      if (res) {
        toast(res.row.row.human_grade ? `Human grade saved: ${String((res.row.row.human_grade as { total?: unknown }).total)}` : 'Human grade removed');
        await this.openIndex(full.index, false, true);
      }
    } finally {
      this.busy = false;
    }
  }

  private toggleCompare(): void {
    if (this.compare) {
      this.compare = undefined;
      this.root.classList.remove('comparing');
      void this.loadFile();
      return;
    }
    this.root.classList.add('comparing');
    this.compare = new CompareView(this.rpc, this.files, this.file, { macros: this.settings.macros });
    clear(this.detail);
    this.detail.append(this.compare.root);
    void this.compare.load();
    this.saveState();
  }
}

export type { RowStatus };
