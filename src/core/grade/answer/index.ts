/**
 * Final-answer grading helpers: extraction of the boxed answer and a deterministic equivalence
 * check that decides only when certain (otherwise the LLM judge is asked).
 */
export { extractAnswer } from './extract';
export type { ExtractedAnswer } from './extract';
export {
  checkAnswer,
  judgeAnswerDeterministically,
  CHECKER_VERSION,
  DEFAULT_MAX_STEPS,
  MAX_ANSWER_LENGTH,
  SAFETY_NET_MS,
} from './check';
export type { CheckOptions, CheckResult, DeterministicJudgement, Verdict } from './check';
