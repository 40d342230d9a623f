import type { ModelConfig } from '../config/types';
import { estimateTokens } from '../stats/rows';

/** The output tokens assumed per request when none are given: the config's max_tokens (8000 when unset), capped at 32k. */
export const OUTPUT_TOKENS_CAP = 32_000;

export interface CostEstimate {
  /** Estimated USD for the whole run (an upper bound on output: every reply as long as allowed). */
  usd: number;
  problems: number;
  n: number;
  callsPerProblem: number;
  /** Mean estimated input tokens of one request (prompt template + problem, characters / 4 as in qed stats). */
  inputTokensPerRequest: number;
  /** Output tokens assumed per request. */
  outputTokensPerRequest: number;
  readCost: number;
  writeCost: number;
  config: string;
}

/**
 * What a run may cost before it starts: problems × runs × calls per problem × (input tokens of the
 * filled prompt, counted as `qed stats` counts text — characters / 4 — times read_cost, plus the
 * output tokens allowed times write_cost). The one estimate behind VS Code's confirmation and
 * `qed run --max-cost`.
 */
export function estimateRunCost(
  cfg: Pick<ModelConfig, 'id' | 'maxTokens' | 'readCost' | 'writeCost'>,
  problems: readonly string[],
  template: string,
  opts: { n?: number; callsPerProblem?: number; outputTokens?: number } = {},
): CostEstimate {
  const n = opts.n ?? 1;
  const callsPerProblem = opts.callsPerProblem ?? 1;
  const outputTokensPerRequest = opts.outputTokens || Math.min(cfg.maxTokens ?? 8000, OUTPUT_TOKENS_CAP);
  // The template's placeholder is replaced by the problem: count the template once per problem.
  const templateTokens = estimateTokens(template);
  const inputTokens = problems.reduce((s, p) => s + templateTokens + estimateTokens(p), 0);
  const usd =
    (callsPerProblem * n * (inputTokens * cfg.readCost + problems.length * outputTokensPerRequest * cfg.writeCost)) /
    1e6;
  return {
    usd,
    problems: problems.length,
    n,
    callsPerProblem,
    inputTokensPerRequest: problems.length ? inputTokens / problems.length : 0,
    outputTokensPerRequest,
    readCost: cfg.readCost,
    writeCost: cfg.writeCost,
    config: cfg.id,
  };
}

/** The estimate in words: '3 problems × 1 run(s), about 120 input and up to 8000 output tokens each, at $1.25 / $10 per million tokens (openai/gpt-5)'. */
export function describeEstimate(e: CostEstimate): string {
  return `${e.problems} problems × ${e.n} run(s)${e.callsPerProblem > 1 ? ` × up to ${e.callsPerProblem} agent calls` : ''}, about ${Math.round(e.inputTokensPerRequest)} input and up to ${e.outputTokensPerRequest} output tokens each, at $${e.readCost} / $${e.writeCost} per million tokens (${e.config})`;
}
