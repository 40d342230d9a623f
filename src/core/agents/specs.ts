/**
 * What each scaffold is called and which prompts it fills: enough to check a scaffold file without
 * running it (the editor's diagnostics, `qed config validate`) as well as before a run.
 */
import type { PromptSpec } from './params';

const DEEPSEEK_PROMPTS: PromptSpec[] = [
  { path: ['generation_prompt'], required: ['question'], allowed: ['question'], mandatory: true },
  { path: ['verifier_prompt'], required: ['proof'], allowed: ['question', 'proof'], mandatory: true },
  {
    path: ['refinement_prompt'],
    required: ['proof', 'proof_analysis'],
    allowed: ['proof_generation_prompt', 'proof', 'proof_analysis'],
    mandatory: true,
  },
];

const NOMOS_PROMPTS: PromptSpec[] = [
  { path: ['score_prompt'], required: ['answer'], allowed: ['problem', 'answer'] },
  { path: ['consolidation_prompt'], required: ['submissions'], allowed: ['problem', 'submissions'] },
  {
    path: ['pairwise_prompt'],
    required: ['submission1', 'submission2'],
    allowed: ['problem', 'submission1', 'submission2'],
  },
];

const RC_PROMPTS: PromptSpec[] = [
  { path: ['solve_prompt'], required: ['problem'], allowed: ['problem', 'curr_summary'] },
  { path: ['summarization_prompt'], required: ['reasoning'], allowed: ['problem', 'existing_summary', 'reasoning'] },
];

const SELFCHECK_PROMPTS: PromptSpec[] = [
  { path: ['prompts', 'system'], required: [], mandatory: true },
  { path: ['prompts', 'self_improvement'], required: [], mandatory: true },
  { path: ['prompts', 'correction'], required: [], mandatory: true },
  { path: ['prompts', 'verification_system'], required: [], mandatory: true },
  { path: ['prompts', 'verification_reminder'], required: [], mandatory: true },
];

export const CORE_PROMPTS: PromptSpec[] = [
  { path: ['solver', 'sysprompt'], required: [], mandatory: true },
  { path: ['solver', 'prompt'], required: ['problem_statement'], allowed: ['problem_statement'], mandatory: true },
  { path: ['approach_solver', 'sysprompt'], required: [] },
  { path: ['approach_solver', 'prompt'], required: ['approach'], allowed: ['problem_statement', 'approach'] },
  { path: ['determine_approaches', 'sysprompt'], required: [] },
  { path: ['determine_approaches', 'prompt'], required: [], allowed: ['problem_statement', 'number_of_approaches'] },
  { path: ['verifier', 'sysprompt'], required: [], mandatory: true },
  { path: ['verifier', 'prompt'], required: ['solution'], allowed: ['problem_statement', 'solution'], mandatory: true },
  { path: ['improver', 'prompt'], required: ['bug_report'], allowed: ['bug_report'], mandatory: true },
  { path: ['selector', 'sysprompt'], required: [], mandatory: true },
  {
    path: ['selector', 'prompt'],
    required: ['solutions'],
    allowed: ['problem_statement', 'solutions'],
    mandatory: true,
  },
  { path: ['selector', 'solution_format'], required: ['solution'], allowed: ['index', 'solution'], mandatory: true },
  { path: ['merger', 'sysprompt'], required: [], mandatory: true },
  { path: ['merger', 'prompt'], required: ['solutions'], allowed: ['problem_statement', 'solutions'], mandatory: true },
  { path: ['merger', 'solution_format'], required: ['solution'], allowed: ['index', 'solution'], mandatory: true },
];

const MATH_AGENT_PROMPTS: PromptSpec[] = [
  { path: ['main', 'sysprompt'], required: [], mandatory: true },
  {
    path: ['main', 'prompt'],
    required: ['problem_statement'],
    allowed: ['problem_statement', 'max_calls'],
    mandatory: true,
  },
  { path: ['main', 'reminder_submit'], required: [] },
  { path: ['submit', 'output_format'], required: [], allowed: ['solution_id'] },
];

/** A scaffold: its `scaffold_name` values (the Python stack's first), prompts, and what it needs. */
export interface ScaffoldSpec {
  names: string[];
  prompts: PromptSpec[];
  /** Uses the core components file (and its prompts). */
  core?: boolean;
  /** Needs tool calls (chat completions). */
  tools?: boolean;
}

export const SCAFFOLD_SPECS: ScaffoldSpec[] = [
  { names: ['deepseek_agent', 'deepseek_math'], prompts: DEEPSEEK_PROMPTS },
  { names: ['nomos'], prompts: NOMOS_PROMPTS },
  { names: ['rc', 'reasoning_cache'], prompts: RC_PROMPTS },
  { names: ['selfcheck'], prompts: SELFCHECK_PROMPTS },
  { names: ['static_math_agent', 'math_static_agent'], prompts: [], core: true },
  { names: ['rsa', 'rsa_agent'], prompts: [], core: true },
  { names: ['math_agent'], prompts: MATH_AGENT_PROMPTS, core: true, tools: true },
];

export const SCAFFOLD_NAMES = SCAFFOLD_SPECS.map((s) => s.names[0]);

/** The spec a `scaffold_name` selects. */
export function scaffoldSpec(name: unknown): ScaffoldSpec | undefined {
  return SCAFFOLD_SPECS.find((s) => s.names.includes(String(name)));
}

/** Whether a scaffold file's keys look like a core components set rather than a scaffold. */
export function looksLikeCoreComponents(values: Record<string, unknown>): boolean {
  return ['solver', 'verifier', 'selector', 'merger'].some((k) => k in values);
}
