// `qed filter`: an LLM verdict on AoPS-style training rows (is the problem complete, how hard is
// it, is the solution sound, do the posted candidates agree, is it computational), as columns.

import type { Row } from '../data/types';
import type { Parsed } from '../grade/parse';
import { fillTemplate, loadTemplate, type PromptTemplate, type TemplateSpec } from '../run/prompts';

/**
 * Placeholders: ours, and the original's filter script's ({problem}; {comments} = the candidates
 * each after a "Comment:" line, as it joins them).
 */
export const FILTER_PROMPT: { file: string; spec: TemplateSpec } = {
  file: 'filtering.txt',
  spec: {
    names: ['problem_statement', 'solution', 'path', 'candidates'],
    rename: { problem: 'problem_statement' },
    extra: ['comments'],
    required: [['problem_statement', 'problem'], ['solution']],
  },
};

/** The verdict's fields, in the order the columns are written. */
export const VERDICT_FIELDS = ['incomplete', 'difficulty', 'gaps', 'wrong', 'disagreement', 'computational'] as const;
export type VerdictField = (typeof VERDICT_FIELDS)[number];

/** Each verdict field is stored as `filter_<field>`. */
export const filterColumn = (f: VerdictField) => `filter_${f}`;

/**
 * The original's columns: `extra_cols`, the verdict object as the model wrote it (null when the
 * reply has none), and `cost_model`, the row's cost in USD. Beside them the verdict fields as
 * flat `filter_<field>` columns, easy to select rows on.
 */
export const FILTER_COLUMNS = {
  stamp: 'qed_filter',
  cost: 'filter_cost',
  usd: 'cost_model',
  error: 'filter_error',
  reply: 'filter_reply',
  fields: VERDICT_FIELDS.map(filterColumn),
  extra: ['extra_cols'],
};

export interface FilterVerdict {
  incomplete: boolean;
  /** 1 (routine) … 10 (hardest olympiad level). */
  difficulty: number;
  gaps: boolean;
  wrong: boolean;
  disagreement: boolean;
  computational: boolean;
}

/** Where a JSON object may sit in a reply, most trusted first: fenced ```json blocks, other fences, bare objects; later before earlier. */
function candidates(reply: string): string[] {
  const json: string[] = [];
  const other: string[] = [];
  for (const m of reply.matchAll(/```[ \t]*([\w-]*)[^\n]*\n([\s\S]*?)```/g))
    (m[1].toLowerCase() === 'json' ? json : other).push(m[2]);
  return [...json.reverse(), ...other.reverse(), ...bareObjects(reply).reverse()];
}

/**
 * Every balanced `{…}` that starts like a JSON object (`{"` or `{}`), in order of its start; braces
 * inside JSON strings do not count. Each is balanced on its own, so an unmatched brace of the prose
 * (LaTeX `\{`) before it does no harm.
 */
export function bareObjects(text: string): string[] {
  const out: string[] = [];
  for (let i = text.indexOf('{'); i >= 0; i = text.indexOf('{', i + 1)) {
    if (!/^\{\s*["}]/.test(text.slice(i, i + 64))) continue;
    let depth = 0;
    let inString = false;
    for (let j = i; j < text.length; j++) {
      const ch = text[j];
      if (inString) {
        if (ch === '\\') j++;
        else if (ch === '"') inString = false;
      } else if (ch === '"') inString = true;
      else if (ch === '{') depth++;
      else if (ch === '}' && --depth === 0) {
        out.push(text.slice(i, j + 1));
        break;
      }
    }
  }
  return out;
}

function describe(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  return `${JSON.stringify(v)} (${Array.isArray(v) ? 'a list' : typeof v})`;
}

function validate(o: Record<string, unknown>): Parsed<FilterVerdict> {
  const problems: string[] = [];
  for (const f of VERDICT_FIELDS) {
    const v = o[f];
    if (f === 'difficulty') {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 10)
        problems.push(`difficulty must be a whole number 1..10, got ${describe(v)}`);
    } else if (typeof v !== 'boolean') {
      problems.push(`${f} must be true or false, got ${describe(v)}`);
    }
  }
  if (problems.length) return { ok: false, error: problems.join('; ') };
  return { ok: true, value: Object.fromEntries(VERDICT_FIELDS.map((f) => [f, o[f]])) as unknown as FilterVerdict };
}

/**
 * Reads a filtering reply. The verdict is the last JSON object that has at least one verdict field,
 * looked for in ```json fences, then other fences, then bare `{…}` in the prose (so text around
 * it, or a format example quoted earlier, does no harm). All six fields are required:
 * `difficulty` a whole number 1..10, the others JSON booleans (not "yes" or 1); other keys are
 * ignored. Anything else is an error naming what is wrong.
 */
export function parseFilterVerdict(reply: string): Parsed<FilterVerdict> {
  const r = parseFilterObject(reply);
  return r.ok ? { ok: true, value: r.value.verdict } : r;
}

/** As parseFilterVerdict, also returning the whole object the verdict was read from (other keys included). */
export function parseFilterObject(reply: string): Parsed<{ verdict: FilterVerdict; object: Record<string, unknown> }> {
  let sawJson = false;
  for (const text of candidates(reply)) {
    let value: unknown;
    try {
      value = JSON.parse(text.trim());
    } catch {
      continue;
    }
    sawJson = true;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
    const o = value as Record<string, unknown>;
    if (!VERDICT_FIELDS.some((f) => f in o)) continue;
    const v = validate(o);
    return v.ok ? { ok: true, value: { verdict: v.value, object: o } } : v;
  }
  return {
    ok: false,
    error: sawJson ? 'the reply has JSON, but no object with the verdict fields' : 'the reply has no JSON object',
  };
}

/** The verdict as the row's columns: `extra_cols` (the whole object, else the verdict) and `filter_<field>`. */
export function verdictColumns(v: FilterVerdict, object?: Record<string, unknown>): Record<string, unknown> {
  return { extra_cols: object ?? { ...v }, ...Object.fromEntries(VERDICT_FIELDS.map((f) => [filterColumn(f), v[f]])) };
}

export function loadFilterPrompt(shippedRoot: string, userFile?: string): Promise<PromptTemplate> {
  return loadTemplate(shippedRoot, FILTER_PROMPT.file, FILTER_PROMPT.spec, userFile);
}

/** The thread's other answers, numbered; text as is, anything else as JSON. */
export function formatCandidates(v: unknown): string {
  if (v === undefined || v === null || v === '') return '(none given)';
  const list = Array.isArray(v) ? v : [v];
  if (!list.length) return '(none given)';
  const text = (x: unknown) => (typeof x === 'string' ? x : JSON.stringify(x, null, 1));
  return list.length === 1 && !Array.isArray(v)
    ? text(v)
    : list.map((x, i) => `Candidate ${i + 1}:\n${text(x)}`).join('\n\n');
}

/** The candidates as the original's filter script shows them: each after a "Comment:" line. */
export function originalComments(v: unknown): string {
  const list = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
  return 'Comment:\n' + list.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join('\n\nComment:\n');
}

export interface FilterInputColumns {
  problem: string;
  solution: string;
  path: string;
  candidates: string;
}

export function filterPrompt(template: PromptTemplate, row: Row, c: FilterInputColumns): string {
  const path = row[c.path];
  const solution = String(row[c.solution] ?? '');
  return fillTemplate(template, {
    problem_statement: String(row[c.problem] ?? ''),
    solution: solution.trim() ? solution : '(no solution given)',
    path: typeof path === 'string' && path.trim() ? path : Array.isArray(path) ? path.join(' > ') : '(unknown)',
    candidates: formatCandidates(row[c.candidates]),
    comments: originalComments(row[c.candidates]),
  });
}
