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

const PLACEHOLDER = '{problem_statement}';

/** Default generation prompts, shipped in configs/prompts/. */
export const DEFAULT_PROMPTS: Record<RunMode, string> = {
  proof: 'generate_proof.txt',
  'final-answer': 'generate_final_answer.txt',
};

/** Loads a prompt template: a user's `--prompt` file, or the shipped default for the mode. */
export async function loadPrompt(mode: RunMode, shippedRoot: string, userFile?: string, cwd = process.cwd()): Promise<PromptTemplate> {
  const file = userFile ? resolve(cwd, userFile) : join(shippedRoot, 'prompts', DEFAULT_PROMPTS[mode]);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new QedError(`cannot read the prompt template: ${(e as NodeJS.ErrnoException).code ?? e}`, { file, field: '--prompt' });
  }
  if (!text.includes(PLACEHOLDER)) {
    throw new QedError(`the prompt template has no ${PLACEHOLDER} placeholder, so the problem would never be sent`, { file, field: '--prompt' });
  }
  return { source: userFile ? file : `configs/prompts/${DEFAULT_PROMPTS[mode]}`, text, hash: createHash('sha256').update(text).digest('hex').slice(0, 16) };
}

/** Fills the template. Only the placeholder is replaced; other braces (LaTeX!) are left alone. */
export function fillPrompt(template: PromptTemplate, problem: string): string {
  return template.text.split(PLACEHOLDER).join(problem);
}
