// Drives test/fake-llm/server.ts through the REAL openai and @google/genai SDKs on 127.0.0.1.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  RateLimitError,
} from 'openai';
import { ApiError, GoogleGenAI } from '@google/genai';
import { defaultReply, fakeTokens, fnv1a32, FakeLlmServer } from '../fake-llm/server';

const openaiFor = (s: FakeLlmServer, extra: Partial<ConstructorParameters<typeof OpenAI>[0]> = {}) =>
  new OpenAI({ apiKey: 'sk-test', baseURL: `${s.url}/v1`, maxRetries: 0, ...extra });
const geminiFor = (s: FakeLlmServer) => new GoogleGenAI({ apiKey: 'g-test', httpOptions: { baseUrl: s.url } });

/** Resolves to the rejection of `p` (fails when p resolves). */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  assert.fail('expected a rejection');
}

describe('fake LLM server', () => {
  let server: FakeLlmServer;
  let oai: OpenAI;
  let gem: GoogleGenAI;

  before(async () => {
    server = await FakeLlmServer.start();
    oai = openaiFor(server);
    gem = geminiFor(server);
  });
  after(() => server.close());
  beforeEach(() => {
    server.clearRequests();
    server.setLatency(0);
  });

  it('binds to 127.0.0.1 on an OS-chosen port', () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  describe('chat completions', () => {
    it('gives the documented default reply and usage, and records the request', async () => {
      const messages = [
        { role: 'system' as const, content: 'You are a careful mathematician.' },
        { role: 'user' as const, content: 'Prove that 1 + 1 = 2.' },
      ];
      const res = await oai.chat.completions.create({
        model: 'gpt-5',
        messages,
        max_completion_tokens: 1000,
        reasoning_effort: 'high',
      });
      const h = fnv1a32('Prove that 1 + 1 = 2.');
      const text = `Fake reply ${h}. The answer is \\boxed{${parseInt(h, 16) % 1000}}.`;
      assert.equal(res.object, 'chat.completion');
      assert.equal(res.model, 'gpt-5');
      assert.equal(res.choices[0].message.content, text);
      assert.equal(res.choices[0].finish_reason, 'stop');
      const reasoning = (res.choices[0].message as unknown as { reasoning_content?: string }).reasoning_content;
      assert.equal(reasoning, `Fake reasoning ${h}.`);
      const P = Math.ceil(('You are a careful mathematician.' + 'Prove that 1 + 1 = 2.').length / 4);
      const C = fakeTokens(text);
      const R = fakeTokens(`Fake reasoning ${h}.`);
      assert.deepEqual(
        {
          p: res.usage?.prompt_tokens,
          c: res.usage?.completion_tokens,
          t: res.usage?.total_tokens,
          r: res.usage?.completion_tokens_details?.reasoning_tokens,
        },
        { p: P, c: C + R, t: P + C + R, r: R },
      );
      assert.deepEqual(defaultReply('chat', { messages, reasoning_effort: 'high' }), {
        text,
        reasoning: `Fake reasoning ${h}.`,
        promptTokens: P,
        completionTokens: C,
        reasoningTokens: R,
        finishReason: 'stop',
      });

      assert.equal(server.requests.length, 1);
      const rec = server.requests[0];
      assert.equal(rec.api, 'chat');
      assert.equal(rec.method, 'POST');
      assert.equal(rec.path, '/v1/chat/completions');
      assert.equal(rec.model, 'gpt-5');
      assert.equal(rec.headers.authorization, 'Bearer sk-test');
      assert.equal(rec.body.max_completion_tokens, 1000);
      assert.equal(rec.body.reasoning_effort, 'high');
      assert.equal(rec.headers['x-stainless-retry-count'], '0');
    });

    it('has no reasoning_content unless reasoning is asked for', async () => {
      const res = await oai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
      assert.equal('reasoning_content' in res.choices[0].message, false);
      assert.equal(res.usage?.completion_tokens_details?.reasoning_tokens, 0);
    });

    it('serves scripted replies in order, then falls back to the default', async () => {
      server.script(
        { text: 'first', reasoning: 'thinking hard', promptTokens: 100, completionTokens: 20, reasoningTokens: 300 },
        { text: 'cut off', finishReason: 'length' },
      );
      const ask = () => oai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'q' }] });
      const a = await ask();
      assert.equal(a.choices[0].message.content, 'first');
      assert.equal(
        (a.choices[0].message as unknown as { reasoning_content: string }).reasoning_content,
        'thinking hard',
      );
      assert.equal(a.usage?.prompt_tokens, 100);
      assert.equal(a.usage?.completion_tokens, 320);
      assert.equal(a.usage?.total_tokens, 420);
      assert.equal(a.usage?.completion_tokens_details?.reasoning_tokens, 300);
      const b = await ask();
      assert.equal(b.choices[0].message.content, 'cut off');
      assert.equal(b.choices[0].finish_reason, 'length');
      assert.equal(server.pending, 0);
      const c = await ask();
      assert.match(c.choices[0].message.content ?? '', /^Fake reply [0-9a-f]{8}\. The answer is \\boxed\{\d+\}\.$/);
    });

    it('rejects streaming requests (not emulated)', async () => {
      const err = await rejection(
        oai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'q' }], stream: true }),
      );
      assert.ok(err instanceof BadRequestError);
    });
  });

  describe('responses API', () => {
    it('returns a completed response; output_text and the reasoning summary parse', async () => {
      const res = await oai.responses.create({
        model: 'o3',
        instructions: 'Be brief.',
        input: 'What is 2+2?',
        reasoning: { effort: 'low', summary: 'auto' },
        max_output_tokens: 500,
      });
      const exp = defaultReply('responses', { instructions: 'Be brief.', input: 'What is 2+2?', reasoning: {} });
      assert.equal(res.object, 'response');
      assert.equal(res.status, 'completed');
      assert.equal(res.output_text, exp.text);
      assert.equal(res.incomplete_details, null);
      const reasoning = res.output.find((o) => o.type === 'reasoning');
      assert.ok(reasoning && reasoning.type === 'reasoning');
      assert.equal(reasoning.summary[0].text, exp.reasoning);
      assert.equal(res.usage?.input_tokens, Math.ceil('Be brief.What is 2+2?'.length / 4));
      assert.equal(res.usage?.output_tokens, exp.completionTokens + exp.reasoningTokens);
      assert.equal(res.usage?.output_tokens_details.reasoning_tokens, exp.reasoningTokens);
      assert.equal(server.requests[0].api, 'responses');
      assert.equal(server.requests[0].body.max_output_tokens, 500);
      assert.deepEqual(server.requests[0].body.reasoning, { effort: 'low', summary: 'auto' });
    });

    it('reads message-list input and reports truncation as incomplete/max_output_tokens', async () => {
      server.script({ text: 'partial', finishReason: 'length', reasoningTokens: 7 });
      const res = await oai.responses.create({ model: 'o3', input: [{ role: 'user', content: 'Long proof please' }] });
      assert.equal(res.status, 'incomplete');
      assert.deepEqual(res.incomplete_details, { reason: 'max_output_tokens' });
      assert.equal(res.output_text, 'partial');
      assert.equal(res.usage?.output_tokens, fakeTokens('partial') + 7);
      assert.equal(res.usage?.input_tokens, fakeTokens('Long proof please'));
    });

    it('background: queued, then in_progress once, then completed via responses.retrieve', async () => {
      server.script({ text: 'done in background', reasoning: 'bg thoughts' });
      const created = await oai.responses.create({ model: 'o3-pro', input: 'hard problem', background: true });
      assert.equal(created.status, 'queued');
      assert.equal(created.output_text, '');
      assert.equal(created.usage, null);
      const p1 = await oai.responses.retrieve(created.id);
      assert.equal(p1.status, 'in_progress');
      const p2 = await oai.responses.retrieve(created.id);
      assert.equal(p2.status, 'completed');
      assert.equal(p2.output_text, 'done in background');
      assert.equal(p2.usage?.output_tokens, fakeTokens('done in background') + fakeTokens('bg thoughts'));
      const p3 = await oai.responses.retrieve(created.id);
      assert.equal(p3.status, 'completed');
      assert.deepEqual(
        server.requests.map((r) => [r.api, r.method, r.path]),
        [
          ['responses', 'POST', '/v1/responses'],
          ['responses-poll', 'GET', `/v1/responses/${created.id}`],
          ['responses-poll', 'GET', `/v1/responses/${created.id}`],
          ['responses-poll', 'GET', `/v1/responses/${created.id}`],
        ],
      );
      assert.equal(server.requests[1].responseId, created.id);
    });

    it('background: the number of polls is configurable per reply; poll faults; cancel', async () => {
      server.script({ polls: 3 });
      const created = await oai.responses.create({ model: 'o3-pro', input: 'q', background: true });
      const statuses: string[] = [];
      server.scriptPolls({ kind: 'status', status: 500 });
      const err = await rejection(oai.responses.retrieve(created.id));
      assert.ok(err instanceof InternalServerError);
      for (;;) {
        const r = await oai.responses.retrieve(created.id);
        statuses.push(r.status ?? '');
        if (r.status !== 'in_progress') break;
      }
      assert.deepEqual(statuses, ['in_progress', 'in_progress', 'in_progress', 'completed']);

      const other = await oai.responses.create({ model: 'o3-pro', input: 'q', background: true });
      const cancelled = await oai.responses.cancel(other.id);
      assert.equal(cancelled.status, 'cancelled');
      assert.equal((await oai.responses.retrieve(other.id)).status, 'cancelled');
      assert.equal(server.requests.at(-2)?.api, 'responses-cancel');

      assert.ok((await rejection(oai.responses.retrieve('resp_nope'))) instanceof NotFoundError);
    });

    it("a 'failed' fault yields status failed with an error (sync and background)", async () => {
      server.script({ kind: 'failed', message: 'boom' });
      const sync = await oai.responses.create({ model: 'o3', input: 'q' });
      assert.equal(sync.status, 'failed');
      assert.equal(sync.error?.message, 'boom');
      server.script({ kind: 'failed', polls: 0 });
      const bg = await oai.responses.create({ model: 'o3', input: 'q', background: true });
      assert.equal(bg.status, 'queued');
      const done = await oai.responses.retrieve(bg.id);
      assert.equal(done.status, 'failed');
      assert.equal(done.error?.code, 'server_error');
    });
  });

  describe('gemini', () => {
    it('answers generateContent with a thought part and usageMetadata; records path, key and config', async () => {
      server.script({
        text: 'The answer is 4.',
        reasoning: 'Let me add.',
        promptTokens: 11,
        completionTokens: 5,
        reasoningTokens: 40,
      });
      const res = await gem.models.generateContent({
        model: 'gemini-2.5-pro',
        contents: 'What is 2+2?',
        config: {
          systemInstruction: 'Be exact.',
          topK: 40,
          maxOutputTokens: 2048,
          thinkingConfig: { includeThoughts: true, thinkingBudget: 1024 },
        },
      });
      assert.equal(res.text, 'The answer is 4.'); // the SDK's getter skips thought parts
      const parts = res.candidates?.[0].content?.parts ?? [];
      assert.deepEqual(parts, [{ text: 'Let me add.', thought: true }, { text: 'The answer is 4.' }]);
      assert.equal(res.candidates?.[0].finishReason, 'STOP');
      assert.deepEqual(res.usageMetadata, {
        promptTokenCount: 11,
        candidatesTokenCount: 5,
        thoughtsTokenCount: 40,
        totalTokenCount: 56,
      });
      assert.equal(res.modelVersion, 'gemini-2.5-pro');

      const rec = server.requests[0];
      assert.equal(rec.api, 'gemini');
      assert.equal(rec.path, '/v1beta/models/gemini-2.5-pro:generateContent');
      assert.equal(rec.model, 'gemini-2.5-pro');
      assert.equal(rec.headers['x-goog-api-key'], 'g-test');
      assert.equal(rec.headers.authorization, undefined);
      assert.deepEqual(rec.body.contents, [{ role: 'user', parts: [{ text: 'What is 2+2?' }] }]);
      assert.deepEqual(rec.body.systemInstruction, { role: 'user', parts: [{ text: 'Be exact.' }] });
      assert.equal(rec.body.generationConfig.topK, 40);
      assert.equal(rec.body.generationConfig.maxOutputTokens, 2048);
      assert.deepEqual(rec.body.generationConfig.thinkingConfig, { includeThoughts: true, thinkingBudget: 1024 });
    });

    it('default reply: thought only with includeThoughts; MAX_TOKENS on length', async () => {
      const plain = await gem.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Compute 7*6.' });
      const exp = defaultReply('gemini', { contents: [{ role: 'user', parts: [{ text: 'Compute 7*6.' }] }] });
      assert.equal(plain.text, exp.text);
      assert.equal(plain.candidates?.[0].content?.parts?.length, 1);
      assert.deepEqual(plain.usageMetadata, {
        promptTokenCount: exp.promptTokens,
        candidatesTokenCount: exp.completionTokens,
        totalTokenCount: exp.promptTokens + exp.completionTokens,
      });

      const thinking = await gem.models.generateContent({
        model: 'gemini-2.5-flash',
        contents: 'Compute 7*6.',
        config: { thinkingConfig: { includeThoughts: true } },
      });
      assert.equal(thinking.candidates?.[0].content?.parts?.[0].thought, true);
      assert.equal(
        thinking.usageMetadata?.thoughtsTokenCount,
        fakeTokens(exp.text.replace(/^Fake reply (\w+)\..*$/, 'Fake reasoning $1.')),
      );

      server.script({ finishReason: 'length' });
      const cut = await gem.models.generateContent({ model: 'gemini-2.5-flash', contents: 'x' });
      assert.equal(cut.candidates?.[0].finishReason, 'MAX_TOKENS');
    });
  });

  describe('faults through the openai SDK', () => {
    const ask = (signal?: AbortSignal) =>
      oai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'q' }] }, { signal });

    it('429 with Retry-After surfaces as RateLimitError exposing the header', async () => {
      server.script({ kind: 'status', status: 429, retryAfter: 7 });
      const err = await rejection(ask());
      assert.ok(err instanceof RateLimitError);
      assert.equal(err.status, 429);
      assert.equal(err.headers?.get('retry-after'), '7');
      assert.equal(err.code, 'rate_limit_exceeded');
    });

    it('500 and 503 surface as InternalServerError', async () => {
      server.script({ kind: 'status', status: 500 }, { kind: 'status', status: 503, message: 'overloaded' });
      const e1 = await rejection(ask());
      assert.ok(e1 instanceof InternalServerError && e1.status === 500);
      const e2 = await rejection(ask());
      assert.ok(e2 instanceof InternalServerError && e2.status === 503);
      assert.match(e2.message, /overloaded/);
    });

    it('context-length surfaces as BadRequestError with code context_length_exceeded (chat and responses)', async () => {
      server.script({ kind: 'context-length' }, { kind: 'context-length' });
      const e1 = await rejection(ask());
      assert.ok(e1 instanceof BadRequestError);
      assert.equal(e1.code, 'context_length_exceeded');
      assert.match(e1.message, /maximum context length/);
      const e2 = await rejection(oai.responses.create({ model: 'o3', input: 'q' }));
      assert.ok(e2 instanceof BadRequestError);
      assert.match(e2.message, /context window/);
    });

    it('reset surfaces as APIConnectionError', async () => {
      server.script({ kind: 'reset' });
      const err = await rejection(ask());
      assert.ok(err instanceof APIConnectionError);
      assert.ok(!(err instanceof APIConnectionTimeoutError));
      // the server keeps serving afterwards
      assert.ok((await ask()).choices[0].message.content);
    });

    it('garbage surfaces as a JSON parse error', async () => {
      server.script({ kind: 'garbage' });
      const err = await rejection(ask());
      assert.ok(err instanceof SyntaxError, String(err));
    });

    it('hang: the caller aborts (APIUserAbortError) or the SDK times out (APIConnectionTimeoutError)', async () => {
      server.script({ kind: 'hang' });
      const err = await rejection(ask(AbortSignal.timeout(150)));
      assert.ok(err instanceof APIUserAbortError, String(err));

      server.script({ kind: 'hang' });
      const quick = openaiFor(server, { timeout: 150 });
      const err2 = await rejection(
        quick.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'q' }] }),
      );
      assert.ok(err2 instanceof APIConnectionTimeoutError, String(err2));
    });

    it('the SDK retries by itself when maxRetries > 0, honouring retry-after-ms', async () => {
      const retrying = openaiFor(server, { maxRetries: 2 });
      // The SDK falls back to its own backoff only when a reply carries no hint: count those.
      let ownBackoff = 0;
      const sdk = retrying as unknown as { calculateDefaultRetryTimeoutMillis: (...a: unknown[]) => number };
      const computed = sdk.calculateDefaultRetryTimeoutMillis.bind(retrying);
      sdk.calculateDefaultRetryTimeoutMillis = (...a: unknown[]) => {
        ownBackoff++;
        return computed(...a);
      };
      server.script(
        { kind: 'status', status: 429, retryAfterMs: 20 },
        { kind: 'status', status: 503, retryAfter: 0.02 },
        { text: 'third time' },
      );
      const res = await retrying.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'q' }] });
      assert.equal(res.choices[0].message.content, 'third time');
      assert.equal(ownBackoff, 0, 'retry-after hints are used instead of the default backoff');
      assert.deepEqual(
        server.requests.map((r) => r.headers['x-stainless-retry-count']),
        ['0', '1', '2'],
      );
    });

    it('poll faults are separate from the generation script', async () => {
      server.script({ polls: 0 });
      const created = await oai.responses.create({ model: 'o3', input: 'q', background: true });
      server.scriptPolls({ kind: 'status', status: 429, retryAfter: 3 });
      const err = await rejection(oai.responses.retrieve(created.id));
      assert.ok(err instanceof RateLimitError);
      assert.equal(err.headers?.get('retry-after'), '3');
      assert.equal((await oai.responses.retrieve(created.id)).status, 'completed');
    });
  });

  describe('faults through @google/genai', () => {
    const ask = (abortSignal?: AbortSignal) =>
      gem.models.generateContent({ model: 'gemini-2.5-pro', contents: 'q', config: { abortSignal } });

    it('429 surfaces as ApiError with a google.rpc.RetryInfo retryDelay in the message', async () => {
      server.script({ kind: 'status', status: 429, retryAfter: 12 });
      const err = await rejection(ask());
      assert.ok(err instanceof ApiError);
      assert.equal(err.status, 429);
      const body = JSON.parse(err.message) as { error: { status: string; details: Array<{ retryDelay: string }> } };
      assert.equal(body.error.status, 'RESOURCE_EXHAUSTED');
      assert.equal(body.error.details[0].retryDelay, '12s');
      // the SDK does not expose response headers on ApiError; the header is still sent
    });

    it('500 / 503 / context-length surface as ApiError with the status', async () => {
      server.script({ kind: 'status', status: 500 }, { kind: 'status', status: 503 }, { kind: 'context-length' });
      const e1 = await rejection(ask());
      assert.ok(e1 instanceof ApiError && e1.status === 500 && /INTERNAL/.test(e1.message));
      const e2 = await rejection(ask());
      assert.ok(e2 instanceof ApiError && e2.status === 503 && /UNAVAILABLE/.test(e2.message));
      const e3 = await rejection(ask());
      assert.ok(e3 instanceof ApiError && e3.status === 400);
      assert.match(e3.message, /exceeds the maximum number of tokens/);
    });

    it('reset surfaces as a fetch TypeError; garbage as a SyntaxError; hang aborts', async () => {
      server.script({ kind: 'reset' });
      const e1 = await rejection(ask());
      assert.ok(e1 instanceof TypeError, String(e1));
      assert.match(String(e1), /fetch failed/);

      server.script({ kind: 'garbage' });
      const e2 = await rejection(ask());
      assert.ok(e2 instanceof SyntaxError, String(e2));

      server.script({ kind: 'hang' });
      const e3 = await rejection(ask(AbortSignal.timeout(150)));
      assert.ok(e3 instanceof Error);
      assert.match(`${(e3 as Error).name} ${(e3 as Error).message}`, /abort|timeout/i);
    });

    it('the reply callback decides per request; raw bodies pass through', async () => {
      const s = await FakeLlmServer.start({
        reply: (req) =>
          req.api === 'gemini'
            ? {
                kind: 'raw',
                status: 200,
                body: JSON.stringify({ candidates: [], promptFeedback: { blockReason: 'SAFETY' } }),
              }
            : undefined,
      });
      try {
        const res = await geminiFor(s).models.generateContent({ model: 'gemini-2.5-pro', contents: 'q' });
        assert.equal(res.promptFeedback?.blockReason, 'SAFETY');
        assert.equal(res.text, undefined);
        const chat = await openaiFor(s).chat.completions.create({
          model: 'm',
          messages: [{ role: 'user', content: 'q' }],
        });
        assert.match(chat.choices[0].message.content ?? '', /^Fake reply/);
        assert.equal(s.stats.byApi.gemini, 1);
        assert.equal(s.stats.byApi.chat, 1);
      } finally {
        await s.close();
      }
    });
  });

  describe('latency, recording, auth, close', () => {
    it('delays answers by the configured latency (per server and per step)', { timeout: 60_000 }, async () => {
      server.setLatency(1000);
      const t0 = Date.now();
      await oai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'q' }] });
      // A lower bound only: a busy machine can make an answer later, never earlier.
      assert.ok(Date.now() - t0 >= 990, `took ${Date.now() - t0} ms`);
      // A per-step delay of 0 skips a server latency far beyond the test's hang guard.
      server.setLatency(10 * 60_000);
      server.script({ text: 'fast', delayMs: 0 });
      const r = await oai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'q' }] });
      assert.equal(r.choices[0].message.content, 'fast');
    });

    it('serves 100 requests with 50 in flight at once (timing lives in bench/, not here)', async () => {
      // A long latency so that all 50 workers are surely in flight together, even on a busy machine.
      const s = await FakeLlmServer.start({ latencyMs: 1000, record: 'none' });
      try {
        const client = openaiFor(s);
        let next = 0;
        const worker = async () => {
          while (next < 100) {
            next++;
            await client.chat.completions.create({
              model: 'm',
              messages: [{ role: 'user', content: `problem ${next}` }],
            });
          }
        };
        await Promise.all(Array.from({ length: 50 }, worker));
        assert.equal(s.stats.total, 100);
        assert.equal(s.stats.maxInFlight, 50);
        assert.equal(s.requests.length, 0);
      } finally {
        await s.close();
      }
    });

    it("record: 'no-bodies' keeps metadata only", async () => {
      const s = await FakeLlmServer.start({ record: 'no-bodies' });
      try {
        await openaiFor(s).chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'q' }] });
        assert.equal(s.requests.length, 1);
        assert.equal(s.requests[0].body, undefined);
        assert.equal(s.requests[0].model, 'm');
        assert.equal(s.requests[0].headers.authorization, 'Bearer sk-test');
      } finally {
        await s.close();
      }
    });

    it('apiKey option: a wrong key gets a 401 in each API shape', async () => {
      const s = await FakeLlmServer.start({ apiKey: 'sk-right' });
      try {
        const e1 = await rejection(
          openaiFor(s).chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'q' }] }),
        );
        assert.ok(e1 instanceof AuthenticationError);
        const e2 = await rejection(geminiFor(s).models.generateContent({ model: 'g', contents: 'q' }));
        assert.ok(e2 instanceof ApiError && e2.status === 401 && /UNAUTHENTICATED/.test(e2.message));
        const ok = await openaiFor(s, { apiKey: 'sk-right' }).chat.completions.create({
          model: 'm',
          messages: [{ role: 'user', content: 'q' }],
        });
        assert.ok(ok.choices[0].message.content);
      } finally {
        await s.close();
      }
    });

    it('unknown routes get a 404', async () => {
      const res = await fetch(`${server.url}/v1/embeddings`, { method: 'POST', body: '{}' });
      assert.equal(res.status, 404);
      assert.equal(server.requests[0].api, 'unknown');
    });

    it('close() releases hanging requests', async () => {
      const s = await FakeLlmServer.start();
      s.script({ kind: 'hang' }, { kind: 'hang' });
      const pending = rejection(
        openaiFor(s).chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'q' }] }),
      );
      const pendingGemini = rejection(geminiFor(s).models.generateContent({ model: 'g', contents: 'q' }));
      while (s.stats.total < 2) await new Promise((r) => setTimeout(r, 5));
      await s.close();
      assert.ok((await pending) instanceof APIConnectionError);
      assert.ok((await pendingGemini) instanceof TypeError);
    });
  });
});
