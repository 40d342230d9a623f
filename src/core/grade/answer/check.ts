/**
 * The deterministic final-answer check: extracts the candidate's answer and decides whether it is
 * equivalent to the golden answer, different from it, or undecided (then an LLM judge decides).
 * A wrong decision is worse than no decision, so every doubt ends in 'undecided'.
 */
import { compareAns, R } from './compare';
import { Budget, DEFAULT_MAX_STEPS, OverBudget, SAFETY_NET_MS, TooSlow } from './expr';
import { extractAnswer } from './extract';
import { normalizeLatex } from './latex';
import { parseAnswer } from './parse';

export type Verdict = 'equivalent' | 'different' | 'undecided';

export interface CheckResult {
  verdict: Verdict;
  reason: string;
}

export interface CheckOptions {
  /**
   * Upper bound on the work of one comparison, in steps (default DEFAULT_MAX_STEPS): nodes
   * evaluated, sample points, bits of exact arithmetic, digits of high-precision evaluation. The
   * verdict depends on it, on the two answers and on CHECKER_VERSION only, never on the machine.
   */
  maxSteps?: number;
  /**
   * The clock of the last-resort safety net, in milliseconds (default: this process's CPU time).
   * For tests: the net (SAFETY_NET_MS) gives "too slow", never a verdict.
   */
  clock?: () => number;
  /** The safety net, in milliseconds of `clock` (default SAFETY_NET_MS). For tests. */
  safetyNetMs?: number;
}

export interface DeterministicJudgement {
  extracted: string;
  method: 'boxed' | 'last-lines';
  verdict: Verdict;
  reason: string;
  warning?: string;
}

/**
 * The version of the checker's decisions. A verdict depends only on the two answers and on this
 * version: raise it whenever a change can turn a verdict (a new rule, a different budget, sample
 * points, precision), so that a grade can be traced to the rules that gave it.
 * 1: decided within a wall-clock deadline (1 s); the verdict could depend on the machine's load.
 * 2: step budgets only (DEFAULT_MAX_STEPS); a CPU-time safety net that says "too slow";
 *    inexact equalities confirmed with BigDecimal on the checker's own expression tree. Same
 *    verdicts as version 1 (on an idle machine) on the 400 IMO-AnswerBench answers and rewrites.
 * 3: the answer is extracted as the original extracts it: several boxes on the last line joined
 *    with "," (was ", "), a box inside the answer unwrapped, no trimming of a box's content; with
 *    no box, the last 5 lines blank ones included (were: non-empty ones), "..." before them.
 */
export const CHECKER_VERSION = 3;
export { DEFAULT_MAX_STEPS, SAFETY_NET_MS };
/** Answers longer than this are not parsed (only compared as normalised strings). */
export const MAX_ANSWER_LENGTH = 2000;

const VERDICT: Record<R['v'], Verdict> = { eq: 'equivalent', ne: 'different', unk: 'undecided' };

export function checkAnswer(candidate: string, golden: string, opts: CheckOptions = {}): CheckResult {
  if (typeof candidate !== 'string' || typeof golden !== 'string') {
    return { verdict: 'undecided', reason: 'the candidate or the expected answer is not text' };
  }
  try {
    if (golden.trim() === '') return { verdict: 'undecided', reason: 'the expected answer is empty' };
    if (candidate.trim() === '') return { verdict: 'different', reason: 'the candidate gave no answer' };
    const nc = normalizeLatex(candidate);
    const ng = normalizeLatex(golden);
    if (nc === ng) return { verdict: 'equivalent', reason: 'identical after normalising the notation' };
    if (candidate.length > MAX_ANSWER_LENGTH || golden.length > MAX_ANSWER_LENGTH) {
      return { verdict: 'undecided', reason: `an answer longer than ${MAX_ANSWER_LENGTH} characters` };
    }
    // Parsing is bounded by the length of the answers (MAX_ANSWER_LENGTH); the comparison by the budget.
    const c = parseAnswer(candidate);
    const g = parseAnswer(golden);
    const r = compareAns(c, g, new Budget(opts));
    return { verdict: VERDICT[r.v], reason: r.why };
  } catch (e) {
    if (e instanceof OverBudget || e instanceof TooSlow) return { verdict: 'undecided', reason: e.message };
    if (e instanceof RangeError) return { verdict: 'undecided', reason: `too complex: ${e.message}` };
    return { verdict: 'undecided', reason: `internal error: ${e instanceof Error ? e.message : String(e)}` };
  }
}

export function judgeAnswerDeterministically(
  solution: string,
  golden: string,
  opts: CheckOptions = {},
): DeterministicJudgement {
  const ex = extractAnswer(solution);
  if (ex.answer.trim() === '' && typeof golden === 'string' && golden.trim() !== '' && ex.method === 'last-lines') {
    return { extracted: ex.answer, method: ex.method, verdict: 'different', reason: 'the solution is empty' };
  }
  // The "..." that marks an excerpt is for the judge to read, not part of the answer.
  let { verdict, reason } = checkAnswer(ex.excerpt ? ex.answer.slice(3) : ex.answer, golden, opts);
  if (ex.method === 'last-lines' && verdict === 'different') {
    // Without a box the "answer" is whatever the last lines say: not enough to call it wrong.
    verdict = 'undecided';
    reason = `no \\boxed{} answer; the last lines do not match (${reason})`;
  }
  return { extracted: ex.answer, method: ex.method, verdict, reason, ...(ex.warning ? { warning: ex.warning } : {}) };
}
