import {
  closeSync,
  existsSync,
  fdatasyncSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync,
  mkdirSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { QedError } from '../errors';
import type { Row } from '../data/types';
import {
  FileChangedError,
  JournalLine,
  readForRewrite,
  removeStaleTemps,
  serializeRow,
  writeJsonlAtomic,
  type FileSnapshot,
} from '../data';
import { GroupSync, RESULTS_GATHER_MS } from './groupSync';
import { JobLock, processAlive } from './lock';

/** What makes two runs "the same run": rows of different identities must never be mixed. */
export interface RunIdentity {
  /** The config as named by the user (e.g. 'openai/gpt-5-mini'). */
  config: string;
  model: string;
  api: string;
  config_hash: string;
  /** The settings behind config_hash (model, effort, sampling, body…), to explain a mismatch. */
  settings?: Record<string, unknown>;
  prompt: string;
  prompt_hash: string;
  mode: string;
}

/** The stamp column each row we write carries (`qed_run` for generation, `qed_grade` for grading). */
export interface RunStamp extends RunIdentity {
  key: string;
  attempts: number;
  finished_at: string;
}

export interface StoreOptions {
  identity: RunIdentity;
  /** The column holding each row's stamp: 'qed_run' or 'qed_grade'. */
  stampColumn: string;
  overwrite: boolean;
  /** Whether a row of an earlier session is finished (not to be done again). */
  isDone: (row: Row) => boolean;
  /** Whether a key read from the file belongs to this job's data. */
  isValidKey: (key: string) => boolean;
  /** The key of a row without a stamp (written by another tool), from its content or position. */
  keyOf: (row: Row, index: number) => string | undefined;
}

/**
 * The results of one output file while a run is under way.
 *
 * Every finished row is appended, as one line, to a journal next to the output
 * (`<output>.partial`) before it is counted: a crash or kill loses at most the requests in flight.
 * At the end (finished, cancelled or failed) the output is rewritten atomically in dataset order
 * from the previous output plus the journal, and the journal is removed. A rerun reads both, so
 * finished rows are never requested again.
 */
export class ResultStore {
  /**
   * Latest row per key, from the previous output and the journal; a row this job appended is
   * kept as its journal line (serialised once: the final rewrite writes the same text).
   */
  private readonly rows = new Map<string, Row | JournalLine>();
  private fd: number | undefined;
  private dirty = false;
  /** Group commit of the journal's lines. */
  private readonly sync = new GroupSync(
    () => this.fd,
    () => (this.dirty = false),
    RESULTS_GATHER_MS,
  );
  readonly warnings: string[] = [];

  private constructor(
    readonly outputPath: string,
    readonly journalPath: string,
    lockPath: string,
    private readonly opts: StoreOptions,
  ) {
    this.jobLock = new JobLock(
      lockPath,
      outputPath,
      opts.stampColumn === 'qed_grade' ? 'grading' : opts.stampColumn === 'qed_run' ? 'a run' : 'a row job',
    );
  }
  private readonly jobLock: JobLock;
  /** The output as read under the lock (null: there was none), checked again before it is replaced. */
  private snapshot: FileSnapshot | null = null;

  /**
   * Opens (or starts) the results of `outputPath`. Refuses, with advice, when the file holds rows
   * of another identity or keys that are not in the dataset, unless `overwrite`.
   */
  static open(outputPath: string, opts: StoreOptions, prepare?: (output: Buffer | undefined) => void): ResultStore {
    const store = new ResultStore(outputPath, `${outputPath}.partial`, `${outputPath}.lock`, opts);
    mkdirSync(dirname(outputPath), { recursive: true });
    store.lock();
    try {
      for (const name of removeStaleTemps(outputPath, processAlive))
        store.warnings.push(`removed ${name}, left by a rewrite of ${outputPath} that was killed`);
      // Read under the lock: what this job rewrites at the end is exactly what it read now, plus
      // its own rows, plus whatever another program appends meanwhile (see finalize).
      const current = readForRewrite(outputPath);
      store.snapshot = current?.snapshot ?? null;
      prepare?.(current?.bytes);
      if (opts.overwrite) {
        if (existsSync(store.journalPath)) unlinkSync(store.journalPath);
      } else {
        if (current) store.loadText(current.bytes.toString('utf8').replace(/^\uFEFF/, ''), outputPath, false);
        store.load(store.journalPath, true);
      }
      store.fd = openSync(store.journalPath, 'a');
    } catch (e) {
      store.unlock();
      throw e;
    }
    return store;
  }

  /** Whether the row stored under `key` is finished (the caller's rule: e.g. no `error`). */
  isDone(key: string): boolean {
    const r = this.rows.get(key);
    return r instanceof JournalLine ? r.done : r !== undefined && this.opts.isDone(r);
  }

  get(key: string): Row | undefined {
    const r = this.rows.get(key);
    return r instanceof JournalLine ? (JSON.parse(r.text) as Row) : r;
  }

  keys(): string[] {
    return [...this.rows.keys()];
  }

  /**
   * Appends a finished (or failed) row to the journal — a failed write throws here — and
   * returns a promise that resolves once the line is on disk (fdatasync). Rows finishing together
   * share one sync (group commit): while other rows are under way (`othersUnderWay`), the first
   * line of a group waits RESULTS_GATHER_MS for theirs; a sync under way covers the lines written
   * before it started, one more sync queued behind it covers all the lines written since.
   */
  append(key: string, row: Row, othersUnderWay = false): Promise<void> {
    if (this.fd === undefined) throw new Error('result store is closed');
    // Serialised once: the final rewrite writes the same text. Each line is written at once (a
    // viewer shows it live, and a full disk stops the job before another row is asked for); the
    // syncs are grouped.
    const text = serializeRow(row);
    writeSync(this.fd, `${text}\n`);
    this.rows.set(key, new JournalLine(text, this.opts.isDone(row)));
    this.dirty = true;
    return this.sync.after(othersUnderWay);
  }

  /**
   * Writes the output atomically in `order` — the stored row of each key, else its fallback, else
   * nothing — then removes the journal and the lock. Returns the number of rows written.
   */
  async finalize(order: Array<{ key: string; fallback?: Row }>): Promise<number> {
    this.flush();
    const out: Array<Row | JournalLine> = [];
    for (const { key, fallback } of order) {
      const r = this.rows.get(key) ?? fallback;
      if (r) out.push(r);
    }
    try {
      const r = await writeJsonlAtomic(this.outputPath, out, this.snapshot);
      if (r?.carried)
        this.warnings.push(
          `${this.outputPath}: another program appended ${r.carried} bytes to the file while the job ran; they are kept at its end`,
        );
    } catch (e) {
      // The journal keeps every row of this job: nothing is lost, the next run merges it.
      this.close();
      if (e instanceof FileChangedError) {
        throw new QedError(
          `the file ${e.what} while the job ran, so it was not rewritten; this job's rows are kept in ${this.journalPath}`,
          { file: this.outputPath },
          'run the same command again: it reads the file as it is now and merges those rows',
        );
      }
      throw e;
    }
    this.close();
    if (existsSync(this.journalPath)) unlinkSync(this.journalPath);
    return out.length;
  }

  /** Releases the file without rewriting the output (the journal stays for the next run). */
  close(): void {
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.unlock();
  }

  private flush(): void {
    if (this.fd !== undefined && this.dirty) {
      fdatasyncSync(this.fd);
      this.dirty = false;
    }
  }

  private load(path: string, isJournal: boolean): void {
    if (!existsSync(path)) return;
    this.loadText(readFileSync(path, 'utf8'), path, isJournal);
  }

  private loadText(text: string, path: string, isJournal: boolean): void {
    const opts = this.opts;
    const lines = text.split('\n');
    let foreign = 0;
    let ordinal = 0;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (!line) continue;
      let row: Row;
      try {
        const parsed: unknown = JSON.parse(line);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
          throw new Error('not a JSON object');
        row = parsed as Row;
      } catch (e) {
        if (isJournal) {
          // A line torn by a crash mid-write: its row is simply requested again.
          this.warnings.push(
            `${path}:${i + 1}: skipped an unreadable journal line (${(e as Error).message}); that row will be run again`,
          );
          continue;
        }
        throw new QedError(
          `the existing output is not valid JSONL (${(e as Error).message})`,
          { file: path, line: i + 1 },
          'fix or move the file, or pass --overwrite to replace it',
        );
      }
      const index = ordinal++;
      const stamp = row[opts.stampColumn] as Partial<RunStamp> | undefined;
      const key = typeof stamp?.key === 'string' ? stamp.key : opts.keyOf(row, index);
      if (stamp && typeof stamp === 'object') {
        const diff = identityDifference(opts.identity, stamp);
        if (diff) {
          throw new QedError(
            `the output already holds results of a different run (${diff}); mixing them would corrupt the results`,
            { file: path, line: i + 1, field: opts.stampColumn },
            'pass --overwrite to replace them, or choose another --output-path',
          );
        }
      } else if (opts.isDone(row)) {
        foreign++;
      }
      if (key === undefined || !opts.isValidKey(key)) {
        throw new QedError(
          `the output holds a row (${key ?? 'without an id'}) that is not in this dataset; it was made from other data`,
          { file: path, line: i + 1 },
          'pass --overwrite to replace it, or choose another --output-path',
        );
      }
      this.rows.set(key, row);
    }
    if (foreign)
      this.warnings.push(
        `${path}: ${foreign} finished row(s) carry no '${opts.stampColumn}' stamp (written by another tool); they are kept as they are`,
      );
  }

  private lock(): void {
    this.jobLock.acquire();
    if (this.jobLock.note) this.warnings.push(this.jobLock.note);
  }

  private unlock(): void {
    this.jobLock.release();
  }
}

function identityDifference(want: RunIdentity, have: Partial<RunStamp>): string | undefined {
  if (have.config_hash !== want.config_hash) {
    const what = `model config '${have.config ?? '?'}' (${have.model ?? '?'}) vs now '${want.config}' (${want.model})`;
    if (!have.settings || !want.settings) return what;
    const keys = [...new Set([...Object.keys(have.settings), ...Object.keys(want.settings)])].sort();
    const show = (v: unknown) => (v === undefined ? 'unset' : JSON.stringify(v));
    const diffs = keys
      .filter((k) => JSON.stringify(have.settings![k]) !== JSON.stringify(want.settings![k]))
      .map((k) => `${k} ${show(have.settings![k])} → ${show(want.settings![k])}`);
    return diffs.length ? `${what}: ${diffs.join(', ')}` : what;
  }
  if (have.prompt_hash !== want.prompt_hash) return `prompt '${have.prompt ?? '?'}' vs '${want.prompt}'`;
  if (have.mode !== undefined && have.mode !== want.mode) return `mode ${have.mode} vs ${want.mode}`;
  return undefined;
}
