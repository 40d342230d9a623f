// The viewer's host, shared by the VS Code panel and `qed view`: answers the protocol's requests
// from the indexes of the files it serves, runs regrades and overrides, and reports changes of
// the files. Transport-free: each host feeds it messages and delivers what it returns or emits.

import { basename } from 'node:path';
import { userInfo } from 'node:os';
import type { Row } from '../data/types';
import { QedError, describeError } from '../errors';
import type { Grader } from '../grade/eval';
import { gradingDifferences, mismatchWarning, recordedGrading, regradeIndexedRow } from '../grade/regrade';
import { describeRetry } from '../llm/retry';
import {
  PROTOCOL_VERSION,
  ROW_STATUSES,
  type AnyRequest,
  type Capabilities,
  type CompareResult,
  type ErrorCode,
  type FileInfo,
  type FileSummary,
  type FullRow,
  type GradeModeName,
  type GraderList,
  type HostEvent,
  type HostMessage,
  type RequestMap,
  type RequestParams,
  type RequestResult,
  type RequestType,
  type RowQuery,
  type RowStatus,
  type RowSummary,
  type ViewerMessage,
  type ViewerSettings,
} from '../../protocol';
import { EditRefused, buildHumanGrade, replaceRow, rowForEdit } from './edit';
import { readCalls, withoutCalls } from './calls';
import { liveLockHolder } from '../run/lock';
import { rowMarkdown } from './markdown';
import { RowQueries } from './query';
import { summarizeRow } from './summary';
import { acquireIndex, type IndexChange, type ResultsIndex } from './resultsIndex';

export interface GraderRequest {
  /** The config the viewer picked; undefined: as the row was graded (VS Code: its quick pick asks). */
  ref?: string;
  /** The mode the user picked; undefined: as the row was graded (see gradingModeOf). */
  mode?: GradeModeName;
  file: string;
  row: Row;
  signal: AbortSignal;
}

export interface ViewerHostOptions {
  files: string[];
  host: 'vscode' | 'http' | 'stub';
  settings?: ViewerSettings;
  /** Lists the graders; absent when regrading is not offered. */
  graders?: (file: string) => Promise<GraderList>;
  /** Builds the grader for one regrade; undefined when the user gave up picking. */
  grader?: (req: GraderRequest) => Promise<Grader | undefined>;
  /** Why regrading is unavailable (shown in the viewer); asked each time (workspace trust can change). */
  regradeUnavailable?: string | (() => string | undefined);
  /** Saves an export (VS Code: a save dialog); returns where, or undefined when cancelled. */
  saveExport?: (markdown: string, suggestedName: string) => Promise<string | undefined>;
  /** Longest text sent per column of a full row (characters). */
  maxFieldChars?: number;
}

interface Served {
  info: FileInfo;
  index: ResultsIndex;
  queries: RowQueries;
  release: () => void;
  unsubscribe: () => void;
}

const DEFAULT_MAX_FIELD = 2_000_000;

export class ViewerHost {
  private readonly files: Served[];
  private readonly listeners = new Set<(m: HostMessage) => void>();
  private readonly running = new Map<string, AbortController>();
  private timer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(private readonly opts: ViewerHostOptions) {
    this.files = opts.files.map((path, file) => {
      const { index, release } = acquireIndex(path);
      let last = 0;
      const unsubscribe = index.onProgress((p) => {
        const now = Date.now();
        const summarizing = p.summarized !== undefined && p.summarized < p.rows;
        if ((p.bytes < p.size || summarizing) && now - last < 250) return;
        last = now;
        // Rows are listed before their summaries are read: the list says how far that is.
        if (p.summarized !== undefined)
          this.emit({
            type: 'progress',
            file,
            message: summarizing ? `${p.rows} rows, reading their scores` : `${p.rows} rows`,
            fraction: p.rows ? p.summarized / p.rows : 1,
          });
        else
          this.emit({
            type: 'progress',
            file,
            message: p.bytes < p.size ? `reading ${basename(path)}: ${p.rows} rows` : `${p.rows} rows`,
            fraction: p.size ? p.bytes / p.size : 1,
          });
      });
      // Changes come from the index, whoever noticed them: several hosts (panels, a compare view)
      // share one index per file, and only the first to refresh it sees the change happen.
      const unwatch = index.onChange((c) => this.changed(file, c.change, c.index));
      const stop = () => {
        unsubscribe();
        unwatch();
      };
      return {
        info: { file, path: index.file, name: basename(path) },
        index,
        queries: new RowQueries(index),
        release,
        unsubscribe: stop,
      };
    });
  }

  /** Starts reading every file (the first pages are served while the rest is read). */
  open(): Promise<void[]> {
    return Promise.all(this.files.map((f) => f.index.open()));
  }

  get fileInfos(): FileInfo[] {
    return this.files.map((f) => f.info);
  }

  /** The last progress of each file's reading (qed view's first screen shows it as the viewer would). */
  private readonly reading = new Map<number, Extract<HostEvent, { type: 'progress' }>>();

  /** Events (file changes, progress) for every connected viewer. */
  onMessage(fn: (m: HostMessage) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(event: HostEvent): void {
    if (event.type === 'progress' && event.id === undefined) this.reading.set(event.file, event);
    for (const fn of this.listeners) fn({ kind: 'event', event });
  }

  /** How far the reading of `file` is, as last told (undefined before the first word of it). */
  readingProgress(file: number): Extract<HostEvent, { type: 'progress' }> | undefined {
    return this.reading.get(file);
  }

  /** Checks the files on disk every `ms` (qed view; VS Code uses its file watcher instead). */
  poll(ms = 1000): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => {
      for (let i = 0; i < this.files.length; i++) void this.refresh(i).catch(() => undefined);
    }, ms);
    this.timer.unref?.();
  }

  /** Looks at a file again and tells the viewers what changed. */
  async refresh(file: number): Promise<IndexChange> {
    const f = this.files[file];
    if (!f || this.disposed) return null;
    // The index reports a change to every host that shares it (see the constructor).
    return f.index.refresh();
  }

  private changed(file: number, change: 'appended' | 'row' | 'rewritten' | 'removed', index?: number): void {
    const f = this.files[file];
    if (change === 'appended') f.queries.invalidate();
    else f.queries.reset();
    this.emit({ type: 'changed', file, change, generation: f.index.generation, rows: f.index.table.n, index });
  }

  private unavailable(): string | undefined {
    const u = this.opts.regradeUnavailable;
    return typeof u === 'function' ? u() : u;
  }

  capabilities(): Capabilities {
    const why = this.unavailable();
    return {
      regrade: !!this.opts.grader && !why,
      regradeUnavailable: why ?? (this.opts.grader ? undefined : 'this host cannot regrade'),
      override: true,
      saveExport: !!this.opts.saveExport,
    };
  }

  /**
   * Handles one message from a viewer. `session` separates the request ids of several pages
   * (qed view serves any number of tabs). Returns the answer to send back, if any.
   */
  async handle(msg: ViewerMessage, session = ''): Promise<HostMessage | undefined> {
    if (msg.kind === 'ready') {
      return {
        kind: 'init',
        protocol: PROTOCOL_VERSION,
        files: this.fileInfos,
        capabilities: this.capabilities(),
        settings: { reviewer: defaultReviewer(), ...this.opts.settings },
        state: msg.state,
        host: this.opts.host,
      };
    }
    if (msg.kind === 'cancel') {
      this.running.get(`${session}:${msg.id}`)?.abort();
      return undefined;
    }
    if (msg.kind !== 'request') return undefined;
    const key = `${session}:${msg.id}`;
    const controller = new AbortController();
    this.running.set(key, controller);
    try {
      const result = await this.dispatch(msg, controller.signal);
      return { kind: 'response', id: msg.id, ok: true, result };
    } catch (e) {
      return {
        kind: 'response',
        id: msg.id,
        ok: false,
        error: { code: errorCode(e, controller.signal), message: describeError(e) },
      };
    } finally {
      this.running.delete(key);
    }
  }

  private served(file: unknown): Served {
    const f = typeof file === 'number' ? this.files[file] : undefined;
    if (!f) throw new QedError(`no file ${String(file)} in this view`);
    return f;
  }

  private dispatch(msg: AnyRequest, signal: AbortSignal): Promise<unknown> {
    const handlers: {
      [K in RequestType]: (p: RequestParams<K>, signal: AbortSignal, id: number) => Promise<RequestResult<K>>;
    } = {
      summary: async (p) => {
        await this.rowsFirst(p.file);
        return this.served(p.file).index.serve(() => this.summary(p.file));
      },
      page: async (p, s, id) => {
        const f = this.served(p.file);
        await this.rowsFirst(p.file);
        const run = () =>
          f.queries.page(normalQuery(p.query), p.offset, p.limit, {
            signal: s,
            onProgress: (x) =>
              this.emit({
                type: 'progress',
                file: p.file,
                id,
                message: `searching: ${Math.round(x * 100)}%`,
                fraction: x,
              }),
          });
        // A text search runs in a worker for seconds: it does not hold up the indexing.
        return p.query?.filter?.text ? run() : f.index.serve(run);
      },
      locate: (p) =>
        this.served(p.file).index.serve(() => this.served(p.file).queries.locate(normalQuery(p.query), p.index)),
      row: (p) => {
        const f = this.served(p.file);
        const work = f.index.serve(() => this.fullRow(p.file, p.index, p.maxFieldChars, p.lazyCalls));
        // A row that is already indexed is answered before the list pages asked meanwhile (the
        // reader waits for it; the list fills in a moment later). A row still to be reached by the
        // indexing does not hold the list up.
        if (Number.isInteger(p.index) && p.index < f.index.table.n) {
          const set = this.rowsUnderWay.get(p.file) ?? new Set<Promise<unknown>>();
          this.rowsUnderWay.set(p.file, set);
          const done = work.then(
            () => undefined,
            () => undefined,
          );
          set.add(done);
          void done.then(() => set.delete(done));
        }
        return work;
      },
      calls: (p) => {
        const f = this.served(p.file);
        return f.index.serve(async () => {
          const res = await readCalls(f.index, p.index, p.rev, p.from, p.count);
          const cut = new Map<string, number>();
          return {
            entries: cutLongText(
              { history: res.entries },
              Math.max(1000, p.maxFieldChars ?? this.opts.maxFieldChars ?? DEFAULT_MAX_FIELD),
              cut,
            ).history as unknown[],
            total: res.total,
          };
        });
      },
      graders: async (p) => {
        const f = this.served(p.file);
        const why = this.unavailable();
        if (why) return { graders: [], hostPicker: false, unavailable: why };
        if (!this.opts.graders) return { graders: [], hostPicker: false, unavailable: 'this host cannot regrade' };
        return this.opts.graders(f.index.file);
      },
      regrade: (p, s, id) => this.regrade(p, s, id),
      override: async (p) => {
        const f = this.served(p.file);
        const { row, rev } = await rowForEdit(f.index, p.index, p.expect);
        const human = buildHumanGrade(
          row,
          p.points,
          p.note,
          (p.reviewer || this.opts.settings?.reviewer || defaultReviewer()).slice(0, 200),
          f.index.file,
          f.index.table.line[p.index],
        );
        await replaceRow(f.index, p.index, rev, { ...row, human_grade: human });
        return { row: await this.fullRow(p.file, p.index) };
      },
      clearOverride: async (p) => {
        const f = this.served(p.file);
        const { row, rev } = await rowForEdit(f.index, p.index, p.expect);
        const next = { ...row };
        delete next.human_grade;
        await replaceRow(f.index, p.index, rev, next);
        return { row: await this.fullRow(p.file, p.index) };
      },
      compare: (p) => this.compare(p.left, p.right, p.query),
      export: (p) => this.exportMarkdown(p),
    };
    // Only the table's own names: `constructor`, `toString`, `__proto__`… are inherited, not requests.
    const type: unknown = (msg as { type: unknown }).type;
    if (typeof type !== 'string' || !Object.hasOwn(handlers, type)) {
      const name = typeof type === 'string' ? type.slice(0, 80) : typeof type;
      return Promise.reject(new QedError(`unknown request '${name}'`));
    }
    const handler = handlers[type as RequestType] as (p: unknown, s: AbortSignal, id: number) => Promise<unknown>;
    return handler(msg.params, signal, msg.id);
  }

  /** Rows being read for a viewer, per file (see `row` in dispatch). */
  private readonly rowsUnderWay = new Map<number, Set<Promise<unknown>>>();

  /** Resolves once the rows asked for before this moment have been read. */
  private async rowsFirst(file: unknown): Promise<void> {
    const set = typeof file === 'number' ? this.rowsUnderWay.get(file) : undefined;
    if (set?.size) await Promise.all([...set]);
  }

  private async summary(file: number): Promise<FileSummary> {
    const f = this.served(file);
    await f.index.waitForRows(1);
    const t = f.index.table;
    const statusCounts = Object.fromEntries(ROW_STATUSES.map((s) => [s, 0])) as Record<RowStatus, number>;
    // Rows whose summary is not read yet are not counted (the summary says how many there are).
    for (let i = 0; i < t.n; i++) if (!t.pending[i]) statusCounts[t.statusOf(i)]++;
    const meta = [...t.meta.values()]
      .filter((m) => !m.dropped && m.values.values.length > 0)
      .map((m) => ({
        name: m.name,
        values: m.values.values
          .map((value, k) => ({ value, count: m.counts[k] ?? 0 }))
          .filter((v) => v.count > 0)
          .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value)),
      }))
      .filter((m) => m.values.length > 0);
    return {
      ...f.info,
      bytes: (f.index.sig?.size ?? 0) + (f.index.sig?.journal?.size ?? 0),
      rows: t.n,
      complete: f.index.complete,
      ...(t.pendingCount ? { summarized: t.n - t.pendingCount } : {}),
      badLines: f.index.badLines.slice(0, 50),
      columns: [...t.columns],
      meta,
      statusCounts,
      generation: f.index.generation,
      locked: liveLockHolder(`${f.index.file}.lock`) !== undefined,
      ...(f.index.journalBase !== undefined
        ? { live: { rows: f.index.liveRows, journal: basename(f.index.journalFile) } }
        : {}),
    };
  }

  async fullRow(file: number, i: number, maxFieldChars?: number, lazyCalls = false): Promise<FullRow> {
    const f = this.served(file);
    await f.index.waitForRows(i + 1);
    let got;
    try {
      got = await f.index.readRow(i);
    } catch (e) {
      // The line is not where the index says: the file changed under us; read it again.
      if (e instanceof QedError && /changed on disk/.test(e.message)) {
        await f.index.reload();
      }
      throw e;
    }
    const max = Math.max(1000, maxFieldChars ?? this.opts.maxFieldChars ?? DEFAULT_MAX_FIELD);
    // Keyed by the row's column names, which may be `__proto__` or `constructor`: a Map.
    const cut = new Map<string, number>();
    const lazy = lazyCalls ? withoutCalls(got.row, { index: f.index, i, rev: got.rev }) : { row: got.row };
    const row = cutLongText(lazy.row, max, cut);
    return {
      file,
      index: i,
      line: f.index.table.line[i],
      row,
      // A row listed before its summary was read gets one from the row just read.
      summary: f.index.table.pending[i]
        ? { ...f.index.table.summary(i), ...pendingSummary(got.row) }
        : f.index.table.summary(i),
      rev: got.rev,
      bytes: got.bytes,
      cut: cut.size ? Object.fromEntries(cut) : undefined,
      ...(lazy.calls !== undefined ? { calls: lazy.calls } : {}),
    };
  }

  private async regrade(
    p: RequestParams<'regrade'>,
    signal: AbortSignal,
    id: number,
  ): Promise<RequestResult<'regrade'>> {
    const f = this.served(p.file);
    const why = this.unavailable();
    const pickGrader = this.opts.grader;
    if (!pickGrader || why) throw new EditRefusedUnavailable(why ?? 'this host cannot regrade');
    const say = (message: string) => this.emit({ type: 'progress', file: p.file, id, message });
    let shown: Row | undefined;
    const r = await regradeIndexedRow(
      f.index,
      p.index,
      async (row) => {
        shown = row;
        return pickGrader({ ref: p.grader || undefined, mode: p.mode, file: f.index.file, row, signal });
      },
      {
        expect: p.expect,
        signal,
        onRetry: (info) => say(describeRetry(info)),
        onStart: (g) => {
          const d = shown ? gradingDifferences(recordedGrading(shown), g.identity) : [];
          say(`asking ${g.identity.config} (${g.mode} grading)…${d.length ? ` Note: ${mismatchWarning(d)}.` : ''}`);
        },
      },
    );
    if (!r) throw new Cancelled();
    return { row: await this.fullRow(p.file, p.index), cost: r.cost, flag: r.flag };
  }

  private async compare(left: number, right: number, query?: RowQuery): Promise<CompareResult> {
    const a = this.served(left);
    const b = this.served(right);
    await Promise.all([a.index.open(), b.index.open()]);
    // The k-th row of a problem in one file meets the k-th row of the same problem in the other
    // (several runs per problem pair up in order).
    const keyed = (f: Served, order?: Int32Array) => {
      const seen = new Map<string, number>();
      const out = new Map<string, number>();
      const t = f.index.table;
      const rows = order ?? Int32Array.from({ length: t.n }, (_, i) => i);
      for (const i of rows) {
        const id = t.ids[i] ?? `#${i + 1}`;
        const k = seen.get(id) ?? 0;
        seen.set(id, k + 1);
        out.set(k ? `${id} (${k + 1})` : id, i);
      }
      return out;
    };
    const leftOrder = query ? (await a.queries.run(normalQuery(query))).order : undefined;
    const la = keyed(a, leftOrder);
    const lb = keyed(b);
    const rows: CompareResult['rows'] = [];
    for (const [key, i] of la) {
      const j = lb.get(key);
      const l = a.index.table.summary(i);
      const r = j === undefined ? null : b.index.table.summary(j);
      // A saved human grade stands for the row's score (it is what a reviewer decided).
      const ls = l.human ?? l.score;
      const rs = r ? (r.human ?? r.score) : null;
      rows.push({ key, left: l, right: r, diff: ls !== null && rs !== null ? rs - ls : null });
    }
    if (!query)
      for (const [key, j] of lb)
        if (!la.has(key)) rows.push({ key, left: null, right: b.index.table.summary(j), diff: null });
    return { left, right, joinedOn: 'question_id / problem_id', rows };
  }

  private async exportMarkdown(p: RequestParams<'export'>): Promise<RequestResult<'export'>> {
    const f = this.served(p.file);
    let indices: number[];
    if (p.index !== undefined) indices = [p.index];
    else {
      await f.index.open();
      const run = await f.queries.run(normalQuery(p.query ?? { filter: {}, sort: 'index' }));
      indices = Array.from(run.order.subarray(0, Math.min(run.order.length, p.limit ?? 500)));
    }
    const parts: string[] = [];
    for (const i of indices) {
      const { row } = await f.index.readRow(i);
      parts.push(rowMarkdown(row, f.index.table.summary(i)));
    }
    const markdown = parts.join('\n\n---\n\n') + '\n';
    const name =
      p.index !== undefined
        ? `${f.index.table.summary(p.index).id.replace(/[^\w.-]+/g, '_')}.md`
        : `${f.info.name.replace(/\.jsonl$/i, '')}-filtered.md`;
    const saved = this.opts.saveExport ? await this.opts.saveExport(markdown, name) : undefined;
    return { markdown: this.opts.saveExport ? '' : markdown, rows: indices.length, saved };
  }

  dispose(): void {
    this.disposed = true;
    clearInterval(this.timer);
    for (const c of this.running.values()) c.abort();
    for (const f of this.files) {
      f.unsubscribe();
      f.release();
    }
    this.listeners.clear();
  }
}

class Cancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

class EditRefusedUnavailable extends Error {}

function errorCode(e: unknown, signal: AbortSignal): ErrorCode {
  if (e instanceof Cancelled || signal.aborted) return 'cancelled';
  if (e instanceof EditRefused) return e.code;
  if (e instanceof EditRefusedUnavailable) return 'unavailable';
  if (e instanceof QedError && /^no file|there is no row/.test(e.message)) return 'not_found';
  if (e instanceof QedError && /regular expression|filter on|unknown sort|^unknown request/.test(e.message))
    return 'invalid';
  return 'failed';
}

function normalQuery(q: RowQuery | undefined): RowQuery {
  return { filter: q?.filter ?? {}, sort: q?.sort ?? 'index', descending: !!q?.descending };
}

export function defaultReviewer(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'reviewer';
  }
}

/** A copy of the row with every string longer than `max` cut (top level, one list or object down). */
function cutLongText(row: Row, max: number, cut: Map<string, number>): Row {
  const cutStr = (s: string, name: string) => {
    if (s.length <= max) return s;
    cut.set(name, Math.max(cut.get(name) ?? 0, s.length));
    return s.slice(0, max);
  };
  const walk = (v: unknown, name: string, depth: number): unknown => {
    if (typeof v === 'string') return cutStr(v, name);
    if (depth > 3 || v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((x) => walk(x, name, depth + 1));
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, walk(x, name, depth + 1)]),
    );
  };
  // fromEntries defines own properties: a column named `__proto__` stays a column.
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, walk(v, k, 0)])) as Row;
}

export type { RequestMap };

/** The list figures of a row read before its summary was (a large file still being summarised). */
function pendingSummary(row: Row): Partial<RowSummary> {
  const s = summarizeRow(row);
  return {
    ...(s.id !== undefined ? { id: s.id } : {}),
    source: s.source,
    score: s.score,
    max: s.max,
    status: s.status,
    model: s.model,
    tokens: s.tokens,
    cost: s.cost,
    truncated: s.truncated,
    human: s.human,
    ...(s.steps !== null ? { steps: s.steps, agentCost: s.agentCost } : {}),
  };
}
