// Reading the columns `qed stats` needs from one result row. Columns that decide a figure
// (score, run_index, human_grade, graded_score, points) are checked and a wrong type is an error
// naming file, line and field; cost and token columns are read leniently (absent → not counted).

import type { Row } from '../data/types';
import { QedError } from '../errors';

/** Where a row sits, for error messages. */
export interface RowPlace {
  file: string;
  line: number;
}

export type RowStatus = 'graded' | 'parse_failure' | 'run_error' | 'not_graded';

/** What one result row contributes to the figures. */
export interface RowFacts {
  id: string | undefined;
  run_index: number;
  status: RowStatus;
  /** The score, only when status is 'graded'. */
  score: number | null;
  /** Sum of schema_0 points, when schema_0 is a list with numeric points. */
  max: number | null;
  /** Chain-of-thought tokens: recorded count, or the cot text length / 4. */
  cot_tokens: number;
  cot_estimated: boolean;
  solution_tokens: number;
  output_tokens: number | null;
  truncated: boolean;
  generation_cost: number;
  grading_cost: number;
  human: { points: number; total: number | null } | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const obj = (v: unknown): Record<string, unknown> | null =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
const present = (v: unknown): boolean => v !== undefined && v !== null && v !== '' && v !== false;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v === 'object' ? 'an object' : `a ${typeof v}`}`;
}

/** A number, or null / absent (→ null). Anything else is an error naming the field. */
export function optionalNumber(row: Row, field: string, at: RowPlace): number | null {
  const v = row[field];
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  throw new QedError(
    `expected a number or null, found ${describe(v)}`,
    { file: at.file, line: at.line, field },
    `fix or remove the '${field}' value on this line`,
  );
}

/**
 * Estimated tokens of a text: its length in characters (Unicode code points) divided by 4, the
 * usual rule of thumb for English and LaTeX with BPE tokenizers. Not rounded.
 */
export function estimateTokens(text: string): number {
  let chars = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A low surrogate continues the character its high surrogate began.
    if (c < 0xdc00 || c > 0xdfff) chars++;
  }
  return chars / 4;
}

/** The id column: `question_id`, else `problem_id` (numbers are accepted and turned into text). */
export function rowId(row: Row): string | undefined {
  for (const key of ['question_id', 'problem_id']) {
    const v = row[key];
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number') return String(v);
  }
  return undefined;
}

/** Sum of the points of `schema_0`, or null when it is not a list of items with numeric points. */
export function maxPoints(row: Row): number | null {
  const schema = row.schema_0;
  if (!Array.isArray(schema) || schema.length === 0) return null;
  let total = 0;
  for (const item of schema) {
    const p = num(obj(item)?.points);
    if (p === null) return null;
    total += p;
  }
  return total;
}

/** run_index: absent/null → 0; otherwise a whole number ≥ 0. */
export function runIndex(row: Row, at: RowPlace): number {
  const v = row.run_index;
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  throw new QedError(`expected a whole number ≥ 0, found ${typeof v === 'number' ? String(v) : describe(v)}`, {
    file: at.file,
    line: at.line,
    field: 'run_index',
  });
}

function humanGrade(row: Row, at: RowPlace): RowFacts['human'] {
  const v = row.human_grade;
  if (v === undefined || v === null) return null;
  const h = obj(v);
  const bad = (field: string, what: string): never => {
    throw new QedError(
      what,
      { file: at.file, line: at.line, field },
      'a human grade looks like {"points": [5], "total": 7, "note": "...", "reviewer": "...", "at": "..."}',
    );
  };
  if (!h) return bad('human_grade', `expected an object, found ${describe(v)}`);
  let points: number;
  if (typeof h.points === 'number' && Number.isFinite(h.points)) points = h.points;
  else if (Array.isArray(h.points) && h.points.every((p) => typeof p === 'number' && Number.isFinite(p)))
    points = (h.points as number[]).reduce((a, b) => a + b, 0);
  else return bad('human_grade.points', `expected a number or a list of numbers, found ${describe(h.points)}`);
  if (h.total !== undefined && h.total !== null && num(h.total) === null)
    bad('human_grade.total', `expected a number, found ${describe(h.total)}`);
  return { points, total: num(h.total) };
}

/**
 * The facts of one result row; throws a QedError naming file:line and field on a bad score.
 * `scoreField` is `graded_score` for a file that has no `score` column (a grader's output).
 */
export function rowFacts(row: Row, at: RowPlace, scoreField: 'score' | 'graded_score' = 'score'): RowFacts {
  const score = optionalNumber(row, scoreField, at);
  const run_index = runIndex(row, at);
  const runError = present(row.error);
  const gradeError = present(row.grade_error);
  const hasGrade = Array.isArray(row.grade) ? row.grade.length > 0 : present(row.grade);

  // Precedence: a failed generation first (whatever grading did with it), then a grader reply
  // that could not be parsed (even if a stale score is left), then a numeric score.
  let status: RowStatus;
  if (runError) status = 'run_error';
  else if (gradeError) status = 'parse_failure';
  else if (score !== null) status = 'graded';
  else if (hasGrade) status = 'parse_failure';
  else status = 'not_graded';

  const costRun = obj(row.cost_run);
  const recordedCot = num(costRun?.reasoning_tokens);
  let cotText = '';
  if (Array.isArray(row.history)) {
    for (const entry of row.history) {
      const e = obj(entry);
      if (e && e.type === 'cot' && typeof e.content === 'string') cotText += e.content;
    }
  }
  const solution = typeof row.model_solution === 'string' ? row.model_solution : '';

  return {
    id: rowId(row),
    run_index,
    status,
    score: status === 'graded' ? score : null,
    max: maxPoints(row),
    cot_tokens: recordedCot ?? estimateTokens(cotText),
    cot_estimated: recordedCot === null,
    solution_tokens: estimateTokens(solution),
    output_tokens: num(costRun?.output_tokens),
    truncated: solution.trim() === '' || row.finish_reason === 'length',
    generation_cost: num(costRun?.cost) ?? 0,
    grading_cost: num(obj(row.grade_cost)?.cost) ?? 0,
    human: humanGrade(row, at),
  };
}
