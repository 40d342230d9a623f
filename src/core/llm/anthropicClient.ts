import Anthropic, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from '@anthropic-ai/sdk';
import type { ModelConfig } from '../config/types';
import { completeWith, OutputBudget, type RawReply } from './complete';
import { LlmError, classifyError, httpFailure, parseRetryAfter } from './errors';
import { foldSystemMessages } from './fold';
import type { RetryPolicy } from './retry';
import type { ChatMessage, CompletionOptions, CompletionResult, LlmClient, Usage } from './types';

export interface AnthropicClientOptions {
  apiKey: string;
  policy: RetryPolicy;
  fetch?: typeof fetch;
  /**
   * The client for requests that offer tools: as in the original, those go through Anthropic's
   * OpenAI-compatible endpoint (thinking settings moved into the body there).
   */
  tools?: () => Promise<LlmClient>;
}

type Body = Record<string, unknown>;

/** Anthropic's SDK speaks to `<host>/v1/messages`: a base URL written as `…/v1` (the OpenAI-compatible form) loses its `/v1`. */
export function anthropicSdkBase(baseUrl: string | undefined): string | undefined {
  return baseUrl?.replace(/\/+$/, '').replace(/\/v1$/, '');
}

/**
 * The client for `api: anthropic`: Anthropic's own Messages API through the official SDK, as the
 * original calls it. System instructions go into `system`; a `thinking` key (e.g. `{type:
 * enabled, budget_tokens: 16000}`) is sent as written and the thinking blocks come back as chain
 * of thought; cost is the reply's input and output tokens at the config's prices. The SDK's own
 * retries are off; ours wrap each call.
 */
export class AnthropicClient implements LlmClient {
  private readonly sdk: Anthropic;
  private readonly budget: OutputBudget;
  private toolClient?: Promise<LlmClient>;

  constructor(
    private readonly cfg: ModelConfig,
    private readonly opts: AnthropicClientOptions,
  ) {
    this.sdk = new Anthropic({
      apiKey: opts.apiKey,
      baseURL: anthropicSdkBase(cfg.baseUrl),
      maxRetries: 0,
      // Given explicitly, so the SDK does not refuse large max_tokens without streaming.
      timeout: cfg.timeoutSec * 1000,
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
    });
    this.budget = new OutputBudget(cfg.maxTokens);
  }

  complete(messages: ChatMessage[], options: CompletionOptions = {}): Promise<CompletionResult> {
    if ((options.tools?.length || this.cfg.tools?.length) && this.opts.tools) {
      this.toolClient ??= this.opts.tools();
      return this.toolClient.then((c) => c.complete(messages, options));
    }
    return completeWith(this.cfg, messages, options, {
      policy: this.opts.policy,
      apiKey: this.opts.apiKey,
      budget: this.budget,
      classify: classifyAnthropicError,
      call: (signal) => this.once(messages, signal),
    });
  }

  private async once(sent: ChatMessage[], signal?: AbortSignal): Promise<RawReply> {
    const messages = this.cfg.noSystemMessages ? foldSystemMessages(sent) : sent;
    const system = messages.filter((m) => m.role === 'system').map((m) => m.content);
    const body: Body = {
      model: this.cfg.model,
      // The Messages API requires a limit; the parser insists on max_tokens for this api.
      max_tokens: this.budget.maxTokens ?? 4096,
      messages: messages
        .filter((m) => m.role === 'user' || m.role === 'assistant')
        .map((m) => ({ role: m.role, content: m.content })),
    };
    if (system.length) body.system = system.join('\n\n');
    if (this.cfg.temperature != null) body.temperature = this.cfg.temperature;
    if (this.cfg.topP != null) body.top_p = this.cfg.topP;
    if (this.cfg.topK != null) body.top_k = this.cfg.topK;
    // Unknown keys (thinking, stop_sequences, metadata…), then extra_body, as written.
    Object.assign(body, this.cfg.passthrough, this.cfg.extraBody);
    const res = (await this.sdk.messages.create(body as never, { signal })) as unknown as MessagesResponse;
    return readMessage(res);
  }
}

/** The answer (the first text block, as the original takes it), the thinking, usage and stop reason of a reply. */
export function readMessage(res: MessagesResponse): RawReply {
  if (!res || !Array.isArray(res.content)) throw new LlmError('the API returned no content', 'bad-response');
  const thoughts: string[] = [];
  let text: string | undefined;
  for (const block of res.content) {
    if (block.type === 'thinking' && typeof block.thinking === 'string') thoughts.push(block.thinking);
    else if (block.type === 'text' && typeof block.text === 'string' && text === undefined) text = block.text;
  }
  const usage: Usage = { inputTokens: res.usage?.input_tokens ?? 0, outputTokens: res.usage?.output_tokens ?? 0 };
  const stop = res.stop_reason;
  return {
    text: text ?? '',
    reasoning: thoughts.length ? thoughts.join('\n\n') : undefined,
    usage,
    finishReason:
      stop === 'max_tokens'
        ? 'length'
        : stop === 'end_turn' || stop === 'stop_sequence' || stop == null
          ? 'stop'
          : stop,
  };
}

/** Maps the Anthropic SDK's error classes onto our failure kinds (529 "overloaded" is a server fault). */
export function classifyAnthropicError(e: unknown): LlmError {
  if (e instanceof APIUserAbortError) return new LlmError('request cancelled', 'cancelled');
  if (e instanceof APIConnectionTimeoutError) return new LlmError('request timed out', 'timeout');
  if (e instanceof APIConnectionError) {
    const cause = (e as { cause?: unknown }).cause;
    return new LlmError(`connection failed${cause instanceof Error ? `: ${cause.message}` : ''}`, 'network');
  }
  if (e instanceof APIError && typeof e.status === 'number') {
    const f = httpFailure(
      e.status,
      e.message,
      parseRetryAfter(e.headers as { get(name: string): string | null } | undefined),
    );
    // "max_tokens: 130000 > 64000, which is the maximum allowed…": shrink and retry, as the original does.
    if (e.status === 400 && f.kind === 'bad-request' && /max_tokens/.test(e.message))
      return new LlmError(f.message, 'context-length', f.status);
    return f;
  }
  return classifyError(e);
}

/** The parts of a Messages API reply we read. */
export interface MessagesResponse {
  content?: Array<{ type: string; text?: string; thinking?: string }>;
  stop_reason?: string | null;
  usage?: { input_tokens?: number; output_tokens?: number };
}
