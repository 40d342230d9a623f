import { TOO_DEEP, deeperThan } from '../data/depth';
import type { Row } from '../data/types';
import { describeError, environmentError } from '../errors';
import { addCost, asCost, ZERO_COST } from '../llm/cost';
import { LlmError } from '../llm/errors';
import { childSignal, describeRetry } from '../llm/retry';
import type { CostRecord, RetryInfo } from '../llm/types';
import { checkOutputPath } from './outputPath';
import type { JobSession } from './solver';
import { ResultStore, type StoreOptions } from './store';

/** One unit of work: a row to generate, grade, or annotate. */
export interface RowTask {
  key: string;
  row: Row;
}

/** What a task produced: the row to store (finished or with an error) and what it cost. */
export interface TaskOutcome {
  row: Row;
  cost: CostRecord;
  /** Set when the task failed for good (the row records why); such rows are done again next time. */
  failure?: string;
  /** A tally to keep, e.g. 'parse_failure' (counted in the summary's `flags`). */
  flag?: string;
}

export interface TaskContext {
  /** Aborts when the job is cancelled (a child signal: safe to hand to SDKs). */
  signal?: AbortSignal;
  /** For notices about the task (the caller adds the task's key itself). */
  log: (line: string) => void;
  /** Hand to a client's `onRetry`: logs the retry with the task's key. */
  onRetry: (info: RetryInfo) => void;
}

export interface JobProgress {
  total: number;
  /** Finished (this session or before), failures not included. */
  done: number;
  /** Reused from an earlier session. */
  reused: number;
  failed: number;
  inFlight: number;
  /** This session's spend. */
  cost: CostRecord;
  elapsedSec: number;
  /** Seconds left at the current pace, when it can be told. */
  etaSec?: number;
  /** Tallies of TaskOutcome.flag this session, e.g. { parse_failure: 2 }. */
  flags: Record<string, number>;
}

export interface JobSummary extends JobProgress {
  outputPath: string;
  cancelled: boolean;
  /** What the rows reused from earlier sessions cost then (from the job's cost column). */
  reusedCost: CostRecord;
  /** Why the job stopped early without being cancelled (a config's `throw_error_on_failure`). */
  stopped?: string;
  /** Rows written to the output. */
  written: number;
  errors: Array<{ key: string; message: string }>;
  warnings: string[];
}

/** What every row job (generation, grading, the rubric tools) takes besides its own inputs. */
export interface RowJobOptions {
  /** Where the rows go (with its journal `<outputPath>.partial` and lock while the job runs). */
  outputPath: string;
  /** Do every row again, discarding the rows of earlier runs. */
  overwrite: boolean;
  /** How many rows are worked on at once (the clients' own limiters bound the requests). */
  concurrency: number;
  signal?: AbortSignal;
  onProgress?: (p: JobProgress) => void;
  onLog?: (line: string) => void;
}

/** The common options of a row job, to hand on to processRows. */
export function jobOptions(o: RowJobOptions): RowJobOptions {
  return {
    outputPath: o.outputPath,
    overwrite: o.overwrite,
    concurrency: o.concurrency,
    signal: o.signal,
    onProgress: o.onProgress,
    onLog: o.onLog,
  };
}

export interface ProcessRowsOptions extends Omit<StoreOptions, 'isValidKey'>, RowJobOptions {
  /** Candidates, in the order they should be worked on; the finished ones are skipped. */
  tasks: RowTask[];
  /**
   * Every key of the output in file order, with the row to write when the store has none for it
   * (undefined: such a key is left out). Keys the store holds beyond these are appended in the
   * order given by `extraOrder`.
   */
  order: Array<{ key: string; fallback?: Row }>;
  /** Sorts stored keys that are not in `order` (e.g. runs of a larger --n); they stay in the file. */
  extraOrder?: (a: string, b: string) => number;
  isValidKey: (key: string) => boolean;
  /**
   * Stop taking new rows once a row fails for good (the config's `throw_error_on_failure`). Rows
   * already in flight finish and are kept; the failed row records its error as usual.
   */
  stopOnFailure?: boolean;
  /** The column holding a row's cost (`cost_run`, `grade_cost`…): reused rows' costs are summed. */
  costColumn?: string;
  /**
   * Does one task. Throw an LlmError for a request that failed for good when `onFailure` is given
   * (the failure becomes a row with an error); any other exception aborts the job (a bug).
   */
  work: (task: RowTask, ctx: TaskContext) => Promise<TaskOutcome>;
  /**
   * Reads the job's input once the output's lock is held, from the output's bytes as read under
   * the lock (undefined: no output yet): its tasks and order replace `tasks` and `order`. A job
   * that rewrites its own input (grading in place) must read it here, or an edit made between
   * an earlier read and the lock would be overwritten.
   */
  prepare?: (output: Buffer | undefined) => Pick<ProcessRowsOptions, 'tasks' | 'order'>;
  /** Builds the row recorded for a task whose requests failed for good. */
  onFailure: (task: RowTask, error: LlmError, elapsedSec: number) => Row;
  /** State kept beside the output (an agent's step journal), opened and finished under the lock. */
  session?: JobSession;
}

/**
 * The resumable job loop shared by generation, grading and the rubric tools: skips rows an
 * earlier session finished, works on the rest a few at a time, appends each finished row to the
 * journal before counting it, and at the end (finished, cancelled, or a bug) rewrites the output
 * atomically in order.
 */
export async function processRows(opts: ProcessRowsOptions): Promise<JobSummary> {
  checkOutputPath(opts.outputPath);
  let { tasks, order } = opts;
  let store: ResultStore;
  try {
    store = ResultStore.open(
      opts.outputPath,
      opts,
      opts.prepare &&
        ((bytes) => {
          ({ tasks, order } = opts.prepare!(bytes));
        }),
    );
  } catch (e) {
    // A lock or journal that cannot be written (full disk…) is the machine's fault, not a bug.
    throw environmentError(e, opts.outputPath) ?? e;
  }
  for (const w of store.warnings) opts.onLog?.(`warning: ${w}`);
  const warned = store.warnings.length;
  if (opts.session) {
    try {
      for (const w of opts.session.open(opts.overwrite)) opts.onLog?.(`warning: ${w}`);
    } catch (e) {
      store.close();
      throw e;
    }
  }

  const todo = tasks.filter((t) => !store.isDone(t.key));
  let reusedCost: CostRecord = ZERO_COST;
  if (opts.costColumn) {
    for (const t of tasks) {
      const c = store.isDone(t.key) ? asCost(store.get(t.key)?.[opts.costColumn]) : undefined;
      if (c) reusedCost = addCost(reusedCost, c);
    }
  }
  const started = Date.now();
  let cost: CostRecord = ZERO_COST;
  const counts = { total: tasks.length, reused: tasks.length - todo.length, completed: 0, failed: 0, inFlight: 0 };
  const errors: JobSummary['errors'] = [];
  const flags: Record<string, number> = {};
  const log = (line: string) => opts.onLog?.(line);

  const snapshot = (): JobProgress => {
    const elapsedSec = (Date.now() - started) / 1000;
    const finishedNow = counts.completed + counts.failed;
    return {
      total: counts.total,
      done: counts.reused + counts.completed,
      reused: counts.reused,
      failed: counts.failed,
      inFlight: counts.inFlight,
      cost: { ...cost },
      elapsedSec,
      etaSec: finishedNow > 0 ? (elapsedSec / finishedNow) * (todo.length - finishedNow) : undefined,
      flags: { ...flags },
    };
  };
  if (counts.reused) log(`resuming: ${counts.reused} of ${counts.total} rows already finished in ${opts.outputPath}`);
  opts.onProgress?.(snapshot());

  let next = 0;
  let stopped: string | undefined;
  /** Rows written to the journal, each counted once its line is on disk. */
  const counting: Array<Promise<void>> = [];
  let syncError: unknown;
  const count = (task: RowTask, outcome: TaskOutcome) => {
    cost = addCost(cost, outcome.cost);
    if (outcome.flag) flags[outcome.flag] = (flags[outcome.flag] ?? 0) + 1;
    if (outcome.failure !== undefined) {
      counts.failed++;
      errors.push({ key: task.key, message: outcome.failure });
    } else {
      counts.completed++;
    }
    opts.onProgress?.(snapshot());
  };
  const worker = async () => {
    // A journal that cannot be written (disk full…) stops the job: no more rows are paid for.
    while (next < todo.length && !opts.signal?.aborted && !stopped && syncError === undefined) {
      const task = todo[next++];
      counts.inFlight++;
      const t0 = Date.now();
      const child = childSignal(opts.signal);
      let outcome: TaskOutcome;
      try {
        // A row nested absurdly deep would overflow the stack of whatever walks it: record why
        // it was not done instead of failing the whole job.
        if (deeperThan(task.row))
          throw new LlmError(`not sent: the row is ${TOO_DEEP}`, 'bad-request', undefined, undefined, 0);
        outcome = await opts.work(task, {
          signal: child.signal,
          log,
          onRetry: (info) => log(`${task.key}: ${describeRetry(info)}`),
        });
      } catch (e) {
        if (opts.signal?.aborted || (e instanceof LlmError && e.kind === 'cancelled')) {
          counts.inFlight--;
          break; // unfinished: nothing is written, the next run does it
        }
        if (!(e instanceof LlmError)) throw e;
        outcome = {
          row: opts.onFailure(task, e, (Date.now() - t0) / 1000),
          cost: ZERO_COST,
          failure: describeError(e),
        };
      } finally {
        child.dispose();
      }
      if (outcome.failure !== undefined) {
        log(`${task.key}: failed for good: ${outcome.failure}`);
        if (opts.stopOnFailure && !stopped) {
          stopped = `${task.key} failed for good and the config sets throw_error_on_failure`;
          log(`stopping: ${stopped}; rows in flight finish, the rest wait for the next run`);
        }
      }
      counts.inFlight--;
      // Counted only once its line is on disk; the worker goes on meanwhile, and rows finishing
      // together share one sync.
      let onDisk: Promise<void>;
      try {
        // While other rows are under way their lines may share this one's sync.
        onDisk = store.append(task.key, outcome.row, counts.inFlight > 0);
      } catch (e) {
        syncError ??= environmentError(e, store.journalPath) ?? e;
        break;
      }
      counting.push(
        onDisk.then(
          () => count(task, outcome),
          (e: unknown) => {
            syncError ??= environmentError(e, store.journalPath) ?? e;
          },
        ),
      );
    }
  };

  let written = 0;
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, todo.length)) }, worker));
    await Promise.all(counting);
    if (syncError) throw syncError;
  } finally {
    await Promise.allSettled(counting);
    // A step journal that cannot be pruned stays as it is (its finished rows' records do no harm).
    await opts.session?.finish((key) => store.isDone(key)).catch((e: unknown) => log(`warning: ${describeError(e)}`));
    // Finished, cancelled or stopped by a bug: what is done goes into the output, in order.
    const known = new Set(order.map((o) => o.key));
    const extra = store.keys().filter((k) => !known.has(k));
    if (opts.extraOrder) extra.sort(opts.extraOrder);
    written = await finalizeOrRelease(store, [
      ...order.map((o) => ({ key: o.key, fallback: o.fallback })),
      ...extra.map((key) => ({ key })),
    ]);
    for (const w of store.warnings.slice(warned)) opts.onLog?.(`warning: ${w}`);
  }
  return {
    ...snapshot(),
    outputPath: opts.outputPath,
    cancelled: !!opts.signal?.aborted,
    reusedCost,
    ...(stopped ? { stopped } : {}),
    written,
    errors,
    warnings: store.warnings,
  };
}

/**
 * store.finalize(), and when the output cannot be rewritten (a full disk…) the store is closed
 * all the same: the output stays as it was and the journal keeps this session's rows, but the lock
 * must go, or the file stays blocked (for good inside a VS Code window, whose process lives on).
 */
async function finalizeOrRelease(store: ResultStore, order: Array<{ key: string; fallback?: Row }>): Promise<number> {
  try {
    return await store.finalize(order);
  } catch (e) {
    try {
      store.close();
    } catch {
      /* the lock may survive a failing sync; a later job sees that its holder is gone */
    }
    throw environmentError(e, store.outputPath) ?? e;
  }
}
