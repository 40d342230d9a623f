// One result row as markdown, for the viewer's export: the text columns are markdown with LaTeX
// already, so they are copied as they are under headings.

import type { Row } from '../data/types';
import type { RowSummary } from '../../protocol';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

function scoreText(s: RowSummary): string {
  if (s.status === 'run_error') return 'generation failed';
  if (s.status === 'parse_error') return 'grader reply unreadable';
  if (s.score === null) return 'not graded';
  return `${s.score}${s.max !== null ? ` / ${s.max}` : ''}`;
}

export function rowMarkdown(row: Row, s: RowSummary): string {
  const out: string[] = [`## ${s.id}`, ''];
  const facts = [`score: ${scoreText(s)}`];
  if (s.human !== null) facts.push(`human grade: ${s.human}`);
  if (s.model) facts.push(`model: ${s.model}`);
  if (s.source) facts.push(`source: ${s.source}`);
  if (s.tokens !== null) facts.push(`output tokens: ${s.tokens}`);
  if (s.cost !== null) facts.push(`cost: $${s.cost.toFixed(4)}`);
  if (s.steps !== undefined)
    facts.push(
      `agent steps: ${s.steps}${s.agentCost !== null && s.agentCost !== undefined ? `, agent cost: $${s.agentCost.toFixed(4)}` : ''}`,
    );
  out.push(facts.map((f) => `- ${f}`).join('\n'), '');
  const section = (title: string, v: unknown) => {
    const t = str(v);
    if (t) out.push(`### ${title}`, '', t.trim(), '');
  };
  section('Problem', row.problem);
  section('Solution', row.model_solution);
  section('Reference solution', row.solution);
  section('Golden answer', row.answer);
  if (str(row.extracted_answer) !== undefined)
    out.push(
      `Extracted answer: ${String(row.extracted_answer)}${str(row.judge_method) ? ` (decided by: ${String(row.judge_method)})` : ''}`,
      '',
    );
  section('Grading guidelines', row.grading_guidelines);
  const schema = Array.isArray(row.schema_0) ? (row.schema_0 as Array<Record<string, unknown>>) : [];
  const grade = Array.isArray(row.grade) ? (row.grade as Array<Record<string, unknown>>) : [];
  if (schema.length) {
    out.push('### Grading', '');
    schema.forEach((item, k) => {
      const g = grade[k];
      const pts = g && typeof g.points === 'number' ? g.points : '–';
      out.push(`#### ${String(item?.title ?? `Item ${k + 1}`)}: ${pts} / ${String(item?.points ?? '?')}`, '');
      if (str(g?.desc)) out.push(String(g!.desc).trim(), '');
    });
  }
  const human = row.human_grade as Record<string, unknown> | undefined;
  if (human && typeof human === 'object') {
    out.push(
      '### Human grade',
      '',
      `${String(human.total ?? '')} points by ${String(human.reviewer ?? '?')} at ${String(human.at ?? '?')}`,
      '',
    );
    if (str(human.note)) out.push(String(human.note).trim(), '');
  }
  traceMarkdown(row.agent_trace, out);
  if (str(row.grade_error)) out.push(`> grading error: ${String(row.grade_error)}`, '');
  if (str(row.error)) out.push(`> generation error: ${String(row.error)}`, '');
  return out.join('\n').trimEnd();
}

/** Steps listed in an export at most. */
const MAX_EXPORT_STEPS = 1000;

/** An agent's trace as a numbered list of its steps, then the final choice (lenient, like the viewer). */
function traceMarkdown(value: unknown, out: string[]): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
  const t = value as Record<string, unknown>;
  const steps = Array.isArray(t.steps) ? t.steps : [];
  const text = (v: unknown) =>
    typeof v === 'string' ? v.replace(/\s+/g, ' ').slice(0, 300) : typeof v === 'number' ? String(v) : undefined;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  out.push(`### Agent trace${text(t.scaffold) ? ` (${text(t.scaffold)})` : ''}`, '');
  steps.slice(0, MAX_EXPORT_STEPS).forEach((x, k) => {
    const s = x !== null && typeof x === 'object' ? (x as Record<string, unknown>) : {};
    const parts = [`${text(s.kind) ?? '?'}: ${text(s.label) ?? ''}`.trim()];
    if (text(s.candidate)) parts.push(`→ ${text(s.candidate)}`);
    if (Array.isArray(s.of) && s.of.length) parts.push(`reads ${s.of.map(text).filter(Boolean).join(', ')}`);
    const score = num(s.score);
    if (score !== undefined) parts.push(`score ${score}${num(s.max) !== undefined ? ` / ${num(s.max)}` : ''}`);
    if (text(s.verdict)) parts.push(`verdict ${text(s.verdict)}`);
    if (text(s.note)) parts.push(`(${text(s.note)})`);
    const cost = num(s.cost);
    if (cost !== undefined) parts.push(`$${cost.toFixed(4)}`);
    if (s.reused === true) parts.push('reused');
    out.push(`${k + 1}. ${parts.join(' · ')}`);
  });
  if (steps.length > MAX_EXPORT_STEPS) out.push(`… and ${steps.length - MAX_EXPORT_STEPS} more steps`);
  const f = t.final !== null && typeof t.final === 'object' ? (t.final as Record<string, unknown>) : undefined;
  if (f)
    out.push(
      '',
      `Final choice: ${text(f.candidate) ?? '–'}${num(f.score) !== undefined ? ` (score ${num(f.score)})` : ''}${text(f.note) ? ` — ${text(f.note)}` : ''}`,
    );
  out.push('');
}
