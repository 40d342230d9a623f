import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { QedError } from '../errors';

export type RunMode = 'proof' | 'final-answer';

export interface PromptTemplate {
  /** Where it came from: a user file, or 'configs/prompts/<name>.txt'. */
  source: string;
  text: string;
  /** sha256 of the text: a run's identity includes it. */
  hash: string;
}

/** Default generation prompts, shipped in configs/prompts/. */
export const DEFAULT_PROMPTS: Record<RunMode, string> = {
  proof: 'generate_proof.txt',
  'final-answer': 'generate_final_answer.txt',
};

/**
 * Loads a template: the user's file (`--prompt`), or `configs/prompts/<shippedName>`. Every name
 * in `required` must appear as `{name}` in it, or the error says which is missing.
 */
export async function loadTemplate(shippedRoot: string, shippedName: string, required: string[], userFile?: string, cwd = process.cwd()): Promise<PromptTemplate> {
  const file = userFile ? resolve(cwd, userFile) : join(shippedRoot, 'prompts', shippedName);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new QedError(`cannot read the prompt template: ${(e as NodeJS.ErrnoException).code ?? e}`, { file, field: '--prompt' });
  }
  for (const name of required) {
    if (!text.includes(`{${name}}`)) {
      throw new QedError(`the prompt template has no {${name}} placeholder, so that text would never be sent`, { file, field: '--prompt' });
    }
  }
  return { source: userFile ? file : `configs/prompts/${shippedName}`, text, hash: createHash('sha256').update(text).digest('hex').slice(0, 16) };
}

/** Loads a generation prompt: a user's `--prompt` file, or the shipped default for the mode. */
export function loadPrompt(mode: RunMode, shippedRoot: string, userFile?: string, cwd = process.cwd()): Promise<PromptTemplate> {
  return loadTemplate(shippedRoot, DEFAULT_PROMPTS[mode], ['problem_statement'], userFile, cwd);
}

/**
 * Fills `{name}` placeholders. Only the names given are replaced, in one pass (a value that
 * itself contains `{name}` is not expanded again); other braces — LaTeX! — are left alone.
 */
export function fillTemplate(template: PromptTemplate | string, vars: Record<string, string>): string {
  const text = typeof template === 'string' ? template : template.text;
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
