import { loadTemplate, type TemplateSpec } from '../run/prompts';
import type { GradeMode, GradePrompts } from './eval';

/**
 * The proof graders' placeholders: ours, and the original's eval script's (`{student_answer}` the
 * candidate proof, `{solution}` the reference solution, `{guidelines}` the grading guidelines or,
 * with --proofbench, the marking scheme).
 */
const PROOF_SPEC: TemplateSpec = {
  names: ['problem_statement', 'reference_solution', 'grading_guidelines', 'candidate_solution'],
  rename: { student_answer: 'candidate_solution', solution: 'reference_solution', guidelines: 'grading_guidelines' },
  required: [['problem_statement'], ['candidate_solution', 'student_answer']],
};

/** The answer judge's: ours, and the original's (`{student_answer}` the extracted answer, `{gold_answer}`). */
const ANSWER_SPEC: TemplateSpec = {
  names: ['problem_statement', 'golden_answer', 'candidate_answer'],
  rename: { gold_answer: 'golden_answer', student_answer: 'candidate_answer' },
  required: [
    ['golden_answer', 'gold_answer'],
    ['candidate_answer', 'student_answer'],
  ],
};

/** Shipped prompt file and placeholders for each grading mode. */
export const GRADE_PROMPTS: Record<GradeMode, { file: string; spec: TemplateSpec }> = {
  proof: { file: 'grade_imoproofbench.txt', spec: PROOF_SPEC },
  proofbench: { file: 'grade_proofbench.txt', spec: PROOF_SPEC },
  'final-answer': { file: 'judge_final_answer.txt', spec: ANSWER_SPEC },
};

/** The per-item prompt of several-item schemes (ours only: the original has none). */
const ITEMS_SPEC: TemplateSpec = {
  names: ['problem_statement', 'reference_solution', 'grading_items', 'candidate_solution'],
  required: [['grading_items'], ['candidate_solution']],
};

/** Loads the prompts of a grading mode (the user's file replaces the main one). */
export async function loadGradePrompts(
  mode: GradeMode,
  shippedRoot: string,
  userFile?: string,
): Promise<{ prompts: GradePrompts; source: string; hash: string }> {
  const g = GRADE_PROMPTS[mode];
  const main = await loadTemplate(shippedRoot, g.file, g.spec, userFile);
  const items = mode === 'final-answer' ? undefined : await loadTemplate(shippedRoot, 'grade_items.txt', ITEMS_SPEC);
  return { prompts: { main, items }, source: main.source, hash: items ? `${main.hash}+${items.hash}` : main.hash };
}
