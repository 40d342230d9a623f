// Filtering, sorting and paging the rows of an indexed results file, on the host: the viewer
// asks for one page of summaries at a time. The ordering of the last query is kept, so scrolling
// through its pages costs a slice each.

import { QedError } from '../errors';
import { ROW_STATUSES, type PageResult, type RowFilter, type RowQuery, type RowSummary } from '../../protocol';
import type { ResultsIndex } from './resultsIndex';
import { searchRows, compilePattern } from './search';

export interface QueryRun {
  order: Int32Array;
  generation: number;
  /** Rows looked at (the file may still be being read, or the text search ran out of time). */
  incomplete?: { reason: string; searched: number };
}

interface SearchCache {
  key: string;
  hits: Uint8Array;
  /** Rows [0, searched) were searched. */
  searched: number;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

export class RowQueries {
  private last: { key: string; run: QueryRun } | undefined;
  private search: SearchCache | undefined;
  /** Time budget of one text search, ms. */
  searchBudgetMs = 8000;

  constructor(private readonly index: ResultsIndex) {}

  /** The rows of the query in order (cached for the last query until the file changes). */
  async run(
    query: RowQuery,
    opts: { signal?: AbortSignal; onProgress?: (fraction: number) => void } = {},
  ): Promise<QueryRun> {
    const idx = this.index;
    const generation = idx.generation;
    const n = idx.table.n;
    const pending = idx.table.pendingCount;
    const key = JSON.stringify([query, generation, n, idx.complete, pending]);
    if (this.last?.key === key) return this.last.run;

    const f = query.filter ?? {};
    let textHits: Uint8Array | undefined;
    let incomplete: QueryRun['incomplete'] = idx.complete
      ? undefined
      : { reason: 'the file is still being read', searched: n };
    // Rows listed before their summaries are read: a filter or sort on figures keeps only the rows
    // whose figures are known, and says so.
    const partial = pending > 0 && needsFigures(query);
    if (pending > 0 && !incomplete) {
      const pct = Math.floor(((n - pending) / n) * 100);
      incomplete = partial
        ? {
            reason: `scores and flags are read for ${pct}% of the rows so far: only those are filtered and sorted`,
            searched: n - pending,
          }
        : { reason: `scores and flags are still being read (${pct}%)`, searched: n };
    }
    if (f.text) {
      const s = await this.searchText(f, opts);
      textHits = s.hits;
      if (s.searched < n)
        incomplete = {
          reason: `the text search stopped after ${(this.searchBudgetMs / 1000).toFixed(0)} s`,
          searched: s.searched,
        };
    }
    if (idx.generation !== generation) return this.run(query, opts);

    const t = idx.table;
    const keepAll = predicate(f, t, textHits);
    const keep = partial ? (i: number) => t.pending[i] === 0 && keepAll(i) : keepAll;
    let count = 0;
    const all = new Int32Array(n);
    for (let i = 0; i < n; i++) if (keep(i)) all[count++] = i;
    const order = all.slice(0, count);
    sortRows(order, query, t);
    const run: QueryRun = { order, generation, incomplete };
    this.last = { key, run };
    return run;
  }

  async page(
    query: RowQuery,
    offset: number,
    limit: number,
    opts: { signal?: AbortSignal; onProgress?: (fraction: number) => void } = {},
  ): Promise<PageResult> {
    const idx = this.index;
    const plain = isPlain(query);
    // The first pages of the file in file order need only the rows read so far.
    if (plain) await idx.waitForRows(offset + limit);
    const run = await this.run(query, opts);
    const rows: RowSummary[] = [];
    const end = Math.min(run.order.length, offset + Math.max(0, Math.min(limit, 2000)));
    for (let k = Math.max(0, offset); k < end; k++) rows.push(idx.table.summary(run.order[k]));
    return {
      generation: run.generation,
      matched: run.order.length,
      total: idx.table.n,
      offset,
      rows,
      incomplete: run.incomplete,
    };
  }

  async locate(query: RowQuery, index: number): Promise<{ position: number; matched: number }> {
    const run = await this.run(query);
    return { position: run.order.indexOf(index), matched: run.order.length };
  }

  private async searchText(
    f: RowFilter,
    opts: { signal?: AbortSignal; onProgress?: (fraction: number) => void },
  ): Promise<{ hits: Uint8Array; searched: number }> {
    const idx = this.index;
    compilePattern(f.text!, f.caseSensitive);
    const key = JSON.stringify([f.text, !!f.caseSensitive, f.textField ?? '']);
    const n = idx.table.n;
    const cache = this.search?.key === key ? this.search : undefined;
    if (cache && cache.searched >= n) return { hits: cache.hits.subarray(0, n), searched: n };
    // Rows appended since (or not reached by a search that ran out of time) are searched on their own.
    const from = cache?.searched ?? 0;
    const t = idx.table;
    const res = await searchRows(idx.file, t.start.slice(from, n), t.len.slice(from, n), {
      pattern: f.text!,
      caseSensitive: f.caseSensitive,
      field: f.textField,
      journal: idx.journalBase !== undefined ? { path: idx.journalFile, base: idx.journalBase } : undefined,
      budgetMs: this.searchBudgetMs,
      signal: opts.signal,
      onProgress: opts.onProgress,
    });
    const hits = new Uint8Array(n);
    if (from && cache) hits.set(cache.hits.subarray(0, from));
    hits.set(res.hits, from);
    const searched = from + res.searched;
    this.search = { key, hits, searched };
    return { hits, searched };
  }

  /** Forgets cached orderings (rows were appended: searches so far stay valid). */
  invalidate(): void {
    this.last = undefined;
  }

  /** Forgets the cached search too (a row changed, or the file was rewritten). */
  reset(): void {
    this.last = undefined;
    this.search = undefined;
  }
}

function isPlain(q: RowQuery): boolean {
  const f = q.filter ?? {};
  return (
    (q.sort ?? 'index') === 'index' &&
    !q.descending &&
    Object.values(f).every((v) => v === undefined || v === '' || (Array.isArray(v) && v.length === 0))
  );
}

/** Whether a query looks at the rows' summaries (anything beyond the text search in file order). */
function needsFigures(q: RowQuery): boolean {
  const f = q.filter ?? {};
  if ((q.sort ?? 'index') !== 'index') return true;
  return Object.entries(f).some(
    ([k, v]) =>
      k !== 'text' &&
      k !== 'caseSensitive' &&
      k !== 'textField' &&
      v !== undefined &&
      v !== '' &&
      !(Array.isArray(v) && v.length === 0),
  );
}

type Table = ResultsIndex['table'];

function predicate(f: RowFilter, t: Table, textHits: Uint8Array | undefined): (i: number) => boolean {
  const tests: Array<(i: number) => boolean> = [];
  if (textHits) tests.push((i) => textHits[i] === 1);
  const min = f.scoreMin;
  const max = f.scoreMax;
  if (typeof min === 'number' && Number.isFinite(min)) tests.push((i) => t.score[i] >= min);
  if (typeof max === 'number' && Number.isFinite(max)) tests.push((i) => t.score[i] <= max);
  const range = (col: Float64Array, lo: unknown, hi: unknown) => {
    // NaN (no value) fails every comparison: a bound keeps only rows that have the figure.
    if (typeof lo === 'number' && Number.isFinite(lo)) tests.push((i) => col[i] >= lo);
    if (typeof hi === 'number' && Number.isFinite(hi)) tests.push((i) => col[i] <= hi);
  };
  range(t.steps, f.stepsMin, f.stepsMax);
  range(t.agentCost, f.agentCostMin, f.agentCostMax);
  if (f.agent !== undefined) tests.push((i) => !Number.isNaN(t.steps[i]) === f.agent);
  if (f.hasGrade !== undefined) tests.push((i) => !Number.isNaN(t.score[i]) === f.hasGrade);
  if (f.parseFailure) tests.push((i) => t.statusOf(i) === 'parse_error');
  if (f.runError) tests.push((i) => t.statusOf(i) === 'run_error');
  if (f.truncated) tests.push((i) => t.truncated[i] === 1);
  if (f.overridden !== undefined) tests.push((i) => !Number.isNaN(t.human[i]) === f.overridden);
  if (f.statuses?.length) {
    const allowed = new Set(f.statuses.map((s) => ROW_STATUSES.indexOf(s)));
    tests.push((i) => allowed.has(t.status[i]));
  }
  if (f.column?.name) {
    const { name, value } = f.column;
    const m = t.meta.get(name);
    if (!m || m.dropped) throw new QedError(`'${name}' is not a column the list can filter on`, { field: name });
    const want = m.values.values.indexOf(value);
    tests.push((i) => want >= 0 && m.ids[i] === want);
  }
  return (i) => {
    for (const test of tests) if (!test(i)) return false;
    return true;
  };
}

function sortRows(order: Int32Array, q: RowQuery, t: Table): void {
  const dir = q.descending ? -1 : 1;
  const byNumber = (col: Float64Array) => (a: number, b: number) => {
    const x = col[a];
    const y = col[b];
    const xn = Number.isNaN(x);
    const yn = Number.isNaN(y);
    // Unknown values last in both directions.
    if (xn || yn) return xn === yn ? a - b : xn ? 1 : -1;
    return x === y ? a - b : (x - y) * dir;
  };
  switch (q.sort ?? 'index') {
    case 'index':
      if (q.descending) order.reverse();
      return;
    case 'id':
      order.sort((a, b) => collator.compare(t.ids[a] ?? '', t.ids[b] ?? '') * dir || a - b);
      return;
    case 'score':
      order.sort(byNumber(t.score));
      return;
    case 'tokens':
      order.sort(byNumber(t.tokens));
      return;
    case 'cost':
      order.sort(byNumber(t.cost));
      return;
    case 'steps':
      order.sort(byNumber(t.steps));
      return;
    case 'agentCost':
      order.sort(byNumber(t.agentCost));
      return;
    default:
      throw new QedError(`unknown sort '${String(q.sort)}'`, { field: 'sort' });
  }
}
