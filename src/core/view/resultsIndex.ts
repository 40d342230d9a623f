// The line-offset index of a JSONL results file, built by streaming the file once. Each row's
// line is located (start, length) and summarised; the row itself is read back later by seeking to
// its line. A large file is read in two passes: the first only finds the lines (a newline scan of
// big reads, close to `wc -l`), so its rows can be listed and opened at once; their summaries
// (id, score, flags, agent figures: what filters and sorts use) are then read in the background,
// in short slices that step aside for the viewer's requests (`summarized`, `summaries()`). The index follows the file: when it only grew (a job appending rows) the new lines are
// read incrementally; when it was replaced, it is read again from the start.
//
// It also follows the journal of a running job (`<file>.partial`, see source.ts): journal rows
// are read as if appended to the file, and a journal row that finishes a row already listed (the
// same id and run: a grading job working in place, a retried failure) takes that row's place, so
// the list shows the job's progress live without listing a row twice.

import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Row } from '../data/types';
import { TOO_DEEP, deeperThan } from '../data/depth';
import { describeJsonError } from '../data/text';
import { QedError } from '../errors';
import { metaValue, summarizeRow, CONTENT_COLUMNS } from './summary';
import { RowTable } from './table';
import { openReader, type FileStat, type Reader } from './source';

const CHUNK = 4 << 20;
/** The first read of a scan: enough for the first rows of a large file. */
const FIRST_READ = 64 << 10;
/** Lines longer than this are not parsed to summarise them (they are listed as bad lines). */
export const MAX_LINE_BYTES = 256 << 20;
const MAX_BAD_LINES = 200;

export interface FileSignature extends FileStat {
  /** The job journal next to the file, when there is one. */
  journal?: FileStat;
}

export type IndexChange = { change: 'appended' | 'rewritten' | 'removed'; rows: number } | null;

/** A change of the indexed file, as told to every user of the index. */
export interface IndexEvent {
  change: 'appended' | 'rewritten' | 'removed' | 'row';
  rows: number;
  /** The row rewritten by an edit ('row'). */
  index?: number;
}

export interface IndexProgress {
  bytes: number;
  size: number;
  rows: number;
  /** Set while the rows' summaries are read after their lines were found: rows summarised so far. */
  summarized?: number;
}

/** A scan of more bytes than this lists the rows first and reads their summaries afterwards. */
const INLINE_SUMMARY_BYTES = 16 << 20;
/** How long one background slice of summaries may take (ms). */
const SUMMARY_SLICE_MS = 12;
/** Most bytes read at once by a summary slice with a time budget. */
const SLICE_READ = 1 << 20;

type ParsedLine = { row: Row } | { bad: string } | undefined;

const sameStat = (a: FileStat | undefined, b: FileStat | undefined) =>
  !a || !b ? a === b : a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
const sameSig = (a: FileSignature | undefined, b: FileSignature) =>
  !!a && sameStat(a, b) && sameStat(a.journal, b.journal);

/** The row a journal row finishes: the same id and run index. */
function liveKey(id: string | undefined, run: unknown): string | undefined {
  return id === undefined ? undefined : `${id}\u0000${typeof run === 'number' || typeof run === 'string' ? run : 0}`;
}

export function lineRev(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex').slice(0, 20);
}

function isBlank(buf: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const c = buf[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}

/**
 * One indexed results file. Every read of the file goes through `serial` so a rebuild, an
 * incremental update and an edit never interleave.
 */
export class ResultsIndex {
  readonly file: string;
  /** The journal a running job appends to; its rows are shown live. */
  readonly journalFile: string;
  /** Rows read from the journal (new ones and ones that took an earlier row's place). */
  liveRows = 0;
  /** id+run → row, built when the first journal row is read. */
  private liveKeys: Map<string, number> | undefined;
  /** Rows replaced by journal rows during the current scan. */
  private replaced = 0;
  /** Lines of the results file itself, once the journal has been reached: journal rows are numbered by their own line. */
  private mainLines: number | undefined;
  table = new RowTable();
  /** Bumped on every change of the file (append, row edit, rewrite). */
  generation = 0;
  complete = false;
  badLines: Array<{ line: number; message: string }> = [];
  badLineCount = 0;
  sig: FileSignature | undefined;
  /** Bytes indexed (end of the last line that ended with a newline). */
  private indexedEnd = 0;
  private linesSeen = 0;
  /** The last row sits on a line without a newline yet (a write may be under way). */
  private openTail = false;
  /** Bytes sampled at line ends spread over the indexed part, to check that a grown file kept it. */
  private probe: Buffer = Buffer.alloc(0);
  private probeAt: number[] = [];
  private serial: Promise<unknown> = Promise.resolve();
  private waiters: Array<{ rows: number; resolve: () => void }> = [];
  private readonly progressListeners = new Set<(p: IndexProgress) => void>();
  private readonly changeListeners = new Set<(e: IndexEvent) => void>();
  private building: Promise<void> | undefined;
  /** Quick viewer requests being answered: the scan steps aside for them. */
  private active = 0;
  /**
   * A scan of more bytes than this lists rows before their summaries are read (see the top of
   * the file); smaller ones summarise each row as it is found. Tests lower it.
   */
  inlineSummaryBytes = INLINE_SUMMARY_BYTES;
  /** Bytes per read while scanning, and the most read at once for summaries (tests lower it). */
  readSize = CHUNK;
  /** Rows before this one have their summaries (a hint for the background reader). */
  private summaryCursor = 0;
  private summarizer: Promise<void> | undefined;
  private summaryError: unknown;
  private summaryBuf: Buffer | undefined;
  /** Its last user is gone: the background reading of summaries stops at its next slice. */
  private closed = false;

  constructor(file: string) {
    this.file = resolve(file);
    this.journalFile = `${this.file}.partial`;
  }

  private reader(): Promise<Reader> {
    return openReader(this.file, this.journalFile);
  }

  /**
   * Where the journal's rows begin in the index's offsets (undefined: no journal). The table
   * keeps it: it marks the rows from there on as live, and a new table starts without one.
   */
  get journalBase(): number | undefined {
    return this.table.liveFrom;
  }

  onProgress(fn: (p: IndexProgress) => void): () => void {
    this.progressListeners.add(fn);
    return () => this.progressListeners.delete(fn);
  }

  /** Every change of the file, whoever noticed it (a refresh, an edit, a reload). */
  onChange(fn: (e: IndexEvent) => void): () => void {
    this.changeListeners.add(fn);
    return () => this.changeListeners.delete(fn);
  }

  private notify(e: IndexEvent): void {
    for (const fn of this.changeListeners) fn(e);
  }

  /** Runs `fn` after every earlier file operation of this index. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.serial.then(fn, fn);
    this.serial = run.catch(() => undefined);
    return run;
  }

  /**
   * Stops the background reading of the lines and of the summaries (the index's last user is
   * gone; it is not used again). Resolves once a slice under way has ended.
   */
  async close(): Promise<void> {
    this.closed = true;
    await this.summarizer;
  }

  /** Starts the first build (idempotent); resolves when the whole file has been read and summarised. */
  async open(): Promise<void> {
    await this.offsets();
    await this.summaries();
  }

  /** Starts the first build (idempotent); resolves when every row's line is known (summaries may still be read). */
  offsets(): Promise<void> {
    this.building ??= this.exclusive(async () => {
      const st = await this.statOrThrow();
      await this.rebuild(st);
    });
    return this.building;
  }

  /** Rows whose summaries are known (all of them once the background reading is done). */
  get summarized(): number {
    return this.table.n - this.table.pendingCount;
  }

  /** Resolves when every row listed so far has its summary. */
  async summaries(): Promise<void> {
    while (this.table.pendingCount > 0) {
      if (this.closed) throw new Error(`the index of ${this.file} was closed before its summaries were read`);
      this.startSummaries();
      await this.summarizer;
      if (this.summaryError !== undefined && this.table.pendingCount > 0) {
        const e = this.summaryError;
        this.summaryError = undefined;
        throw e;
      }
    }
  }

  /** Reads the pending summaries in the background (idempotent). */
  private startSummaries(): void {
    if (this.summarizer || !this.table.pendingCount || this.closed) return;
    this.summaryError = undefined;
    this.summarizer = (async () => {
      try {
        while (this.table.pendingCount > 0 && !this.closed) {
          await this.exclusive(() => this.summarizeSlice(SUMMARY_SLICE_MS));
          const t = this.table;
          this.emit({
            bytes: size0OrZero(this.sig),
            size: size0OrZero(this.sig),
            rows: t.n,
            summarized: t.n - t.pendingCount,
          });
          // Requests first: a page or a row asked for meanwhile is answered before the next slice.
          await this.giveWay();
        }
      } catch (e) {
        this.summaryError = e;
      } finally {
        this.summarizer = undefined;
      }
    })();
  }

  /**
   * Summarises pending rows for up to `budgetMs` (at least one read): each run of pending rows
   * is read back in one read and parsed. Lines that turn out not to be rows are dropped from the
   * list (their place told as a rewrite). Runs inside `exclusive` (or a scan).
   */
  private async summarizeSlice(budgetMs: number): Promise<void> {
    const t = this.table;
    let i = this.summaryCursor;
    while (i < t.n && t.pending[i] !== 1) i++;
    if (i >= t.n) {
      // Only rows before the cursor may be pending (a rebuild or a compaction moved it back).
      i = 0;
      while (i < t.n && t.pending[i] !== 1) i++;
    }
    this.summaryCursor = i;
    if (i >= t.n) return;
    const until = performance.now() + budgetMs;
    let bad = 0;
    const fh = await this.reader();
    try {
      while (i < t.n) {
        const base = t.start[i];
        let j = i + 1;
        // A slice with a time budget parses about a megabyte at most: read no more than that.
        const most = Number.isFinite(budgetMs) ? Math.min(this.readSize, SLICE_READ) : this.readSize;
        while (j < t.n && t.pending[j] === 1 && t.start[j] + t.len[j] - base <= most) j++;
        const span = t.start[j - 1] + t.len[j - 1] - base;
        if (this.summaryBuf?.length !== this.readSize) this.summaryBuf = Buffer.allocUnsafe(this.readSize);
        const buf = span <= this.summaryBuf.length ? this.summaryBuf : Buffer.allocUnsafe(span);
        let got = 0;
        while (got < span) {
          const { bytesRead } = await fh.read(buf, got, span - got, base + got);
          if (!bytesRead) break;
          got += bytesRead;
        }
        if (got < span)
          throw new QedError(
            'the file changed while it was being read',
            { file: this.file },
            'the view reads it again',
          );
        let over = false;
        for (let k = i; k < j; k++) {
          // The budget is checked between rows, not only between reads: one 4 MB read holds a few
          // hundred rows, whose parsing alone would hold the event loop for tens of ms.
          if (k > i && (k - i) % 8 === 0 && (this.active > 0 || performance.now() > until)) {
            j = k;
            over = true;
            break;
          }
          const s = t.start[k] - base;
          const parsed = this.parseLine(buf, s, s + t.len[k], t.start[k]);
          if (parsed && 'row' in parsed) {
            const { keys, meta, summary } = describeRow(parsed.row);
            t.replace(k, t.start[k], t.len[k], t.line[k], summary, keys, meta);
          } else {
            this.recordBad(t.line[k], parsed?.bad ?? 'not a JSON object');
            t.pending[k] = 2;
            t.pendingCount--;
            bad++;
          }
        }
        i = j;
        while (i < t.n && t.pending[i] !== 1) i++;
        this.summaryCursor = i;
        if (over || performance.now() > until || this.active > 0) break;
      }
    } finally {
      await fh.close();
    }
    if (!t.pendingCount) this.summaryBuf = undefined;
    if (bad) {
      // Lines that looked like rows but are not: gone from the list, which is told as a rewrite.
      let before = 0;
      for (let k = 0; k < this.summaryCursor; k++) if (t.pending[k] === 2) before++;
      t.compact((k) => t.pending[k] !== 2);
      this.summaryCursor -= before;
      this.badLines.sort((a, b) => a.line - b.line);
      this.liveKeys = undefined;
      this.generation++;
      this.notify({ change: 'rewritten', rows: t.n });
    }
  }

  /** Resolves once `rows` rows are indexed or the file is fully read. */
  async waitForRows(rows: number): Promise<void> {
    if (this.complete || this.table.n >= rows) return;
    // A request waiting for rows must not hold the scan that brings them.
    this.active--;
    try {
      await new Promise<void>((r) => this.waiters.push({ rows, resolve: r }));
    } finally {
      this.active++;
    }
  }

  /**
   * Lets requests run between two steps of a background read: one turn of the event loop, then
   * while a request is being served (`serve`), a pause of at most 100 ms. The clock only paces
   * the read; what is read does not depend on it.
   */
  private async giveWay(): Promise<void> {
    await new Promise((r) => setImmediate(r));
    for (const until = Date.now() + 100; this.active > 0 && Date.now() < until;)
      await new Promise((r) => setTimeout(r, 1));
  }

  /**
   * Answers a quick request (a page, a row) with priority: while it runs, the scan of a large file
   * pauses at its next step (at most 100 ms at a time), so the first rows show at once.
   */
  async serve<T>(fn: () => Promise<T>): Promise<T> {
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
    }
  }

  /** Whether a request waits for rows that are now indexed. */
  private waitedFor(): boolean {
    for (const w of this.waiters) if (this.table.n >= w.rows) return true;
    return false;
  }

  private wake(all = false): void {
    if (!this.waiters.length) return;
    this.waiters = this.waiters.filter((w) => {
      if (all || this.complete || this.table.n >= w.rows) {
        w.resolve();
        return false;
      }
      return true;
    });
  }

  private async statOrThrow(): Promise<FileSignature> {
    const look = async (path: string): Promise<FileStat | undefined> => {
      try {
        const st = await stat(path);
        if (st.isDirectory()) throw new QedError('this is a folder, not a JSONL file', { file: path });
        return { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    };
    const [main, journal] = await Promise.all([look(this.file), look(this.journalFile)]);
    // A first run has only its journal until it ends: its rows are shown as they come.
    if (!main && !journal) throw new QedError('file not found', { file: this.file });
    return { ...(main ?? { size: 0, mtimeMs: 0, ino: 0 }), journal };
  }

  /**
   * Looks at the file again: nothing happened, rows were appended (read incrementally), or the
   * file was replaced (read again). Safe to call often (one stat when nothing changed).
   */
  refresh(): Promise<IndexChange> {
    return this.exclusive(async () => {
      const change = await this.detectChange();
      if (change) this.notify(change);
      return change;
    });
  }

  private async detectChange(): Promise<IndexChange> {
    let st: FileSignature;
    try {
      st = await this.statOrThrow();
    } catch (e) {
      if (e instanceof QedError && !this.sig) return null;
      if (e instanceof QedError) {
        this.sig = undefined;
        this.table = new RowTable();
        this.generation++;
        this.complete = true;
        return { change: 'removed', rows: 0 } as IndexChange;
      }
      throw e;
    }
    if (sameSig(this.sig, st)) return null;
    // Grown in place with the indexed part intact: only the new lines are read. A file of the
    // same size with a new time was edited in place, so it is read again like a replaced one.
    // With a journal, only the journal may grow (or appear); a change of the file itself (the
    // job ended and wrote it, or the journal went away) means reading everything again.
    const old = this.sig;
    const grown =
      !!old &&
      (old.journal || st.journal
        ? sameStat(
            { size: old.size, mtimeMs: old.mtimeMs, ino: old.ino },
            { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino },
          ) &&
          !!st.journal &&
          (!old.journal || (st.journal.ino === old.journal.ino && st.journal.size > old.journal.size))
        : st.ino === old.ino && st.size > old.size);
    if (grown && (await this.keptBeginning())) {
      if (this.openTail) this.table.truncate(this.table.n - 1);
      this.generation++;
      this.replaced = 0;
      await this.scan(st, this.indexedEnd);
      // Rows that took an earlier row's place change what is shown (and searched) there.
      return { change: this.replaced ? 'rewritten' : 'appended', rows: this.table.n };
    }
    await this.rebuild(st);
    return { change: 'rewritten', rows: this.table.n };
  }

  private async keptBeginning(): Promise<boolean> {
    if (!this.probe.length) return true;
    const fh = await this.reader();
    try {
      return (await this.readProbe(fh)).equals(this.probe);
    } finally {
      await fh.close();
    }
  }

  /** 32 bytes before the end of up to 32 lines spread over the indexed part, and before its end. */
  private async readProbe(fh: Reader): Promise<Buffer> {
    const parts: Buffer[] = [];
    for (const end of this.probeAt) {
      const n = Math.min(32, end);
      const b = Buffer.alloc(n);
      if (n) await fh.read(b, 0, n, end - n);
      parts.push(b);
    }
    return Buffer.concat(parts);
  }

  private async takeProbe(fh: Reader): Promise<void> {
    const t = this.table;
    const at = new Set<number>([this.indexedEnd]);
    const step = Math.max(1, Math.floor(t.n / 32));
    for (let i = 0; i < t.n; i += step) if (t.start[i] + t.len[i] <= this.indexedEnd) at.add(t.start[i] + t.len[i]);
    this.probeAt = [...at];
    this.probe = await this.readProbe(fh);
  }

  private async rebuild(st: FileSignature): Promise<void> {
    this.table = new RowTable();
    this.badLines = [];
    this.badLineCount = 0;
    this.indexedEnd = 0;
    this.linesSeen = 0;
    this.openTail = false;
    this.probe = Buffer.alloc(0);
    this.probeAt = [];
    this.liveRows = 0;
    this.liveKeys = undefined;
    this.mainLines = undefined;
    this.summaryCursor = 0;
    this.complete = false;
    this.generation++;
    // Waiters stay: they wait for rows of the new table (or its end). Released here, a row asked
    // for in the same moment as the file is opened would be told the file has no rows.
    await this.scan(st, 0);
  }

  /** Reads from byte `from` to the end, indexing every complete line (and a final unterminated one). */
  private async scan(st: FileSignature, from: number): Promise<void> {
    this.complete = false;
    const fh = await this.reader();
    try {
      // Where the size is re-read at the end: a file still growing is read to its current end.
      const size = fh.size;
      this.table.liveFrom = fh.journalBase;
      let pos = from;
      let lineStart = from;
      let carry: Buffer[] = [];
      let carryLen = 0;
      const chunk = this.readSize;
      const buf = Buffer.allocUnsafe(chunk);
      let lastYield = Date.now();
      // A large read lists the rows first (offsets only) and reads their summaries afterwards;
      // rows appended while summaries are still pending wait their turn behind them.
      const defer = size - from > this.inlineSummaryBytes || this.table.pendingCount > 0;
      const journalBase = this.journalBase;
      while (pos < size) {
        // The index's last user is gone (a view closed while a large file was read): stop reading.
        if (this.closed) {
          this.wake(true);
          return;
        }
        // The first read is small: the first rows are listed (and a deep-linked row answered)
        // without waiting for 4 MB of fresh memory to be mapped (~11 ms of page faults here).
        const want = pos === from ? Math.min(FIRST_READ, chunk) : chunk;
        const { bytesRead } = await fh.read(buf, 0, Math.min(want, size - pos), pos);
        if (bytesRead === 0) break;
        let p = 0;
        while (p < bytesRead) {
          const nl = buf.indexOf(10, p);
          if (nl === -1 || nl >= bytesRead) {
            if (carryLen + (bytesRead - p) <= MAX_LINE_BYTES) carry.push(Buffer.from(buf.subarray(p, bytesRead)));
            carryLen += bytesRead - p;
            break;
          }
          const lineEnd = pos + nl;
          const live = journalBase !== undefined && lineStart >= journalBase;
          // A journal row may take an earlier row's place, found by its id: every summary first.
          if (live && this.table.pendingCount > 0)
            while (this.table.pendingCount > 0) await this.summarizeSlice(Infinity);
          const add = defer && !live ? this.addOffset : this.addLine;
          if (carryLen) {
            if (carryLen + nl - p <= MAX_LINE_BYTES) {
              carry.push(buf.subarray(p, nl));
              const whole = Buffer.concat(carry);
              add.call(this, whole, 0, whole.length, lineStart, lineEnd - lineStart);
            } else
              this.addBad(
                lineStart,
                lineEnd - lineStart,
                `the line is ${Math.round((lineEnd - lineStart) / 2 ** 20)} MB: too long to show`,
              );
            carry = [];
            carryLen = 0;
          } else add.call(this, buf, p, nl, lineStart, lineEnd - lineStart);
          p = nl + 1;
          lineStart = pos + p;
          this.indexedEnd = lineStart;
        }
        pos += bytesRead;
        // A request waiting for a row this read brought (a deep link as the file opens) goes
        // first, not after the next 15 ms of reading.
        if (Date.now() - lastYield > 15 || this.active > 0 || this.waitedFor()) {
          // Let requests be answered while a large file is read: pages of rows already indexed are served.
          this.emit({ bytes: pos, size, rows: this.table.n });
          this.wake();
          await this.giveWay();
          lastYield = Date.now();
        }
      }
      this.openTail = false;
      // A journal line without its newline is a write under way: it is read when it is whole.
      const inJournal = this.journalBase !== undefined && lineStart >= this.journalBase;
      if (carryLen && carryLen <= MAX_LINE_BYTES && !inJournal) {
        // A last line without a newline: a row if it parses (many writers omit the final newline),
        // else probably a write under way; either way it is read again when the file grows.
        const whole = Buffer.concat(carry);
        const before = this.table.n;
        const seen = this.linesSeen;
        const bad = this.badLineCount;
        this.addLine(whole, 0, whole.length, lineStart, whole.length);
        if (this.table.n > before) this.openTail = true;
        else {
          this.linesSeen = seen;
          this.badLineCount = bad;
          this.badLines = this.badLines.filter((b) => b.line <= seen);
        }
        this.linesSeen = seen;
      }
      await this.takeProbe(fh);
      const end = await fh.stats();
      // Keep the signature of what was read; a file that grew meanwhile is seen by the next refresh.
      const mainSize = end.main?.size ?? 0;
      const journalSize = fh.journalBase === undefined ? 0 : size - fh.journalBase;
      const keep = (now: FileStat | undefined, read: number, before: FileStat | undefined): FileStat | undefined =>
        now && { size: read, mtimeMs: now.size === read ? now.mtimeMs : (before?.mtimeMs ?? 0), ino: now.ino };
      this.sig = {
        ...(keep(end.main, mainSize, st) ?? { size: 0, mtimeMs: 0, ino: 0 }),
        journal: keep(end.journal, journalSize, st.journal),
      };
    } finally {
      await fh.close();
    }
    this.complete = true;
    this.emit({
      bytes: size0(this.sig),
      size: size0(this.sig),
      rows: this.table.n,
      ...(this.table.pendingCount ? { summarized: this.summarized } : {}),
    });
    this.wake(true);
    this.startSummaries();
  }

  private emit(p: IndexProgress): void {
    for (const fn of this.progressListeners) fn(p);
  }

  private addBad(start: number, _len: number, message: string): void {
    this.linesSeen++;
    this.badLineCount++;
    if (this.badLines.length < MAX_BAD_LINES) this.badLines.push({ line: this.linesSeen, message });
    void start;
  }

  private recordBad(line: number, message: string): void {
    this.badLineCount++;
    if (this.badLines.length < MAX_BAD_LINES) this.badLines.push({ line, message });
  }

  /** A line's row, or why it is not one; undefined for a blank line. */
  private parseLine(buf: Buffer, s: number, e: number, start: number): ParsedLine {
    if (e > s && buf[e - 1] === 0x0d) e--;
    // A UTF-8 byte order mark before the first line (some editors on Windows add one), as the CLI's readers allow.
    if (start === 0 && e - s >= 3 && buf[s] === 0xef && buf[s + 1] === 0xbb && buf[s + 2] === 0xbf) s += 3;
    if (isBlank(buf, s, e)) return undefined;
    let row: unknown;
    try {
      row = JSON.parse(buf.toString('utf8', s, e));
    } catch (err) {
      return {
        bad: `not valid JSON (${describeJsonError(err)
          .message.replace(/^invalid JSON: /, '')
          .slice(0, 120)})`,
      };
    }
    if (row === null || typeof row !== 'object' || Array.isArray(row) || deeperThan(row)) {
      return { bad: row !== null && typeof row === 'object' && !Array.isArray(row) ? TOO_DEEP : 'not a JSON object' };
    }
    return { row: row as Row };
  }

  /**
   * The first pass of a large file: the line becomes a row whose summary is read later, when it
   * looks like a JSON object (starts with `{`); a blank line is skipped and anything else is
   * read at once (it is a bad line, or a rare row with leading spaces).
   */
  private addOffset(buf: Buffer, s: number, e: number, start: number, len: number): void {
    let a = s;
    if (start === 0 && e - s >= 3 && buf[s] === 0xef && buf[s + 1] === 0xbb && buf[s + 2] === 0xbf) a += 3;
    if (buf[a] !== 0x7b || a >= e) {
      this.addLine(buf, s, e, start, len);
      return;
    }
    this.linesSeen++;
    this.table.pushPending(start, len, this.linesSeen);
  }

  private addLine(buf: Buffer, s: number, e: number, start: number, len: number): void {
    this.linesSeen++;
    const parsed = this.parseLine(buf, s, e, start);
    if (!parsed) return;
    if ('bad' in parsed) {
      this.recordBad(this.linesSeen, parsed.bad);
      return;
    }
    const r = parsed.row;
    const { keys, meta, summary } = describeRow(r);
    if (this.journalBase !== undefined && start >= this.journalBase) {
      this.liveRows++;
      // A journal row says where it is in the journal (the file's own lines come first).
      this.mainLines ??= this.linesSeen - 1;
      const line = this.linesSeen - this.mainLines;
      const keysOf = this.liveKeyMap();
      const key = liveKey(summary.id, r.run_index);
      const earlier = key === undefined ? undefined : keysOf.get(key);
      if (earlier !== undefined) {
        this.table.replace(earlier, start, len, line, summary, keys, meta);
        this.replaced++;
        return;
      }
      const i = this.table.push(start, len, line, summary, keys, meta);
      if (key !== undefined) keysOf.set(key, i);
      return;
    }
    this.table.push(start, len, this.linesSeen, summary, keys, meta);
  }

  private liveKeyMap(): Map<string, number> {
    if (!this.liveKeys) {
      this.liveKeys = new Map();
      const t = this.table;
      for (let i = 0; i < t.n; i++) {
        const key = liveKey(t.ids[i], t.metaValueOf('run_index', i));
        if (key !== undefined) this.liveKeys.set(key, i);
      }
    }
    return this.liveKeys;
  }

  /** The bytes of row i's line (without the newline). */
  async readLine(i: number, fh?: Reader): Promise<Buffer> {
    if (i < 0 || i >= this.table.n)
      throw new QedError(`there is no row ${i + 1} (the file has ${this.table.n})`, { file: this.file });
    const start = this.table.start[i];
    const len = this.table.len[i];
    const own = !fh;
    const h = fh ?? (await this.reader());
    try {
      const buf = Buffer.alloc(len);
      let got = 0;
      while (got < len) {
        const { bytesRead } = await h.read(buf, got, len - got, start + got);
        if (!bytesRead) break;
        got += bytesRead;
      }
      return buf.subarray(0, got);
    } finally {
      if (own) await h.close();
    }
  }

  /** Row i, parsed, with the fingerprint of its line. */
  async readRow(i: number): Promise<{ row: Row; rev: string; bytes: number }> {
    const bytes = await this.readLine(i);
    let text = bytes.toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.charCodeAt(0) === 0xfeff && this.table.start[i] === 0) text = text.slice(1);
    let row: unknown;
    try {
      row = JSON.parse(text);
    } catch {
      row = undefined;
    }
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      throw new QedError(
        'the line changed on disk since the file was read',
        { file: this.file, line: this.table.line[i] },
        'the view reloads the file',
      );
    }
    return { row: row as Row, rev: lineRev(bytes), bytes: bytes.length };
  }

  /** Records an edit this process made: row i's line now has `len` bytes and this content. */
  applyEdit(i: number, row: Row, len: number, sig: FileSignature): void {
    const t = this.table;
    const delta = len - t.len[i];
    t.set(i, t.start[i], len, t.line[i], summarizeRow(row));
    const meta = new Map<string, string>();
    for (const k of Object.keys(row)) {
      if (CONTENT_COLUMNS.has(k)) continue;
      const v = metaValue(row[k]);
      if (v !== undefined) meta.set(k, v);
    }
    t.setMeta(i, meta);
    t.shiftAfter(i, delta);
    this.indexedEnd += delta;
    this.sig = sig;
    this.generation++;
    this.notify({ change: 'row', rows: t.n, index: i });
  }

  /** After an edit the file is new: the probe must describe its new bytes. */
  async reprobe(): Promise<void> {
    const fh = await this.reader();
    try {
      await this.takeProbe(fh);
    } finally {
      await fh.close();
    }
  }

  /** Reads the whole file again (e.g. a line was not where the index said). */
  reload(): Promise<IndexChange> {
    return this.exclusive(async () => {
      await this.rebuild(await this.statOrThrow());
      this.notify({ change: 'rewritten', rows: this.table.n });
      return { change: 'rewritten', rows: this.table.n } as IndexChange;
    });
  }
}

/** A row's list summary, its columns and its metadata values. */
function describeRow(r: Row): { keys: string[]; meta: Map<string, string>; summary: ReturnType<typeof summarizeRow> } {
  const keys = Object.keys(r);
  const meta = new Map<string, string>();
  for (const k of keys) {
    if (CONTENT_COLUMNS.has(k)) continue;
    const v = metaValue(r[k]);
    if (v !== undefined) meta.set(k, v);
  }
  return { keys, meta, summary: summarizeRow(r) };
}

function size0OrZero(sig: FileSignature | undefined): number {
  return sig ? size0(sig) : 0;
}

function size0(sig: FileSignature): number {
  return sig.size + (sig.journal?.size ?? 0);
}

const cache = new Map<string, { index: ResultsIndex; users: number }>();

/**
 * The shared index of a file (one per path per process: two panels on one file share it).
 * `release` drops it when the last user is gone.
 */
export function acquireIndex(file: string): { index: ResultsIndex; release: () => void } {
  const key = resolve(file);
  let entry = cache.get(key);
  if (!entry) {
    entry = { index: new ResultsIndex(key), users: 0 };
    cache.set(key, entry);
  }
  entry.users++;
  const e = entry;
  let released = false;
  return {
    index: e.index,
    release: () => {
      if (released) return;
      released = true;
      if (--e.users <= 0 && cache.get(key) === e) {
        cache.delete(key);
        void e.index.close();
      }
    },
  };
}
