/**
 * Each provider's request as it reaches the wire (the loopback fake server, real SDKs), and the
 * original's client keys honoured rather than sent.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../src/core/config/parse';
import { PROVIDER_BASE_URLS } from '../../src/core/config/providers';
import type { ModelConfig } from '../../src/core/config/types';
import { createClient, retriesOf } from '../../src/core/llm';
import { chatTokensParam } from '../../src/core/llm/openaiClient';
import { defaultReply, FakeLlmServer } from '../fake-llm/server';

const KEY = 'sk-test-secret-123456';

function config(yaml: string): ModelConfig {
  const r = parseConfigText(yaml, '/tmp/p.yaml');
  assert.ok(r.config, JSON.stringify(r.diagnostics));
  return r.config as ModelConfig;
}

const body = (s: FakeLlmServer, i = 0) => s.requests[i]!.body as Record<string, unknown>;
const fast = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2 };

describe('providers on the wire', () => {
  let server: FakeLlmServer;
  before(async () => {
    server = await FakeLlmServer.start({ apiKey: KEY });
  });
  after(() => server.close());
  beforeEach(() => server.clearRequests());

  const client = (yaml: string) =>
    createClient(
      config(
        `${yaml}\nbase_url: ${server.url}${yaml.includes('api: anthropic') || yaml.includes('api: google') ? '' : '/v1'}\n`,
      ),
      { getKey: () => KEY, policy: fast },
    );

  it('GLM goes to the original host, api.z.ai', () => {
    assert.equal(new URL(PROVIDER_BASE_URLS.glm!).hostname, 'api.z.ai');
    assert.equal(config('model: glm-4.6\napi: glm').baseUrl, 'https://api.z.ai/api/paas/v4/');
  });

  it('anthropic: the Messages API with system apart, the thinking budget as written, thinking as chain of thought, cost from usage × prices', async () => {
    const c = await client(
      'model: claude-sonnet-4-5\napi: anthropic\nmax_tokens: 32000\nread_cost: 3\nwrite_cost: 15\ntemperature: null\nthinking:\n  type: enabled\n  budget_tokens: 16000',
    );
    const messages = [
      { role: 'system' as const, content: 'Be rigorous.' },
      { role: 'user' as const, content: 'Prove that 1 + 1 = 2.' },
    ];
    const r = await c.complete(messages);
    assert.equal(server.requests.length, 1);
    const req = server.requests[0]!;
    assert.equal(req.path, '/v1/messages');
    assert.equal(req.headers['x-api-key'], KEY);
    assert.deepEqual(req.body, {
      model: 'claude-sonnet-4-5',
      max_tokens: 32000,
      messages: [{ role: 'user', content: 'Prove that 1 + 1 = 2.' }],
      system: 'Be rigorous.',
      thinking: { type: 'enabled', budget_tokens: 16000 },
    });
    const want = defaultReply('anthropic', req.body);
    assert.equal(r.text, want.text);
    assert.equal(r.cot, want.reasoning);
    assert.deepEqual(r.usage, {
      inputTokens: want.promptTokens,
      outputTokens: want.completionTokens + want.reasoningTokens,
    });
    assert.equal(r.cost, (want.promptTokens * 3 + (want.completionTokens + want.reasoningTokens) * 15) / 1e6);
    assert.deepEqual(
      r.history.map((h) => h.type ?? h.role),
      ['system', 'user', 'cot', 'assistant'],
    );
  });

  it('anthropic: an overloaded 529 is retried; a cut-off reply says length; the key never shows', async () => {
    const c = await client('model: claude-x\napi: anthropic\nmax_tokens: 100');
    server.script({ kind: 'status', status: 529, message: `overloaded, key ${KEY}` }, { finishReason: 'length' });
    const r = await c.complete([{ role: 'user', content: 'hi' }]);
    assert.equal(r.attempts, 2);
    assert.equal(r.finishReason, 'length');
    server.script({ kind: 'status', status: 400, message: `bad thing ${KEY}` });
    await assert.rejects(
      c.complete([{ role: 'user', content: 'hi' }]),
      (e: Error) => !e.message.includes(KEY) && /bad thing/.test(e.message),
    );
  });

  it('anthropic: requests offering tools go to its OpenAI-compatible endpoint, as in the original', async () => {
    const c = await client('model: claude-x\napi: anthropic\nmax_tokens: 100');
    const tool = { type: 'function', function: { name: 'submit', parameters: { type: 'object', properties: {} } } };
    await c.complete([{ role: 'user', content: 'hi' }], { tools: [tool] });
    assert.equal(server.requests[0]!.path, '/v1/chat/completions');
    assert.deepEqual(body(server).tools, [tool]);
  });

  it('the OpenAI-compatible providers (glm, xai, deepseek, together, openrouter): chat completions, bearer key, max_tokens, sampling', async () => {
    for (const api of ['glm', 'xai', 'deepseek', 'together', 'openrouter']) {
      server.clearRequests();
      const c = await client(
        `model: ${api}-model\napi: ${api}\napi_key_env: K\nmax_tokens: 77\ntemperature: 0.6\ntop_p: 0.95`,
      );
      await c.complete([
        { role: 'system', content: 's' },
        { role: 'user', content: 'u' },
      ]);
      const req = server.requests[0]!;
      assert.equal(req.path, '/v1/chat/completions', api);
      assert.equal(req.headers.authorization, `Bearer ${KEY}`, api);
      assert.deepEqual(
        req.body,
        {
          model: `${api}-model`,
          messages: [
            { role: 'system', content: 's' },
            { role: 'user', content: 'u' },
          ],
          max_tokens: 77,
          temperature: 0.6,
          top_p: 0.95,
        },
        api,
      );
    }
  });

  it('the five client keys and max_tool_calls are honoured, never sent', async () => {
    const c = await client(
      'model: some-model\napi: custom\napi_key_env: K\nmax_tokens: 500\nmax_retries: 0\nmax_retries_inner: 2\nno_system_messages: true\ninclude_max_tool_calls: false\nmax_tokens_param: max_new_tokens\nuse_openai_responses_api_tools: true',
    );
    server.script({ kind: 'status', status: 500 });
    const r = await c.complete([
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'u' },
    ]);
    assert.equal(r.attempts, 2, 'max_retries_inner: 2 tries with max_retries 0');
    const b = body(server, 1);
    assert.deepEqual(b.messages, [
      { role: 'developer', content: 'sys' },
      { role: 'user', content: 'u' },
    ]);
    assert.equal(b.max_new_tokens, 500);
    for (const k of [
      'max_tokens',
      'max_retries_inner',
      'no_system_messages',
      'include_max_tool_calls',
      'max_tokens_param',
      'use_openai_responses_api_tools',
      'max_tool_calls',
    ]) {
      assert.ok(!(k in b), `${k} not sent`);
    }
  });

  it('max_tool_calls (a number or per tool) allows tools: the limit goes as max_completion_tokens, tool_choice only with tools', async () => {
    for (const mtc of ['max_tool_calls: 3', 'max_tool_calls:\n  submit: 2\n  verify: 0']) {
      server.clearRequests();
      const c = await client(`model: m\napi: custom\napi_key_env: K\nmax_tokens: 50\ntool_choice: auto\n${mtc}`);
      await c.complete([{ role: 'user', content: 'u' }]);
      const b = body(server);
      assert.equal(b.max_completion_tokens, 50);
      assert.ok(!('max_tool_calls' in b) && !('tool_choice' in b), JSON.stringify(b));
      await c.complete([{ role: 'user', content: 'u' }], {
        tools: [{ type: 'function', function: { name: 'submit' } }],
      });
      assert.equal(body(server, 1).tool_choice, 'auto');
    }
  });

  it('Responses API: max_output_tokens, effort in reasoning, no max_tool_calls in the body', async () => {
    const c = await client(
      'model: gpt-5-mini--high\napi: openai\nmax_tokens: 128000\nuse_openai_responses_api: true\nreasoning:\n  summary: auto\nmax_tool_calls: 4',
    );
    await c.complete([{ role: 'user', content: 'u' }]);
    const b = body(server);
    assert.equal(server.requests[0]!.path, '/v1/responses');
    assert.equal(b.max_output_tokens, 128000);
    assert.deepEqual(b.reasoning, { summary: 'auto', effort: 'high' });
    assert.ok(!('max_tool_calls' in b));
  });

  it('Gemini: a refused max_output_tokens is cut by 1.2× and retried; tool_choice words become its function-calling mode, with tools only', async () => {
    const c = await client(
      'model: gemini-x\napi: google\nmax_tokens: 130000\ntool_choice: required\ntools:\n  - codeExecution: {}',
    );
    server.script({
      kind: 'status',
      status: 400,
      message:
        'Unable to submit request because it has a maxOutputTokens value of 130000 but the supported range is from 1 (inclusive) to 65537 (exclusive).',
    });
    const r = await c.complete([{ role: 'user', content: 'u' }]);
    assert.equal(server.requests.length, 2);
    const gc = (i: number) => body(server, i).generationConfig as Record<string, unknown>;
    assert.deepEqual([gc(0).maxOutputTokens, gc(1).maxOutputTokens], [130000, Math.floor(130000 / 1.2)]);
    assert.ok(r.text.startsWith('Fake reply'));
    assert.deepEqual(body(server, 1).toolConfig, { functionCallingConfig: { mode: 'ANY' } });
    server.clearRequests();
    await (
      await client('model: gemini-x\napi: google\nmax_tokens: 10\ntool_choice: auto')
    ).complete([{ role: 'user', content: 'u' }]);
    assert.equal(body(server).toolConfig, undefined, 'no tools, no tool choice');
  });

  it('Gemini with no_system_messages: the instructions lead the first user message', async () => {
    const c = await client('model: gemini-x\napi: google\nmax_tokens: 64\nno_system_messages: true');
    await c.complete([
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'u' },
    ]);
    const b = body(server);
    assert.equal(b.systemInstruction, undefined);
    assert.deepEqual(b.contents, [{ role: 'user', parts: [{ text: 'sys\n\nu' }] }]);
  });
});

describe('key rules', () => {
  it('which name the token limit goes under on chat completions, as the original decides', () => {
    const base = { api: 'custom' as const, model: 'm', maxToolCalls: undefined, maxTokensParam: undefined };
    assert.equal(chatTokensParam(base), 'max_tokens');
    assert.equal(chatTokensParam({ ...base, maxTokensParam: 'max_new_tokens' }), 'max_new_tokens');
    assert.equal(
      chatTokensParam({ ...base, api: 'openai', model: 'o4-mini', maxTokensParam: 'max_new_tokens' }),
      'max_completion_tokens',
    );
    assert.equal(chatTokensParam({ ...base, maxToolCalls: { a: 0, b: 1 } }), 'max_completion_tokens');
    assert.equal(chatTokensParam({ ...base, maxToolCalls: 0 }), 'max_tokens');
  });

  it('max_retries_inner multiplies, as the original nested loops', () => {
    assert.equal(retriesOf({ maxRetries: 6 }), 6);
    assert.equal(retriesOf({ maxRetries: 3, maxRetriesInner: 4 }), 11);
    assert.equal(retriesOf({ maxRetries: 0, maxRetriesInner: 1 }), 0);
  });

  it('max_tool_calls: a mapping of whole numbers is accepted, anything else is an error naming the key', () => {
    assert.deepEqual(config('model: m\nmax_tool_calls:\n  a: 1\n  b: 0').maxToolCalls, { a: 1, b: 0 });
    const bad = parseConfigText('model: m\nmax_tool_calls:\n  a: many', '/tmp/p.yaml');
    assert.equal(bad.config, undefined);
    assert.match(bad.diagnostics[0]!.message, /'max_tool_calls' must be a whole number ≥ 0, or a mapping/);
  });

  it('api: anthropic needs max_tokens; a reasoning effort is not sent and says what to write instead', () => {
    const r = parseConfigText('model: claude-x\napi: anthropic', '/tmp/p.yaml');
    assert.match(r.diagnostics[0]!.message, /needs 'max_tokens'/);
    const w = parseConfigText('model: claude-x--high\napi: anthropic\nmax_tokens: 10', '/tmp/p.yaml');
    assert.ok(w.config);
    assert.match(w.diagnostics[0]!.message, /budget_tokens/);
  });

  it('a misspelt key still gets a did-you-mean warning', () => {
    const r = parseConfigText('model: m\nmax_retries_iner: 3', '/tmp/p.yaml');
    assert.match(r.diagnostics[0]!.message, /did you mean 'max_retries_inner'/);
  });
});
