import type { Dataset, Row } from '../data/types';
import { plainCopy } from '../data/copy';
import { QedError } from '../errors';
import type { CostRecord } from '../llm/types';
import { fillPrompt, type PromptTemplate, type RunMode } from './prompts';
import { jobOptions, processRows, type JobProgress, type JobSummary, type RowJobOptions } from './rows';
import type { Solver } from './solver';
import type { RunIdentity, RunStamp } from './store';

export type RunProgress = JobProgress;
export type RunSummary = JobSummary;

export interface RunOptions extends RowJobOptions {
  dataset: Dataset;
  solver: Solver;
  identity: RunIdentity;
  prompt: PromptTemplate;
  mode: RunMode;
  /** Runs per row (the original's --n). */
  n: number;
  problemColumn: string;
  /** Only the first `limit` rows of the dataset (a cheap trial run). */
  limit?: number;
}

/** The summary flag counting replies without the config's delimiters. */
export const NO_DELIMITER = 'no_delimiter';

const quoteAll = (ds: string[]) => ds.map((d) => `\`${d}\``).join(' or ');

/** The warning shown when the first reply lacks the config's delimiters. */
export function missingDelimiterWarning(delimiters: string[], key: string): string {
  return `the reply for ${key} has no ${quoteAll(delimiters)} (the config's delimiters): all of it was taken as chain of thought and its answer is empty, so it will score 0. If this model does not write ${quoteAll(delimiters)}, remove 'delimiters' from its config; if it was cut off, raise max_tokens`;
}

/** The summary's words for `n` replies without delimiters (empty when none). */
export function missingDelimiterSummary(n: number, delimiters: string[] = ['</think>']): string {
  return n
    ? `${n} ${n === 1 ? 'reply' : 'replies'} had no ${quoteAll(delimiters)}: ${n === 1 ? 'its answer is' : 'their answers are'} empty`
    : '';
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
    if (
      ids.every((v) => (typeof v === 'string' && v !== '') || typeof v === 'number') &&
      new Set(ids.map(String)).size === ids.length
    ) {
      return {
        base: ids.map(String),
        keyOf: (row) => (row[col] === undefined ? undefined : `${row[col]}@${Number(row.run_index ?? 0)}`),
      };
    }
  }
  return { base: rows.map((_, i) => `#${i}`), keyOf: () => undefined };
}

/** Checks the problem column before anything is spent, naming the row and the columns it has. */
function checkProblems(ds: Dataset, rows: Row[], col: string): void {
  rows.forEach((row, i) => {
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
  if (mode === 'final-answer')
    return [{ title: 'Answer Correctness', desc: row.answer === undefined ? '' : String(row.answer), points: 1 }];
  if (typeof row.grading_guidelines === 'string')
    return [{ title: 'Proof Grade', desc: row.grading_guidelines, points: 7 }];
  return undefined;
}

function splitKey(key: string): { base: string; run: number } {
  const at = key.lastIndexOf('@');
  return { base: key.slice(0, at), run: Number(key.slice(at + 1)) };
}

const hasError = (row: Row) => row.error !== undefined && row.error !== null && row.error !== '';

/**
 * Runs a solver over a dataset into a JSONL results file, resumably.
 * Never throws for a failed request (the row records `error`); throws QedError for bad input.
 */
export async function runBenchmark(opts: RunOptions): Promise<RunSummary> {
  const { dataset, mode } = opts;
  const rows = opts.limit !== undefined ? dataset.rows.slice(0, opts.limit) : dataset.rows;
  if (!rows.length) throw new QedError('the dataset has no rows', { file: dataset.file });
  // A column may be named as the file has it even when it was renamed on reading (`Problem` in an
  // IMO-Bench CSV is read as `problem`).
  const problemColumn =
    !dataset.columns.includes(opts.problemColumn) && dataset.renamed[opts.problemColumn]
      ? dataset.renamed[opts.problemColumn]
      : opts.problemColumn;
  checkProblems(dataset, rows, problemColumn);
  if (!(opts.n >= 1) || !Number.isInteger(opts.n))
    throw new QedError(`--n must be a positive whole number, got ${opts.n}`, { field: '--n' });

  const { base, keyOf } = rowKeys(dataset.rows);
  const position = new Map(base.map((b, i) => [b, i]));
  const tasks = [];
  for (let r = 0; r < opts.n; r++)
    for (let i = 0; i < rows.length; i++) tasks.push({ key: `${base[i]}@${r}`, row: rows[i], runIndex: r });
  const runOf = new Map(tasks.map((t) => [t.key, t.runIndex]));
  // Each key's place, worked out once (a sort compares every key many times).
  const places = new Map<string, { pos: number; run: number }>();
  const placeOf = (k: string) => {
    let p = places.get(k);
    if (!p) {
      const { base, run } = splitKey(k);
      p = { pos: position.get(base) ?? 0, run };
      places.set(k, p);
    }
    return p;
  };
  const byKey = (a: string, b: string) => {
    const ka = placeOf(a);
    const kb = placeOf(b);
    return ka.pos - kb.pos || ka.run - kb.run;
  };

  const build = (
    input: Row,
    key: string,
    r: {
      model_solution: string;
      cost_run: CostRecord;
      history: unknown[];
      finish_reason?: string;
      error?: string;
      attempts: number;
      extra?: Record<string, unknown>;
    },
  ): Row => {
    const row = plainCopy(input, 'error');
    row.model_solution = r.model_solution;
    row.cost_run = r.cost_run;
    row.history = r.history;
    const schema = schemaFor(input, mode);
    if (schema) row.schema_0 = schema;
    row.run_index = runOf.get(key) ?? 0;
    if (r.finish_reason !== undefined) row.finish_reason = r.finish_reason;
    if (r.error !== undefined) row.error = r.error;
    if (r.extra) Object.assign(row, r.extra);
    const stamp = plainCopy(opts.identity) as unknown as RunStamp;
    stamp.key = key;
    stamp.attempts = r.attempts;
    stamp.finished_at = new Date().toISOString();
    row.qed_run = stamp;
    return row;
  };

  // A reply without the config's delimiters (e.g. `</think>`) has an empty answer that would
  // quietly score 0: said at once (once per job) and counted in the summary (flag no_delimiter).
  let warnedDelimiters = false;
  return processRows({
    ...jobOptions(opts),
    identity: opts.identity,
    stampColumn: 'qed_run',
    stopOnFailure: opts.solver.stopOnFailure,
    session: opts.solver.session?.(opts.outputPath),
    costColumn: 'cost_run',
    isDone: (row) => !hasError(row),
    // Any row of a problem of this dataset is accepted: an earlier run with a larger --n or without
    // --limit left rows that stay in the file.
    isValidKey: (k) => position.has(splitKey(k).base),
    keyOf: (row) => keyOf(row),
    tasks,
    // Dataset order, the runs of one problem together; only rows that exist are written.
    order: [...tasks].sort((a, b) => byKey(a.key, b.key)).map((t) => ({ key: t.key })),
    extraOrder: byKey,
    work: async (task, ctx) => {
      const prompt = fillPrompt(opts.prompt, String(task.row[problemColumn]));
      const res = await opts.solver.solve(prompt, {
        signal: ctx.signal,
        onRetry: ctx.onRetry,
        key: task.key,
      });
      if (res.missingDelimiters && !warnedDelimiters) {
        warnedDelimiters = true;
        ctx.log(`warning: ${missingDelimiterWarning(res.missingDelimiters, task.key)}`);
      }
      return {
        row: build(task.row, task.key, {
          model_solution: res.answer,
          cost_run: res.cost,
          history: res.history,
          finish_reason: res.finishReason,
          attempts: res.attempts,
          extra: res.extra,
        }),
        cost: res.cost,
        ...(res.missingDelimiters ? { flag: NO_DELIMITER } : {}),
      };
    },
    onFailure: (task, e, elapsedSec) =>
      build(task.row, task.key, {
        model_solution: '',
        cost_run: { cost: 0, input_tokens: 0, output_tokens: 0, time: elapsedSec },
        history: [{ role: 'user', content: fillPrompt(opts.prompt, String(task.row[problemColumn])) }],
        error: e.message,
        attempts: e.attempts,
      }),
  });
}
