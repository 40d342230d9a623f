import { loadTemplate } from '../run/prompts';
import type { GradeMode, GradePrompts } from './eval';

/** Shipped prompt file and required placeholders for each grading mode. */
export const GRADE_PROMPTS: Record<GradeMode, { file: string; required: string[] }> = {
  proof: { file: 'grade_imoproofbench.txt', required: ['problem_statement', 'candidate_solution'] },
  proofbench: { file: 'grade_proofbench.txt', required: ['problem_statement', 'candidate_solution'] },
  'final-answer': { file: 'judge_final_answer.txt', required: ['golden_answer', 'candidate_answer'] },
};

/** Loads the prompts of a grading mode (the user's file replaces the main one). */
export async function loadGradePrompts(mode: GradeMode, shippedRoot: string, userFile?: string): Promise<{ prompts: GradePrompts; source: string; hash: string }> {
  const spec = GRADE_PROMPTS[mode];
  const main = await loadTemplate(shippedRoot, spec.file, spec.required, userFile);
  const items = mode === 'final-answer' ? undefined : await loadTemplate(shippedRoot, 'grade_items.txt', ['grading_items', 'candidate_solution']);
  return { prompts: { main, items }, source: main.source, hash: items ? `${main.hash}+${items.hash}` : main.hash };
}

