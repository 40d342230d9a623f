/**
 * The deterministic final-answer check: extracts the candidate's answer and decides whether it is
 * equivalent to the golden answer, different from it, or undecided (then an LLM judge decides).
 * A wrong decision is worse than no decision, so every doubt ends in 'undecided'.
 */
import { compareAns, R } from './compare';
import { Budget, OverBudget } from './expr';
import { extractAnswer } from './extract';
import { normalizeLatex } from './latex';
import { parseAnswer } from './parse';

export type Verdict = 'equivalent' | 'different' | 'undecided';

export interface CheckResult {
  verdict: Verdict;
  reason: string;
}

export interface CheckOptions {
  /** Upper bound on the time spent on one comparison, in milliseconds (default 1000). */
  timeoutMs?: number;
}

export interface DeterministicJudgement {
  extracted: string;
  method: 'boxed' | 'last-lines';
  verdict: Verdict;
  reason: string;
  warning?: string;
}

export const DEFAULT_TIMEOUT_MS = 1000;
/** Answers longer than this are not parsed (only compared as normalised strings). */
export const MAX_ANSWER_LENGTH = 2000;

const VERDICT: Record<R['v'], Verdict> = { eq: 'equivalent', ne: 'different', unk: 'undecided' };

export function checkAnswer(candidate: string, golden: string, opts: CheckOptions = {}): CheckResult {
  if (typeof candidate !== 'string' || typeof golden !== 'string') {
    return { verdict: 'undecided', reason: 'the candidate or the expected answer is not text' };
  }
  const timeoutMs = opts.timeoutMs !== undefined && Number.isFinite(opts.timeoutMs) && opts.timeoutMs > 0 ? opts.timeoutMs : DEFAULT_TIMEOUT_MS;
  try {
    if (golden.trim() === '') return { verdict: 'undecided', reason: 'the expected answer is empty' };
    if (candidate.trim() === '') return { verdict: 'different', reason: 'the candidate gave no answer' };
    const nc = normalizeLatex(candidate);
    const ng = normalizeLatex(golden);
    if (nc === ng) return { verdict: 'equivalent', reason: 'identical after normalising the notation' };
    if (candidate.length > MAX_ANSWER_LENGTH || golden.length > MAX_ANSWER_LENGTH) {
      return { verdict: 'undecided', reason: `an answer longer than ${MAX_ANSWER_LENGTH} characters` };
    }
    const budget = new Budget(timeoutMs);
    const c = parseAnswer(candidate);
    if (budget.expired()) return { verdict: 'undecided', reason: 'time limit reached while parsing' };
    const g = parseAnswer(golden);
    if (budget.expired()) return { verdict: 'undecided', reason: 'time limit reached while parsing' };
    const r = compareAns(c, g, budget);
    return { verdict: VERDICT[r.v], reason: r.why };
  } catch (e) {
    if (e instanceof OverBudget) return { verdict: 'undecided', reason: e.message };
    if (e instanceof RangeError) return { verdict: 'undecided', reason: `too complex: ${e.message}` };
    return { verdict: 'undecided', reason: `internal error: ${e instanceof Error ? e.message : String(e)}` };
  }
}

export function judgeAnswerDeterministically(solution: string, golden: string, opts: CheckOptions = {}): DeterministicJudgement {
  const ex = extractAnswer(solution);
  if (ex.answer.trim() === '' && typeof golden === 'string' && golden.trim() !== '' && ex.method === 'last-lines') {
    return { extracted: ex.answer, method: ex.method, verdict: 'different', reason: 'the solution is empty' };
  }
  let { verdict, reason } = checkAnswer(ex.answer, golden, opts);
  if (ex.method === 'last-lines' && verdict === 'different') {
    // Without a box the "answer" is whatever the last lines say: not enough to call it wrong.
    verdict = 'undecided';
    reason = `no \\boxed{} answer; the last lines do not match (${reason})`;
  }
  return { extracted: ex.answer, method: ex.method, verdict, reason, ...(ex.warning ? { warning: ex.warning } : {}) };
}
