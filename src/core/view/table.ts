// The compact, column-wise record of a results file the viewer keeps in memory: where each row's
// line starts and ends, and its list summary. About 90 bytes per row plus the id strings, so a
// 100k-row file costs a few MB whatever the size of its proofs.

import { ROW_STATUSES, type RowStatus, type RowSummary } from '../../protocol';
import type { SummaryFields } from './summary';

const STATUS_CODE = new Map<RowStatus, number>(ROW_STATUSES.map((s, i) => [s, i]));
/** Distinct values beyond which a column is not offered as a metadata filter. */
export const META_MAX_VALUES = 400;

/** Interned strings: each distinct value stored once. */
class Strings {
  readonly values: string[] = [];
  private readonly ids = new Map<string, number>();
  id(v: string | undefined): number {
    if (v === undefined) return -1;
    let i = this.ids.get(v);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(v);
      this.ids.set(v, i);
    }
    return i;
  }
  get(i: number): string | undefined {
    return i < 0 ? undefined : this.values[i];
  }
}

export interface MetaStore {
  name: string;
  ids: Int32Array;
  values: Strings;
  counts: number[];
  /** Too many distinct values: no longer kept. */
  dropped: boolean;
}

export class RowTable {
  n = 0;
  private cap: number;
  start: Float64Array;
  len: Float64Array;
  line: Float64Array;
  score: Float64Array;
  max: Float64Array;
  tokens: Float64Array;
  cost: Float64Array;
  human: Float64Array;
  /** Agent steps and agent cost (NaN: not an agent row). */
  steps: Float64Array;
  agentCost: Float64Array;
  status: Uint8Array;
  truncated: Uint8Array;
  /** 1: only the row's place is known yet; its summary is read later (see ResultsIndex). */
  pending: Uint8Array;
  /** Rows with `pending` set. */
  pendingCount = 0;
  ids: Array<string | undefined> = [];
  private source = new Int32Array(0);
  private model = new Int32Array(0);
  private readonly sources = new Strings();
  private readonly models = new Strings();
  readonly meta = new Map<string, MetaStore>();
  /** Rows whose line starts here or later come from a job's journal (see ResultsIndex). */
  liveFrom: number | undefined;
  /** Every top-level column seen, in first-seen order. */
  readonly columns: string[] = [];
  private readonly columnSet = new Set<string>();

  constructor(cap = 1024) {
    this.cap = cap;
    this.start = new Float64Array(cap);
    this.len = new Float64Array(cap);
    this.line = new Float64Array(cap);
    this.score = new Float64Array(cap);
    this.max = new Float64Array(cap);
    this.tokens = new Float64Array(cap);
    this.cost = new Float64Array(cap);
    this.human = new Float64Array(cap);
    this.steps = new Float64Array(cap);
    this.agentCost = new Float64Array(cap);
    this.status = new Uint8Array(cap);
    this.truncated = new Uint8Array(cap);
    this.pending = new Uint8Array(cap);
    this.source = new Int32Array(cap);
    this.model = new Int32Array(cap);
  }

  private grow(): void {
    const cap = this.cap * 2;
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    this.start = f64(this.start);
    this.len = f64(this.len);
    this.line = f64(this.line);
    this.score = f64(this.score);
    this.max = f64(this.max);
    this.tokens = f64(this.tokens);
    this.cost = f64(this.cost);
    this.human = f64(this.human);
    this.steps = f64(this.steps);
    this.agentCost = f64(this.agentCost);
    const u8 = (a: Uint8Array) => {
      const b = new Uint8Array(cap);
      b.set(a);
      return b;
    };
    this.status = u8(this.status);
    this.truncated = u8(this.truncated);
    this.pending = u8(this.pending);
    const i32 = (a: Int32Array) => {
      const b = new Int32Array(cap).fill(-1);
      b.set(a);
      return b;
    };
    this.source = i32(this.source);
    this.model = i32(this.model);
    for (const m of this.meta.values()) if (!m.dropped) m.ids = i32(m.ids);
    this.cap = cap;
  }

  /** Appends a row: its line's place in the file, its summary and its metadata values. */
  push(start: number, len: number, line: number, s: SummaryFields, keys: string[], meta: Map<string, string>): number {
    if (this.n === this.cap) this.grow();
    const i = this.n++;
    this.replace(i, start, len, line, s, keys, meta);
    return i;
  }

  /** Appends a row whose line is known but not read yet: no summary, no metadata (filled in by `replace`). */
  pushPending(start: number, len: number, line: number): number {
    if (this.n === this.cap) this.grow();
    const i = this.n++;
    this.start[i] = start;
    this.len[i] = len;
    this.line[i] = line;
    this.score[i] =
      this.max[i] =
      this.tokens[i] =
      this.cost[i] =
      this.human[i] =
      this.steps[i] =
      this.agentCost[i] =
        NaN;
    this.status[i] = STATUS_CODE.get('not_graded') ?? 0;
    this.truncated[i] = 0;
    this.pending[i] = 1;
    this.pendingCount++;
    this.ids[i] = undefined;
    this.source[i] = -1;
    this.model[i] = -1;
    for (const m of this.meta.values()) if (!m.dropped) m.ids[i] = -1;
    return i;
  }

  /** Keeps only the rows `keep` says yes to, in order (lines that turned out not to be rows). */
  compact(keep: (i: number) => boolean): void {
    let w = 0;
    this.pendingCount = 0;
    const cols = [
      this.start,
      this.len,
      this.line,
      this.score,
      this.max,
      this.tokens,
      this.cost,
      this.human,
      this.steps,
      this.agentCost,
    ];
    for (let i = 0; i < this.n; i++) {
      if (!keep(i)) {
        for (const m of this.meta.values()) if (!m.dropped && m.ids[i] >= 0) m.counts[m.ids[i]]--;
        continue;
      }
      if (w !== i) {
        for (const c of cols) c[w] = c[i];
        this.status[w] = this.status[i];
        this.truncated[w] = this.truncated[i];
        this.pending[w] = this.pending[i];
        this.ids[w] = this.ids[i];
        this.source[w] = this.source[i];
        this.model[w] = this.model[i];
        for (const m of this.meta.values()) if (!m.dropped) m.ids[w] = m.ids[i];
      }
      this.pendingCount += this.pending[w];
      w++;
    }
    for (let i = w; i < this.n; i++) for (const m of this.meta.values()) if (!m.dropped) m.ids[i] = -1;
    this.ids.length = w;
    this.n = w;
  }

  /** Puts another line in row i's place (a job's journal finished the row): summary, columns, metadata. */
  replace(
    i: number,
    start: number,
    len: number,
    line: number,
    s: SummaryFields,
    keys: string[],
    meta: Map<string, string>,
  ): void {
    this.set(i, start, len, line, s);
    for (const k of keys) {
      if (!this.columnSet.has(k)) {
        this.columnSet.add(k);
        this.columns.push(k);
      }
    }
    for (const m of this.meta.values()) {
      if (m.dropped || meta.has(m.name)) continue;
      const prev = m.ids[i];
      if (prev >= 0) m.counts[prev]--;
      m.ids[i] = -1;
    }
    this.setMeta(i, meta);
  }

  /** Replaces row i's summary (after an edit). */
  set(i: number, start: number, len: number, line: number, s: SummaryFields): void {
    if (this.pending[i]) {
      this.pending[i] = 0;
      this.pendingCount--;
    }
    this.start[i] = start;
    this.len[i] = len;
    this.line[i] = line;
    this.score[i] = s.score ?? NaN;
    this.max[i] = s.max ?? NaN;
    this.tokens[i] = s.tokens ?? NaN;
    this.cost[i] = s.cost ?? NaN;
    this.human[i] = s.human ?? NaN;
    this.steps[i] = s.steps ?? NaN;
    this.agentCost[i] = s.agentCost ?? NaN;
    this.status[i] = STATUS_CODE.get(s.status) ?? 0;
    this.truncated[i] = s.truncated ? 1 : 0;
    this.ids[i] = s.id;
    this.source[i] = this.sources.id(s.source);
    this.model[i] = this.models.id(s.model);
  }

  setMeta(i: number, meta: Map<string, string>): void {
    for (const [name, value] of meta) {
      let m = this.meta.get(name);
      if (!m) {
        m = { name, ids: new Int32Array(this.cap).fill(-1), values: new Strings(), counts: [], dropped: false };
        this.meta.set(name, m);
      }
      if (m.dropped) continue;
      const prev = m.ids[i];
      if (prev >= 0) m.counts[prev]--;
      const id = m.values.id(value);
      m.ids[i] = id;
      m.counts[id] = (m.counts[id] ?? 0) + 1;
      if (m.values.values.length > META_MAX_VALUES) {
        m.dropped = true;
        m.ids = new Int32Array(0);
        m.counts = [];
      }
    }
    // A column this row lacks keeps -1 (the arrays start filled with -1).
  }

  statusOf(i: number): RowStatus {
    return ROW_STATUSES[this.status[i]];
  }

  summary(i: number): RowSummary {
    const n = (x: number) => (Number.isNaN(x) ? null : x);
    return {
      index: i,
      line: this.line[i],
      id: this.ids[i] ?? `#${i + 1}`,
      source: this.sources.get(this.source[i]),
      score: n(this.score[i]),
      max: n(this.max[i]),
      status: this.statusOf(i),
      model: this.models.get(this.model[i]),
      tokens: n(this.tokens[i]),
      cost: n(this.cost[i]),
      truncated: this.truncated[i] === 1,
      human: n(this.human[i]),
      ...(Number.isNaN(this.steps[i]) ? {} : { steps: this.steps[i], agentCost: n(this.agentCost[i]) }),
      ...(this.liveFrom !== undefined && this.start[i] >= this.liveFrom ? { live: true } : {}),
    };
  }

  metaValueOf(name: string, i: number): string | undefined {
    const m = this.meta.get(name);
    if (!m || m.dropped) return undefined;
    const id = m.ids[i];
    return id >= 0 ? m.values.values[id] : undefined;
  }

  /** Moves the lines after row i by delta bytes (row i's line changed length). */
  shiftAfter(i: number, delta: number): void {
    for (let j = i + 1; j < this.n; j++) this.start[j] += delta;
  }

  /** Forgets rows from i on (the unterminated last line is read again when the file grows). */
  truncate(i: number): void {
    for (let j = i; j < this.n; j++) {
      if (this.pending[j]) {
        this.pending[j] = 0;
        this.pendingCount--;
      }
      for (const m of this.meta.values()) {
        if (m.dropped) continue;
        const id = m.ids[j];
        if (id >= 0) m.counts[id]--;
        m.ids[j] = -1;
      }
    }
    this.n = Math.min(this.n, i);
  }

  /** Bytes held by the typed arrays (for the bench's memory figures). */
  get bytes(): number {
    return this.cap * (10 * 8 + 3 + 8) + [...this.meta.values()].reduce((s, m) => s + m.ids.byteLength, 0);
  }
}
