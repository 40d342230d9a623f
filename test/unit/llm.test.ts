import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitReasoning } from '../../src/core/llm/split';
import { backoffDelay, childSignal, withRetries, DEFAULT_POLICY } from '../../src/core/llm/retry';
import { LlmError, parseRetryAfter, redact } from '../../src/core/llm/errors';
import { Limiter } from '../../src/core/llm/limiter';
import { requestCost } from '../../src/core/llm/cost';
import { translateThinking } from '../../src/core/llm/googleClient';
import { isOpenAiReasoningModel, isOSeriesModel } from '../../src/core/llm/openaiClient';

test('splitReasoning: the first delimiter found splits thought from answer', () => {
  assert.deepEqual(splitReasoning('<think>hmm</think>The answer is 3.', ['</think>']), {
    answer: 'The answer is 3.',
    cot: 'hmm',
  });
  // earliest position wins whatever the list order
  assert.deepEqual(splitReasoning('a</thought>b</think>c', ['</think>', '</thought>']), {
    answer: 'b</think>c',
    cot: 'a',
  });
});

test('splitReasoning: with delimiters but none found, a cut-off thought leaves the answer empty', () => {
  assert.deepEqual(splitReasoning('still thinking about', ['</think>']), { answer: '', cot: 'still thinking about' });
  // …unless the API gave the reasoning separately: then the text is the answer.
  assert.deepEqual(splitReasoning('42', ['</think>'], 'because'), { answer: '42', cot: 'because' });
});

test('splitReasoning: without delimiters the text is the answer and API reasoning the thought', () => {
  assert.deepEqual(splitReasoning('proof', [], 'plan'), { answer: 'proof', cot: 'plan' });
  assert.deepEqual(splitReasoning('proof', []), { answer: 'proof', cot: undefined });
});

test('backoff grows exponentially, is jittered, capped, and honours Retry-After as a floor', () => {
  const p = { ...DEFAULT_POLICY, baseDelayMs: 1000, maxDelayMs: 8000 };
  assert.equal(
    backoffDelay(1, p, undefined, () => 0),
    500,
  );
  assert.equal(
    backoffDelay(1, p, undefined, () => 1),
    1000,
  );
  assert.equal(
    backoffDelay(3, p, undefined, () => 1),
    4000,
  );
  assert.equal(
    backoffDelay(10, p, undefined, () => 1),
    8000,
  );
  const d = backoffDelay(1, p, 5000, () => 0.5);
  assert.ok(d >= 5000 && d <= 6000, `Retry-After floor respected: ${d}`);
  assert.ok(backoffDelay(1, p, 10_000_000, () => 0) <= p.maxRetryAfterMs);
});

test('parseRetryAfter reads seconds, HTTP dates and retry-after-ms', () => {
  const h = (o: Record<string, string>) => ({ get: (k: string) => o[k] ?? null });
  assert.equal(parseRetryAfter(h({ 'retry-after': '3' })), 3000);
  assert.equal(parseRetryAfter(h({ 'retry-after-ms': '250', 'retry-after': '3' })), 250);
  const soon = new Date(Date.now() + 10_000).toUTCString();
  const v = parseRetryAfter(h({ 'retry-after': soon }))!;
  assert.ok(v > 8000 && v <= 10_000);
  assert.equal(parseRetryAfter(h({})), undefined);
});

test('withRetries retries transient faults, then gives up with the attempt count', async () => {
  const policy = { ...DEFAULT_POLICY, maxRetries: 2, baseDelayMs: 1 };
  let calls = 0;
  const ok = await withRetries(async () => {
    if (++calls < 3) throw new LlmError('busy', 'server', 503);
    return 'done';
  }, policy);
  assert.deepEqual(ok, { value: 'done', attempts: 3 });

  calls = 0;
  await assert.rejects(
    withRetries(async () => {
      calls++;
      throw new LlmError('busy', 'server', 503);
    }, policy),
    (e: LlmError) => e.kind === 'server' && e.attempts === 3 && /after 3 attempts/.test(e.message),
  );
  assert.equal(calls, 3);
});

test('withRetries does not retry auth or bad requests', async () => {
  let calls = 0;
  await assert.rejects(
    withRetries(
      async () => {
        calls++;
        throw new LlmError('invalid key', 'auth', 401);
      },
      { ...DEFAULT_POLICY, baseDelayMs: 1 },
    ),
    /invalid key/,
  );
  assert.equal(calls, 1);
});

test('withRetries shrinks on context-length errors without spending retries', async () => {
  let maxTokens = 1200;
  let calls = 0;
  const r = await withRetries(
    async () => {
      calls++;
      if (maxTokens > 900)
        throw new LlmError("This model's maximum context length is 8192 tokens", 'context-length', 400);
      return maxTokens;
    },
    { ...DEFAULT_POLICY, maxRetries: 0, baseDelayMs: 1 },
    { onContextLength: () => ((maxTokens = Math.floor(maxTokens / 1.2)), true) },
  );
  assert.equal(r.value, 833);
  assert.equal(calls, 3);
});

// The server asks for a 60 s wait: only the cancel can end it before the test's 30 s hang guard.
test('withRetries stops waiting as soon as it is cancelled', { timeout: 30_000 }, async () => {
  const ac = new AbortController();
  const p = withRetries(
    async () => {
      throw new LlmError('slow down', 'rate-limit', 429, 60_000);
    },
    DEFAULT_POLICY,
    { signal: ac.signal },
  );
  setTimeout(() => ac.abort(), 30);
  await assert.rejects(p, (e: LlmError) => e.kind === 'cancelled');
});

test('withRetries removes secrets from error messages', async () => {
  const key = 'sk-test-0123456789abcdefghij';
  await assert.rejects(
    withRetries(
      async () => {
        throw new LlmError(`Incorrect API key provided: ${key}`, 'auth', 401);
      },
      DEFAULT_POLICY,
      { secrets: [key] },
    ),
    (e: Error) => !e.message.includes(key) && e.message.includes('[redacted]'),
  );
  // A key cut short is hidden as far as it goes.
  assert.equal(redact(`key ${key.slice(0, 14)}…`, [key]), 'key [redacted]…');
});

test('redact: the key, any run starting with its first 10 characters, never a short dummy key', () => {
  const key = 'sk-live-ABCDEFGHIJKLMNOP0123';
  assert.equal(redact(`a ${key} b ${key}`, [key]), 'a [redacted] b [redacted]');
  assert.equal(redact(`"${key.slice(0, 10)}"... is not valid JSON`, [key]), '"[redacted]"... is not valid JSON');
  assert.equal(redact(`${key.slice(0, 12)}XYZ`, [key]), '[redacted]XYZ');
  assert.equal(redact(`${key.slice(0, 9)} stays`, [key]), `${key.slice(0, 9)} stays`);
  // Placeholders such as 'EMPTY' or 'not-needed' are shorter than the guard: text is untouched.
  for (const dummy of ['EMPTY', 'none', 'not-needed', 'x'])
    assert.equal(redact('none of it is EMPTY or not-needed x', [dummy]), 'none of it is EMPTY or not-needed x');
});

test('Limiter never runs more than its size at once and serves in order', async () => {
  const lim = new Limiter(3);
  let active = 0;
  let peak = 0;
  const order: number[] = [];
  await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      lim.run(async () => {
        active++;
        peak = Math.max(peak, active);
        order.push(i);
        await new Promise((r) => setTimeout(r, 5));
        active--;
      }),
    ),
  );
  assert.equal(peak, 3);
  assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('cost is per million tokens', () => {
  assert.equal(requestCost({ inputTokens: 1_000_000, outputTokens: 500_000 }, { readCost: 1.25, writeCost: 10 }), 6.25);
});

test('Gemini thinking settings are read from the original nested extra_body form', () => {
  const t = translateThinking({
    extraBody: {
      extra_body: { google: { thinking_config: { include_thoughts: true, thinking_level: 'high' } } },
      seed: 1,
    },
    reasoningEffort: undefined,
  });
  assert.deepEqual(t.thinking, { includeThoughts: true, thinkingLevel: 'HIGH' });
  assert.deepEqual(t.rest, { seed: 1 });
  const b = translateThinking({
    extraBody: { google: { thinking_config: { thinking_budget: 2048 } } },
    reasoningEffort: undefined,
  });
  assert.deepEqual(b.thinking, { thinkingBudget: 2048 });
  assert.deepEqual(b.rest, {});
  assert.deepEqual(translateThinking({ extraBody: {}, reasoningEffort: 'low' }).thinking, { thinkingLevel: 'LOW' });
});

test('OpenAI reasoning models are recognised', () => {
  for (const m of ['o1', 'o3-mini', 'o4-mini', 'gpt-5', 'gpt-5-nano', 'gpt-5.1'])
    assert.ok(isOpenAiReasoningModel(m), m);
  for (const m of ['gpt-4.1', 'gpt-4o', 'openai/gpt-oss-120b']) assert.ok(!isOpenAiReasoningModel(m), m);
  // o-series under any provider prefix; not models that merely contain an o and a digit.
  for (const m of ['o3', 'o4-mini', 'openai/o4-mini', 'openai/o3-pro']) assert.ok(isOSeriesModel(m), m);
  for (const m of ['gpt-5', 'openai/gpt-oss-120b', 'qwen/qwen3-235b', 'deepseek/deepseek-r1', 'olmo-2'])
    assert.ok(!isOSeriesModel(m), m);
});

test('withRetries: a job cancel reaches every attempt of every task; many attempts on one task raise no listener warning', async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.name);
  process.on('warning', onWarning);
  try {
    const job = new AbortController();
    const task = childSignal(job.signal);
    // Like an SDK: a listener on each attempt's signal, never removed; 14 attempts fail, the 15th hangs.
    let attempts = 0;
    const p = withRetries(
      (_n, signal) =>
        new Promise((_res, rej) => {
          attempts++;
          signal!.addEventListener('abort', () => rej(new Error('aborted')), { once: true });
          if (attempts < 15) rej(new LlmError('busy', 'server', 503));
        }),
      { ...DEFAULT_POLICY, maxRetries: 20, baseDelayMs: 0 },
      { signal: task.signal },
    );
    const other = childSignal(job.signal);
    while (attempts < 15) await new Promise((r) => setImmediate(r));
    job.abort();
    await assert.rejects(p, (e: LlmError) => e.kind === 'cancelled');
    assert.equal(other.signal!.aborted, true, 'every live child of the job is aborted');
    // A child let go before the cancel is not.
    const gone = childSignal(new AbortController().signal);
    gone.dispose();
    assert.equal(gone.signal!.aborted, false);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(warnings, []);
  } finally {
    process.off('warning', onWarning);
  }
});
