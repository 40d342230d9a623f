// The viewer: wires its parts together and lays out the page (toolbar, status chips, Filters
// panel, banner, the row list and the row pane). Each concern lives in its own file:
//   state.ts       the view state saved and restored, text size, deep links
//   filters.ts     search box, sort, status chips, Filters panel ("show all")
//   listLoader.ts  the file's summary, the list's pages, the counts, the banner
//   list.ts        the virtualised row list widget
//   hostEvents.ts  reveal / progress / changed events from the host, coalesced refreshes
//   rowPage.ts     opening, closing and stepping through rows in the row pane
//   rowActions.ts  the row page's action bar: Regrade, Override, Export, Link
//   export.ts      rows as markdown; compare.ts the comparison and its toggle
//   keys.ts        keyboard bindings; clipboard.ts copying formulas and links
// Everything it knows about the file comes from the host, a page at a time.

import type { Capabilities, FileInfo, RowQuery, RowStatus, ViewerSettings, ViewerState } from '../../protocol';
import { button, select, selectValue, setChoices, setSelectValue } from './controls';
import { h } from './dom';
import { RowList } from './list';
import type { Rpc } from './rpc';
import { CompareToggle } from './compare';
import { renderPending } from './lazyRich';
import { applyFont, clampFont, deepLink, viewerState } from './state';
import { exportRows } from './export';
import { bindDetailClicks } from './clipboard';
import { bindKeys } from './keys';
import { FilterBar } from './filters';
import { ListLoader } from './listLoader';
import { HostEvents } from './hostEvents';
import { RowPage } from './rowPage';
import { RowActions } from './rowActions';
import { FIRST_SCREEN_CLASS } from '../firstScreen';

export class App {
  private files: FileInfo[] = [];
  private file = 0;
  private caps: Capabilities = { regrade: false, override: false, saveExport: false };
  private settings: ViewerSettings = {};
  private query: RowQuery = { filter: {}, sort: 'index' };
  private fontSize = 14;
  private readonly list: RowList;
  private readonly filters: FilterBar;
  private readonly loader: ListLoader;
  private readonly events: HostEvents;
  private readonly page: RowPage;
  private readonly actions: RowActions;
  private readonly compare: CompareToggle;

  // Elements.
  private readonly root: HTMLElement;
  private readonly fileSelect = select({ 'aria-label': 'File' }, []);
  private readonly main = h('main', { class: 'split' });
  /** The server-rendered first screen, while it covers the viewer being built. */
  private cover: HTMLElement | undefined;

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
      open: () => this.page.open,
      notice: () => this.settings.notice,
      changed: () => this.events.scheduleRefresh(),
    });
    this.page = new RowPage({
      rpc,
      list: this.list,
      root: this.root,
      file: () => this.file,
      macros: () => this.settings.macros,
      actions: (full) => this.actions.bar(full),
      locateOpen: () => this.loader.locateOpen(),
      listSettled: () => this.loader.settled(),
      saveState: () => this.saveState(),
    });
    this.actions = new RowActions({
      rpc,
      caps: () => this.caps,
      reviewer: () => this.settings.reviewer ?? '',
      current: () => this.page.current,
      reopen: (index) => this.page.openIndex(index, false, true),
      step: (delta) => this.page.step(delta, true),
      closeRow: () => this.page.closeRow(),
      exportRow: (index) => void exportRows(this.rpc, this.file, this.query, index),
    });
    this.events = new HostEvents({
      loader: this.loader,
      list: this.list,
      file: () => this.file,
      showFile: (file) => {
        this.file = file;
        setSelectValue(this.fileSelect, String(file));
        return this.loadFile();
      },
      openIndex: (index, locate, keepScroll) => this.page.openIndex(index, locate, keepScroll),
      closeRow: () => this.page.closeRow(),
      open: () => this.page.open,
      busy: () => this.actions.busy,
    });
    this.compare = new CompareToggle({
      rpc,
      files: () => this.files,
      file: () => this.file,
      macros: () => this.settings.macros,
      root: this.root,
      show: (el) => this.page.show(el),
      reload: () => void this.loadFile(),
      saveState: () => this.saveState(),
    });
  }

  private state(): ViewerState {
    return viewerState({
      files: this.files,
      file: this.file,
      comparing: !!this.compare.view,
      query: this.query,
      open: this.page.open,
      selected: this.list.selected,
      fontSize: this.fontSize,
      scrollTop: this.list.root.scrollTop,
      notice: this.settings.notice,
    });
  }

  private saveState(): void {
    this.rpc.transport.setState(this.state());
  }

  async start(): Promise<void> {
    const saved = this.rpc.transport.getState();
    // The row the address asks for (or the one open when the page was last left) is asked for
    // with the handshake, not after it: it is what the reader waits for.
    const link = deepLink();
    const early = link.row ?? saved?.open ?? undefined;
    if (typeof early === 'number') this.page.prefetch(link.file ?? saved?.file ?? 0, early);
    const init = await this.rpc.ready(saved);
    performance.mark('qed:init');
    this.files = init.files;
    this.caps = init.capabilities;
    this.settings = init.settings ?? {};
    const restored = saved ?? init.state;
    this.fontSize = clampFont(restored?.fontSize ?? this.settings.fontSize ?? 14);
    if (restored?.query) this.query = restored.query;
    if (typeof restored?.file === 'number' && restored.file < this.files.length) this.file = restored.file;
    if (link.file !== undefined && link.file < this.files.length) this.file = link.file;
    this.build();
    applyFont(this.fontSize);
    this.rpc.onEvent((e) => this.events.onEvent(e));
    const open = link.row ?? restored?.open ?? null;
    if (open !== null && open !== undefined) {
      // The row first: its page is built and painted before the list is asked for (the list's
      // summary, pages and rendering would otherwise compete with it, on the host and here).
      this.page.reset();
      await this.page.openIndex(open, false);
      await this.page.whenPainted();
      this.uncover();
      await this.loadFile(restored?.scrollTop, restored?.selected, true);
    } else {
      this.uncover();
      await this.loadFile(restored?.scrollTop, restored?.selected);
    }
    // QED: Compare Results opens straight into the comparison.
    if (restored?.compare && this.files.length > 1 && !this.compare.view) this.compare.toggle();
    document.body.dataset.ready = 'true';
  }

  // ---------------------------------------------------------------------------------------------
  // Layout
  // ---------------------------------------------------------------------------------------------

  private build(): void {
    // `qed view`'s server-rendered first screen of a deep-linked row (firstScreen.ts) stays where
    // it is, on top of the viewer being built, until the viewer's own row page has been painted
    // (start()). Left in place, it is not laid out again.
    const first = this.root.querySelector<HTMLElement>(`:scope > .${FIRST_SCREEN_CLASS}`);
    for (const child of Array.from(this.root.childNodes)) if (child !== first) child.remove();
    this.cover = first ?? undefined;
    this.root.className = 'qed-app';
    this.filters.build();
    setChoices(
      this.fileSelect,
      this.files.map((f) => ({ value: String(f.file), label: f.name, title: f.path })),
      String(this.file),
    );
    this.fileSelect.addEventListener('change', () => {
      this.file = Number(selectValue(this.fileSelect));
      this.page.open = null;
      void this.loadFile();
    });

    const smaller = button('A−', { class: 'icon', title: 'Smaller text', 'aria-label': 'Smaller text' }, true);
    const larger = button('A+', { class: 'icon', title: 'Larger text', 'aria-label': 'Larger text' }, true);
    smaller.addEventListener('click', () => this.setFont(this.fontSize - 1));
    larger.addEventListener('click', () => this.setFont(this.fontSize + 1));
    const compareBtn = button('Compare', { title: 'Compare two result files problem by problem' }, true);
    compareBtn.hidden = this.files.length < 2;
    compareBtn.addEventListener('click', () => this.compare.toggle());
    const exportBtn = button('Export', { title: 'The rows shown, as markdown' }, true);
    exportBtn.addEventListener('click', () => void exportRows(this.rpc, this.file, this.query));

    const toolbar = h(
      'header',
      { class: 'toolbar' },
      this.files.length > 1
        ? this.fileSelect
        : h('span', { class: 'file-name', title: this.files[0]?.path ?? '', text: this.files[0]?.name ?? '' }),
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
    this.list.onOpen = (s) => void this.page.openIndex(s.index);
    this.list.onSelect = () => this.saveState();
    let scrollTimer = 0;
    this.list.onScroll = () => {
      clearTimeout(scrollTimer);
      scrollTimer = window.setTimeout(() => this.saveState(), 200);
    };
    const listPane = h('section', { class: 'list-pane' }, this.list.head, this.list.root);
    this.main.append(listPane, this.page.detail);
    this.root.append(toolbar, this.filters.chips, this.filters.filtersBox, this.loader.banner, this.main);
    bindKeys({
      list: this.list,
      search: this.filters.search,
      rowOpen: () => this.page.open !== null,
      closeRow: () => this.page.closeRow(),
      openRow: (s) => this.page.openIndex(s.index),
      fontSize: () => this.fontSize,
      setFont: (n) => this.setFont(n),
    });
    bindDetailClicks(this.page.detail, this.rpc.transport.kind);
    // A printed row page shows the whole text, not only the blocks scrolled into view.
    window.addEventListener('beforeprint', renderPending);
  }

  /** Takes the server-rendered first screen away (the viewer's own page is on screen beneath it). */
  private uncover(): void {
    this.cover?.remove();
    this.cover = undefined;
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

  /** Loads the list of the current file; `keepRow`: the row page shown stays (opened first, at start). */
  private async loadFile(scrollTop?: number, selected?: number, keepRow = false): Promise<void> {
    this.compare.view = undefined;
    if (!keepRow) this.page.reset();
    await this.loader.loadSummary();
    this.filters.buildFilters();
    await this.loader.reloadList(scrollTop === undefined, scrollTop, selected);
    this.saveState();
  }
}

export type { RowStatus };
