import type { ModelConfig } from '../config/types';
import { requestCost } from './cost';
import type { LlmError } from './errors';
import { sleep, withRetries, type RetryPolicy } from './retry';
import { splitReasoning } from './split';
import type { ChatMessage, CompletionOptions, CompletionResult, HistoryEntry, ToolCall, Usage } from './types';

/** What one provider call returns before chain of thought is split off and cost is computed. */
export interface RawReply {
  text: string;
  /** Reasoning the API returned separately (reasoning_content, a summary, Gemini thoughts). */
  reasoning?: string;
  usage: Usage;
  finishReason?: string;
  toolCalls?: ToolCall[];
}

/** The output budget of a client: cut by 1.2× after each context-length error (as the original stack does). */
export class OutputBudget {
  constructor(public maxTokens: number | undefined) {}

  /** False when there is nothing left to cut, so the error is final. */
  shrink(): boolean {
    if (!this.maxTokens || this.maxTokens < 16) return false;
    this.maxTokens = Math.floor(this.maxTokens / 1.2);
    return true;
  }
}

/**
 * The part every client shares: retries around `call`, then the split of chain of thought and
 * answer by the config's delimiters, the `history` entries, cost, and the optional pause after a
 * request.
 */
export async function completeWith(
  cfg: ModelConfig,
  messages: ChatMessage[],
  options: CompletionOptions,
  how: {
    policy: RetryPolicy;
    apiKey: string;
    budget: OutputBudget;
    classify: (e: unknown) => LlmError;
    call: (signal?: AbortSignal) => Promise<RawReply>;
  },
): Promise<CompletionResult> {
  const started = Date.now();
  const { value, attempts } = await withRetries((_attempt, signal) => how.call(signal), how.policy, {
    signal: options.signal,
    onRetry: options.onRetry,
    classify: how.classify,
    onContextLength: () => how.budget.shrink(),
  });
  const { answer, cot } = splitReasoning(value.text, cfg.delimiters, value.reasoning);
  const history: HistoryEntry[] = messages
    .filter((m) => m.role !== 'tool')
    .map((m) => ({ role: m.role as HistoryEntry['role'], content: m.content }));
  if (cot !== undefined) history.push({ role: 'assistant', type: 'cot', content: cot });
  history.push({ role: 'assistant', content: answer });
  if (cfg.sleepAfterRequestSec > 0) await sleep(cfg.sleepAfterRequestSec * 1000, options.signal);
  return {
    text: answer,
    cot,
    usage: value.usage,
    cost: requestCost(value.usage, cfg),
    time: (Date.now() - started) / 1000,
    finishReason: value.finishReason,
    history,
    attempts,
    ...(value.toolCalls?.length ? { toolCalls: value.toolCalls } : {}),
    ...(cfg.delimiters.some(Boolean) && !answer && cot === value.text && value.text.trim()
      ? { missingDelimiters: cfg.delimiters.filter(Boolean) }
      : {}),
  };
}
