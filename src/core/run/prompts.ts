import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pyFormat, templateFields } from '../agents/pyformat';
import { QedError } from '../errors';
import { plainCopy } from '../data/copy';

export type RunMode = 'proof' | 'final-answer';

export interface PromptTemplate {
  /** Where it came from: a user file, or 'configs/prompts/<name>.txt'. */
  source: string;
  text: string;
  /** sha256 of the text: a run's identity includes it. */
  hash: string;
  /**
   * 'python': the file is a Python `str.format` template (as the original's prompt files are):
   * `{{` and `}}` stand for one brace. 'plain' (the default): only the names the step fills are
   * replaced, every other brace (LaTeX, JSON) is sent as written.
   */
  format?: 'python' | 'plain';
  /** The original's names this file uses, each filled with the value of one of ours. */
  rename?: Record<string, string>;
  /** Names filled with a fixed value for this file (e.g. grader-bench's {max_points}). */
  constants?: Record<string, string>;
}

/** Default generation prompts, shipped in configs/prompts/. */
export const DEFAULT_PROMPTS: Record<RunMode, string> = {
  proof: 'generate_proof.txt',
  'final-answer': 'generate_final_answer.txt',
};

/**
 * The placeholders a step fills in a prompt file: our names, and the names the original's
 * scripts use for the same step, so that its prompt files work unchanged.
 */
export interface TemplateSpec {
  /** Our names (the caller fills them). */
  names: string[];
  /** The original's names filled with the value of one of ours: original name → our name. */
  rename?: Record<string, string>;
  /** The original's names the caller fills with a value of their own (e.g. filter's {comments}). */
  extra?: string[];
  /** Names with a fixed value. */
  constants?: Record<string, string>;
  /** Each group: at least one of its names must appear, or that text would never be sent. */
  required: string[][];
}

/** Every name a spec accepts. */
export function acceptedNames(spec: TemplateSpec): string[] {
  return [
    ...new Set([
      ...spec.names,
      ...Object.keys(spec.rename ?? {}),
      ...(spec.extra ?? []),
      ...Object.keys(spec.constants ?? {}),
    ]),
  ];
}

/**
 * Every placeholder name any command fills (ours and the original's). A file that uses one the
 * current command does not fill gets an error instead of sending `{name}` as text.
 */
const ALL_NAMES = new Set([
  'problem_statement',
  'problem',
  'reference_solution',
  'solution',
  'candidate_solution',
  'student_answer',
  'grading_guidelines',
  'guidelines',
  'marking_scheme',
  'max_points',
  'golden_answer',
  'gold_answer',
  'candidate_answer',
  'grading_items',
  'path',
  'candidates',
  'comments',
]);

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The 1-based line of `offset` in `text`. */
function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** The `{name}` placeholders of a plain template, with their offsets. */
function plainFields(text: string): { name: string; at: number }[] {
  const out: { name: string; at: number }[] = [];
  for (const m of text.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) out.push({ name: m[1], at: m.index });
  return out;
}

/**
 * Reads how a prompt file is to be filled and checks its placeholders against `spec`.
 * - A file that is a valid Python format string whose every field is a name this step fills is
 *   read as Python `str.format` ({{ and }} are literal braces), as the original reads it.
 * - A file that is a format string (it writes {{ or }}) with a name this step does not fill is
 *   refused, naming the line, the placeholder and the names accepted (Python would fail too).
 * - Otherwise (single LaTeX or JSON braces) only the accepted names are replaced; a name that
 *   another command fills is refused, since it would be sent as text.
 */
export function checkTemplate(
  text: string,
  spec: TemplateSpec,
  file: string,
): Pick<PromptTemplate, 'format' | 'rename' | 'constants'> {
  const accepted = acceptedNames(spec);
  const hint = `this command fills ${accepted.map((n) => `{${n}}`).join(', ')}; write {{ and }} for literal braces in a file that uses them`;
  let fields: string[] | undefined;
  try {
    fields = templateFields(text);
  } catch {
    fields = undefined;
  }
  const pyEscapes = /\{\{|\}\}/.test(text);
  let format: 'python' | 'plain' = 'plain';
  let used: string[];
  if (fields && fields.every((f) => accepted.includes(f))) {
    format = 'python';
    used = fields;
  } else {
    used = [...new Set(plainFields(text).map((f) => f.name))];
    const unknown =
      fields && pyEscapes
        ? fields.find((f) => !accepted.includes(f))
        : plainFields(text).find((f) => ALL_NAMES.has(f.name) && !accepted.includes(f.name))?.name;
    if (unknown !== undefined) {
      const at = IDENT.test(unknown) ? text.search(new RegExp(`\\{${unknown}[}!:]`)) : -1;
      throw new QedError(
        `the prompt has a placeholder {${unknown}} that this command does not fill`,
        { file, line: at >= 0 ? lineOf(text, at) : undefined, field: `{${unknown}}` },
        hint,
      );
    }
  }
  for (const group of spec.required) {
    if (!group.some((n) => used.includes(n))) {
      const names = group.map((n) => `{${n}}`).join(' or ');
      throw new QedError(
        `the prompt has no ${names} placeholder, so that text would never be sent`,
        { file, field: '--prompt' },
        hint,
      );
    }
  }
  const present = (o?: Record<string, string>) =>
    o ? Object.fromEntries(Object.entries(o).filter(([k]) => used.includes(k))) : {};
  const rename = present(spec.rename);
  const constants = present(spec.constants);
  return {
    format,
    ...(Object.keys(rename).length ? { rename } : {}),
    ...(Object.keys(constants).length ? { constants } : {}),
  };
}

/**
 * Loads a template: the user's file (`--prompt`), or `configs/prompts/<shippedName>`, and checks
 * its placeholders (checkTemplate). `spec` may depend on the names the file uses (grader-bench:
 * the original's two grading scripts give {solution} different meanings); a list of names means
 * exactly those, each required.
 */
export async function loadTemplate(
  shippedRoot: string,
  shippedName: string,
  spec: TemplateSpec | ((text: string) => TemplateSpec) | string[],
  userFile?: string,
  cwd = process.cwd(),
): Promise<PromptTemplate> {
  // A plain list: those names, each required.
  if (Array.isArray(spec)) spec = { names: spec, required: spec.map((n) => [n]) };
  const file = userFile ? resolve(cwd, userFile) : join(shippedRoot, 'prompts', shippedName);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new QedError(`cannot read the prompt template: ${(e as NodeJS.ErrnoException).code ?? e}`, {
      file,
      field: '--prompt',
    });
  }
  const how = checkTemplate(text, typeof spec === 'function' ? spec(text) : spec, file);
  return {
    source: userFile ? file : `configs/prompts/${shippedName}`,
    text,
    hash: createHash('sha256').update(text).digest('hex').slice(0, 16),
    ...how,
  };
}

/** Generation: ours and the original's name are the same. */
export const RUN_SPEC: TemplateSpec = { names: ['problem_statement'], required: [['problem_statement']] };

/** Loads a generation prompt: a user's `--prompt` file, or the shipped default for the mode. */
export function loadPrompt(
  mode: RunMode,
  shippedRoot: string,
  userFile?: string,
  cwd = process.cwd(),
): Promise<PromptTemplate> {
  return loadTemplate(shippedRoot, DEFAULT_PROMPTS[mode], RUN_SPEC, userFile, cwd);
}

/**
 * Fills a template with our names' values (`vars`); the original's names the file uses take the
 * value of the name they stand for (`template.rename`). A plain template has its `{name}`
 * placeholders replaced in one pass (a value holding `{name}` is not expanded again) and other
 * braces left alone; a Python one is filled as `str.format` does.
 */
export function fillTemplate(template: PromptTemplate | string, vars: Record<string, string>): string {
  if (typeof template !== 'string' && (template.rename || template.constants)) {
    vars = plainCopy(vars) as Record<string, string>;
    for (const [name, ours] of Object.entries(template.rename ?? {}))
      if (vars[ours] !== undefined) vars[name] = vars[ours];
    Object.assign(vars, template.constants);
  }
  const text = typeof template === 'string' ? template : template.text;
  if (typeof template !== 'string' && template.format === 'python') return pyFormat(text, vars);
  const names = Object.keys(vars);
  if (!names.length) return text;
  const key = names.join('\u0000');
  let re = placeholders.get(key);
  if (!re) {
    re = new RegExp(`\\{(${names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})\\}`, 'g');
    if (placeholders.size > 100) placeholders.clear();
    placeholders.set(key, re);
  }
  return text.replace(re, (_, name: string) => vars[name]);
}

/** The placeholder pattern per set of variable names (one per row otherwise). */
const placeholders = new Map<string, RegExp>();

/** Fills a generation prompt with the problem. */
export function fillPrompt(template: PromptTemplate, problem: string): string {
  return fillTemplate(template, { problem_statement: problem });
}
