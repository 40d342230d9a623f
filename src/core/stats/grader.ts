// `qed stats --grader`: how well a grader's `graded_score` matches the human `points` on a
// human-graded set (grader-experiment files). Pure functions, no I/O.

import { QedError } from '../errors';
import type { Row } from '../data/types';
import { optionalNumber } from './rows';
import { originalGrader, type MergeMethod } from './original';
import { checkInputs, fileLabels } from './summary';
import { SCORE_BUCKETS, type GraderReport, type GraderSummary, type ScoreBucket, type StatsInput } from './types';

/** Our figures' names in the tables, by JSON field (the original's are under `original`). */
export const GRADER_LABELS: Record<string, string> = {
  mae: 'MAE (compared rows only)',
  bucket_accuracy: 'bucket accuracy (compared rows only)',
  exact_accuracy: 'exact accuracy',
  'pairwise.per_problem_mean': 'pairwise agreement',
  'pairwise.pooled': 'pairwise, pooled',
  grader_missing: 'grader missing',
  human_missing: 'human missing',
};

/** One row as the grader comparison sees it. */
export interface GraderFacts {
  /** Rows are paired within a problem of the same file: `file` + id. */
  problem: string | undefined;
  grader: number | null;
  human: number | null;
}

const TOP = 7;

/** A score rounded to whole points and clamped to 0..7, for buckets and the histogram. */
export function wholePoints(x: number): number {
  return Math.min(TOP, Math.max(0, Math.round(x)));
}

/** {0}, {1–3}, {4–6}, {7} (after rounding to whole points). */
export function bucketOf(x: number): ScoreBucket {
  const p = wholePoints(x);
  if (p === 0) return '0';
  if (p <= 3) return '1-3';
  if (p <= 6) return '4-6';
  return '7';
}

function problemOf(row: Row): string | undefined {
  for (const key of ['problem_id', 'question_id']) {
    const v = row[key];
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number') return String(v);
  }
  return undefined;
}

export function graderFacts(input: StatsInput): GraderFacts[] {
  return input.rows.map(({ row, line }) => {
    const at = { file: input.file, line };
    const g = optionalNumber(row, 'graded_score', at);
    const h = optionalNumber(row, 'points', at);
    const failed = row.grade_error !== undefined && row.grade_error !== null && row.grade_error !== '';
    const id = problemOf(row);
    return { problem: id === undefined ? undefined : `${input.file}\u0000${id}`, grader: failed ? null : g, human: h };
  });
}

/**
 * Pairwise ordering agreement. Within each problem, every pair of rows whose human points differ
 * is a pair; it scores 1 when the grader orders the two the same way, 0 when the other way, and
 * ½ when the grader gives both the same score (a tie is neither right nor wrong).
 */
export function pairwiseAgreement(facts: readonly GraderFacts[]): GraderSummary['pairwise'] {
  const byProblem = new Map<string, Array<{ g: number; h: number }>>();
  for (const f of facts) {
    if (f.problem === undefined || f.grader === null || f.human === null) continue;
    let list = byProblem.get(f.problem);
    if (!list) byProblem.set(f.problem, (list = []));
    list.push({ g: f.grader, h: f.human });
  }
  let pairs = 0;
  let agreed = 0;
  const fractions: number[] = [];
  for (const list of byProblem.values()) {
    let p = 0;
    let a = 0;
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const dh = list[i].h - list[j].h;
        if (dh === 0) continue;
        const dg = list[i].g - list[j].g;
        p++;
        a += dg === 0 ? 0.5 : Math.sign(dg) === Math.sign(dh) ? 1 : 0;
      }
    }
    if (!p) continue;
    pairs += p;
    agreed += a;
    fractions.push(a / p);
  }
  return {
    pairs,
    problems: fractions.length,
    per_problem_mean: fractions.length ? fractions.reduce((x, y) => x + y, 0) / fractions.length : null,
    pooled: pairs ? agreed / pairs : null,
    ties: 'half',
  };
}

export function summarizeGraderFacts(facts: readonly GraderFacts[], label: string, file?: string): GraderSummary {
  const compared = facts.filter(
    (f): f is GraderFacts & { grader: number; human: number } => f.grader !== null && f.human !== null,
  );
  const n = compared.length;
  const frac = (k: number) => (n ? k / n : null);
  const grader = new Array<number>(TOP + 1).fill(0);
  const human = new Array<number>(TOP + 1).fill(0);
  const confusion = SCORE_BUCKETS.map(() => SCORE_BUCKETS.map(() => 0));
  let absErr = 0;
  let sameBucket = 0;
  let exact = 0;
  for (const f of compared) {
    absErr += Math.abs(f.grader - f.human);
    const gb = bucketOf(f.grader);
    const hb = bucketOf(f.human);
    if (gb === hb) sameBucket++;
    if (wholePoints(f.grader) === wholePoints(f.human)) exact++;
    grader[wholePoints(f.grader)]++;
    human[wholePoints(f.human)]++;
    confusion[SCORE_BUCKETS.indexOf(hb)][SCORE_BUCKETS.indexOf(gb)]++;
  }
  const summary: GraderSummary = {
    label,
    rows: facts.length,
    compared: n,
    grader_missing: facts.filter((f) => f.human !== null && f.grader === null).length,
    human_missing: facts.filter((f) => f.human === null).length,
    mae: n ? absErr / n : null,
    bucket_accuracy: frac(sameBucket),
    exact_accuracy: frac(exact),
    pairwise: pairwiseAgreement(facts),
    distribution: { grader, human },
    bucket_confusion: confusion,
  };
  if (file !== undefined) summary.file = file;
  return summary;
}

/**
 * Compares grader scores with human points over grader-experiment files. The top-level figures
 * pool all files (pairs are still formed within one file's problem); `files` has one entry each.
 */
export function summarizeGrader(
  inputs: readonly StatsInput[],
  opts: { mergeMethod?: MergeMethod; originalPerFile?: boolean } = {},
): GraderReport {
  checkInputs(inputs);
  const labels = fileLabels(inputs.map((i) => i.file));
  const perFile = inputs.map((i) => graderFacts(i));
  const files = inputs.map((input, k) => summarizeGraderFacts(perFile[k], labels[k], input.file));
  const warnings: string[] = [];
  inputs.forEach((input, k) => {
    const facts = perFile[k];
    if (!facts.some((f) => f.human !== null)) {
      throw new QedError(
        "no row has human 'points': this is not a grader-experiment file",
        { file: input.file, field: 'points' },
        'drop --grader to summarise a results file',
      );
    }
    const offScale = facts.filter(
      (f) =>
        (f.grader !== null && (f.grader < 0 || f.grader > TOP || !Number.isInteger(f.grader))) ||
        (f.human !== null && (f.human < 0 || f.human > TOP || !Number.isInteger(f.human))),
    ).length;
    if (offScale)
      warnings.push(
        `${labels[k]}: ${offScale} row(s) have a score that is not a whole number 0..7; it was rounded / clamped for buckets and the histogram`,
      );
    const noId = facts.filter((f) => f.problem === undefined).length;
    if (noId)
      warnings.push(`${labels[k]}: ${noId} row(s) have no problem_id and are left out of the pairwise agreement`);
  });
  const pooled = summarizeGraderFacts(
    perFile.flat(),
    inputs.length === 1 ? labels[0] : 'all',
    inputs.length === 1 ? inputs[0].file : undefined,
  );
  const mergeMethod = opts.mergeMethod ?? 'mean';
  if (opts.originalPerFile && inputs.length > 1) {
    // Files that are not repeats of one grading (e.g. one per prompt): the original's figures of each alone.
    files.forEach((f, k) => (f.original = originalGrader([inputs[k]], mergeMethod)));
    return {
      mode: 'grader',
      ...pooled,
      files,
      original: null,
      merge_method: mergeMethod,
      labels: GRADER_LABELS,
      warnings,
    };
  }
  const original = originalGrader(inputs, mergeMethod);
  if (!original)
    warnings.push(
      "the files differ in length: the original refuses them ('All input files must have the same number of rows to merge.'), so its figures are not shown; ours are",
    );
  return { mode: 'grader', ...pooled, files, original, merge_method: mergeMethod, labels: GRADER_LABELS, warnings };
}
