// Pure functions from result rows to the figures of `qed stats` (no I/O).

import { basename } from 'node:path';
import { QedError } from '../errors';
import { rowFacts, type RowFacts } from './rows';
import { originalResults, type MergeMethod } from './original';
import type {
  Aggregate,
  EstimatedTokenFigure,
  MergedSummary,
  ResultsReport,
  SplitGroup,
  SplitKind,
  StatsInput,
  Summary,
  TokenFigure,
} from './types';

/** Basic/Advanced when some id contains `Basic`, else 2024-2025/Others. */
export function detectSplit(ids: Iterable<string | undefined>): SplitKind {
  for (const id of ids) if (id !== undefined && id.includes('Basic')) return 'basic-advanced';
  return 'years';
}

export function splitNames(kind: SplitKind): [string, string] {
  return kind === 'basic-advanced' ? ['Basic', 'Advanced'] : ['2024-2025', 'Others'];
}

/** 0 for the first group of the split, 1 for the second. */
function groupOf(kind: SplitKind, id: string | undefined): 0 | 1 {
  if (id === undefined) return 1;
  if (kind === 'basic-advanced') return id.includes('Basic') ? 0 : 1;
  return id.includes('2024') || id.includes('2025') ? 0 : 1;
}

/** Sample standard deviation (divides by n − 1); null with fewer than two values. */
export function sampleStd(xs: readonly number[]): number | null {
  if (xs.length < 2) return null;
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const ss = xs.reduce((a, x) => a + (x - m) * (x - m), 0);
  return Math.sqrt(ss / (xs.length - 1));
}

/** Mean, sample std, min and max of the non-null values. */
export function aggregate(values: ReadonlyArray<number | null>): Aggregate {
  const xs = values.filter((v): v is number => v !== null);
  if (!xs.length) return { mean: null, std: null, min: null, max: null, n: 0 };
  return {
    mean: xs.reduce((a, b) => a + b, 0) / xs.length,
    std: sampleStd(xs),
    min: Math.min(...xs),
    max: Math.max(...xs),
    n: xs.length,
  };
}

const mean = (xs: readonly number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** Score as a percentage of the max points: Σscore / Σmax over graded rows whose max is known. */
function percentOf(graded: readonly RowFacts[]): number | null {
  const known = graded.filter((f) => f.max !== null && f.max > 0);
  if (!known.length) return null;
  return (100 * sum(known.map((f) => f.score as number))) / sum(known.map((f) => f.max as number));
}

function tokenFigure(values: readonly number[]): TokenFigure {
  return { mean: mean(values), sum: sum(values), rows: values.length };
}

function estimatedFigure(values: readonly number[], estimated: number, name: string): EstimatedTokenFigure {
  const label =
    estimated === 0
      ? name
      : estimated === values.length
        ? `${name} (est. chars/4)`
        : `${name} (est. chars/4 for ${estimated} of ${values.length} rows)`;
  return { ...tokenFigure(values), estimated_rows: estimated, label };
}

/** The figures of a set of row facts. */
export function summarizeFacts(
  facts: readonly RowFacts[],
  opts: { label: string; split: SplitKind; file?: string; run_index?: number },
): Summary {
  const graded = facts.filter((f) => f.status === 'graded');
  const generated = facts.filter((f) => f.status !== 'run_error');
  const count = (s: RowFacts['status'], fs: readonly RowFacts[] = facts) => fs.filter((f) => f.status === s).length;

  const maxes = new Set(graded.map((f) => f.max));
  const max_points = maxes.size === 1 ? [...maxes][0] : null;

  const names = splitNames(opts.split);
  const group = (g: 0 | 1): SplitGroup => {
    const fs = facts.filter((f) => groupOf(opts.split, f.id) === g);
    const gr = fs.filter((f) => f.status === 'graded');
    return {
      name: names[g],
      rows: fs.length,
      graded: gr.length,
      parse_failures: count('parse_failure', fs),
      run_errors: count('run_error', fs),
      mean: mean(gr.map((f) => f.score as number)),
      percent: percentOf(gr),
    };
  };

  const withOutput = (fs: readonly RowFacts[]) => fs.map((f) => f.output_tokens).filter((t): t is number => t !== null);
  const correct = graded.filter((f) => f.max !== null && f.score === f.max);
  const incorrect = graded.filter((f) => f.max !== null && (f.score as number) < f.max);

  const generation = sum(facts.map((f) => f.generation_cost));
  const grading = sum(facts.map((f) => f.grading_cost));
  const humans = facts.map((f) => f.human).filter((h): h is NonNullable<RowFacts['human']> => h !== null);
  const humanTotals = humans.filter((h) => h.total !== null && h.total > 0);
  const truncated = generated.filter((f) => f.truncated).length;

  const summary: Summary = {
    label: opts.label,
    rows: facts.length,
    graded: graded.length,
    parse_failures: count('parse_failure'),
    run_errors: count('run_error'),
    not_graded: count('not_graded'),
    max_points,
    overall: mean(graded.map((f) => f.score as number)),
    overall_percent: percentOf(graded),
    splits: { kind: opts.split, groups: [group(0), group(1)] },
    tokens: {
      cot: estimatedFigure(
        generated.map((f) => f.cot_tokens),
        generated.filter((f) => f.cot_estimated).length,
        'reasoning tokens',
      ),
      solution: estimatedFigure(
        generated.map((f) => f.solution_tokens),
        generated.length,
        'model_solution tokens',
      ),
      output: tokenFigure(withOutput(generated)),
      output_correct: tokenFigure(withOutput(correct)),
      output_incorrect: tokenFigure(withOutput(incorrect)),
    },
    truncated,
    truncated_fraction: generated.length ? truncated / generated.length : null,
    cost: { generation, grading, total: generation + grading },
    human: {
      count: humans.length,
      mean: mean(humans.map((h) => h.points)),
      percent: humanTotals.length
        ? (100 * sum(humanTotals.map((h) => h.points))) / sum(humanTotals.map((h) => h.total as number))
        : null,
    },
  };
  if (opts.file !== undefined) summary.file = opts.file;
  if (opts.run_index !== undefined) summary.run_index = opts.run_index;
  return summary;
}

/** The score column of a file: `score`, or `graded_score` when no row has `score` but some row has it. */
export function scoreFieldOf(input: StatsInput): 'score' | 'graded_score' {
  const has = (key: string) => input.rows.some(({ row }) => Object.hasOwn(row, key));
  return !has('score') && has('graded_score') ? 'graded_score' : 'score';
}

/** The facts of every row of a file (throws on a bad score / run_index / human_grade). */
export function factsOf(input: StatsInput): RowFacts[] {
  const field = scoreFieldOf(input);
  return input.rows.map(({ row, line }) => rowFacts(row, { file: input.file, line }, field));
}

/** Summary of one file's rows as a whole (several runs in it are pooled). */
export function summarizeRows(input: StatsInput, opts: { split?: SplitKind; label?: string } = {}): Summary {
  const facts = factsOf(input);
  const split = opts.split ?? detectSplit(facts.map((f) => f.id));
  return summarizeFacts(facts, { label: opts.label ?? basename(input.file), split, file: input.file });
}

/** Merges per-run summaries: mean, sample std, min and max of each per-run figure. */
export function mergeRuns(runs: readonly Summary[]): MergedSummary {
  const agg = (pick: (s: Summary) => number | null) => aggregate(runs.map(pick));
  const kind = runs[0]?.splits.kind ?? 'years';
  return {
    runs: runs.length,
    std_kind: 'sample',
    rows: agg((s) => s.rows),
    graded: agg((s) => s.graded),
    parse_failures: agg((s) => s.parse_failures),
    run_errors: agg((s) => s.run_errors),
    not_graded: agg((s) => s.not_graded),
    overall: agg((s) => s.overall),
    overall_percent: agg((s) => s.overall_percent),
    splits: {
      kind,
      groups: splitNames(kind).map((name, g) => ({
        name,
        mean: agg((s) => s.splits.groups[g].mean),
        percent: agg((s) => s.splits.groups[g].percent),
      })),
    },
    tokens: {
      cot_mean: agg((s) => s.tokens.cot.mean),
      solution_mean: agg((s) => s.tokens.solution.mean),
      output_mean: agg((s) => s.tokens.output.mean),
      output_sum: agg((s) => (s.tokens.output.rows ? s.tokens.output.sum : null)),
      output_correct_mean: agg((s) => s.tokens.output_correct.mean),
      output_incorrect_mean: agg((s) => s.tokens.output_incorrect.mean),
    },
    truncated_fraction: agg((s) => s.truncated_fraction),
    cost: {
      generation: agg((s) => s.cost.generation),
      grading: agg((s) => s.cost.grading),
      total: agg((s) => s.cost.total),
    },
    human_count: agg((s) => s.human.count),
    human_mean: agg((s) => s.human.mean),
  };
}

/** Our figures' names in the tables, by JSON field: none of them is one of the original's column names. */
export const RESULTS_LABELS: Record<string, string> = {
  graded: 'graded',
  parse_failures: 'unreadable grades',
  run_errors: 'run errors',
  not_graded: 'not graded',
  overall: 'Overall (graded rows only, points)',
  overall_percent: 'Overall (graded rows only, % of max)',
  'splits.groups[].mean': '<group> (graded rows only, points)',
  'splits.groups[].percent': '<group> (graded rows only, % of max)',
  'tokens.cot': 'reasoning tokens',
  'tokens.solution': 'model_solution tokens',
  'tokens.output': 'output tokens',
  'tokens.output_correct': 'output tokens, full marks',
  'tokens.output_incorrect': 'output tokens, below full marks',
  truncated_fraction: 'truncated',
  'human.count': 'human overrides',
  'human.mean': 'human grade (points)',
};

/** Short names for the files: their base names, or the paths as given when two base names clash. */
export function fileLabels(files: readonly string[]): string[] {
  const names = files.map((f) => basename(f));
  const clash = new Set(names.filter((n, i) => names.indexOf(n) !== i));
  return files.map((f, i) => (clash.has(names[i]) ? f : names[i]));
}

/** Refuses inputs that cannot be summarised: none, or a file without a single row. */
export function checkInputs(inputs: readonly StatsInput[]): void {
  if (!inputs.length)
    throw new QedError('no result files to summarise', {}, 'name one or more .jsonl files or folders holding them');
  for (const i of inputs) {
    if (!i.rows.length)
      throw new QedError(
        'the file holds no rows',
        { file: i.file },
        'a result file has one JSON object per line; was the run finished?',
      );
  }
}

/**
 * Summarises result files. Each file is a run, unless it holds rows with run_index > 0: then each
 * run_index is a run. The split kind is decided once over all ids so every run is split alike.
 */
export function summarizeResults(
  inputs: readonly StatsInput[],
  opts: { mergeMethod?: MergeMethod } = {},
): ResultsReport {
  checkInputs(inputs);
  const warnings: string[] = [];
  const labels = fileLabels(inputs.map((i) => i.file));
  const perFile = inputs.map((input) => factsOf(input));
  const all = perFile.flat();
  const split = detectSplit(all.map((f) => f.id));

  const files: Summary[] = inputs.map((input, k) =>
    summarizeFacts(perFile[k], { label: labels[k], split, file: input.file }),
  );
  const runs: Summary[] = [];
  inputs.forEach((input, k) => {
    const facts = perFile[k];
    const indexes = [...new Set(facts.map((f) => f.run_index))].sort((a, b) => a - b);
    if (!indexes.some((r) => r > 0)) {
      runs.push({ ...files[k] });
      return;
    }
    for (const r of indexes) {
      runs.push(
        summarizeFacts(
          facts.filter((f) => f.run_index === r),
          { label: `${labels[k]} (run ${r})`, split, file: input.file, run_index: r },
        ),
      );
    }
  });

  const sizes = new Set(runs.map((r) => r.rows));
  if (sizes.size > 1) {
    warnings.push(
      `runs differ in length (${runs.map((r) => `${r.label}: ${r.rows} row${r.rows === 1 ? '' : 's'}`).join(', ')}); figures are merged per run, each run counting once`,
    );
  }
  const noId = all.filter((f) => f.id === undefined).length;
  if (noId)
    warnings.push(
      `${noId} row(s) have no question_id / problem_id; they are counted in the ${splitNames(split)[1]} group`,
    );
  const gradedNoMax = all.filter((f) => f.status === 'graded' && f.max === null).length;
  if (gradedNoMax)
    warnings.push(
      `${gradedNoMax} graded row(s) have no usable schema_0 points: they count in the mean but not in the percentage nor in correct/incorrect`,
    );
  const outOfRange = all.filter(
    (f) => f.status === 'graded' && ((f.score as number) < 0 || (f.max !== null && (f.score as number) > f.max)),
  ).length;
  if (outOfRange) warnings.push(`${outOfRange} graded row(s) have a score outside 0..max points`);
  const maxes = new Set(all.filter((f) => f.status === 'graded').map((f) => f.max));
  if (maxes.size > 1)
    warnings.push(
      `graded rows have different max points (${[...maxes].map((m) => m ?? 'unknown').join(', ')}): the mean mixes scales, prefer the percentage`,
    );

  const gradedScoreFiles = inputs.filter((i) => scoreFieldOf(i) === 'graded_score').map((i) => i.file);
  if (gradedScoreFiles.length)
    warnings.push(
      `no score column in ${gradedScoreFiles.map((f) => basename(f)).join(', ')}: graded_score is read as the score`,
    );

  const pooled = summarizeFacts(all, {
    label: inputs.length === 1 ? labels[0] : 'all',
    split,
    file: inputs.length === 1 ? inputs[0].file : undefined,
  });
  return {
    mode: 'results',
    ...pooled,
    run_count: runs.length,
    runs,
    files,
    merged: runs.length > 1 ? mergeRuns(runs) : null,
    original: originalResults(inputs, opts.mergeMethod),
    labels: RESULTS_LABELS,
    graded_score_files: gradedScoreFiles,
    warnings,
  };
}
