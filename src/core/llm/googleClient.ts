import {
  ApiError,
  GoogleGenAI,
  type Content,
  type GenerateContentConfig,
  type GenerateContentResponse,
  type ThinkingConfig,
  ThinkingLevel,
} from '@google/genai';
import type { ModelConfig } from '../config/types';
import { completeWith, OutputBudget, type RawReply } from './complete';
import { LlmError, classifyError, httpFailure } from './errors';
import { foldSystemMessages } from './fold';
import type { RetryPolicy } from './retry';
import type { ChatMessage, CompletionOptions, CompletionResult, LlmClient, Usage } from './types';

export interface GoogleClientOptions {
  apiKey: string;
  policy: RetryPolicy;
  fetch?: typeof fetch;
}

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads thinking settings from a config, in any of the forms users write:
 * - the original stack's `extra_body: {extra_body: {google: {thinking_config: {...}}}}`,
 * - `extra_body: {google: {thinking_config: {...}}}` or `extra_body: {thinking_config: {...}}`,
 * - `reasoning_effort` (or a `--high` model suffix) as the thinking level.
 * Returns the native setting and `extra_body` with the translated part removed.
 */
export function translateThinking(cfg: Pick<ModelConfig, 'extraBody' | 'reasoningEffort'>): {
  thinking?: ThinkingConfig;
  rest: Dict;
} {
  const rest: Dict = structuredClone(cfg.extraBody);
  let raw: Dict | undefined;
  const take = (holder: Dict, key: string) => {
    const v = holder[key];
    if (isDict(v)) {
      raw = v;
      delete holder[key];
    }
  };
  const inner = rest.extra_body;
  if (isDict(inner) && isDict(inner.google)) {
    take(inner.google, 'thinking_config');
    if (!Object.keys(inner.google).length) delete inner.google;
    if (!Object.keys(inner).length) delete rest.extra_body;
  }
  if (!raw && isDict(rest.google)) {
    take(rest.google, 'thinking_config');
    if (!Object.keys(rest.google).length) delete rest.google;
  }
  if (!raw) take(rest, 'thinking_config');
  const thinking: ThinkingConfig = {};
  if (raw) {
    const inc = raw.include_thoughts ?? raw.includeThoughts;
    if (typeof inc === 'boolean') thinking.includeThoughts = inc;
    const budget = raw.thinking_budget ?? raw.thinkingBudget;
    if (typeof budget === 'number') thinking.thinkingBudget = budget;
    const level = raw.thinking_level ?? raw.thinkingLevel;
    if (typeof level === 'string') thinking.thinkingLevel = toLevel(level);
  }
  if (thinking.thinkingLevel === undefined && thinking.thinkingBudget === undefined && cfg.reasoningEffort) {
    thinking.thinkingLevel = toLevel(cfg.reasoningEffort);
  }
  return { thinking: Object.keys(thinking).length ? thinking : undefined, rest };
}

function toLevel(s: string): ThinkingLevel {
  const up = s.toUpperCase();
  return (Object.values(ThinkingLevel) as string[]).includes(up) ? (up as ThinkingLevel) : (up as ThinkingLevel);
}

/** Maps the genai SDK's ApiError onto our failure kinds; Gemini's retry hint is in the body. */
export function classifyGoogleError(e: unknown): LlmError {
  if (e instanceof ApiError) {
    const m = /"retryDelay"\s*:\s*"(\d+(?:\.\d+)?)s"/.exec(e.message);
    const f = httpFailure(e.status, e.message, m ? Number(m[1]) * 1000 : undefined);
    // A max_output_tokens above the model's limit: shrink it and try again, as the original does
    // with any error naming max_tokens (its configs ask Gemini for 130000).
    if (e.status === 400 && /max_?output_?tokens/i.test(e.message))
      return new LlmError(f.message, 'context-length', f.status);
    return f;
  }
  return classifyError(e);
}

/** OpenAI's tool_choice words as Gemini function-calling modes; sent only with tools, as the original drops a tool choice without them. */
const GEMINI_TOOL_MODES: Readonly<Record<string, string>> = { auto: 'AUTO', none: 'NONE', required: 'ANY' };

const snakeToCamel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** The client for `api: google`: the native Gemini API through `@google/genai`. */
export class GoogleClient implements LlmClient {
  private readonly sdk: GoogleGenAI;
  private readonly budget: OutputBudget;
  private readonly thinking?: ThinkingConfig;
  private readonly restBody: Dict;

  constructor(
    private readonly cfg: ModelConfig,
    private readonly opts: GoogleClientOptions,
  ) {
    this.sdk = new GoogleGenAI({
      apiKey: opts.apiKey,
      httpOptions: {
        ...(cfg.baseUrl ? { baseUrl: cfg.baseUrl } : {}),
        timeout: cfg.timeoutSec * 1000,
        ...(opts.fetch ? { fetch: opts.fetch } : {}),
      },
    });
    this.budget = new OutputBudget(cfg.maxTokens);
    const t = translateThinking(cfg);
    this.thinking = t.thinking;
    this.restBody = t.rest;
  }

  complete(messages: ChatMessage[], options: CompletionOptions = {}): Promise<CompletionResult> {
    return completeWith(this.cfg, messages, options, {
      policy: this.opts.policy,
      apiKey: this.opts.apiKey,
      budget: this.budget,
      classify: classifyGoogleError,
      call: (signal) => this.once(messages, signal),
    });
  }

  private async once(sent: ChatMessage[], signal?: AbortSignal): Promise<RawReply> {
    const messages = this.cfg.noSystemMessages ? foldSystemMessages(sent) : sent;
    const system = messages.filter((m) => m.role === 'system').map((m) => m.content);
    const contents: Content[] = messages
      .filter((m) => m.role !== 'system')
      .map((m) => ({ role: m.role === 'assistant' ? 'model' : 'user', parts: [{ text: m.content }] }));
    const config: GenerateContentConfig = {};
    // Unknown keys are generation settings for this API (seed, presence_penalty, …): camelCase them.
    for (const [k, v] of Object.entries(this.cfg.passthrough)) (config as Dict)[snakeToCamel(k)] = v;
    if (system.length) config.systemInstruction = system.join('\n\n');
    if (this.budget.maxTokens !== undefined) config.maxOutputTokens = this.budget.maxTokens;
    if (this.cfg.temperature != null) config.temperature = this.cfg.temperature;
    if (this.cfg.topP != null) config.topP = this.cfg.topP;
    if (this.cfg.topK != null) config.topK = this.cfg.topK;
    if (this.thinking) config.thinkingConfig = this.thinking;
    // Tools as the config writes them, in Gemini's format; a tool choice as a toolConfig object, or
    // auto / none / required as its function-calling mode when there are tools.
    if (this.cfg.tools) config.tools = this.cfg.tools as GenerateContentConfig['tools'];
    if (this.cfg.toolChoice && typeof this.cfg.toolChoice === 'object')
      config.toolConfig = this.cfg.toolChoice as GenerateContentConfig['toolConfig'];
    else if (typeof this.cfg.toolChoice === 'string' && config.tools && GEMINI_TOOL_MODES[this.cfg.toolChoice]) {
      config.toolConfig = {
        functionCallingConfig: { mode: GEMINI_TOOL_MODES[this.cfg.toolChoice] },
      } as GenerateContentConfig['toolConfig'];
    }
    if (signal) config.abortSignal = signal;
    if (Object.keys(this.restBody).length)
      config.httpOptions = {
        timeout: this.cfg.timeoutSec * 1000,
        extraBody: this.restBody,
        ...(this.opts.fetch ? { fetch: this.opts.fetch } : {}),
      };
    const res: GenerateContentResponse = await this.sdk.models.generateContent({
      model: this.cfg.model,
      contents,
      config,
    });
    const cand = res.candidates?.[0];
    if (!cand) {
      const block = res.promptFeedback?.blockReason;
      throw new LlmError(
        block ? `the prompt was blocked (${block})` : 'the API returned no candidates',
        block ? 'bad-request' : 'bad-response',
      );
    }
    const texts: string[] = [];
    const thoughts: string[] = [];
    for (const p of cand.content?.parts ?? []) {
      if (typeof p.text !== 'string') continue;
      (p.thought ? thoughts : texts).push(p.text);
    }
    const m = res.usageMetadata;
    const thoughtTokens = m?.thoughtsTokenCount ?? 0;
    const usage: Usage = {
      inputTokens: m?.promptTokenCount ?? 0,
      outputTokens: (m?.candidatesTokenCount ?? 0) + thoughtTokens,
    };
    if (m?.thoughtsTokenCount !== undefined) usage.reasoningTokens = thoughtTokens;
    const fr = cand.finishReason;
    return {
      text: texts.join(''),
      reasoning: thoughts.length ? thoughts.join('\n\n') : undefined,
      usage,
      finishReason:
        fr === 'MAX_TOKENS' ? 'length' : fr === 'STOP' || fr === undefined ? 'stop' : String(fr).toLowerCase(),
    };
  }
}
