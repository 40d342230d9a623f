import type { Dataset, Row } from '../data/types';
import { QedError, describeError } from '../errors';
import { LlmError } from '../llm/errors';
import type { CostRecord } from '../llm/types';
import { fillPrompt, type PromptTemplate, type RunMode } from './prompts';
import type { Solver } from './solver';
import { ResultStore, type RunIdentity, type RunStamp } from './store';

export interface RunOptions {
  dataset: Dataset;
  outputPath: string;
  solver: Solver;
  identity: RunIdentity;
  prompt: PromptTemplate;
  mode: RunMode;
  /** Runs per row (the original's --n). */
  n: number;
  overwrite: boolean;
  problemColumn: string;
  /** How many rows are worked on at once (the solver's own limiter bounds requests). */
  concurrency: number;
  /** Only the first `limit` rows of the dataset (a cheap trial run). */
  limit?: number;
  signal?: AbortSignal;
  onProgress?: (p: RunProgress) => void;
  onLog?: (line: string) => void;
}

export interface RunProgress {
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
}

export interface RunSummary extends RunProgress {
  outputPath: string;
  cancelled: boolean;
  /** Rows written to the output. */
  written: number;
  errors: Array<{ key: string; message: string }>;
  warnings: string[];
}

/** The columns that identify a problem, in order of preference. */
const ID_COLUMNS = ['problem_id', 'question_id', 'id'];

/**
 * Gives every (row, run) a stable key: the problem id when ids are present and unique,
 * else the row's position. Resume matches finished results by this key.
 */
export function rowKeys(rows: Row[]): { base: string[]; keyOf: (row: Row) => string | undefined } {
  for (const col of ID_COLUMNS) {
    const ids = rows.map((r) => r[col]);
    if (ids.every((v) => (typeof v === 'string' && v !== '') || typeof v === 'number') && new Set(ids.map(String)).size === ids.length) {
      return { base: ids.map(String), keyOf: (row) => (row[col] === undefined ? undefined : `${row[col]}@${Number(row.run_index ?? 0)}`) };
    }
  }
  return {
    base: rows.map((_, i) => `#${i}`),
    keyOf: (row) => {
      const stamp = row.qed_run as Partial<RunStamp> | undefined;
      return typeof stamp?.key === 'string' ? stamp.key : undefined;
    },
  };
}

/** Checks the problem column before anything is spent, naming the row and the columns it has. */
function checkProblems(ds: Dataset, col: string): void {
  ds.rows.forEach((row, i) => {
    const v = row[col];
    if (typeof v !== 'string' || !v.trim()) {
      const what = v === undefined ? 'has no column' : `has an empty or non-text value in column`;
      throw new QedError(
        `row ${i + 1} ${what} '${col}'`,
        { file: ds.file, field: col },
        `columns present: ${Object.keys(row).join(', ') || '(none)'}; choose the problem column with --problem-column`,
      );
    }
  });
}

function schemaFor(row: Row, mode: RunMode): unknown[] | undefined {
  if (mode === 'final-answer') return [{ title: 'Answer Correctness', desc: row.answer === undefined ? '' : String(row.answer), points: 1 }];
  if (typeof row.grading_guidelines === 'string') return [{ title: 'Proof Grade', desc: row.grading_guidelines, points: 7 }];
  return undefined;
}

/**
 * Runs a solver over a dataset into a JSONL results file, resumably.
 * Never throws for a failed request (the row records `error`); throws QedError for bad input.
 */
export async function runBenchmark(opts: RunOptions): Promise<RunSummary> {
  const { dataset, mode } = opts;
  const rows = opts.limit !== undefined ? dataset.rows.slice(0, opts.limit) : dataset.rows;
  if (!rows.length) throw new QedError('the dataset has no rows', { file: dataset.file });
  checkProblems({ ...dataset, rows }, opts.problemColumn);
  if (!(opts.n >= 1) || !Number.isInteger(opts.n)) throw new QedError(`--n must be a positive whole number, got ${opts.n}`, { field: '--n' });

  const { base, keyOf } = rowKeys(dataset.rows);
  const position = new Map(base.map((b, i) => [b, i]));
  const tasks: Array<{ key: string; row: Row; runIndex: number }> = [];
  for (let r = 0; r < opts.n; r++) rows.forEach((row, i) => tasks.push({ key: `${base[i]}@${r}`, row, runIndex: r }));

  // Any row of a problem of this dataset is accepted: an earlier run with a larger --n or without
  // --limit left rows that stay in the file.
  const store = ResultStore.open(opts.outputPath, {
    identity: opts.identity,
    overwrite: opts.overwrite,
    isValidKey: (k) => position.has(splitKey(k).base),
    keyOf,
  });
  for (const w of store.warnings) opts.onLog?.(`warning: ${w}`);

  const todo = tasks.filter((t) => !store.isDone(t.key));
  const started = Date.now();
  const cost: CostRecord = { cost: 0, input_tokens: 0, output_tokens: 0, time: 0 };
  const progress = { total: tasks.length, reused: tasks.length - todo.length, completed: 0, failed: 0, inFlight: 0 };
  const errors: RunSummary['errors'] = [];

  const snapshot = (): RunProgress => {
    const elapsedSec = (Date.now() - started) / 1000;
    const finishedNow = progress.completed + progress.failed;
    const left = todo.length - finishedNow;
    return {
      total: progress.total,
      done: progress.reused + progress.completed,
      reused: progress.reused,
      failed: progress.failed,
      inFlight: progress.inFlight,
      cost: { ...cost },
      elapsedSec,
      etaSec: finishedNow > 0 ? (elapsedSec / finishedNow) * left : undefined,
    };
  };
  if (progress.reused) opts.onLog?.(`resuming: ${progress.reused} of ${tasks.length} rows already finished in ${opts.outputPath}`);
  opts.onProgress?.(snapshot());

  let next = 0;
  const worker = async () => {
    while (next < todo.length && !opts.signal?.aborted) {
      const t = todo[next++];
      progress.inFlight++;
      const prompt = fillPrompt(opts.prompt, String(t.row[opts.problemColumn]));
      const t0 = Date.now();
      let out: Row | undefined;
      try {
        const res = await opts.solver.solve(prompt, {
          signal: opts.signal,
          onRetry: (info) => opts.onLog?.(`${t.key}: attempt ${info.attempt} failed (${info.error}); retrying in ${(info.delayMs / 1000).toFixed(1)}s`),
        });
        out = buildRow(t.row, t.runIndex, mode, {
          model_solution: res.answer,
          cost_run: res.cost,
          history: res.history,
          finish_reason: res.finishReason,
          stamp: { ...opts.identity, key: t.key, attempts: res.attempts, finished_at: new Date().toISOString() },
        });
        cost.cost += res.cost.cost;
        cost.input_tokens += res.cost.input_tokens;
        cost.output_tokens += res.cost.output_tokens;
        cost.time += res.cost.time;
        progress.completed++;
      } catch (e) {
        if (opts.signal?.aborted || (e instanceof LlmError && e.kind === 'cancelled')) {
          progress.inFlight--;
          break; // unfinished: nothing is written, the next run requests it
        }
        if (!(e instanceof LlmError)) throw e;
        const message = describeError(e);
        out = buildRow(t.row, t.runIndex, mode, {
          model_solution: '',
          cost_run: { cost: 0, input_tokens: 0, output_tokens: 0, time: (Date.now() - t0) / 1000 },
          history: [{ role: 'user', content: prompt }],
          error: message,
          stamp: { ...opts.identity, key: t.key, attempts: e.attempts, finished_at: new Date().toISOString() },
        });
        errors.push({ key: t.key, message });
        progress.failed++;
        opts.onLog?.(`${t.key}: failed for good: ${message}`);
      }
      store.append(t.key, out);
      progress.inFlight--;
      opts.onProgress?.(snapshot());
    }
  };

  let written = 0;
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, todo.length)) }, worker));
  } finally {
    // Finished, cancelled or crashed on a bug: what is done goes into the output, in order.
    // Dataset order, the runs of one problem together.
    const order = store.keys().sort((a, b) => {
      const ka = splitKey(a);
      const kb = splitKey(b);
      return (position.get(ka.base) ?? 0) - (position.get(kb.base) ?? 0) || ka.run - kb.run;
    });
    written = await store.finalize(order);
  }
  return { ...snapshot(), outputPath: opts.outputPath, cancelled: !!opts.signal?.aborted, written, errors, warnings: store.warnings };
}

function splitKey(key: string): { base: string; run: number } {
  const at = key.lastIndexOf('@');
  return { base: key.slice(0, at), run: Number(key.slice(at + 1)) };
}

function buildRow(
  input: Row,
  runIndex: number,
  mode: RunMode,
  r: { model_solution: string; cost_run: CostRecord; history: unknown[]; finish_reason?: string; error?: string; stamp: RunStamp },
): Row {
  const row: Row = { ...input };
  delete row.error;
  row.model_solution = r.model_solution;
  row.cost_run = r.cost_run;
  row.history = r.history;
  const schema = schemaFor(input, mode);
  if (schema) row.schema_0 = schema;
  row.run_index = runIndex;
  if (r.finish_reason !== undefined) row.finish_reason = r.finish_reason;
  if (r.error !== undefined) row.error = r.error;
  row.qed_run = r.stamp;
  return row;
}
