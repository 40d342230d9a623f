// What the results list shows of one row, read leniently: a value of the wrong type makes the
// figure unknown, never an error (the viewer must open any file, even a damaged one).

import type { Row } from '../data/types';
import type { RowStatus } from '../../protocol';
import { estimateTokens, maxPoints, rowId } from '../stats/rows';

export interface SummaryFields {
  id: string | undefined;
  source: string | undefined;
  score: number | null;
  max: number | null;
  status: RowStatus;
  model: string | undefined;
  tokens: number | null;
  cost: number | null;
  truncated: boolean;
  human: number | null;
  /** Steps of the row's agent_trace; null for a row not made by an agent. */
  steps: number | null;
  /** What the agent's calls cost in USD (see agentFigures); null for a row not made by an agent. */
  agentCost: number | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const obj = (v: unknown): Record<string, unknown> | null =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
const present = (v: unknown): boolean => v !== undefined && v !== null && v !== '' && v !== false;
const text = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;

/** Columns that are the row's content or the tool's bookkeeping, not metadata to filter on. */
export const CONTENT_COLUMNS = new Set([
  'problem',
  'solution',
  'model_solution',
  'grading_guidelines',
  'grading_scheme',
  'history',
  'grade',
  'schema_0',
  'cost_run',
  'grade_cost',
  'qed_run',
  'qed_grade',
  'human_grade',
  'agent_trace',
  'error',
  'grade_error',
  'score',
  'extracted_answer',
  'answer',
  'question_id',
  'problem_id',
]);

/** The total of a human grade ({points: number | number[]}), or null. */
export function humanTotal(v: unknown): number | null {
  const h = obj(v);
  if (!h) return null;
  if (num(h.points) !== null) return h.points as number;
  if (Array.isArray(h.points) && h.points.length && h.points.every((p) => num(p) !== null))
    return (h.points as number[]).reduce((a, b) => a + b, 0);
  return num(h.total);
}

/** The row's maximum: its scheme's points, else 1 for final-answer rows, else 7. */
export function rowMax(row: Row): number | null {
  const m = maxPoints(row);
  if (m !== null) return m;
  if (present(row.judge_method) || present(row.extracted_answer)) return 1;
  return typeof row.score === 'number' ? 7 : null;
}

/** The model that wrote the solution: our run stamp, else a `model` column. */
function modelOf(row: Row): string | undefined {
  const stamp = obj(row.qed_run);
  return text(stamp?.config) ?? text(stamp?.model) ?? text(row.model) ?? text(row.model_name) ?? text(row.model_config);
}

/**
 * The size and price of an agent's work on a row: the number of steps of its `agent_trace`, and
 * their cost — `cost_run.cost` (the sum over every call, as the agent records it), else the sum
 * of the steps' own costs. Both null when the row has no trace (an ordinary single-call row); a
 * trace whose `steps` is not a list counts 0 steps.
 */
export function agentFigures(row: Row): { steps: number | null; cost: number | null } {
  const trace = obj(row.agent_trace);
  if (!trace) return { steps: null, cost: null };
  const steps = Array.isArray(trace.steps) ? trace.steps : [];
  const runCost = num(obj(row.cost_run)?.cost);
  if (runCost !== null) return { steps: steps.length, cost: runCost };
  let sum = 0;
  let any = false;
  for (const s of steps) {
    const c = num(obj(s)?.cost);
    if (c !== null) {
      sum += c;
      any = true;
    }
  }
  return { steps: steps.length, cost: any ? sum : null };
}

export function summarizeRow(row: Row): SummaryFields {
  const score = num(row.score);
  const max = rowMax(row);
  const hasGrade = Array.isArray(row.grade) ? row.grade.length > 0 : present(row.grade);
  let status: RowStatus;
  // The same precedence as `qed stats`: a failed generation, then an unreadable grader reply
  // (even with a stale score left over), then the score against the maximum.
  if (present(row.error)) status = 'run_error';
  else if (present(row.grade_error)) status = 'parse_error';
  else if (score !== null) status = score <= 0 ? 'zero' : max !== null && score >= max ? 'full' : 'partial';
  else status = hasGrade ? 'parse_error' : 'not_graded';

  const run = obj(row.cost_run);
  const grade = obj(row.grade_cost);
  const runCost = num(run?.cost);
  const gradeCost = num(grade?.cost);
  const solution = typeof row.model_solution === 'string' ? row.model_solution : undefined;
  const agent = agentFigures(row);
  return {
    id: rowId(row),
    source: text(row.source) ?? text(row.Source),
    score: status === 'run_error' || status === 'parse_error' ? null : score,
    max,
    status,
    model: modelOf(row),
    tokens:
      num(run?.output_tokens) ??
      (solution !== undefined && present(row.model_solution) ? Math.round(estimateTokens(solution)) : null),
    cost: runCost === null && gradeCost === null ? null : (runCost ?? 0) + (gradeCost ?? 0),
    truncated:
      (solution !== undefined && solution.trim() === '' && !present(row.error)) || row.finish_reason === 'length',
    human: humanTotal(row.human_grade),
    steps: agent.steps,
    agentCost: agent.cost,
  };
}

/** A value usable as a metadata filter: short text, a number or a boolean. */
export function metaValue(v: unknown): string | undefined {
  if (typeof v === 'string') return v.length <= 120 && !v.includes('\n') ? v : undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return String(v);
  return undefined;
}
