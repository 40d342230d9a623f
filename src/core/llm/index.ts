import type { ModelConfig } from '../config/types';
import { QedError } from '../errors';
import { Limiter } from './limiter';
import { redact } from './errors';
import { RequestLog } from './requestLog';
import { DEFAULT_POLICY, type RetryPolicy } from './retry';
import type { ChatMessage, CompletionOptions, CompletionResult, LlmClient } from './types';

export * from './types';
export { LlmError, classifyError, redact } from './errors';
export { requestCost, addCost, ZERO_COST } from './cost';
export { splitReasoning } from './split';
export { Limiter } from './limiter';
export type { RetryPolicy } from './retry';

/** Looks a key up by its variable name: SecretStorage then environment in VS Code, environment in the CLI. */
export type KeyLookup = (name: string) => Promise<string | undefined> | string | undefined;

export const envKeys: KeyLookup = (name) => process.env[name] || undefined;

export interface ClientOptions {
  getKey: KeyLookup;
  /** Replaces the config's concurrent_requests (the CLI's --concurrency). */
  concurrency?: number;
  /** A ceiling on concurrent requests (a user setting); 0 or undefined = none. */
  maxConcurrency?: number;
  /** Overrides of the retry policy (tests shorten delays). */
  policy?: Partial<RetryPolicy>;
  pollIntervalMs?: number;
  /** Where the key lookup should tell the user to put a key, e.g. 'run "QED: Set API Key"'. */
  keyHint?: string;
  /** A folder for request logs (`--log-requests`): one JSON file per request and reply, key removed. */
  logRequests?: string;
}

/** A client with its own concurrency bound, shared by every caller of one config. */
export interface BoundClient extends LlmClient {
  readonly config: ModelConfig;
  readonly limiter: Limiter;
}

/** Builds the client for a config. Throws a QedError naming the variable when the key is missing. */
export async function createClient(cfg: ModelConfig, opts: ClientOptions): Promise<BoundClient> {
  const apiKey = await resolveKey(cfg, opts);
  const policy: RetryPolicy = {
    ...DEFAULT_POLICY,
    maxRetries: retriesOf(cfg),
    baseDelayMs: cfg.sleepOnErrorSec * 1000,
    ...opts.policy,
  };
  const logged = opts.logRequests ? new RequestLog(opts.logRequests, cfg.model, [apiKey]).fetch() : undefined;
  const fetchOpt = logged ? { fetch: logged } : {};
  // The SDKs load on first use, so the extension activates without paying for them.
  const openai = async (c: ModelConfig): Promise<LlmClient> =>
    new (await import('./openaiClient')).OpenAiClient(c, {
      apiKey,
      policy,
      pollIntervalMs: opts.pollIntervalMs,
      ...fetchOpt,
    });
  const inner: LlmClient =
    cfg.api === 'google'
      ? new (await import('./googleClient')).GoogleClient(cfg, { apiKey, policy, ...fetchOpt })
      : cfg.api === 'anthropic'
        ? await anthropicClient(cfg, apiKey, policy, openai, logged)
        : await openai(cfg);
  const limit = Math.max(1, Math.min(opts.concurrency ?? cfg.concurrentRequests, opts.maxConcurrency || Infinity));
  const limiter = new Limiter(limit);
  // The one place the key is taken out of everything a request gives back: reply, chain of
  // thought, history, retry notices and errors. Whatever a server echoes stops here, before any
  // of it reaches a results file, a journal, a log or the screen.
  const secrets = [apiKey];
  return {
    config: cfg,
    limiter,
    complete: async (messages: ChatMessage[], o?: CompletionOptions): Promise<CompletionResult> => {
      const onRetry = o?.onRetry;
      const options: CompletionOptions | undefined = onRetry
        ? { ...o, onRetry: (info) => onRetry({ ...info, error: redact(info.error, secrets) }) }
        : o;
      try {
        return redactResult(await limiter.run(() => inner.complete(messages, options), o?.signal), secrets);
      } catch (e) {
        throw redactError(e, secrets);
      }
    },
  };
}

/** A completion with the secrets removed from every text it carries. */
function redactResult(r: CompletionResult, secrets: readonly string[]): CompletionResult {
  const clean = (t: string) => redact(t, secrets);
  return {
    ...r,
    text: clean(r.text),
    ...(r.cot !== undefined ? { cot: clean(r.cot) } : {}),
    ...(r.finishReason !== undefined ? { finishReason: clean(r.finishReason) } : {}),
    history: r.history.map((h) => ({ ...h, content: clean(h.content) })),
  };
}

/** The same error (class, kind, status kept) with the secrets removed from its message and stack. */
function redactError(e: unknown, secrets: readonly string[]): unknown {
  if (!(e instanceof Error)) return typeof e === 'string' ? redact(e, secrets) : e;
  e.message = redact(e.message, secrets);
  if (e.stack) e.stack = redact(e.stack, secrets);
  return e;
}

/**
 * Retries of one request: `max_retries`, or with the original's `max_retries_inner` the tries of
 * its two nested loops together (inner × max(1, outer)), less the first.
 */
export function retriesOf(cfg: Pick<ModelConfig, 'maxRetries' | 'maxRetriesInner'>): number {
  return cfg.maxRetriesInner === undefined ? cfg.maxRetries : cfg.maxRetriesInner * Math.max(1, cfg.maxRetries) - 1;
}

/** Anthropic's Messages API; requests offering tools go to its OpenAI-compatible endpoint, as in the original. */
async function anthropicClient(
  cfg: ModelConfig,
  apiKey: string,
  policy: RetryPolicy,
  openai: (c: ModelConfig) => Promise<LlmClient>,
  fetchFn?: typeof fetch,
): Promise<LlmClient> {
  const { AnthropicClient, anthropicSdkBase } = await import('./anthropicClient');
  const compat = `${anthropicSdkBase(cfg.baseUrl) ?? 'https://api.anthropic.com'}/v1/`;
  return new AnthropicClient(cfg, {
    apiKey,
    policy,
    tools: () => openai({ ...cfg, baseUrl: compat }),
    ...(fetchFn ? { fetch: fetchFn } : {}),
  });
}

async function resolveKey(cfg: ModelConfig, opts: ClientOptions): Promise<string> {
  const key = await opts.getKey(cfg.apiKeyEnv);
  if (key) return key;
  // A local OpenAI-compatible server (vLLM) usually needs no key: allow it when none was named.
  if (cfg.api === 'custom' && cfg.raw.api_key_env === undefined) return 'not-needed';
  const how = opts.keyHint ?? `export ${cfg.apiKeyEnv}=<your key>`;
  throw new QedError(
    `no API key for '${cfg.api}': the variable ${cfg.apiKeyEnv} is not set`,
    { file: cfg.file || undefined, field: 'api_key_env' },
    `set it with: ${how}`,
  );
}
