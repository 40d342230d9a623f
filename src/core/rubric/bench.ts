// `qed grader-bench`: grade a human-graded set with one or more grader prompts and compare the
// grader's scores with the human points (the grader-experiment files `qed stats --grader` reads).

import { applyColumnMapping } from '../data/columns';
import type { Dataset, Row } from '../data/types';
import { QedError } from '../errors';
import { defaultColumns, gradeRow, type GradeColumns, type Grader } from '../grade/eval';
import type { BoundClient } from '../llm';
import { ZERO_COST } from '../llm/cost';
import { fillTemplate, loadTemplate, type PromptTemplate, type TemplateSpec } from '../run/prompts';
import { jobOptions, processRows, type JobSummary, type RowJobOptions } from '../run/rows';
import type { RunIdentity, RunStamp } from '../run/store';
import { carriedCost, ID_COLUMNS, previousRows, requireText, rowKeys } from './keys';

/**
 * Headers of the IMO GradingBench file and the names used here (the IMO-Bench ones — Problem ID,
 * Problem, Solution, Grading guidelines — are renamed by readDataset already). `response` is the
 * lower-case spelling other human-graded sets use.
 */
export const GRADINGBENCH_COLUMN_MAP: Readonly<Record<string, string>> = Object.freeze({
  'Grading ID': 'grading_id',
  Response: 'model_solution',
  response: 'model_solution',
  Points: 'points',
  Reward: 'reward',
  'Problem Source': 'problem_source',
});

/** Columns a grader-bench output row gets from grading (any such column of the input is replaced). */
const OWNED = ['qed_grade', 'grade', 'grade_error', 'grade_cost', 'schema_0', 'score', 'graded_score', 'grader_prompt'];

/** The shipped prompts: the IMO-ProofBench rubric with and without the reference solution. */
export const BENCH_PROMPTS = { groundTruth: 'grade_imoproofbench.txt', noReference: 'grade_imoproofbench_noref.txt' };

/** How one item of a list-valued marking scheme is written into the prompt (`--dict-prompt`). */
export const SCHEME_ITEM_PROMPT = { file: 'grading_scheme_item.txt', required: ['description'] };

/**
 * The original's default human-graded sets, and the columns each one uses: its own graderbench
 * (problem in `text`, the marking scheme as a list in `schema_0`) and MathArena's (the graded
 * answer in `answer`, the scheme in `details`, graded without a reference solution).
 */
export const BENCH_DATASETS = {
  default: { id: 'lm-provers/olympiads-proof-graderbench', columns: { problem: 'text', grading: 'schema_0' } },
  matharena: { id: 'lm-provers/matharena-gradingbench', columns: { modelSolution: 'answer', grading: 'details' } },
} as const satisfies Record<string, { id: string; columns: Partial<GradeColumns> }>;

/** The columns grader-bench reads by default (`--*-column` options override each). */
export const benchColumns = (over: Partial<GradeColumns> = {}): GradeColumns => ({
  ...defaultColumns('proof'),
  ...over,
});

interface SchemeItem {
  title?: unknown;
  points?: unknown;
  max_points?: unknown;
  desc?: unknown;
  description?: unknown;
  grading_scheme_desc?: unknown;
}

const itemOf = (v: unknown): SchemeItem => (typeof v === 'object' && v !== null ? (v as SchemeItem) : { desc: v });
const textOf = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));
const pointsOfItem = (it: SchemeItem): number => {
  const n = Number(it.max_points ?? it.points ?? 0);
  return Number.isFinite(n) ? n : 0;
};

/** The points a list-valued scheme is out of: the sum of its items' `max_points` (else `points`). */
export function schemeMaxPoints(items: readonly unknown[]): number {
  return items.reduce<number>((s, v) => s + pointsOfItem(itemOf(v)), 0);
}

/**
 * The grading guidelines as prompt text. Text is used as it is. A list of scheme items
 * (`{title, points | max_points, desc | grading_scheme_desc}`, as the graderbench sets store them)
 * is written item by item with `itemTemplate` ({title}, {points}, {description}), items separated
 * by a blank line; without a template the list is shown as JSON.
 */
export function formatGuidelines(value: unknown, itemTemplate: PromptTemplate | undefined): string {
  if (!Array.isArray(value)) return textOf(value);
  if (!itemTemplate) return JSON.stringify(value, null, 1);
  return value
    .map((v) => {
      const it = itemOf(v);
      return fillTemplate(itemTemplate, {
        title: it.title === undefined || it.title === null ? 'Untitled' : textOf(it.title),
        points: String(pointsOfItem(it)),
        description: textOf(it.grading_scheme_desc ?? it.desc ?? it.description),
      });
    })
    .join('\n\n');
}

/** The `--dict-prompt` template: the user's file, or the shipped one. */
export function loadSchemeItemPrompt(shippedRoot: string, userFile?: string): Promise<PromptTemplate> {
  return loadTemplate(shippedRoot, SCHEME_ITEM_PROMPT.file, SCHEME_ITEM_PROMPT.required, userFile);
}

/**
 * Renames the GradingBench headers that are present (never onto a column that already exists) and
 * checks the columns grading needs: the problem and the graded response (named by `columns`),
 * human points 0..7 on every row (points given as text, as in a CSV, become numbers), and the
 * reference solution with `groundTruth`. The error names the row and lists the columns it has.
 */
export function prepareHumanGraded(ds: Dataset, groundTruth: boolean, columns: GradeColumns = benchColumns()): Row[] {
  const present = new Set(ds.columns);
  const map: Record<string, string> = {};
  for (const [from, to] of Object.entries(GRADINGBENCH_COLUMN_MAP)) {
    if (present.has(from) && !present.has(to) && !Object.values(map).includes(to)) map[from] = to;
  }
  const rows = Object.keys(map).length ? applyColumnMapping(ds.rows, ds.columns, ds.file, map).rows : ds.rows;
  if (!rows.length) throw new QedError('the human-graded set has no rows', { file: ds.file });
  requireText(rows, columns.problem, ds.file, 'the problem statement', { option: '--problem-column' });
  requireText(rows, columns.modelSolution, ds.file, 'the graded response', {
    allowEmpty: true,
    option: '--model-solution-column',
  });
  if (groundTruth)
    requireText(rows, columns.solution, ds.file, 'the reference solution, needed with --ground-truth', {
      option: '--solution-column',
    });
  return rows.map((input, i) => {
    const row: Row = { ...input };
    const v = row.points;
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v.trim()) : NaN;
    if (!Number.isFinite(n) || n < 0 || n > 7) {
      const what =
        v === undefined
          ? "has no column 'points' (the human grade)"
          : `has human points ${JSON.stringify(v)}, not a number 0..7`;
      throw new QedError(
        `row ${i + 1} ${what}`,
        { file: ds.file, field: 'points' },
        `columns present: ${Object.keys(input).join(', ')}`,
      );
    }
    row.points = n;
    // The scheme column is read when grading (schema_0 in the original's graderbench), then replaced.
    for (const c of OWNED) if (c !== columns.grading) delete row[c];
    return row;
  });
}

/**
 * The bench's placeholders: ours, and those of the original's grader-experiment script, which
 * fills a file in one of two ways: with a marking scheme ({problem}, {solution} = the graded
 * response, {reference_solution}, {marking_scheme}, {max_points}), or as its eval script does
 * ({problem_statement}, {student_answer}, {solution} = the reference solution, {guidelines}).
 * A file using {problem}, {marking_scheme} or {max_points} is read the first way.
 */
export function benchSpec(text: string, groundTruth: boolean): TemplateSpec {
  const schemeStyle = /\{(?:problem|marking_scheme|max_points)\}/.test(text);
  const names = ['problem_statement', 'candidate_solution', 'reference_solution', 'grading_guidelines'];
  if (schemeStyle) {
    return {
      names,
      rename: { problem: 'problem_statement', solution: 'candidate_solution', marking_scheme: 'grading_guidelines' },
      constants: { max_points: '7' },
      required: [
        ['problem_statement', 'problem'],
        ['candidate_solution', 'solution'],
        ...(groundTruth ? [['reference_solution']] : []),
      ],
    };
  }
  return {
    names,
    rename: { student_answer: 'candidate_solution', solution: 'reference_solution', guidelines: 'grading_guidelines' },
    required: [
      ['problem_statement'],
      ['candidate_solution', 'student_answer'],
      ...(groundTruth ? [['reference_solution', 'solution']] : []),
    ],
  };
}

/**
 * A grader prompt for the bench: the user's file or the shipped rubric prompt. With `groundTruth`
 * it must show the reference solution; without, it must not, so that a "no reference" experiment
 * never quietly grades with an empty reference.
 */
export async function loadBenchPrompt(
  shippedRoot: string,
  groundTruth: boolean,
  userFile?: string,
): Promise<PromptTemplate> {
  const shipped = groundTruth ? BENCH_PROMPTS.groundTruth : BENCH_PROMPTS.noReference;
  const t = await loadTemplate(shippedRoot, shipped, (text) => benchSpec(text, groundTruth), userFile);
  const shown = [
    'reference_solution',
    ...Object.keys(t.rename ?? {}).filter((k) => t.rename![k] === 'reference_solution'),
  ].find((n) => t.text.includes(`{${n}}`));
  if (!groundTruth && shown) {
    throw new QedError(
      `this prompt shows the reference solution ({${shown}}), but --ground-truth is not set`,
      { file: t.source, field: '--prompt' },
      `pass --ground-truth, or use a prompt without {${shown}}`,
    );
  }
  return t;
}

export interface BenchJobOptions extends RowJobOptions {
  rows: Row[];
  file: string;
  client: BoundClient;
  identity: RunIdentity;
  prompt: PromptTemplate;
  /** What the `grader_prompt` column says (the prompt file as the user named it). */
  promptLabel: string;
  /** The columns read (default: benchColumns()). */
  columns?: GradeColumns;
  /** How a list-valued scheme item is written into the prompt (see formatGuidelines); JSON when absent. */
  itemTemplate?: PromptTemplate;
}

const isSet = (v: unknown) => v !== undefined && v !== null && v !== '';

/**
 * Grades every row of a human-graded set with one prompt, through gradeRow (IMO-ProofBench rubric
 * reading: the whole number of the last <points> block, 0..7) and processRows (resume, journal,
 * progress). Rows get `graded_score` (null when the reply could not be read, with `grade_error`),
 * `grader_prompt`, `grade`, `schema_0`, `grade_cost` and the `qed_grade` stamp.
 */
export async function benchPrompt(opts: BenchJobOptions): Promise<JobSummary> {
  const { rows, identity } = opts;
  const columns = opts.columns ?? benchColumns();
  const { keys, keyOf } = rowKeys(rows, [columns.problem, columns.modelSolution], ['grading_id', ...ID_COLUMNS]);
  const known = new Set(keys);
  const previous = opts.overwrite ? new Map<string, Row>() : await previousRows(opts.outputPath, 'qed_grade');
  const grader: Grader = { client: opts.client, identity, mode: 'proof', columns, prompts: { main: opts.prompt } };
  const finish = (row: Row, input: Row): Row => {
    // The scheme column keeps the input's value (a list stays a list), except schema_0, which is
    // rewritten as the one item graded (its text the scheme as the grader saw it).
    if (columns.grading !== 'schema_0') {
      if (columns.grading in input) row[columns.grading] = input[columns.grading];
      else delete row[columns.grading];
    }
    row.graded_score = typeof row.score === 'number' ? row.score : null;
    delete row.score;
    row.grader_prompt = opts.promptLabel;
    return row;
  };

  return processRows({
    ...jobOptions(opts),
    identity,
    stampColumn: 'qed_grade',
    isDone: (row) => typeof row.graded_score === 'number' && !isSet(row.grade_error),
    isValidKey: (k) => known.has(k),
    keyOf,
    tasks: rows.map((row, i) => ({ key: keys[i], row })),
    order: keys.map((key) => ({ key })),
    work: async (task, ctx) => {
      // gradeRow adds the cost of an earlier unreadable reply of this grader to the new one.
      const prev = previous.get(task.key);
      const carried = carriedCost(prev, 'qed_grade', 'grade_cost', 'grade_error', identity);
      const shown: Row = {
        ...task.row,
        [columns.grading]: formatGuidelines(task.row[columns.grading], opts.itemTemplate),
      };
      const input = carried ? { ...shown, qed_grade: prev!.qed_grade, grade_cost: carried } : shown;
      const g = await gradeRow(input, task.key, grader, ctx.signal, ctx.onRetry);
      if (g.flag === 'parse_failure') ctx.log(`${task.key}: ${String(g.row.grade_error)}`);
      return { row: finish(g.row, task.row), cost: g.cost, flag: g.flag };
    },
    onFailure: (task, e, elapsedSec) => {
      const prev = carriedCost(previous.get(task.key), 'qed_grade', 'grade_cost', 'grade_error', identity) ?? ZERO_COST;
      const row: Row = {
        ...task.row,
        score: null,
        grade_error: `grading request failed: ${e.message}`,
        grade_cost: { ...prev, time: prev.time + elapsedSec },
      };
      row.qed_grade = {
        ...identity,
        key: task.key,
        attempts: e.attempts,
        finished_at: new Date().toISOString(),
      } satisfies RunStamp;
      return finish(row, task.row);
    },
  });
}
