// The filter bar: the search box, the sort order, the status chips (with their counts), the
// Filters panel (score, flags, metadata column, agent bounds) and "show all". It edits the query;
// the host applies it (reloads the list, saves the state).

import { ROW_STATUSES, type FileSummary, type RowFilter, type RowQuery, type SortKey } from '../../protocol';
import { button, checkbox, select, selectValue, setChoices, setSelectValue, textfield, type Choice } from './controls';
import { clear, fmtBytes, h, STATUS_SHORT } from './dom';

export interface FilterHost {
  query(): RowQuery;
  /** The open file's summary (status counts, metadata columns), once read. */
  summary(): FileSummary | undefined;
  /** Applies a new query: the host reloads the list and saves the state. */
  setQuery(q: RowQuery): void;
  focusList(): void;
}

export class FilterBar {
  readonly search = textfield({
    type: 'search',
    class: 'search',
    placeholder: 'Search text (regular expression)   /',
    'aria-label': 'Search text (regular expression)',
    spellcheck: 'false',
  });
  readonly searchError = h('span', { class: 'search-error', role: 'alert' });
  // Until the file's counts arrive, an invisible chip holds the line at its height: the row page
  // below does not move down when the chips come (firstScreen.ts draws the same).
  readonly chips = h(
    'div',
    { class: 'chips', role: 'group', 'aria-label': 'Status' },
    h(
      'button',
      { type: 'button', class: 'chip placeholder', tabindex: -1, 'aria-hidden': 'true' },
      h('span', { class: 'dot' }),
      '…',
    ),
  );
  readonly filtersBox = h('div', { class: 'filters' });
  readonly filtersToggle = button('Filters', { 'aria-expanded': 'false' }, true);
  readonly sortSelect = select({ 'aria-label': 'Sort by' }, []);
  readonly dirButton = button(
    '',
    { class: 'icon', title: 'Reverse the order', 'aria-label': 'Reverse the order' },
    true,
  );
  readonly clearAll = h('button', {
    type: 'button',
    class: 'link-button',
    'data-action': 'clear-filters',
    text: 'show all',
    hidden: true,
  });

  constructor(private readonly host: FilterHost) {}

  /** Fills the controls from the (restored) query and wires them. Called once, when the page is built. */
  build(): void {
    const query = this.host.query();
    const sorts: Array<[SortKey, string]> = [
      ['index', 'file order'],
      ['id', 'id'],
      ['score', 'score'],
      ['tokens', 'tokens'],
      ['cost', 'cost'],
      ['steps', 'agent steps'],
      ['agentCost', 'agent cost'],
    ];
    setChoices(
      this.sortSelect,
      sorts.map(([value, label]) => ({ value, label })),
      query.sort,
    );
    this.sortSelect.addEventListener('change', () =>
      this.host.setQuery({ ...this.host.query(), sort: selectValue(this.sortSelect) as SortKey }),
    );
    this.dirButton.addEventListener('click', () =>
      this.host.setQuery({ ...this.host.query(), descending: !this.host.query().descending }),
    );
    this.clearAll.addEventListener('click', () => this.clearFilters());
    this.search.value = query.filter.text ?? '';
    let timer = 0;
    this.search.addEventListener('input', () => {
      clearTimeout(timer);
      timer = window.setTimeout(() => this.setFilter({ text: this.search.value || undefined }), 300);
    });
    this.search.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        clearTimeout(timer);
        this.setFilter({ text: this.search.value || undefined });
        this.host.focusList();
      }
    });
    this.filtersToggle.addEventListener('click', () => {
      const show = this.filtersBox.hidden;
      this.filtersBox.hidden = !show;
      this.filtersToggle.setAttribute('aria-expanded', String(show));
    });
    this.filtersBox.hidden = !hasAdvanced(query.filter);
    this.updateDir();
  }

  /** Shows a new query's sort order and chips. */
  showQuery(q: RowQuery): void {
    if (selectValue(this.sortSelect) !== q.sort) setSelectValue(this.sortSelect, q.sort);
    this.updateDir();
    this.buildChips();
  }

  /** "show all" is offered while rows are hidden or a filter is set. */
  updateClearAll(matched: number, total: number): void {
    this.clearAll.hidden = matched === total && !Object.keys(this.host.query().filter).length;
  }

  private updateDir(): void {
    const descending = this.host.query().descending;
    this.dirButton.textContent = descending ? '↓' : '↑';
    this.dirButton.title = descending ? 'Descending (click for ascending)' : 'Ascending (click for descending)';
  }

  buildChips(): void {
    clear(this.chips);
    const counts = this.host.summary()?.statusCounts;
    const active = new Set(this.host.query().filter.statuses ?? []);
    for (const st of ROW_STATUSES) {
      const n = counts?.[st] ?? 0;
      if (!n && !active.has(st)) continue;
      const chip = h(
        'button',
        {
          type: 'button',
          class: `chip st-${st}${active.has(st) ? ' active' : ''}`,
          'aria-pressed': String(active.has(st)),
          'data-status': st,
          title: `Show only: ${STATUS_SHORT[st]} (click again to clear)`,
        },
        h('span', { class: 'dot' }),
        `${STATUS_SHORT[st]} ${n}`,
      );
      chip.addEventListener('click', () => {
        const next = new Set(active);
        if (next.has(st)) next.delete(st);
        else next.add(st);
        this.setFilter({ statuses: next.size ? ROW_STATUSES.filter((s) => next.has(s)) : undefined });
      });
      this.chips.append(chip);
    }
    const s = this.host.summary();
    if (s) {
      this.chips.append(
        h('span', {
          class: 'muted file-facts',
          text: `${fmtBytes(s.bytes)}${s.complete ? '' : ' · reading…'}${s.summarized !== undefined && s.rows ? ` · scores ${Math.floor((s.summarized / s.rows) * 100)}%…` : ''}`,
        }),
      );
    }
  }

  buildFilters(): void {
    clear(this.filtersBox);
    const f = this.host.query().filter;
    const min = textfield(
      { type: 'number', step: 'any', class: 'num', 'aria-label': 'Lowest score', placeholder: 'min' },
      String(f.scoreMin ?? ''),
    );
    const max = textfield(
      { type: 'number', step: 'any', class: 'num', 'aria-label': 'Highest score', placeholder: 'max' },
      String(f.scoreMax ?? ''),
    );
    const onScore = () =>
      this.setFilter({
        scoreMin: min.value === '' ? undefined : Number(min.value),
        scoreMax: max.value === '' ? undefined : Number(max.value),
      });
    min.addEventListener('change', onScore);
    max.addEventListener('change', onScore);
    const graded = select(
      { 'aria-label': 'Graded' },
      [
        { value: '', label: 'graded or not' },
        { value: 'yes', label: 'has a grade' },
        { value: 'no', label: 'no grade' },
      ],
      f.hasGrade === undefined ? '' : f.hasGrade ? 'yes' : 'no',
    );
    graded.addEventListener('change', () =>
      this.setFilter({ hasGrade: selectValue(graded) === '' ? undefined : selectValue(graded) === 'yes' }),
    );
    const flag = (key: 'parseFailure' | 'truncated' | 'runError' | 'overridden', label: string) => {
      const box = checkbox(label, !!f[key]);
      box.addEventListener('change', () => this.setFilter({ [key]: box.checked || undefined } as Partial<RowFilter>));
      return box;
    };
    const meta = this.host.summary()?.meta ?? [];
    const col = select(
      { 'aria-label': 'Metadata column' },
      [{ value: '', label: 'any column' }, ...meta.map((m) => ({ value: m.name, label: m.name }))],
      f.column?.name ?? '',
    );
    const val = select({ 'aria-label': 'Value' }, []);
    const fillValues = (colName: string, chosen: string) => {
      const m = meta.find((x) => x.name === colName);
      val.disabled = !m;
      const choices: Choice[] = [
        { value: '', label: m ? 'any value' : '—' },
        ...(m?.values ?? []).map((v) => ({ value: v.value, label: `${v.value} (${v.count})` })),
      ];
      setChoices(val, choices, chosen);
    };
    fillValues(f.column?.name ?? '', f.column?.value ?? '');
    col.addEventListener('change', () => {
      fillValues(selectValue(col), '');
      this.setFilter({ column: undefined });
    });
    val.addEventListener('change', () => {
      const c = selectValue(col);
      const v = selectValue(val);
      this.setFilter({ column: c && v !== '' ? { name: c, value: v } : undefined });
    });
    const caseBox = checkbox('match case', !!f.caseSensitive);
    caseBox.addEventListener('change', () => this.setFilter({ caseSensitive: caseBox.checked || undefined }));
    const field = select(
      { 'aria-label': 'Search in' },
      [{ value: '', label: 'all text' }, ...(this.host.summary()?.columns ?? []).map((c) => ({ value: c, label: c }))],
      f.textField ?? '',
    );
    field.addEventListener('change', () => this.setFilter({ textField: selectValue(field) || undefined }));
    // Agent rows: bounds on the number of steps and on what the agent's calls cost.
    const range = (lo: 'stepsMin' | 'agentCostMin', hi: 'stepsMax' | 'agentCostMax', what: string, step: string) => {
      const a = textfield(
        { type: 'number', step, min: 0, class: 'num', 'aria-label': `Fewest ${what}`, placeholder: 'min' },
        String(f[lo] ?? ''),
      );
      const b = textfield(
        { type: 'number', step, min: 0, class: 'num', 'aria-label': `Most ${what}`, placeholder: 'max' },
        String(f[hi] ?? ''),
      );
      const on = () =>
        this.setFilter({
          [lo]: a.value === '' || !Number.isFinite(Number(a.value)) ? undefined : Number(a.value),
          [hi]: b.value === '' || !Number.isFinite(Number(b.value)) ? undefined : Number(b.value),
        } as Partial<RowFilter>);
      a.addEventListener('change', on);
      b.addEventListener('change', on);
      return [a, b];
    };
    const [stepsMin, stepsMax] = range('stepsMin', 'stepsMax', 'agent steps', '1');
    const [costMin, costMax] = range('agentCostMin', 'agentCostMax', 'agent cost (USD)', 'any');
    const agent = select(
      { 'aria-label': 'Agent rows' },
      [
        { value: '', label: 'agent rows or not' },
        { value: 'yes', label: 'agent rows' },
        { value: 'no', label: 'not agent rows' },
      ],
      f.agent === undefined ? '' : f.agent ? 'yes' : 'no',
    );
    agent.addEventListener('change', () =>
      this.setFilter({ agent: selectValue(agent) === '' ? undefined : selectValue(agent) === 'yes' }),
    );
    const reset = button('Clear filters', {}, true);
    reset.addEventListener('click', () => this.clearFilters());
    this.filtersBox.append(
      h('label', {}, 'Score ', min, ' – ', max),
      graded,
      flag('parseFailure', 'parse failure'),
      flag('runError', 'run error'),
      flag('truncated', 'truncated'),
      flag('overridden', 'human grade'),
      agent,
      h('label', {}, 'Agent steps ', stepsMin, ' – ', stepsMax),
      h('label', {}, 'Agent cost $ ', costMin, ' – ', costMax),
      h('label', {}, 'Column ', col, ' = ', val),
      h('label', {}, 'Search in ', field),
      caseBox,
      reset,
    );
  }

  clearFilters(): void {
    this.search.value = '';
    this.host.setQuery({ ...this.host.query(), filter: {} });
    this.buildFilters();
  }

  setFilter(patch: Partial<RowFilter>): void {
    const filter: RowFilter = { ...this.host.query().filter, ...patch };
    for (const k of Object.keys(filter) as Array<keyof RowFilter>) if (filter[k] === undefined) delete filter[k];
    this.host.setQuery({ ...this.host.query(), filter });
  }
}

function hasAdvanced(f: RowFilter): boolean {
  return (
    f.scoreMin !== undefined ||
    f.scoreMax !== undefined ||
    f.hasGrade !== undefined ||
    !!f.parseFailure ||
    !!f.runError ||
    !!f.truncated ||
    f.overridden !== undefined ||
    !!f.column ||
    !!f.textField ||
    !!f.caseSensitive ||
    f.agent !== undefined ||
    f.stepsMin !== undefined ||
    f.stepsMax !== undefined ||
    f.agentCostMin !== undefined ||
    f.agentCostMax !== undefined
  );
}
