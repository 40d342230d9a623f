import type { ModelConfig } from '../config/types';
import { createClient, type ClientOptions } from './index';
import type { CompletionResult, LlmClient } from './types';

/** The message a config test sends: short, and cheap to answer. */
export const PROBE_PROMPT = 'This is a connection test. Reply with the single word: ready';

/** Output budget of a test call: enough for a reasoning model to think briefly and answer. */
export const PROBE_MAX_TOKENS = 1024;

/**
 * One cheap request with a config, to check endpoint, key and model name before a long run:
 * the config's own settings, but a small output budget and a single retry.
 */
export async function probeConfig(
  cfg: ModelConfig,
  opts: ClientOptions & { signal?: AbortSignal },
): Promise<CompletionResult> {
  return probe(await createClient(probeSettings(cfg), opts), opts.signal);
}

/** The config as a test call uses it: its own settings, a small budget, one retry. */
export function probeSettings(cfg: ModelConfig): ModelConfig {
  const { maxRetriesInner: _inner, ...rest } = cfg;
  return {
    ...rest,
    maxTokens: Math.min(cfg.maxTokens ?? PROBE_MAX_TOKENS, PROBE_MAX_TOKENS),
    maxRetries: Math.min(cfg.maxRetries, 1),
    concurrentRequests: 1,
  };
}

/** Sends the test message with a client built from probeSettings(). */
export function probe(client: LlmClient, signal?: AbortSignal): Promise<CompletionResult> {
  return client.complete([{ role: 'user', content: PROBE_PROMPT }], { signal });
}
