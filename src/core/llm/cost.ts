import type { CostRecord, Usage } from './types';

/** USD for one request: prices are per million tokens. */
export function requestCost(usage: Usage, prices: { readCost: number; writeCost: number }): number {
  return (usage.inputTokens * prices.readCost + usage.outputTokens * prices.writeCost) / 1e6;
}

/** A running total of several calls (agents, or a row's retries after a shrink). */
export function addCost(a: CostRecord, b: CostRecord): CostRecord {
  return {
    cost: a.cost + b.cost,
    input_tokens: a.input_tokens + b.input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    time: a.time + b.time,
  };
}

export const ZERO_COST: CostRecord = { cost: 0, input_tokens: 0, output_tokens: 0, time: 0 };

/**
 * A cost column read from a file (ours or another tool's): a record when it has a numeric `cost`,
 * its other figures 0 where missing; undefined otherwise.
 */
export function asCost(v: unknown): CostRecord | undefined {
  if (typeof v !== 'object' || v === null || typeof (v as CostRecord).cost !== 'number') return undefined;
  const c = v as Partial<CostRecord>;
  const n = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : 0);
  return { cost: n(c.cost), input_tokens: n(c.input_tokens), output_tokens: n(c.output_tokens), time: n(c.time) };
}
