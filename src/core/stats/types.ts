// Shapes of the summaries `qed stats` computes. Every object here is plain JSON (numbers, strings,
// null, arrays, objects), so a report can be printed with JSON.stringify as it is.

import type { NumberedRow } from '../data/jsonl';
import type { MergeMethod, OriginalGrader, OriginalResults } from './original';

/** One result file as read from disk: its name as the user gave it and its numbered rows. */
export interface StatsInput {
  file: string;
  rows: NumberedRow[];
}

/**
 * How rows are split in two groups, decided from the ids:
 * - `basic-advanced`: some id contains `Basic` → "Basic" (ids with `Basic`) vs "Advanced" (the rest);
 * - `years`: otherwise → "2024-2025" (ids containing 2024 or 2025) vs "Others".
 */
export type SplitKind = 'basic-advanced' | 'years';

export interface SplitGroup {
  name: string;
  rows: number;
  graded: number;
  parse_failures: number;
  run_errors: number;
  /** Mean score in points over the group's graded rows (null: none graded). */
  mean: number | null;
  /** The group's score as a percentage of the max points (null: unknown). */
  percent: number | null;
}

export interface Splits {
  kind: SplitKind;
  /** Always two groups, in the order named under SplitKind. */
  groups: [SplitGroup, SplitGroup];
}

/** A token figure over the rows that have one. */
export interface TokenFigure {
  /** Mean per row (null when no row has the figure). */
  mean: number | null;
  sum: number;
  /** How many rows the figure covers. */
  rows: number;
}

/** A token figure where some rows may be estimated from text length (characters / 4). */
export interface EstimatedTokenFigure extends TokenFigure {
  /** Rows whose count was estimated as characters / 4 because no count was recorded. */
  estimated_rows: number;
  /** A human label that says whether (and how) the figure is estimated. */
  label: string;
}

export interface TokenSummary {
  /**
   * "reasoning tokens": `cost_run.reasoning_tokens` when recorded, else cot text length / 4. Not the
   * original's "CoT" (output tokens − grader input tokens), which is in `original`.
   */
  cot: EstimatedTokenFigure;
  /** "model_solution tokens": its length / 4 (no count is recorded for it). Not the original's "Sol". */
  solution: EstimatedTokenFigure;
  /** `cost_run.output_tokens` (reasoning included): mean per row and sum per run. */
  output: TokenFigure;
  /** "output tokens, full marks": graded rows with score == max points (the original's TokC is score ≥ 6 / ≥ 5). */
  output_correct: TokenFigure;
  /** "output tokens, below full marks": graded rows with score < max points. */
  output_incorrect: TokenFigure;
}

export interface CostSummary {
  /** Sum of `cost_run.cost` (USD) over all rows. */
  generation: number;
  /** Sum of `grade_cost.cost` (USD) over all rows. */
  grading: number;
  total: number;
}

/** Human overrides (`human_grade`), kept apart from the model grader's score. */
export interface HumanSummary {
  /** Rows that carry a human grade. */
  count: number;
  /** Mean of the human points over those rows (null: none). */
  mean: number | null;
  /** Human points as a percentage of their totals (null: none). */
  percent: number | null;
}

/** Figures for one set of rows: a run, a file, or everything pooled. */
export interface Summary {
  /** What the rows are: a run label, a file label, or 'all'. */
  label: string;
  /** The file these rows come from (absent when pooled over several files). */
  file?: string;
  /** The run_index of a run taken from a file holding several runs (absent otherwise). */
  run_index?: number;
  rows: number;
  /** Rows with a numeric score (and no run error and no grade_error). */
  graded: number;
  /** Rows whose grader reply could not be parsed: grade_error set, or score null with a grade present. */
  parse_failures: number;
  /** Rows whose generation failed for good (`error` set). */
  run_errors: number;
  /** Rows with none of the above: not graded yet. */
  not_graded: number;
  /** The max points shared by the graded rows (sum of schema_0 points); null when unknown or mixed. */
  max_points: number | null;
  /**
   * "Overall (graded rows only)": mean score in points over graded rows only; null when none is
   * graded. The original's "Overall" is in `original`.
   */
  overall: number | null;
  /** Sum of scores / sum of max points over graded rows with a known max, × 100. */
  overall_percent: number | null;
  splits: Splits;
  tokens: TokenSummary;
  /** Rows (without run error) whose solution is empty or was cut off (finish_reason 'length'). */
  truncated: number;
  /** `truncated` / rows without run error (null when there is no such row). */
  truncated_fraction: number | null;
  cost: CostSummary;
  human: HumanSummary;
}

/** A figure across runs. `std` is the sample standard deviation (n − 1); null with fewer than 2 values. */
export interface Aggregate {
  mean: number | null;
  std: number | null;
  min: number | null;
  max: number | null;
  /** How many runs had a value (runs where the figure is null are left out). */
  n: number;
}

/** Per-run figures merged across runs. */
export interface MergedSummary {
  runs: number;
  std_kind: 'sample';
  rows: Aggregate;
  graded: Aggregate;
  parse_failures: Aggregate;
  run_errors: Aggregate;
  not_graded: Aggregate;
  overall: Aggregate;
  overall_percent: Aggregate;
  splits: { kind: SplitKind; groups: Array<{ name: string; mean: Aggregate; percent: Aggregate }> };
  tokens: {
    cot_mean: Aggregate;
    solution_mean: Aggregate;
    output_mean: Aggregate;
    output_sum: Aggregate;
    output_correct_mean: Aggregate;
    output_incorrect_mean: Aggregate;
  };
  truncated_fraction: Aggregate;
  cost: { generation: Aggregate; grading: Aggregate; total: Aggregate };
  human_count: Aggregate;
  human_mean: Aggregate;
}

/**
 * `qed stats` over result files. The top-level figures pool every row of every file; `runs` holds
 * each run (a file, or one run_index of a file holding several) and `merged` their mean / std /
 * min / max when there are several runs; `files` holds one summary per file.
 */
export interface ResultsReport extends Summary {
  mode: 'results';
  /** Number of runs found. */
  run_count: number;
  runs: Summary[];
  files: Summary[];
  merged: MergedSummary | null;
  /** The original's figures (its stats.py), by its definitions, under its column names. */
  original: OriginalResults;
  /** The name each of our JSON fields goes by in the tables, e.g. overall → "Overall (graded rows only)". */
  labels: Record<string, string>;
  /** Files read with `graded_score` as their score, having no `score` column. */
  graded_score_files: string[];
  warnings: string[];
}

/** Buckets the grader and human scores are compared over. */
export const SCORE_BUCKETS = ['0', '1-3', '4-6', '7'] as const;
export type ScoreBucket = (typeof SCORE_BUCKETS)[number];

/** `--grader`: a grader's `graded_score` compared with the human `points`. */
export interface GraderSummary {
  label: string;
  file?: string;
  rows: number;
  /** Rows with both a grader score and human points. */
  compared: number;
  /** Rows with human points but no usable grader score (null, absent, or grade_error set). */
  grader_missing: number;
  /** Rows without human points (left out). */
  human_missing: number;
  /** Mean absolute error |graded_score − points| over compared rows. */
  mae: number | null;
  /** Fraction of compared rows where both scores fall in the same bucket {0},{1–3},{4–6},{7}. */
  bucket_accuracy: number | null;
  /** Fraction of compared rows where the (rounded) scores are equal. */
  exact_accuracy: number | null;
  pairwise: {
    /** Pairs of rows of the same problem whose human points differ. */
    pairs: number;
    /** Problems with at least one such pair. */
    problems: number;
    /** Mean over problems of each problem's agreement fraction. */
    per_problem_mean: number | null;
    /** Agreement over all pairs together. */
    pooled: number | null;
    /** How a grader tie on a pair the humans ordered counts. */
    ties: 'half';
  };
  /** Counts of scores 0..7 (rounded to whole points, clamped) over compared rows. */
  distribution: { grader: number[]; human: number[] };
  /** confusion[h][g]: compared rows with human bucket h and grader bucket g (SCORE_BUCKETS order). */
  bucket_confusion: number[][];
  /** The original's figures for this file alone (only with `originalPerFile`, e.g. one file per grader prompt). */
  original?: OriginalGrader | null;
}

export interface GraderReport extends GraderSummary {
  mode: 'grader';
  files: GraderSummary[];
  /**
   * The original's `--grader` figures over all files, merged row by row (null when the files differ
   * in length, as the original refuses them, or with `originalPerFile`: then each file has its own).
   */
  original: OriginalGrader | null;
  merge_method: MergeMethod;
  /** The name each of our JSON fields goes by in the tables, e.g. mae → "MAE (compared rows only)". */
  labels: Record<string, string>;
  warnings: string[];
}

export type StatsReport = ResultsReport | GraderReport;
