// The figures of the original's statistics script (eval/scripts/stats.py of the Python stack),
// computed by its definitions, quirks included, and printed as it prints them, so that numbers a
// user published with it reproduce. Our own figures (summary.ts, grader.ts) stand beside these
// under their own names. Where the original would stop with an error on a file, the figures are
// still computed (the rows it cannot read are left out) and a note says so.

import { basename } from 'node:path';
import type { Row } from '../data/types';
import { optionalNumber } from './rows';
import { nanMax, nanMean, nanMin, nanQuantile, npMean, npStdSample, npSum, pyFixed, pyInt, pyRepr } from './pyformat';
import type { StatsInput } from './types';

/** `--merge-method`: how the original merges several runs (its choices, its default first). */
export const MERGE_METHODS = ['mean', 'max', 'min'] as const;
export type MergeMethod = (typeof MERGE_METHODS)[number];

/** One figure under the original's name: the number, and the text the original prints for it. */
export interface OriginalFigure {
  name: string;
  /** null where the original prints N/A or nan. */
  value: number | null;
  text: string;
}

/** The original's results summary ("Summary Table (single run)" or "(mean@3 runs)"). */
export interface OriginalResults {
  kind: 'single run' | 'several runs';
  merge_method: MergeMethod;
  /** The files the original reads for these figures (each file is one run). */
  files: number;
  title: string;
  /** Its score column: `score`, else `graded_score`; null when neither exists (it then reports 0). */
  score_column: 'score' | 'graded_score' | null;
  /** "Correct" in TokC / TokI: score ≥ 6 for one run, ≥ 5 across runs (a missing score counts 0). */
  correct_from: 5 | 6;
  /** In the original's order: its header line and its value line. */
  columns: OriginalFigure[];
  /** Rows whose CoT figure (generation output tokens − grader input tokens) is below zero. */
  cot_negative_rows: number;
  /** Rows with a CoT figure at all. */
  cot_rows: number;
  /** Where the original would stop, or where one of its figures misleads. */
  notes: string[];
}

/** The original's grader summary (`--grader`): grader scores merged row by row across files. */
export interface OriginalGrader {
  merge_method: MergeMethod;
  files: number;
  title: string;
  figures: OriginalFigure[];
  /** `value_counts()` of the merged grader score, sorted by score. */
  distribution: Array<{ score: number; text: string; count: number }>;
  notes: string[];
}

const obj = (v: unknown): Record<string, unknown> | null =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
/** pandas reads a JSON number as a number and anything else in a numeric column as missing. */
const numOrNaN = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : NaN);
/** A column exists when some row of the file has the key (pandas takes the union of keys). */
const hasColumn = (input: StatsInput, key: string) => input.rows.some(({ row }) => Object.hasOwn(row, key));
const nul = (x: number): number | null => (Number.isNaN(x) ? null : x);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The id as `astype(str)` gives it: text as is, a number as its digits, missing as 'nan'. */
function idText(row: Row, col: string): string {
  const v = row[col];
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return 'nan';
}

/** One row as the original reads it. NaN is a missing value. */
interface OrigRow {
  score: number;
  id: string;
  /** grade_cost.input_tokens: the original's "solution tokens". */
  sol: number;
  /** cost_run.output_tokens. */
  out: number;
  /** grade_cost is not an object with input_tokens: the original stops with an error here. */
  noGradeCost: boolean;
  emptySolution: boolean;
}

function readRows(input: StatsInput, scoreCol: string | null, idCol: string): OrigRow[] {
  return input.rows.map(({ row, line }) => {
    const gc = obj(row.grade_cost);
    const noGradeCost = scoreCol !== null && (!gc || !Object.hasOwn(gc, 'input_tokens'));
    return {
      score: scoreCol === null ? 0 : (optionalNumber(row, scoreCol, { file: input.file, line }) ?? NaN),
      id: idText(row, idCol),
      // With no score column at all, the original sets every score and token count to 0.
      sol: scoreCol === null ? 0 : numOrNaN(gc?.input_tokens),
      out: scoreCol === null ? 0 : numOrNaN(obj(row.cost_run)?.output_tokens),
      noGradeCost,
      emptySolution: row.model_solution === '',
    };
  });
}

/** `token_stats`: min, mean, max of the tokens of the selected rows (N/A when none is selected). */
function tokenStats(rows: readonly OrigRow[], select: (r: OrigRow) => boolean): [number, number, number] {
  const picked = rows.filter(select).map((r) => r.out);
  if (!picked.length) return [NaN, NaN, NaN];
  return [nanMin(picked), nanMean(picked), nanMax(picked)];
}

const token = (name: string, x: number): OriginalFigure => ({
  name,
  value: nul(x),
  text: Number.isNaN(x) ? 'N/A' : pyInt(x),
});
/** `fmt_score` / `fmt_frac`: four decimals, N/A when missing. */
const score4 = (name: string, x: number): OriginalFigure => ({
  name,
  value: nul(x),
  text: Number.isNaN(x) ? 'N/A' : pyFixed(x, 4),
});
/** The single-run scores are printed with a bare `:.4f`: a missing mean prints 'nan'. */
const raw4 = (name: string, x: number): OriginalFigure => ({ name, value: nul(x), text: pyFixed(x, 4) });

const fill0 = (x: number) => (Number.isNaN(x) ? 0 : x);

/**
 * The original's results summary over the files as given (each file a run; run_index is not
 * looked at). One file, or a first file without a `score` column, is its single-run table.
 */
export function originalResults(inputs: readonly StatsInput[], mergeMethod: MergeMethod = 'mean'): OriginalResults {
  const notes: string[] = [];
  const first = inputs[0];
  const several = inputs.length > 1 && hasColumn(first, 'score');
  if (inputs.length > 1 && !several)
    notes.push(
      `the first file (${basename(first.file)}) has no score column: the original then summarises that file alone, as a single run`,
    );
  const used = several ? inputs : [first];
  if (new Set(used.map((i) => i.rows.length)).size > 1)
    notes.push(
      "the files differ in length: the original refuses them ('All input files must have the same number of rows to merge.'); its figures are computed here anyway",
    );
  for (const i of used) {
    const runs = new Set(i.rows.map(({ row }) => (typeof row.run_index === 'number' ? row.run_index : 0)));
    if (runs.size > 1)
      notes.push(
        `${basename(i.file)} holds ${runs.size} runs (run_index): the original reads each file as one run, so they are pooled here`,
      );
  }

  const idCol = hasColumn(first, 'question_id') ? 'question_id' : 'problem_id';
  if (!hasColumn(first, idCol))
    notes.push(
      'no question_id or problem_id column: the original stops with an error; every row is counted in the second group here',
    );
  const scoreCol: OriginalResults['score_column'] = hasColumn(first, 'score')
    ? 'score'
    : hasColumn(first, 'graded_score')
      ? 'graded_score'
      : null;
  if (scoreCol === 'graded_score') notes.push('no score column: the original reads graded_score as the score');
  if (scoreCol === null)
    notes.push('no score or graded_score column: the original reports a score of 0 and no tokens for every row');
  for (const i of used.slice(1))
    if (!hasColumn(i, 'score'))
      notes.push(`${basename(i.file)} has no score column: the original stops with an error; its rows count as 0 here`);

  const perFile = used.map((i) => readRows(i, scoreCol, idCol));
  const all = perFile.flat();
  const basicSplit = perFile[0].some((r) => r.id.includes('Basic'));
  const inGroup0 = (r: OrigRow) =>
    basicSplit ? r.id.includes('Basic') : r.id.includes('2024') || r.id.includes('2025');
  const splitNames = basicSplit ? ['Basic', 'Advanced'] : ['2024/2025', 'Others'];
  const correctFrom = several ? 5 : 6;

  const noGradeCost = all.filter((r) => r.noGradeCost).length;
  if (noGradeCost)
    notes.push(
      `${plural(noGradeCost, 'row')} without grade_cost.input_tokens: the original stops with an error on such a file; they are left out of CoT and Sol here`,
    );

  const cot = all.map((r) => r.out - r.sol);
  const sol = all.map((r) => r.sol);
  const out = all.map((r) => r.out);
  const cotRows = cot.filter((x) => !Number.isNaN(x));
  const cotNegative = cotRows.filter((x) => x < 0).length;
  if (cotNegative) {
    notes.push(
      `CoT is below zero on ${cotNegative} of ${plural(cotRows.length, 'row')}: the original's CoT is the generation's output tokens minus the grader's input tokens (grading prompt, problem, reference and proof), not a count of reasoning tokens — see 'reasoning tokens' among our figures`,
    );
  }
  const missing = all.filter((r) => Number.isNaN(r.score)).length;
  const are = missing === 1 ? 'is' : 'are';
  const count = missing === 1 ? 'counts' : 'count';
  if (missing && several)
    notes.push(
      `${plural(missing, 'row')} without a score ${count} as 0 in Overall, Std and the groups, and as below ${correctFrom} in TokC / TokI`,
    );
  if (missing && !several)
    notes.push(
      `${plural(missing, 'row')} without a score ${are} left out of Overall and the groups, yet ${count} as 0 (below ${correctFrom}) in TokC / TokI`,
    );

  const [cMin, cMean, cMax] = tokenStats(all, (r) => fill0(r.score) >= correctFrom);
  const [iMin, iMean, iMax] = tokenStats(all, (r) => fill0(r.score) < correctFrom);
  const perRunSum = (rows: readonly OrigRow[]) =>
    rows.every((r) => Number.isNaN(r.out)) ? NaN : npSum(rows.map((r) => fill0(r.out)));
  const truncated = used.every((i) => hasColumn(i, 'model_solution'))
    ? all.filter((r) => r.emptySolution).length / all.length
    : NaN;
  const tokens: OriginalFigure[] = [
    token('CoT Min', nanMin(cot)),
    token('CoT Mean', nanMean(cot)),
    token('CoT Max', nanMax(cot)),
    token('Sol Min', nanMin(sol)),
    token('Sol Mean', nanMean(sol)),
    token('Sol Max', nanMax(sol)),
    token('Tok Mean', nanMean(out)),
    token('Tok Sum/Run', nanMean(perFile.map(perRunSum))),
    token('TokC Min', cMin),
    token('TokC Mean', cMean),
    token('TokC Max', cMax),
    token('TokI Min', iMin),
    token('TokI Mean', iMean),
    token('TokI Max', iMax),
    score4('Truncated Frac', truncated),
  ];

  let columns: OriginalFigure[];
  if (several) {
    const runMean = (rows: readonly OrigRow[]) => nanMean(rows.map((r) => fill0(r.score)));
    const runMeans = perFile.map(runMean);
    const final =
      mergeMethod === 'mean' ? npMean(runMeans) : mergeMethod === 'max' ? Math.max(...runMeans) : Math.min(...runMeans);
    const group = (g: boolean) => nanMean(perFile.map((rows) => runMean(rows.filter((r) => inGroup0(r) === g))));
    columns = [
      score4('Overall', final),
      score4('Std', npStdSample(runMeans)),
      score4(splitNames[0], group(true)),
      score4(splitNames[1], group(false)),
      ...tokens,
    ];
  } else {
    const scores = all.map((r) => r.score);
    columns = [
      raw4('Overall', nanMean(scores)),
      raw4(splitNames[0], nanMean(all.filter(inGroup0).map((r) => r.score))),
      raw4(splitNames[1], nanMean(all.filter((r) => !inGroup0(r)).map((r) => r.score))),
      ...tokens,
    ];
  }
  return {
    kind: several ? 'several runs' : 'single run',
    merge_method: mergeMethod,
    files: used.length,
    title: several ? `Summary Table (${mergeMethod}@${used.length} runs)` : 'Summary Table (single run)',
    score_column: scoreCol,
    correct_from: correctFrom,
    columns,
    cot_negative_rows: cotNegative,
    cot_rows: cotRows.length,
    notes,
  };
}

/** The original's bucket accuracy: {0}, {1–3}, {4–6}, {7} on the raw values; a row without points never matches. */
function sameBucket(g: number, p: number): boolean {
  return (
    (g === 0 && p === 0) ||
    (g === 7 && p === 7) ||
    (g >= 1 && g <= 3 && p >= 1 && p <= 3) ||
    (g >= 4 && g <= 6 && p >= 4 && p <= 6)
  );
}

/** Rows of one problem, in file order; rows without a problem id are in no group. */
function problemGroups(rows: readonly Row[], col: string): number[][] {
  const groups = new Map<string, number[]>();
  rows.forEach((row, i) => {
    const v = row[col];
    if (v === undefined || v === null || (typeof v === 'number' && Number.isNaN(v))) return;
    const key = `${typeof v}:${typeof v === 'object' ? JSON.stringify(v) : String(v)}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(i);
  });
  return [...groups.values()];
}

/** Python's `sum(xs) / len(xs)`, or null for an empty list. */
const pyAverage = (xs: readonly number[]): number | null => {
  if (!xs.length) return null;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
};

/**
 * The original's `--grader` summary: each file's `graded_score` (missing → 0) merged row by row
 * by the merge method, compared with the first file's human `points`. Null when the files differ
 * in length (the original refuses them).
 */
export function originalGrader(
  inputs: readonly StatsInput[],
  mergeMethod: MergeMethod = 'mean',
): OriginalGrader | null {
  const n = inputs[0].rows.length;
  if (inputs.some((i) => i.rows.length !== n)) return null;
  const notes: string[] = [];
  if (inputs.length > 1)
    notes.push(
      `graded_score is merged row by row across the ${inputs.length} files (${mergeMethod}), as the original does: meaningful for repeated gradings of the same rows, not for different prompts — name one file to see it alone`,
    );
  const perFile = inputs.map((input) => {
    if (!hasColumn(input, 'graded_score'))
      notes.push(
        `${basename(input.file)} has no graded_score column: the original stops with an error; its scores count as 0 here`,
      );
    return input.rows.map(({ row, line }) => optionalNumber(row, 'graded_score', { file: input.file, line }) ?? NaN);
  });
  const unread = perFile.flat().filter((x) => Number.isNaN(x)).length;
  if (unread)
    notes.push(
      `${plural(unread, 'grader score')} missing (unreadable or not graded) ${unread === 1 ? 'counts' : 'count'} as 0 in every figure`,
    );
  const g = Array.from({ length: n }, (_, i) => {
    const vals = perFile.map((f) => fill0(f[i]));
    return mergeMethod === 'mean' ? npMean(vals) : mergeMethod === 'max' ? Math.max(...vals) : Math.min(...vals);
  });
  const rows = inputs[0].rows.map(({ row }) => row);
  const p = inputs[0].rows.map(({ row, line }) => optionalNumber(row, 'points', { file: inputs[0].file, line }) ?? NaN);
  const noPoints = p.filter((x) => Number.isNaN(x)).length;
  if (noPoints)
    notes.push(`${plural(noPoints, 'row')} without human points: left out of MAE but counted as wrong in Accuracy`);

  const mae = nanMean(g.map((x, i) => Math.abs(x - p[i])));
  const acc = g.filter((x, i) => sameBucket(x, p[i])).length / n;

  const col = hasColumn(inputs[0], 'problem_id')
    ? 'problem_id'
    : hasColumn(inputs[0], 'problem_idx')
      ? 'problem_idx'
      : null;
  let lc: number | null = 0;
  let adv: number | null = 0;
  if (col === null)
    notes.push('no problem_id or problem_idx column: the original prints 0 for Local Consistency and Advantage Diff');
  else {
    const groups = problemGroups(rows, col).filter((ix) => ix.length > 1);
    const consistency: number[] = [];
    const advantage: number[] = [];
    for (const ix of groups) {
      let agree = 0;
      let pairs = 0;
      for (let a = 0; a < ix.length; a++) {
        for (let b = a + 1; b < ix.length; b++) {
          pairs++;
          if (g[ix[a]] <= g[ix[b]] === p[ix[a]] <= p[ix[b]]) agree++;
        }
      }
      consistency.push(agree / pairs);
      const gs = ix.map((i) => g[i]);
      const ps = ix.map((i) => p[i]);
      const gm = npMean(gs);
      const pm = npMean(ps);
      advantage.push(npMean(ix.map((_, k) => Math.abs(gs[k] - gm - (ps[k] - pm)))));
    }
    lc = pyAverage(consistency);
    adv = pyAverage(advantage);
  }
  const reprOr = (name: string, x: number | null): OriginalFigure =>
    x === null ? { name, value: null, text: 'N/A' } : { name, value: nul(x), text: col === null ? '0' : pyRepr(x) };

  const missingCost = (field: string, pick: (r: Row) => unknown) => {
    const k = rows.filter((r) => pick(r) === undefined).length;
    if (k)
      notes.push(
        `${plural(k, 'row')} without ${field}: the original stops with an error on such a file; they are left out here`,
      );
  };
  missingCost('grade_cost.output_tokens', (r) => obj(r.grade_cost)?.output_tokens);
  missingCost('grade_cost.input_tokens', (r) => obj(r.grade_cost)?.input_tokens);
  if (!hasColumn(inputs[0], 'cost_run'))
    notes.push('no cost_run column: the original stops with an error on this file; CoT is nan here');
  const gradeOut = rows.map((r) => numOrNaN(obj(r.grade_cost)?.output_tokens));
  const sol = rows.map((r) => numOrNaN(obj(r.grade_cost)?.input_tokens));
  const cot = rows.map((r, i) => numOrNaN(obj(r.cost_run)?.output_tokens) - sol[i]);
  const one = (name: string, x: number): OriginalFigure => ({ name, value: nul(x), text: pyFixed(x, 1) });

  // value_counts(): an integer column prints 7, a float one (mean merge, or a missing score) 7.0.
  const floatColumn = mergeMethod === 'mean' || perFile.some((f) => f.some((x) => !Number.isInteger(x)));
  const counts = new Map<number, number>();
  for (const x of g) counts.set(x, (counts.get(x) ?? 0) + 1);
  const distribution = [...counts.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([score, count]) => ({ score, text: floatColumn ? pyRepr(score) : String(score), count }));

  return {
    merge_method: mergeMethod,
    files: inputs.length,
    title: 'Summary Table',
    figures: [
      { name: 'MAE', value: nul(mae), text: pyFixed(mae, 4) },
      { name: 'Accuracy', value: acc, text: pyFixed(acc, 4) },
      reprOr('Local Consistency', lc),
      reprOr('Advantage Diff', adv),
      one('CoT Tokens (Min)', nanMin(cot)),
      one('CoT Tokens (Mean)', nanMean(cot)),
      one('CoT Tokens (Max)', nanMax(cot)),
      one('Solution Tokens (Min)', nanMin(sol)),
      one('Solution Tokens (Mean)', nanMean(sol)),
      one('Solution Tokens (Max)', nanMax(sol)),
      one('Grade Tokens (Mean)', nanMean(gradeOut)),
      one('Grade Tokens (95%)', nanQuantile(gradeOut, 0.95)),
      one('Grade Tokens (Max)', nanMax(gradeOut)),
    ],
    distribution,
    notes,
  };
}
