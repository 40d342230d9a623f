/**
 * A loopback fake LLM server for integration tests and benches.
 *
 * It speaks just enough of four wire formats for the REAL `openai`, `@google/genai` and `@anthropic-ai/sdk` SDKs to be
 * pointed at it (base URL only, no mocking of the SDKs themselves). It binds to 127.0.0.1 only.
 *
 *   OpenAI chat completions   POST /v1/chat/completions          (openai: baseURL = `${url}/v1`)
 *   OpenAI Responses API      POST /v1/responses                 (incl. `background: true`)
 *                             GET  /v1/responses/{id}            (client.responses.retrieve: polling)
 *                             POST /v1/responses/{id}/cancel     (client.responses.cancel)
 *   Anthropic Messages        POST /v1/messages                  (@anthropic-ai/sdk with baseURL = url;
 *                                                                the key arrives in `x-api-key`)
 *   Gemini                    POST /v1beta/models/{model}:generateContent
 *                             (@google/genai with httpOptions.baseUrl = url: it appends its API
 *                             version, `v1beta` by default, then `models/{model}:generateContent`;
 *                             the key arrives in the `x-goog-api-key` header)
 *
 *   Counters                  GET  /_stats   (FakeServerStats as JSON; not counted itself)
 *   vLLM-like (servedModel)   GET  /health, GET /v1/models (not counted)
 *
 * Streaming is not emulated: `stream: true` and `:streamGenerateContent` get a 400 / 404.
 *
 * Which reply a request gets: the next step queued by `script()` (one-shot, in order), else whatever
 * `opts.reply(req)` returns, else the default reply. Unspecified fields of a FakeReply take their
 * defaults. Polls/cancels of background responses never consume `script()` steps: they have their
 * own queue, `scriptPolls()` (faults only), and `opts.reply` is asked about them too, but only a
 * Fault it returns for them counts. A faulted poll does not advance the background response.
 *
 * Background Responses (`background: true`): the create answers `queued`; each GET then answers
 * `in_progress` while polls remain (FakeReply.polls ?? opts.backgroundPolls ?? 1), then the final
 * state (`completed`, or `incomplete` when finishReason is 'length'), which later GETs repeat.
 *
 * Latency: every answer (faults included, 'hang' aside) waits `step.delayMs ?? latencyMs` (opts /
 * setLatency). One timer per request, no other per-request work beyond one JSON.parse/stringify.
 *
 * DEFAULT REPLY (deterministic, see `defaultReply()`, exported so tests can compute expectations):
 *   h          = fnv1a32(text of the LAST user message) as 8 lowercase hex digits
 *   text       = `Fake reply ${h}. The answer is \boxed{${parseInt(h, 16) % 1000}}.`
 *   reasoning  = `Fake reasoning ${h}.` only when the request asks for reasoning:
 *                chat: `reasoning_effort` or `reasoning` present; responses: `reasoning` present;
 *                gemini: generationConfig.thinkingConfig.includeThoughts === true;
 *                anthropic: `thinking.type` is 'enabled' (or 'adaptive'). Else none.
 *   tokens(s)  = ceil(s.length / 4)
 *   promptTokens     = max(1, tokens(all prompt text concatenated)), where the prompt text is every
 *                      message's text (chat: messages[].content; responses: instructions + input;
 *                      gemini: systemInstruction + contents; anthropic: system + messages),
 *                      concatenated without separators.
 *   completionTokens = tokens(text)          (VISIBLE output only)
 *   reasoningTokens  = tokens(reasoning), 0 without reasoning
 *   finishReason     = 'stop'
 *
 * How the FakeReply token fields map onto the wire (billed output = completion + reasoning everywhere):
 *   chat:      prompt_tokens = P, completion_tokens = C + R, completion_tokens_details.reasoning_tokens = R,
 *              total_tokens = P + C + R
 *   responses: input_tokens = P, output_tokens = C + R, output_tokens_details.reasoning_tokens = R,
 *              total_tokens = P + C + R
 *   gemini:    promptTokenCount = P, candidatesTokenCount = C, thoughtsTokenCount = R (omitted when 0),
 *              totalTokenCount = P + C + R
 *   anthropic: input_tokens = P, output_tokens = C + R; a `thinking` block (R) before the `text` block
 *
 * Faults (per request, usable with every API; error JSON is shaped like each API's own):
 *   status          any HTTP status; `retryAfter` (s) sets Retry-After, `retryAfterMs` sets retry-after-ms,
 *                   Gemini bodies also get a google.rpc.RetryInfo `retryDelay`.
 *   context-length  400 with the provider's "maximum context length" style message.
 *   reset           the socket is destroyed without any response.
 *   garbage         200, content-type application/json, a truncated (non-JSON) body.
 *   hang            never answered, until the client aborts or the server closes.
 *   failed          Responses API: a response with status 'failed' (after the polls when background);
 *                   chat / Gemini: a 500.
 *   raw             anything: status, headers, body as given.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ApiKind = 'chat' | 'responses' | 'responses-poll' | 'responses-cancel' | 'gemini' | 'anthropic' | 'unknown';

export interface FakeReply {
  /** The visible answer. */
  text?: string;
  /** reasoning_content (chat), the reasoning summary (responses), a thought part (gemini). '' = none. */
  reasoning?: string;
  promptTokens?: number;
  /** Visible output tokens, NOT counting reasoningTokens (see the mapping at the top of the file). */
  completionTokens?: number;
  reasoningTokens?: number;
  finishReason?: 'stop' | 'length';
  /** Overrides the server latency for this one request, ms. */
  delayMs?: number;
  /** Background Responses only: how many polls answer `in_progress` before the final state. */
  polls?: number;
  /** Chat completions and Responses: function calls the reply asks for (`arguments` objects are sent as JSON text). */
  toolCalls?: Array<{ id?: string; name: string; arguments?: unknown }>;
}

interface FaultBase {
  /** Overrides the server latency for this one request, ms (ignored by 'hang'). */
  delayMs?: number;
}

export type Fault = FaultBase &
  (
    | {
        kind: 'status';
        status: number;
        /** Seconds: sets `Retry-After` (and a RetryInfo retryDelay in Gemini error bodies). */
        retryAfter?: number;
        /** Milliseconds: sets `retry-after-ms` (honoured by the openai SDK before Retry-After). */
        retryAfterMs?: number;
        /** Raw body instead of the API-shaped error JSON. */
        body?: string;
        /** Error message inside the API-shaped error JSON. */
        message?: string;
        headers?: Record<string, string>;
      }
    | { kind: 'reset' }
    | { kind: 'garbage' }
    | { kind: 'hang' }
    | { kind: 'context-length' }
    | { kind: 'failed'; message?: string; polls?: number }
    | { kind: 'raw'; status?: number; body: string; contentType?: string; headers?: Record<string, string> }
  );

export type FakeStep = FakeReply | Fault;

export interface RecordedRequest {
  /** 1-based arrival number (counts every request, recorded or not). */
  seq: number;
  api: ApiKind;
  /** The request target as sent, query string included. */
  path: string;
  method: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body (undefined for GETs, unparsable bodies, or with `record: 'no-bodies'`). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  /** The model: `body.model` (OpenAI) or the one in the path (Gemini). */
  model?: string;
  /** The id in /v1/responses/{id}[/cancel]. */
  responseId?: string;
  /** Date.now() at arrival. */
  at: number;
}

export interface FakeServerOptions {
  /** Default 0: the OS picks. */
  port?: number;
  /** Delay before every answer, ms (default 0). */
  latencyMs?: number;
  /** Decides a reply when the script queue is empty; undefined falls back to the default reply. */
  reply?: (req: RecordedRequest) => FakeStep | undefined | Promise<FakeStep | undefined>;
  /** 'full' (default): everything; 'no-bodies': all but the bodies; 'none': nothing (stats still count). */
  record?: 'full' | 'no-bodies' | 'none';
  /** Background Responses: `in_progress` polls before the final state (default 1). */
  backgroundPolls?: number;
  /** When set, requests must carry it (Authorization: Bearer … / x-goog-api-key) or get a 401. */
  apiKey?: string;
  /** When set, the server also answers like a vLLM server: GET /health (200) and GET /v1/models (this id). Not counted. */
  servedModel?: string;
}

export interface FakeServerStats {
  total: number;
  byApi: Record<ApiKind, number>;
  /** Requests answered with a fault. */
  faults: number;
  inFlight: number;
  maxInFlight: number;
}

// ---------------------------------------------------------------------------------------------
// Default reply and token formula
// ---------------------------------------------------------------------------------------------

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** ceil(chars / 4): the fake tokenizer. */
export function fakeTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** 32-bit FNV-1a of the UTF-16 code units, as 8 hex digits. */
export function fnv1a32(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** Text of a chat / Responses `content` (string, or parts carrying `text`). */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let s = '';
  for (const part of content) if (isObj(part)) s += str(part.text);
  return s;
}

/** Text of Gemini `parts`. */
function partsText(parts: unknown): string {
  if (!Array.isArray(parts)) return '';
  let s = '';
  for (const p of parts) if (isObj(p)) s += str(p.text);
  return s;
}

/** The whole prompt text and the last user message of a request body. */
export function promptOf(api: ApiKind, body: unknown): { all: string; lastUser: string } {
  let all = '';
  let lastUser = '';
  if (!isObj(body)) return { all, lastUser };
  if (api === 'chat') {
    for (const m of Array.isArray(body.messages) ? body.messages : []) {
      if (!isObj(m)) continue;
      const t = contentText(m.content);
      all += t;
      if (m.role === 'user') lastUser = t;
    }
  } else if (api === 'responses') {
    all += str(body.instructions);
    if (typeof body.input === 'string') {
      all += body.input;
      lastUser = body.input;
    } else if (Array.isArray(body.input)) {
      for (const item of body.input) {
        if (!isObj(item)) continue;
        const t = contentText(item.content);
        all += t;
        if (item.role === 'user') lastUser = t;
      }
    }
  } else if (api === 'anthropic') {
    all += typeof body.system === 'string' ? body.system : contentText(body.system);
    for (const m of Array.isArray(body.messages) ? body.messages : []) {
      if (!isObj(m)) continue;
      const t = contentText(m.content);
      all += t;
      if (m.role === 'user') lastUser = t;
    }
  } else if (api === 'gemini') {
    if (isObj(body.systemInstruction)) all += partsText(body.systemInstruction.parts);
    for (const c of Array.isArray(body.contents) ? body.contents : []) {
      if (!isObj(c)) continue;
      const t = partsText(c.parts);
      all += t;
      if (c.role === 'user' || c.role === undefined) lastUser = t;
    }
  }
  return { all, lastUser };
}

/** Whether the request asks for reasoning to be shown (see the header comment). */
function wantsReasoning(api: ApiKind, body: unknown): boolean {
  if (!isObj(body)) return false;
  if (api === 'chat') return body.reasoning_effort != null || body.reasoning != null;
  if (api === 'responses') return body.reasoning != null;
  if (api === 'anthropic')
    return isObj(body.thinking) && (body.thinking.type === 'enabled' || body.thinking.type === 'adaptive');
  if (api === 'gemini') {
    const gc = body.generationConfig;
    return isObj(gc) && isObj(gc.thinkingConfig) && gc.thinkingConfig.includeThoughts === true;
  }
  return false;
}

export type ResolvedReply = Required<
  Pick<FakeReply, 'text' | 'reasoning' | 'promptTokens' | 'completionTokens' | 'reasoningTokens' | 'finishReason'>
> &
  Pick<FakeReply, 'toolCalls'>;

/**
 * What the server answers to `body` sent to `api`, with `over` (a scripted FakeReply) applied on
 * top of the defaults. Exported so tests can compute the exact expected text / usage / cost.
 */
export function defaultReply(api: ApiKind, body: unknown, over: FakeReply = {}): ResolvedReply {
  const { all, lastUser } = promptOf(api, body);
  const h = fnv1a32(lastUser);
  const text = over.text ?? `Fake reply ${h}. The answer is \\boxed{${parseInt(h, 16) % 1000}}.`;
  const reasoning = over.reasoning ?? (wantsReasoning(api, body) ? `Fake reasoning ${h}.` : '');
  return {
    text,
    reasoning,
    promptTokens: over.promptTokens ?? Math.max(1, fakeTokens(all)),
    completionTokens: over.completionTokens ?? fakeTokens(text),
    reasoningTokens: over.reasoningTokens ?? fakeTokens(reasoning),
    finishReason: over.finishReason ?? 'stop',
    ...(over.toolCalls ? { toolCalls: over.toolCalls } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Wire shapes
// ---------------------------------------------------------------------------------------------

function chatBody(id: string, model: string, r: ResolvedReply): Json {
  const message: Json = { role: 'assistant', content: r.text, refusal: null };
  if (r.reasoning) message.reasoning_content = r.reasoning;
  if (r.toolCalls?.length) {
    message.tool_calls = r.toolCalls.map((c, i) => ({
      id: c.id ?? `call_${i + 1}`,
      type: 'function',
      function: {
        name: c.name,
        arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments ?? {}),
      },
    }));
  }
  const out = r.completionTokens + r.reasoningTokens;
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      { index: 0, message, logprobs: null, finish_reason: r.toolCalls?.length ? 'tool_calls' : r.finishReason },
    ],
    usage: {
      prompt_tokens: r.promptTokens,
      completion_tokens: out,
      total_tokens: r.promptTokens + out,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: r.reasoningTokens },
    },
  };
}

type RespStatus = 'queued' | 'in_progress' | 'completed' | 'incomplete' | 'failed' | 'cancelled';

interface RespState {
  id: string;
  model: string;
  createdAt: number;
  background: boolean;
  /** The final content; null when the response ends 'failed'. */
  reply: ResolvedReply | null;
  failMessage: string;
  pollsLeft: number;
  cancelled: boolean;
}

function finalStatus(s: RespState): RespStatus {
  if (s.cancelled) return 'cancelled';
  if (!s.reply) return 'failed';
  return s.reply.finishReason === 'length' ? 'incomplete' : 'completed';
}

function responsesBody(s: RespState, status: RespStatus): Json {
  const r = s.reply;
  const done = status === 'completed' || status === 'incomplete';
  const output: Json[] = [];
  if (done && r) {
    if (r.reasoning) {
      output.push({
        id: `rs_${s.id.slice(5)}`,
        type: 'reasoning',
        summary: [{ type: 'summary_text', text: r.reasoning }],
      });
    }
    output.push({
      id: `msg_${s.id.slice(5)}`,
      type: 'message',
      role: 'assistant',
      status: status === 'completed' ? 'completed' : 'incomplete',
      content: [{ type: 'output_text', text: r.text, annotations: [] }],
    });
    (r.toolCalls ?? []).forEach((c, i) =>
      output.push({
        id: `fc_${s.id.slice(5)}_${i}`,
        type: 'function_call',
        status: 'completed',
        call_id: c.id ?? `call_${i + 1}`,
        name: c.name,
        arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments ?? {}),
      }),
    );
  }
  const out = r ? r.completionTokens + r.reasoningTokens : 0;
  return {
    id: s.id,
    object: 'response',
    created_at: s.createdAt,
    status,
    background: s.background,
    model: s.model,
    error: status === 'failed' ? { code: 'server_error', message: s.failMessage } : null,
    incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    output,
    parallel_tool_calls: true,
    tool_choice: 'auto',
    tools: [],
    usage:
      done && r
        ? {
            input_tokens: r.promptTokens,
            input_tokens_details: { cached_tokens: 0 },
            output_tokens: out,
            output_tokens_details: { reasoning_tokens: r.reasoningTokens },
            total_tokens: r.promptTokens + out,
          }
        : null,
  };
}

function geminiBody(model: string, id: string, r: ResolvedReply): Json {
  const parts: Json[] = [];
  if (r.reasoning) parts.push({ text: r.reasoning, thought: true });
  parts.push({ text: r.text });
  const usage: Json = { promptTokenCount: r.promptTokens, candidatesTokenCount: r.completionTokens };
  if (r.reasoningTokens) usage.thoughtsTokenCount = r.reasoningTokens;
  usage.totalTokenCount = r.promptTokens + r.completionTokens + r.reasoningTokens;
  return {
    candidates: [
      {
        content: { role: 'model', parts },
        finishReason: r.finishReason === 'length' ? 'MAX_TOKENS' : 'STOP',
        index: 0,
      },
    ],
    usageMetadata: usage,
    modelVersion: model,
    responseId: id,
  };
}

function anthropicBody(model: string, id: string, r: ResolvedReply): Json {
  const content: Json[] = [];
  if (r.reasoning) content.push({ type: 'thinking', thinking: r.reasoning, signature: `sig-${id}` });
  content.push({ type: 'text', text: r.text, citations: null });
  return {
    id,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: r.finishReason === 'length' ? 'max_tokens' : 'end_turn',
    stop_sequence: null,
    usage: {
      input_tokens: r.promptTokens,
      output_tokens: r.completionTokens + r.reasoningTokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    },
  };
}

const ANTHROPIC_ERR: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

const GOOGLE_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  408: 'DEADLINE_EXCEEDED',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const OPENAI_ERR: Record<number, [type: string, code: string | null, message: string]> = {
  400: ['invalid_request_error', null, 'Bad request (fake-llm).'],
  401: ['invalid_request_error', 'invalid_api_key', 'Incorrect API key provided (fake-llm).'],
  403: ['invalid_request_error', 'unsupported_country_region_territory', 'Forbidden (fake-llm).'],
  404: ['invalid_request_error', null, 'Not found (fake-llm).'],
  429: ['requests', 'rate_limit_exceeded', 'Rate limit reached (fake-llm). Please try again later.'],
  500: ['server_error', null, 'The server had an error while processing your request (fake-llm).'],
  503: ['server_error', null, 'The engine is currently overloaded, please try again later (fake-llm).'],
};

/** An error body shaped like `api`'s own. */
function errorBody(api: ApiKind, status: number, message?: string, retryAfter?: number, extra: Json = {}): Json {
  if (api === 'gemini') {
    const error: Json = {
      code: status,
      message: message ?? `Fake error ${status} (fake-llm).`,
      status: GOOGLE_STATUS[status] ?? 'UNKNOWN',
    };
    if (retryAfter !== undefined) {
      error.details = [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${retryAfter}s` }];
    }
    return { error };
  }
  if (api === 'anthropic') {
    return {
      type: 'error',
      error: {
        type: ANTHROPIC_ERR[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error'),
        message: message ?? `Fake error ${status} (fake-llm).`,
      },
    };
  }
  const [type, code, msg] = OPENAI_ERR[status] ?? [
    status >= 500 ? 'server_error' : 'invalid_request_error',
    null,
    `Fake error ${status} (fake-llm).`,
  ];
  return { error: { message: message ?? msg, type, param: null, code, ...extra } };
}

function contextLengthBody(api: ApiKind, promptTokens: number): Json {
  if (api === 'gemini') {
    return errorBody(
      api,
      400,
      `The input token count (${promptTokens}) exceeds the maximum number of tokens allowed (1048576).`,
    );
  }
  if (api === 'anthropic')
    return errorBody(api, 400, `prompt is too long: ${promptTokens + 200000} tokens > 200000 maximum`);
  if (api === 'responses') {
    return errorBody(
      api,
      400,
      'Your input exceeds the context window of this model. Please adjust your input and try again.',
      undefined,
      {
        param: 'input',
        code: 'context_length_exceeded',
      },
    );
  }
  return errorBody(
    api,
    400,
    `This model's maximum context length is 128000 tokens. However, your messages resulted in ${promptTokens + 128000} tokens. ` +
      'Please reduce the length of the messages.',
    undefined,
    { param: 'messages', code: 'context_length_exceeded' },
  );
}

const GARBAGE =
  '{"id": "fake-garbage", "object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assis';

function isFault(step: FakeStep): step is Fault {
  return typeof (step as { kind?: unknown }).kind === 'string';
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  contentType = 'application/json',
  headers?: Record<string, string>,
): void {
  if (res.destroyed || res.headersSent) return;
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, obj: unknown, headers?: Record<string, string>): void {
  send(res, status, JSON.stringify(obj), 'application/json', headers);
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

const GEMINI_RE = /^\/(v1[a-z0-9]*)\/((?:models|tunedModels)\/[^/:]+):generateContent$/;
const RESP_ID_RE = /^\/v1\/responses\/([^/]+)(\/cancel)?$/;
const MAX_STORED_RESPONSES = 10_000;

export class FakeLlmServer {
  readonly url: string;
  readonly requests: RecordedRequest[] = [];
  readonly stats: FakeServerStats = {
    total: 0,
    byApi: { chat: 0, responses: 0, 'responses-poll': 0, 'responses-cancel': 0, gemini: 0, anthropic: 0, unknown: 0 },
    faults: 0,
    inFlight: 0,
    maxInFlight: 0,
  };

  private latencyMs: number;
  private readonly queue: FakeStep[] = [];
  private readonly pollQueue: Fault[] = [];
  private readonly stored = new Map<string, RespState>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private idSeq = 0;
  private closed = false;

  private constructor(
    private readonly server: Server,
    private readonly opts: FakeServerOptions,
  ) {
    const { port } = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    this.latencyMs = opts.latencyMs ?? 0;
  }

  static start(opts: FakeServerOptions = {}): Promise<FakeLlmServer> {
    return new Promise((resolve, reject) => {
      let fake: FakeLlmServer | undefined;
      const server = createServer({ keepAlive: true }, (req, res) => fake?.onRequest(req, res));
      // Clients (undici) keep idle sockets ~4 s; outlive them so a reused socket is never closed under a request.
      server.keepAliveTimeout = 60_000;
      server.once('error', reject);
      server.listen(opts.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        fake = new FakeLlmServer(server, opts);
        resolve(fake);
      });
    });
  }

  /** Queues one-shot replies / faults for the next generation requests (chat, responses, gemini). */
  script(...steps: FakeStep[]): void {
    this.queue.push(...steps);
  }

  /** Queues one-shot faults for the next polls / cancels of background responses. */
  scriptPolls(...faults: Fault[]): void {
    this.pollQueue.push(...faults);
  }

  /** Steps still queued by script(). */
  get pending(): number {
    return this.queue.length;
  }

  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  /** The recorded requests of one API kind. */
  requestsOf(api: ApiKind): RecordedRequest[] {
    return this.requests.filter((r) => r.api === api);
  }

  /** Stops listening and drops every connection, hanging or delayed requests included. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // -- request handling ------------------------------------------------------------------------

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    // GET /_stats: the counters, for a bench that runs the server in another process (not counted).
    if (req.method === 'GET' && req.url === '/_stats') {
      sendJson(res, 200, this.stats);
      return;
    }
    if (
      req.method === 'GET' &&
      this.opts.servedModel !== undefined &&
      (req.url === '/health' || req.url === '/v1/models')
    ) {
      if (req.url === '/health') res.writeHead(200).end();
      else
        sendJson(res, 200, {
          object: 'list',
          data: [{ id: this.opts.servedModel, object: 'model', owned_by: 'fake-llm' }],
        });
      return;
    }
    const st = this.stats;
    st.total++;
    st.inFlight++;
    if (st.inFlight > st.maxInFlight) st.maxInFlight = st.inFlight;
    res.once('close', () => st.inFlight--);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => undefined);
    const seq = st.total;
    const at = Date.now();
    req.on('end', () => {
      this.dispatch(req, res, chunks, seq, at).catch((e: unknown) => {
        sendJson(res, 500, { error: { message: `fake-llm internal error: ${String(e)}`, type: 'server_error' } });
      });
    });
  }

  private route(method: string, pathname: string): { api: ApiKind; model?: string; responseId?: string } {
    if (method === 'POST' && pathname === '/v1/chat/completions') return { api: 'chat' };
    if (method === 'POST' && pathname === '/v1/responses') return { api: 'responses' };
    if (method === 'POST' && pathname === '/v1/messages') return { api: 'anthropic' };
    const g = method === 'POST' ? GEMINI_RE.exec(pathname) : null;
    if (g) return { api: 'gemini', model: decodeURIComponent(g[2]).replace(/^models\//, '') };
    const r = RESP_ID_RE.exec(pathname);
    if (r) {
      const responseId = decodeURIComponent(r[1]);
      if (method === 'GET' && !r[2]) return { api: 'responses-poll', responseId };
      if (method === 'POST' && r[2]) return { api: 'responses-cancel', responseId };
    }
    return { api: 'unknown' };
  }

  private async dispatch(
    req: IncomingMessage,
    res: ServerResponse,
    chunks: Buffer[],
    seq: number,
    at: number,
  ): Promise<void> {
    const path = req.url ?? '/';
    const q = path.indexOf('?');
    const pathname = q < 0 ? path : path.slice(0, q);
    const method = req.method ?? 'GET';
    const route = this.route(method, pathname);
    const api = route.api;
    this.stats.byApi[api]++;

    let body: unknown;
    let badJson = false;
    if (chunks.length) {
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        badJson = true;
      }
    }
    const rec: RecordedRequest = {
      seq,
      api,
      path,
      method,
      headers: req.headers,
      body,
      model: route.model ?? (isObj(body) && typeof body.model === 'string' ? body.model : undefined),
      responseId: route.responseId,
      at,
    };
    const mode = this.opts.record ?? 'full';
    if (mode === 'full') this.requests.push(rec);
    else if (mode === 'no-bodies') this.requests.push({ ...rec, body: undefined });

    // Protocol errors first: they are the server's, not the script's.
    if (api === 'unknown') {
      return sendJson(
        res,
        404,
        errorBody(
          pathname.startsWith('/v1beta') ? 'gemini' : 'chat',
          404,
          `fake-llm: no route for ${method} ${pathname} (streaming is not emulated)`,
        ),
      );
    }
    if (badJson) return sendJson(res, 400, errorBody(api, 400, 'fake-llm: the request body is not valid JSON'));
    if (this.opts.apiKey !== undefined && !this.authorized(req, api)) {
      return sendJson(
        res,
        401,
        errorBody(api, 401, api === 'gemini' ? 'API key not valid. Please pass a valid API key.' : undefined),
      );
    }
    if ((api === 'chat' || api === 'responses' || api === 'anthropic') && isObj(body) && body.stream === true) {
      return sendJson(res, 400, errorBody(api, 400, 'fake-llm: streaming is not emulated'));
    }

    let step: FakeStep | undefined;
    const isPoll = api === 'responses-poll' || api === 'responses-cancel';
    try {
      if (isPoll) {
        step = this.pollQueue.shift();
        if (!step && this.opts.reply) {
          const s = await this.opts.reply(rec);
          if (s && isFault(s)) step = s;
        }
      } else {
        step = this.queue.shift() ?? (this.opts.reply ? await this.opts.reply(rec) : undefined);
      }
    } catch (e) {
      return sendJson(res, 500, errorBody(api, 500, `fake-llm: the reply callback threw: ${String(e)}`));
    }

    if (step && isFault(step)) this.stats.faults++;
    if (step && isFault(step) && step.kind === 'hang') return; // 'close' (client abort or server close) ends it
    const delay = step?.delayMs ?? this.latencyMs;
    const answer = () => this.answer(req, res, api, rec, step);
    if (delay > 0) {
      const t = setTimeout(() => {
        this.timers.delete(t);
        answer();
      }, delay);
      this.timers.add(t);
    } else {
      answer();
    }
  }

  private authorized(req: IncomingMessage, api: ApiKind): boolean {
    const key = this.opts.apiKey;
    if (api === 'gemini') {
      const h = req.headers['x-goog-api-key'];
      return h === key || new URL(req.url ?? '/', 'http://x').searchParams.get('key') === key;
    }
    if (api === 'anthropic') return req.headers['x-api-key'] === key;
    return req.headers.authorization === `Bearer ${key}`;
  }

  private answer(
    req: IncomingMessage,
    res: ServerResponse,
    api: ApiKind,
    rec: RecordedRequest,
    step: FakeStep | undefined,
  ): void {
    if (res.destroyed) return;
    if (step && isFault(step) && this.sendFault(req, res, api, rec, step)) return;
    const reply = step && !isFault(step) ? step : undefined;
    const n = ++this.idSeq;
    const model = rec.model ?? 'fake-model';

    switch (api) {
      case 'chat':
        return sendJson(res, 200, chatBody(`chatcmpl-fake${n}`, model, defaultReply(api, rec.body, reply)), {
          'x-request-id': `req_fake${n}`,
        });
      case 'gemini':
        return sendJson(res, 200, geminiBody(model, `fake-${n}`, defaultReply(api, rec.body, reply)));
      case 'anthropic':
        return sendJson(res, 200, anthropicBody(model, `msg_fake${n}`, defaultReply(api, rec.body, reply)), {
          'request-id': `req_fake${n}`,
        });
      case 'responses': {
        const background = isObj(rec.body) && rec.body.background === true;
        const failed = step && isFault(step) && step.kind === 'failed' ? step : undefined;
        const s: RespState = {
          id: `resp_fake${String(n).padStart(8, '0')}`,
          model,
          createdAt: Math.floor(Date.now() / 1000),
          background,
          reply: failed ? null : defaultReply(api, rec.body, reply),
          failMessage: failed?.message ?? 'The model failed to generate a response (fake-llm).',
          pollsLeft: Math.max(0, reply?.polls ?? failed?.polls ?? this.opts.backgroundPolls ?? 1),
          cancelled: false,
        };
        if (background) {
          this.stored.set(s.id, s);
          if (this.stored.size > MAX_STORED_RESPONSES) this.stored.delete(this.stored.keys().next().value as string);
        }
        return sendJson(res, 200, responsesBody(s, background ? 'queued' : finalStatus(s)), {
          'x-request-id': `req_fake${n}`,
        });
      }
      case 'responses-poll':
      case 'responses-cancel': {
        const s = this.stored.get(rec.responseId ?? '');
        if (!s) return sendJson(res, 404, errorBody(api, 404, `No response found with id '${rec.responseId}'.`));
        if (api === 'responses-cancel') {
          if (!s.cancelled && s.pollsLeft === 0) {
            return sendJson(res, 400, errorBody(api, 400, 'Cannot cancel a response that has already finished.'));
          }
          s.cancelled = true;
          return sendJson(res, 200, responsesBody(s, 'cancelled'));
        }
        if (!s.cancelled && s.pollsLeft > 0) {
          s.pollsLeft--;
          return sendJson(res, 200, responsesBody(s, 'in_progress'));
        }
        return sendJson(res, 200, responsesBody(s, finalStatus(s)));
      }
      default:
        return sendJson(res, 404, errorBody(api, 404));
    }
  }

  /** Sends `f`; false when the fault is not a transport-level one (here: 'failed' on the Responses API). */
  private sendFault(req: IncomingMessage, res: ServerResponse, api: ApiKind, rec: RecordedRequest, f: Fault): boolean {
    switch (f.kind) {
      case 'status': {
        const headers: Record<string, string> = { ...f.headers };
        if (f.retryAfter !== undefined) headers['retry-after'] = String(f.retryAfter);
        if (f.retryAfterMs !== undefined) headers['retry-after-ms'] = String(f.retryAfterMs);
        if (f.body !== undefined) {
          let json = true;
          try {
            JSON.parse(f.body);
          } catch {
            json = false;
          }
          send(res, f.status, f.body, json ? 'application/json' : 'text/plain', headers);
        } else {
          sendJson(res, f.status, errorBody(api, f.status, f.message, f.retryAfter), headers);
        }
        return true;
      }
      case 'context-length':
        sendJson(res, 400, contextLengthBody(api, defaultReply(api, rec.body).promptTokens));
        return true;
      case 'reset':
        req.socket.destroy();
        return true;
      case 'garbage':
        send(res, 200, GARBAGE);
        return true;
      case 'raw':
        send(res, f.status ?? 200, f.body, f.contentType ?? 'application/json', f.headers);
        return true;
      case 'failed':
        if (api === 'responses') return false;
        if (api === 'responses-poll' || api === 'responses-cancel') {
          // A poll-level 'failed': the stored response fails from now on.
          const s = this.stored.get(rec.responseId ?? '');
          if (s) {
            s.reply = null;
            s.pollsLeft = 0;
            if (f.message) s.failMessage = f.message;
          }
          return false;
        }
        sendJson(res, 500, errorBody(api, 500, f.message));
        return true;
      case 'hang':
        return true; // not reached: hangs never get here
    }
  }
}
