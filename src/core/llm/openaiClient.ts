import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ModelConfig } from '../config/types';
import { completeWith, OutputBudget, type RawReply } from './complete';
import { LlmError, classifyError, httpFailure, parseRetryAfter } from './errors';
import { sleep, type RetryPolicy } from './retry';
import type { ChatMessage, CompletionOptions, CompletionResult, LlmClient, ToolCall, Usage } from './types';
import { leanFetch } from './leanFetch';

export interface OpenAiClientOptions {
  apiKey: string;
  policy: RetryPolicy;
  /** How often a background response is polled, ms. */
  pollIntervalMs?: number;
  fetch?: typeof fetch;
}

/** OpenAI's reasoning models: they take max_completion_tokens and reject sampling parameters. */
export function isOpenAiReasoningModel(model: string): boolean {
  return /^(o\d|gpt-5)/i.test(model.replace(/^openai\//, ''));
}

/** o1, o3, o4-mini…, under any provider's prefix (`openai/o4-mini` on OpenRouter): no sampling settings. */
export function isOSeriesModel(model: string): boolean {
  return /^o\d/i.test(model.slice(model.lastIndexOf('/') + 1));
}

type Body = Record<string, unknown>;

/**
 * The client for OpenAI and every OpenAI-compatible API (Together, OpenRouter, xAI, DeepSeek, GLM,
 * a vLLM server…), through the official `openai` SDK: chat completions or the Responses API.
 * The SDK's own retries are off; ours (bounded, Retry-After aware) wrap each call.
 */
export class OpenAiClient implements LlmClient {
  private readonly sdk: OpenAI;
  private readonly budget: OutputBudget;
  /**
   * Per-request options beside the signal. The timeout is the client's own, given again with each
   * request: the SDK copies the options and adds `timeout` when it is missing, and on Node 20 an
   * object that gains a field after a spread copy gets a map of its own, each costlier than the
   * last (see plainCopy in run/engine.ts). With the field present the copy keeps one shape.
   */
  private readonly perRequest: { timeout?: number };

  constructor(
    private readonly cfg: ModelConfig,
    private readonly opts: OpenAiClientOptions,
  ) {
    this.sdk = new OpenAI({
      apiKey: opts.apiKey,
      baseURL: cfg.baseUrl,
      maxRetries: 0,
      timeout: cfg.timeoutSec * 1000,
      // Our own fetch on node:http unless one is given (see leanFetch.ts).
      fetch: opts.fetch ?? (leanFetch as typeof fetch),
    });
    this.budget = new OutputBudget(cfg.maxTokens);
    const ms = cfg.timeoutSec * 1000;
    this.perRequest = Number.isInteger(ms) && ms > 0 ? { timeout: ms } : {};
  }

  complete(messages: ChatMessage[], options: CompletionOptions = {}): Promise<CompletionResult> {
    return completeWith(this.cfg, messages, options, {
      policy: this.opts.policy,
      apiKey: this.opts.apiKey,
      budget: this.budget,
      classify: classifyOpenAiError,
      call: (signal) =>
        this.cfg.useResponsesApi
          ? this.viaResponses(messages, signal, options.tools)
          : this.viaChat(messages, signal, options.tools),
    });
  }

  /** Sampling settings, except for o-series models (on any api) and OpenAI's own reasoning models. */
  private sampling(body: Body): void {
    const oSeries = isOSeriesModel(this.cfg.model);
    if (!oSeries && !(this.cfg.api === 'openai' && isOpenAiReasoningModel(this.cfg.model))) {
      if (this.cfg.temperature != null) body.temperature = this.cfg.temperature;
      if (this.cfg.topP != null) body.top_p = this.cfg.topP;
    }
    if (!oSeries && this.cfg.topK != null) body.top_k = this.cfg.topK;
  }

  /** Unknown config keys, then `extra_body`, go into the request body as written. */
  private extras(body: Body): Body {
    return { ...body, ...this.cfg.passthrough, ...this.cfg.extraBody };
  }

  private async viaChat(messages: ChatMessage[], signal?: AbortSignal, tools?: unknown[]): Promise<RawReply> {
    const dev = this.cfg.noSystemMessages;
    const body: Body = { model: this.cfg.model, messages: messages.map((m) => chatMessage(m, dev)) };
    if (this.budget.maxTokens !== undefined) body[chatTokensParam(this.cfg)] = this.budget.maxTokens;
    this.sampling(body);
    if (this.cfg.reasoningEffort) body.reasoning_effort = this.cfg.reasoningEffort;
    if (tools?.length) body.tools = tools;
    else if (this.cfg.tools) body.tools = this.cfg.tools;
    // As the original: a tool choice only goes with tools (the Gemini configs say `tool_choice: auto` and offer none).
    if (this.cfg.toolChoice !== undefined && body.tools) body.tool_choice = this.cfg.toolChoice;
    const res = (await this.sdk.chat.completions.create(this.extras(body) as never, {
      signal,
      ...this.perRequest,
    })) as unknown as ChatResponse;
    const choice = res?.choices?.[0];
    if (!choice || !choice.message) throw new LlmError('the API returned no choices', 'bad-response');
    const msg = choice.message;
    const reasoning =
      typeof msg.reasoning_content === 'string'
        ? msg.reasoning_content
        : typeof msg.reasoning === 'string'
          ? msg.reasoning
          : undefined;
    const u = res.usage;
    const inputTokens = u?.prompt_tokens ?? 0;
    // Bill everything that is not prompt as output: reasoning tokens included.
    const outputTokens = u
      ? typeof u.total_tokens === 'number'
        ? u.total_tokens - inputTokens
        : (u.completion_tokens ?? 0)
      : 0;
    const usage: Usage = { inputTokens, outputTokens };
    const rt = u?.completion_tokens_details?.reasoning_tokens;
    if (typeof rt === 'number') usage.reasoningTokens = rt;
    const toolCalls = readToolCalls(msg.tool_calls);
    return {
      text: typeof msg.content === 'string' ? msg.content : '',
      reasoning,
      usage,
      finishReason: choice.finish_reason ?? undefined,
      ...(toolCalls.length ? { toolCalls } : {}),
    };
  }

  private async viaResponses(messages: ChatMessage[], signal?: AbortSignal, tools?: unknown[]): Promise<RawReply> {
    const dev = this.cfg.noSystemMessages;
    const body: Body = { model: this.cfg.model, input: messages.flatMap((m) => responsesInput(m, dev)) };
    if (this.budget.maxTokens !== undefined) body.max_output_tokens = this.budget.maxTokens;
    this.sampling(body);
    delete body.top_k; // not a Responses API parameter; pass it through extra_body if a server wants it
    const reasoning: Body = { ...(this.cfg.reasoning ?? {}) };
    if (this.cfg.reasoningEffort) reasoning.effort = this.cfg.reasoningEffort;
    if (Object.keys(reasoning).length) body.reasoning = reasoning;
    if (this.cfg.background) body.background = true;
    // Function tools offered for this request, in the Responses API's flat shape.
    if (tools?.length) body.tools = tools.map(responsesTool);
    else if (this.cfg.tools) body.tools = this.cfg.tools;
    if (this.cfg.toolChoice !== undefined && body.tools) body.tool_choice = this.cfg.toolChoice;
    let res = (await this.sdk.responses.create(this.extras(body) as never, {
      signal,
      ...this.perRequest,
    })) as unknown as ResponsesResponse;
    if (this.cfg.background) res = await this.poll(res, signal);
    return readResponse(res);
  }

  /** Waits for a background response to leave the queue; cancels it server-side if we are cancelled. */
  private async poll(res: ResponsesResponse, signal?: AbortSignal): Promise<ResponsesResponse> {
    const interval = this.opts.pollIntervalMs ?? 5000;
    const deadline = Date.now() + this.cfg.timeoutSec * 1000;
    while (res.status === 'queued' || res.status === 'in_progress') {
      if (Date.now() > deadline)
        throw new LlmError(`background response ${res.id} did not finish within ${this.cfg.timeoutSec}s`, 'timeout');
      try {
        await sleep(interval, signal);
      } catch (e) {
        await this.sdk.responses.cancel(res.id).catch(() => undefined);
        throw e;
      }
      res = (await this.sdk.responses.retrieve(
        res.id,
        {},
        { signal, ...this.perRequest },
      )) as unknown as ResponsesResponse;
    }
    return res;
  }
}

/** Whether a config allows tool calls (`max_tool_calls` above 0, in total or for some tool). */
export function toolCallsAllowed(cfg: Pick<ModelConfig, 'maxToolCalls'>): boolean {
  const m = cfg.maxToolCalls;
  if (m === undefined) return false;
  return typeof m === 'number' ? m > 0 : Object.values(m).reduce((a, b) => a + b, 0) > 0;
}

/**
 * The name the token limit goes under on chat completions, decided as the original decides it:
 * OpenAI's reasoning models and configs allowing tool calls take `max_completion_tokens`;
 * otherwise the config's `max_tokens_param`, else `max_tokens`.
 */
export function chatTokensParam(cfg: Pick<ModelConfig, 'api' | 'model' | 'maxToolCalls' | 'maxTokensParam'>): string {
  if (cfg.api === 'openai' && isOpenAiReasoningModel(cfg.model)) return 'max_completion_tokens';
  if (toolCallsAllowed(cfg)) return 'max_completion_tokens';
  return cfg.maxTokensParam ?? 'max_tokens';
}

/** `no_system_messages`: the role system instructions are sent under. */
const systemRole = (m: ChatMessage, developer: boolean): string =>
  m.role === 'system' && developer ? 'developer' : m.role;

/** A message in the chat completions wire format (tool calls and tool replies included). */
function chatMessage(m: ChatMessage, developer = false): Body {
  if (m.role === 'tool') return { role: 'tool', tool_call_id: m.toolCallId ?? '', content: m.content };
  if (m.role === 'assistant' && m.toolCalls?.length) {
    return {
      role: 'assistant',
      content: m.content || null,
      tool_calls: m.toolCalls.map((c) => ({
        id: c.id,
        type: 'function',
        function: { name: c.name, arguments: c.arguments },
      })),
    };
  }
  return { role: systemRole(m, developer), content: m.content };
}

/**
 * A message as Responses API input items: an assistant turn that called tools becomes its text
 * (if any) and one `function_call` item per call, a tool reply a `function_call_output`. The
 * calls are sent without their item ids, so no reasoning item has to accompany them.
 */
function responsesInput(m: ChatMessage, developer = false): Body[] {
  if (m.role === 'tool') return [{ type: 'function_call_output', call_id: m.toolCallId ?? '', output: m.content }];
  if (m.role === 'assistant' && m.toolCalls?.length) {
    const calls = m.toolCalls.map((c) => ({
      type: 'function_call',
      call_id: c.id,
      name: c.name,
      arguments: c.arguments,
    }));
    return m.content ? [{ role: 'assistant', content: m.content }, ...calls] : calls;
  }
  return [{ role: systemRole(m, developer), content: m.content }];
}

/** A chat-completions function tool (`{type, function: {…}}`) in the Responses API's flat shape. */
function responsesTool(t: unknown): unknown {
  const f = (t as { type?: string; function?: Record<string, unknown> })?.function;
  return (t as { type?: string })?.type === 'function' && f ? { type: 'function', ...f } : t;
}

/** The function calls of a chat reply; entries without a name are dropped. */
function readToolCalls(raw: unknown): ToolCall[] {
  if (!Array.isArray(raw)) return [];
  const out: ToolCall[] = [];
  raw.forEach((c: { id?: unknown; function?: { name?: unknown; arguments?: unknown } }, i) => {
    const name = c?.function?.name;
    if (typeof name !== 'string' || !name) return;
    const args = c.function?.arguments;
    out.push({
      id: typeof c.id === 'string' && c.id ? c.id : `call_${i}`,
      name,
      arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}),
    });
  });
  return out;
}

/** Maps the openai SDK's error classes onto our failure kinds. */
export function classifyOpenAiError(e: unknown): LlmError {
  if (e instanceof APIUserAbortError) return new LlmError('request cancelled', 'cancelled');
  if (e instanceof APIConnectionTimeoutError) return new LlmError('request timed out', 'timeout');
  if (e instanceof APIConnectionError) {
    const cause = (e as { cause?: unknown }).cause;
    return new LlmError(`connection failed${cause instanceof Error ? `: ${cause.message}` : ''}`, 'network');
  }
  if (e instanceof APIError && typeof e.status === 'number')
    return httpFailure(e.status, e.message, parseRetryAfter(e.headers));
  return classifyError(e);
}

function readResponse(res: ResponsesResponse): RawReply {
  if (res.status === 'failed' || res.status === 'cancelled') {
    throw new LlmError(`response ${res.status}${res.error?.message ? `: ${res.error.message}` : ''}`, 'server');
  }
  const texts: string[] = [];
  const thoughts: string[] = [];
  for (const item of res.output ?? []) {
    if (item.type === 'message') {
      for (const c of item.content ?? [])
        if (c.type === 'output_text' && typeof c.text === 'string') texts.push(c.text);
    } else if (item.type === 'reasoning') {
      for (const s of item.summary ?? []) if (typeof s.text === 'string') thoughts.push(s.text);
      for (const c of item.content ?? []) if (typeof c.text === 'string') thoughts.push(c.text);
    }
  }
  const toolCalls: ToolCall[] = [];
  for (const item of res.output ?? []) {
    if (item.type === 'function_call' && typeof item.name === 'string' && item.name) {
      toolCalls.push({
        id: item.call_id || item.id || `call_${toolCalls.length}`,
        name: item.name,
        arguments: typeof item.arguments === 'string' ? item.arguments : '{}',
      });
    }
  }
  const u = res.usage;
  const usage: Usage = { inputTokens: u?.input_tokens ?? 0, outputTokens: u?.output_tokens ?? 0 };
  const rt = u?.output_tokens_details?.reasoning_tokens;
  if (typeof rt === 'number') usage.reasoningTokens = rt;
  const truncated = res.status === 'incomplete' && res.incomplete_details?.reason === 'max_output_tokens';
  return {
    text: texts.join(''),
    reasoning: thoughts.length ? thoughts.join('\n\n') : undefined,
    usage,
    finishReason: truncated
      ? 'length'
      : res.status === 'incomplete'
        ? (res.incomplete_details?.reason ?? 'incomplete')
        : 'stop',
    ...(toolCalls.length ? { toolCalls } : {}),
  };
}

/** The parts of the wire formats we read (kept loose: compatible servers vary). */
interface ChatResponse {
  choices?: Array<{
    message?: { content?: string | null; reasoning_content?: unknown; reasoning?: unknown; tool_calls?: unknown };
    finish_reason?: string | null;
  }>;
  usage?: {
    prompt_tokens?: number;
    completion_tokens?: number;
    total_tokens?: number;
    completion_tokens_details?: { reasoning_tokens?: number };
  };
}

interface ResponsesResponse {
  id: string;
  status?: string;
  error?: { message?: string } | null;
  incomplete_details?: { reason?: string } | null;
  output?: Array<{
    type: string;
    id?: string;
    content?: Array<{ type?: string; text?: string }>;
    summary?: Array<{ text?: string }>;
    call_id?: string;
    name?: string;
    arguments?: unknown;
  }>;
  usage?: { input_tokens?: number; output_tokens?: number; output_tokens_details?: { reasoning_tokens?: number } };
}
