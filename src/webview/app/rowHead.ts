// What the top of a row page says, as plain data: its title line (id, the model's grade, the human
// one, where the row is) and its callouts (a failed generation, a grading problem, a cut text).
// The page builds them as elements (detail.ts); `qed view`'s server writes the same as HTML for
// the first screen it sends with a deep link (../firstScreen.ts). No DOM here.

import type { Capabilities, FullRow } from '../../protocol';
import { fmtScore, STATUS_LABEL } from './dom';
import { num, obj } from './values';

export interface RowBadge {
  cls: string;
  text: string;
  title: string;
  field: string;
}

export interface RowTitle {
  id: string;
  badges: RowBadge[];
  /** "row 3 · line 3 · openai/gpt-5 · IMO 2025". */
  where: string;
}

export interface RowCallout {
  /** 'error' or 'warn'. */
  kind: 'error' | 'warn';
  field?: string;
  /** Shown in bold before the text. */
  lead?: string;
  text: string;
}

/** The human grade's total: its `total`, else the sum of its points. */
export function humanTotal(human: Record<string, unknown> | undefined): number | undefined {
  if (!human) return undefined;
  return (
    num(human.total) ??
    (Array.isArray(human.points)
      ? (human.points as unknown[]).reduce<number>((a, b) => a + (num(b) ?? 0), 0)
      : num(human.points))
  );
}

export function rowTitle(full: FullRow): RowTitle {
  const s = full.summary;
  const badges: RowBadge[] = [
    {
      cls: `badge big st-${s.status}`,
      title: STATUS_LABEL[s.status],
      field: 'score',
      text: s.score !== null ? `model ${fmtScore(s.score, s.max)}` : STATUS_LABEL[s.status],
    },
  ];
  const human = humanTotal(obj(full.row.human_grade));
  if (human !== undefined)
    badges.push({
      cls: 'badge big human',
      title: 'human grade',
      field: 'human_grade',
      text: `human ${fmtScore(human, s.max)}`,
    });
  return {
    id: s.id,
    badges,
    where: [
      `row ${full.index + 1} · ${s.live ? 'journal ' : ''}line ${full.line}`,
      s.model ? ` · ${s.model}` : '',
      s.source ? ` · ${s.source}` : '',
    ].join(''),
  };
}

export function rowCallouts(full: FullRow): RowCallout[] {
  const row = full.row;
  const out: RowCallout[] = [];
  if (typeof row.error === 'string')
    out.push({ kind: 'error', field: 'error', lead: 'Generation failed: ', text: row.error });
  if (typeof row.grade_error === 'string')
    out.push({ kind: 'warn', field: 'grade_error', lead: 'Grading problem: ', text: row.grade_error });
  if (full.summary.truncated)
    out.push({
      kind: 'warn',
      text:
        row.finish_reason === 'length'
          ? 'The model stopped at its token limit: the solution may be cut short.'
          : 'The solution is empty.',
    });
  if (full.cut)
    out.push({
      kind: 'warn',
      text: `Very long text was shortened for display: ${Object.entries(full.cut)
        .map(([k, n]) => `${k} (${Math.round(n / 1000)} kB)`)
        .join(', ')}.`,
    });
  return out;
}

/** Why Regrade and Override cannot be used on this row (undefined: they can). */
export function actionsBlocked(full: FullRow, caps: Capabilities): { regrade?: string; override?: string } {
  const live = full.summary.live
    ? "this row is still in the running job's journal: wait until the job ends"
    : undefined;
  return {
    regrade: !caps.regrade
      ? (caps.regradeUnavailable ?? 'not available here')
      : (live ?? (full.row.error ? 'generation failed: nothing to grade' : undefined)),
    override: !caps.override ? 'not available here' : live,
  };
}

/** The Override button's label: a row with a human grade has it edited. */
export function overrideLabel(full: FullRow): string {
  return full.row.human_grade ? 'Edit human grade…' : 'Override grade…';
}
