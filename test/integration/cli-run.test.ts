/**
 * `qed run` end to end: the built CLI, the real openai / @google/genai SDKs, and the loopback fake
 * LLM server. Nothing leaves 127.0.0.1.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeLlmServer, defaultReply, type RecordedRequest } from '../fake-llm/server';
import { HAVE_IMOBENCH, IMOBENCH, NO_IMOBENCH, problems, qed, readJsonl, stopAfter, workspace } from './helpers';

const KEY = 'sk-fake-SECRET-0123456789abcdefXYZ';
let server: FakeLlmServer;

before(async () => {
  server = await FakeLlmServer.start();
});
after(async () => {
  await server.close();
});

/** A model config pointing at the fake server. */
function config(over: Record<string, string | number | boolean> = {}): string {
  const c: Record<string, string | number | boolean> = {
    model: 'fake-model',
    api: 'custom',
    base_url: `${server.url}/v1`,
    api_key_env: 'FAKE_KEY',
    read_cost: 2,
    write_cost: 8,
    concurrent_requests: 8,
    max_retries: 4,
    sleep_on_error: 0.01,
    ...over,
  };
  return (
    Object.entries(c)
      .map(([k, v]) => `${k}: ${typeof v === 'string' && /[:{}[\]#]/.test(v) ? JSON.stringify(v) : v}`)
      .join('\n') + '\n'
  );
}

const env = { FAKE_KEY: KEY };

/** Expected cost of a chat request the fake answered with its default reply. */
function expectedCost(
  r: RecordedRequest,
  read = 2,
  write = 8,
): { cost: number; input_tokens: number; output_tokens: number } {
  const d = defaultReply('chat', r.body);
  const out = d.completionTokens + d.reasoningTokens;
  return { cost: (d.promptTokens * read + out * write) / 1e6, input_tokens: d.promptTokens, output_tokens: out };
}

const userPrompt = (r: RecordedRequest): string => (r.body?.messages?.at(-1)?.content as string) ?? '';

describe('qed run', () => {
  test(
    'IMO-ProofBench CSV: 60 complete rows with exact costs',
    { skip: HAVE_IMOBENCH ? false : NO_IMOBENCH },
    async () => {
      const ws = workspace({ 'configs/models/test/fake.yaml': config() });
      server.clearRequests();
      const r = await qed(
        [
          'run',
          '--model-config',
          'test/fake',
          '--data-path',
          join(IMOBENCH, 'proofbench_v2.csv'),
          '--output-path',
          'outputs/pb.jsonl',
        ],
        { cwd: ws, env },
      );
      assert.equal(r.code, 0, r.stderr);
      const rows = readJsonl(join(ws, 'outputs/pb.jsonl'));
      assert.equal(rows.length, 60);
      assert.equal(rows[0].problem_id, 'PB-Basic-001');
      assert.equal(rows[59].problem_id, 'PB-Advanced-030');
      const byPrompt = new Map(server.requestsOf('chat').map((q) => [userPrompt(q), q]));
      assert.equal(byPrompt.size, 60, 'one request per problem');
      let total = 0;
      for (const row of rows) {
        assert.ok(typeof row.model_solution === 'string' && row.model_solution.startsWith('Fake reply'));
        const hist = row.history as Array<{ role: string; content: string }>;
        const req = byPrompt.get(hist[0].content)!;
        assert.ok(req, 'the history holds the prompt that was sent');
        assert.ok(hist[0].content.includes(String(row.problem)), 'the prompt contains the problem');
        const cr = row.cost_run as { cost: number; input_tokens: number; output_tokens: number };
        const want = expectedCost(req);
        assert.equal(cr.input_tokens, want.input_tokens);
        assert.equal(cr.output_tokens, want.output_tokens);
        assert.ok(Math.abs(cr.cost - want.cost) < 1e-12);
        total += cr.cost;
        assert.deepEqual(row.schema_0, [{ title: 'Proof Grade', desc: row.grading_guidelines, points: 7 }]);
        for (const col of ['solution', 'grading_guidelines', 'Category', 'Level', 'answer', 'Source'])
          assert.ok(col in row, `column ${col} kept`);
      }
      assert.match(r.stderr, /finished: 60\/60 rows done, 0 reused, 0 failed/);
      assert.doesNotMatch(r.stderr, /Warning/, 'no listener leak or other runtime warning');
      assert.match(r.stderr, new RegExp(`cost \\$${total.toFixed(4).replace('.', '\\.')}`));
      assert.ok(!r.stderr.includes(KEY) && !readFileSync(join(ws, 'outputs/pb.jsonl'), 'utf8').includes(KEY));
    },
  );

  test('what is sent: OpenAI reasoning model gets max_completion_tokens and effort, no sampling; unknown keys forwarded; key as bearer', async () => {
    const ws = workspace({
      'configs/models/test/gpt.yaml': config({
        api: 'openai',
        model: 'gpt-5-mini--high',
        max_tokens: 1000,
        temperature: 0.7,
        seed: 7,
        date: '2025-08-07',
        human_readable_id: 'GPT',
      }),
      'data.jsonl': problems(1),
    });
    server.clearRequests();
    const r = await qed(
      ['run', '--model-config', 'test/gpt', '--data-path', 'data.jsonl', '--output-path', 'o.jsonl'],
      { cwd: ws, env },
    );
    assert.equal(r.code, 0, r.stderr);
    const [req] = server.requestsOf('chat');
    assert.equal(req.body.model, 'gpt-5-mini');
    assert.equal(req.body.reasoning_effort, 'high');
    assert.equal(req.body.max_completion_tokens, 1000);
    assert.equal(req.body.max_tokens, undefined);
    assert.equal(req.body.temperature, undefined);
    assert.equal(req.body.seed, 7);
    assert.equal(req.body.date, undefined);
    assert.equal(req.body.human_readable_id, undefined);
    assert.equal(req.headers.authorization, `Bearer ${KEY}`);
  });

  test('an o-series model through another provider (openai/o4-mini on OpenRouter) gets no sampling settings', async () => {
    const ws = workspace({
      'configs/models/test/or.yaml': config({
        api: 'openrouter',
        model: 'openai/o4-mini',
        temperature: 0.7,
        top_p: 0.9,
        top_k: 20,
      }),
      'data.jsonl': problems(1),
    });
    server.clearRequests();
    const r = await qed(['run', '--model-config', 'test/or', '--data-path', 'data.jsonl', '--output-path', 'o.jsonl'], {
      cwd: ws,
      env,
    });
    assert.equal(r.code, 0, r.stderr);
    const [req] = server.requestsOf('chat');
    assert.equal(req.body.model, 'openai/o4-mini');
    assert.deepEqual([req.body.temperature, req.body.top_p, req.body.top_k], [undefined, undefined, undefined]);
  });

  test('custom api: max_tokens, temperature, top_k in the body; null means not sent; reasoning_content and delimiters', async () => {
    const ws = workspace({
      'configs/models/test/vllm.yaml':
        config({ max_tokens: 500, temperature: 0.6, top_k: 20, top_p: 'null' }) + "delimiters: ['</think>']\n",
      'data.jsonl': problems(2),
    });
    server.clearRequests();
    server.script(
      { text: 'thinking hard</think>Final proof.' },
      { text: 'cut off while thinking', finishReason: 'length' },
    );
    const r = await qed(
      [
        'run',
        '--model-config',
        'test/vllm',
        '--data-path',
        'data.jsonl',
        '--output-path',
        'o.jsonl',
        '--concurrency',
        '1',
      ],
      { cwd: ws, env },
    );
    assert.equal(r.code, 0, r.stderr);
    const [req] = server.requestsOf('chat');
    assert.equal(req.body.max_tokens, 500);
    assert.equal(req.body.temperature, 0.6);
    assert.equal(req.body.top_k, 20);
    assert.ok(!('top_p' in req.body));
    const rows = readJsonl(join(ws, 'o.jsonl'));
    assert.equal(rows[0].model_solution, 'Final proof.');
    assert.deepEqual((rows[0].history as unknown[]).slice(1), [
      { role: 'assistant', type: 'cot', content: 'thinking hard' },
      { role: 'assistant', content: 'Final proof.' },
    ]);
    assert.equal(rows[1].model_solution, '', 'no delimiter: cut off while thinking');
    assert.equal(rows[1].finish_reason, 'length');
  });

  test('transient faults (429 + Retry-After, 500, reset, garbage) are retried; every row completes once', async () => {
    const ws = workspace({
      'configs/models/test/fake.yaml': config({ concurrent_requests: 1 }),
      'data.jsonl': problems(6),
    });
    server.clearRequests();
    server.script(
      { kind: 'status', status: 429, retryAfter: 1 },
      { kind: 'status', status: 500 },
      { kind: 'reset' },
      { kind: 'garbage' },
    );
    const t0 = Date.now();
    const r = await qed(
      ['run', '--model-config', 'test/fake', '--data-path', 'data.jsonl', '--output-path', 'o.jsonl'],
      { cwd: ws, env },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.ok(Date.now() - t0 >= 1000, 'Retry-After: 1 was honoured');
    assert.equal(server.requestsOf('chat').length, 10, '6 rows + 4 faults');
    const rows = readJsonl(join(ws, 'o.jsonl'));
    assert.equal(rows.length, 6);
    assert.ok(rows.every((x) => !x.error && String(x.model_solution).startsWith('Fake reply')));
    assert.equal((rows[0].qed_run as { attempts: number }).attempts, 5);
    assert.match(r.stderr, /429/);
  });

  test('a row that keeps failing gets an error field and exit 1; the next run retries only it', async () => {
    const ws = workspace({ 'configs/models/test/fake.yaml': config({ max_retries: 1 }), 'data.jsonl': problems(4) });
    const broken = await FakeLlmServer.start({
      reply: (q) => (JSON.stringify(q.body).includes('Show that 3 + 3') ? { kind: 'status', status: 503 } : undefined),
    });
    try {
      writeFileSync(
        join(ws, 'configs/models/test/fake.yaml'),
        config({ max_retries: 1, base_url: `${broken.url}/v1` }),
      );
      const r = await qed(
        ['run', '--model-config', 'test/fake', '--data-path', 'data.jsonl', '--output-path', 'o.jsonl'],
        { cwd: ws, env },
      );
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /1 failed/);
      const rows = readJsonl(join(ws, 'o.jsonl'));
      assert.equal(rows.length, 4);
      assert.match(String(rows[2].error), /503/);
      assert.equal(rows[2].model_solution, '');
    } finally {
      await broken.close();
    }
    writeFileSync(join(ws, 'configs/models/test/fake.yaml'), config({ max_retries: 1 }));
    server.clearRequests();
    const again = await qed(
      ['run', '--model-config', 'test/fake', '--data-path', 'data.jsonl', '--output-path', 'o.jsonl'],
      { cwd: ws, env },
    );
    assert.equal(again.code, 0, again.stderr);
    assert.equal(server.requestsOf('chat').length, 1);
    assert.match(again.stderr, /3 reused/);
    assert.ok(readJsonl(join(ws, 'o.jsonl')).every((x) => !x.error));
  });

  test('throw_error_on_failure: the run stops at the failing row, says so, keeps the rows before it', async () => {
    const broken = await FakeLlmServer.start({
      reply: (q) => (JSON.stringify(q.body).includes('Show that 2 + 2') ? { kind: 'status', status: 503 } : undefined),
    });
    try {
      const cfg = config({
        max_retries: 1,
        base_url: `${broken.url}/v1`,
        concurrent_requests: 1,
        throw_error_on_failure: true,
      });
      const ws = workspace({ 'configs/models/test/fake.yaml': cfg, 'data.jsonl': problems(5) });
      const r = await qed(
        ['run', '--model-config', 'test/fake', '--data-path', 'data.jsonl', '--output-path', 'o.jsonl'],
        { cwd: ws, env },
      );
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /stopping: T-2@0 failed for good and the config sets throw_error_on_failure/);
      assert.match(
        r.stderr,
        /^stopped after a failure \(throw_error_on_failure\): 1\/5 rows done, 0 reused, 1 failed/m,
      );
      const rows = readJsonl(join(ws, 'o.jsonl'));
      assert.deepEqual(
        rows.map((x) => [x.problem_id, !!x.error]),
        [
          ['T-1', false],
          ['T-2', true],
        ],
      );
      // T-1 once, T-2 twice (one retry); T-3..T-5 never asked.
      assert.equal(broken.requests.filter((q) => q.api === 'chat').length, 3);
    } finally {
      await broken.close();
    }
  });

  test('kill -9 mid-run, then rerun: finished rows are not requested again (output in a folder that did not exist)', async () => {
    const slow = await FakeLlmServer.start({ latencyMs: 150 });
    try {
      const ws = workspace({
        'configs/models/test/fake.yaml': config({ base_url: `${slow.url}/v1`, concurrent_requests: 2 }),
        'data.jsonl': problems(12),
      });
      const out = join(ws, 'runs/new/o.jsonl');
      const journal = `${out}.partial`;
      const killed = await qed(
        ['run', '--model-config', 'test/fake', '--data-path', 'data.jsonl', '--output-path', 'runs/new/o.jsonl'],
        { cwd: ws, env, onSpawn: stopAfter(journal, 4, 'SIGKILL') },
      );
      assert.equal(killed.signal, 'SIGKILL');
      const saved = readJsonl(journal);
      assert.ok(saved.length >= 4 && saved.length < 12, `journal rows: ${saved.length}`);
      const savedPrompts = new Set(saved.map((x) => (x.history as Array<{ content: string }>)[0].content));
      slow.clearRequests();
      const r = await qed(
        ['run', '--model-config', 'test/fake', '--data-path', 'data.jsonl', '--output-path', 'runs/new/o.jsonl'],
        { cwd: ws, env },
      );
      assert.equal(r.code, 0, r.stderr);
      const asked = slow.requestsOf('chat').map(userPrompt);
      assert.equal(asked.length, 12 - saved.length);
      assert.ok(
        asked.every((p) => !savedPrompts.has(p)),
        'no finished row was requested again',
      );
      // The summary names what the reused rows cost the killed session.
      const earlier = saved.reduce((sum, x) => sum + (x.cost_run as { cost: number }).cost, 0);
      assert.ok(r.stderr.includes(`${saved.length} reused ($${earlier.toFixed(4)} spent on them earlier)`), r.stderr);
      const rows = readJsonl(out);
      assert.deepEqual(
        rows.map((x) => x.problem_id),
        Array.from({ length: 12 }, (_, i) => `T-${i + 1}`),
      );
      assert.ok(!existsSync(journal) && !existsSync(`${out}.lock`));
    } finally {
      await slow.close();
    }
  });

  test('Ctrl-C (SIGINT) cancels cleanly: exit 130, finished rows written in order', async () => {
    const slow = await FakeLlmServer.start({ latencyMs: 200 });
    try {
      const ws = workspace({
        'configs/models/test/fake.yaml': config({ base_url: `${slow.url}/v1`, concurrent_requests: 2 }),
        'data.jsonl': problems(20),
      });
      // Interrupt once a few rows are on disk.
      const r = await qed(
        ['run', '--model-config', 'test/fake', '--data-path', 'data.jsonl', '--output-path', 'o.jsonl'],
        { cwd: ws, env, onSpawn: stopAfter(join(ws, 'o.jsonl.partial'), 2, 'SIGINT') },
      );
      assert.equal(r.code, 130, r.stderr);
      assert.match(r.stderr, /cancelled/);
      const rows = readJsonl(join(ws, 'o.jsonl'));
      assert.ok(rows.length >= 2 && rows.length < 20, `rows: ${rows.length}`);
      assert.ok(rows.every((x) => !x.error));
      assert.ok(!existsSync(join(ws, 'o.jsonl.partial')));
    } finally {
      await slow.close();
    }
  });

  test('a rerun with a changed setting is refused and says which; price changes are fine', async () => {
    const ws = workspace({ 'configs/models/test/fake.yaml': config({ temperature: 0.6 }), 'data.jsonl': problems(2) });
    const args = ['run', '--model-config', 'test/fake', '--data-path', 'data.jsonl', '--output-path', 'o.jsonl'];
    assert.equal((await qed(args, { cwd: ws, env })).code, 0);
    const before = readFileSync(join(ws, 'o.jsonl'), 'utf8');
    writeFileSync(join(ws, 'configs/models/test/fake.yaml'), config({ temperature: 0.7 }));
    const r = await qed(args, { cwd: ws, env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /temperature 0\.6 → 0\.7/);
    assert.match(r.stderr, /--overwrite/);
    assert.equal(readFileSync(join(ws, 'o.jsonl'), 'utf8'), before, 'the file is untouched');
    writeFileSync(
      join(ws, 'configs/models/test/fake.yaml'),
      config({ temperature: 0.6, read_cost: 5, concurrent_requests: 3 }),
    );
    const repriced = await qed(args, { cwd: ws, env });
    assert.equal(repriced.code, 0, repriced.stderr);
    assert.match(repriced.stderr, /2 reused/);
  });

  test('a request hanging past the timeout is retried, then recorded as failed', async () => {
    const ws = workspace({
      'configs/models/test/fake.yaml': config({ timeout: 0.3, max_retries: 1 }),
      'data.jsonl': problems(1),
    });
    server.script({ kind: 'hang' }, { kind: 'hang' });
    const r = await qed(
      ['run', '--model-config', 'test/fake', '--data-path', 'data.jsonl', '--output-path', 'o.jsonl'],
      { cwd: ws, env },
    );
    assert.equal(r.code, 1, r.stderr);
    assert.match(String(readJsonl(join(ws, 'o.jsonl'))[0].error), /timed out/);
  });

  test('a context-length error shrinks max_tokens by 1.2x and retries', async () => {
    const ws = workspace({ 'configs/models/test/fake.yaml': config({ max_tokens: 1200 }), 'data.jsonl': problems(1) });
    server.clearRequests();
    server.script({ kind: 'context-length' });
    const r = await qed(
      ['run', '--model-config', 'test/fake', '--data-path', 'data.jsonl', '--output-path', 'o.jsonl'],
      { cwd: ws, env },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      server.requestsOf('chat').map((q) => q.body.max_tokens),
      [1200, 1000],
    );
  });

  test('the key never appears in output, history, logs or errors, even when the server echoes it', async () => {
    const ws = workspace({ 'configs/models/test/fake.yaml': config({ max_retries: 0 }), 'data.jsonl': problems(1) });
    server.script({ kind: 'status', status: 401, message: `Incorrect API key provided: ${KEY}` });
    const r = await qed(
      ['run', '--model-config', 'test/fake', '--data-path', 'data.jsonl', '--output-path', 'o.jsonl'],
      { cwd: ws, env },
    );
    assert.equal(r.code, 1);
    const text = r.stdout + r.stderr + readFileSync(join(ws, 'o.jsonl'), 'utf8');
    assert.ok(!text.includes(KEY) && !text.includes(KEY.slice(0, 12)), 'key leaked');
    assert.match(text, /\[redacted\]/);
  });

  test('missing key: exit 2, names the variable and how to set it', async () => {
    const ws = workspace({ 'configs/models/test/fake.yaml': config(), 'data.jsonl': problems(1) });
    const r = await qed(
      ['run', '--model-config', 'test/fake', '--data-path', 'data.jsonl', '--output-path', 'o.jsonl'],
      { cwd: ws },
    );
    assert.equal(r.code, 2);
    assert.match(r.stderr, /FAKE_KEY is not set/);
    assert.match(r.stderr, /export FAKE_KEY=/);
  });

  test('Gemini through @google/genai: thinking config translated, tools sent, thoughts in history, thought tokens billed', async () => {
    const ws = workspace({
      'configs/models/test/gem.yaml': `model: gemini-2.5-pro\napi: google\nbase_url: ${server.url}\napi_key_env: FAKE_KEY\nread_cost: 1.25\nwrite_cost: 10\nmax_tokens: 2000\nsleep_on_error: 0.01\nextra_body:\n  extra_body:\n    google:\n      thinking_config:\n        include_thoughts: true\n        thinking_budget: 1024\ntools:\n  - codeExecution: {}\ntool_choice:\n  functionCallingConfig:\n    mode: AUTO\n`,
      'data.jsonl': problems(1),
    });
    server.clearRequests();
    const r = await qed(
      ['run', '--model-config', 'test/gem', '--data-path', 'data.jsonl', '--output-path', 'o.jsonl'],
      { cwd: ws, env },
    );
    assert.equal(r.code, 0, r.stderr);
    const [req] = server.requestsOf('gemini');
    assert.equal(req.model, 'gemini-2.5-pro');
    assert.deepEqual(req.body.generationConfig.thinkingConfig, { includeThoughts: true, thinkingBudget: 1024 });
    assert.equal(req.body.generationConfig.maxOutputTokens, 2000);
    // Tools and the tool choice (a Gemini toolConfig) are sent as written.
    assert.deepEqual(req.body.tools, [{ codeExecution: {} }]);
    assert.deepEqual(req.body.toolConfig, { functionCallingConfig: { mode: 'AUTO' } });
    assert.equal(req.headers['x-goog-api-key'], KEY);
    assert.ok(!JSON.stringify(req.body).includes('extra_body'));
    const row = readJsonl(join(ws, 'o.jsonl'))[0];
    const d = defaultReply('gemini', req.body);
    const hist = row.history as Array<{ type?: string; content: string }>;
    assert.equal(hist[1].type, 'cot');
    assert.equal(hist[1].content, d.reasoning);
    assert.equal(row.model_solution, d.text);
    const cr = row.cost_run as { cost: number; output_tokens: number };
    assert.equal(cr.output_tokens, d.completionTokens + d.reasoningTokens);
    assert.ok(
      Math.abs(cr.cost - (d.promptTokens * 1.25 + (d.completionTokens + d.reasoningTokens) * 10) / 1e6) < 1e-12,
    );
  });

  test('Responses API in background mode: effort from the model name, polls until complete; reasoning summary kept', async () => {
    const ws = workspace({
      'configs/models/test/resp.yaml':
        config({
          api: 'openai',
          model: 'o4-mini--high',
          use_openai_responses_api: true,
          background: true,
          max_tokens: 3000,
          temperature: 0.5,
        }) + 'reasoning:\n  summary: auto\n',
      'data.jsonl': problems(1),
    });
    server.clearRequests();
    const r = await qed(
      ['run', '--model-config', 'test/resp', '--data-path', 'data.jsonl', '--output-path', 'o.jsonl'],
      { cwd: ws, env: { ...env, QED_POLL_INTERVAL_MS: '20' } },
    );
    assert.equal(r.code, 0, r.stderr);
    const [create] = server.requestsOf('responses');
    assert.equal(create.body.background, true);
    assert.equal(create.body.max_output_tokens, 3000);
    assert.equal(create.body.model, 'o4-mini');
    assert.deepEqual(create.body.reasoning, { summary: 'auto', effort: 'high' });
    assert.equal(create.body.temperature, undefined, 'no sampling settings for an o-series model');
    assert.ok(server.requestsOf('responses-poll').length >= 1);
    const row = readJsonl(join(ws, 'o.jsonl'))[0];
    assert.match(String(row.model_solution), /^Fake reply/);
    assert.equal((row.history as Array<{ type?: string }>)[1].type, 'cot');
  });

  test('bad input is reported with file, line and field, and exit 2', async () => {
    const ws = workspace({
      'configs/models/test/broken.yaml': 'model: x\napi: [unclosed\n',
      'configs/models/test/badapi.yaml': 'model: x\napi: openia\n',
      'configs/models/test/fake.yaml': config(),
      'bad.jsonl': problems(2) + '{"problem_id": "T-3", "problem": \n',
      'noproblem.jsonl': '{"problem_id": "A", "question": "?"}\n',
    });
    const broken = await qed(
      ['run', '--model-config', 'test/broken', '--data-path', 'bad.jsonl', '--output-path', 'o.jsonl'],
      { cwd: ws, env },
    );
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /broken\.yaml:\d+:\d+/);
    const badApi = await qed(
      ['run', '--model-config', 'test/badapi', '--data-path', 'bad.jsonl', '--output-path', 'o.jsonl'],
      { cwd: ws, env },
    );
    assert.equal(badApi.code, 2);
    assert.match(badApi.stderr, /badapi\.yaml:2:6/);
    assert.match(badApi.stderr, /openia/);
    const badLine = await qed(
      ['run', '--model-config', 'test/fake', '--data-path', 'bad.jsonl', '--output-path', 'o.jsonl'],
      { cwd: ws, env },
    );
    assert.equal(badLine.code, 2);
    assert.match(badLine.stderr, /bad\.jsonl:3/);
    const noCol = await qed(
      ['run', '--model-config', 'test/fake', '--data-path', 'noproblem.jsonl', '--output-path', 'o.jsonl'],
      { cwd: ws, env },
    );
    assert.equal(noCol.code, 2);
    assert.match(noCol.stderr, /'problem'/);
    assert.match(noCol.stderr, /problem_id, question/);
    const unknown = await qed(['run', '--model-config', 'test/nope', '--output-path', 'o.jsonl'], { cwd: ws, env });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /qed config list/);
    assert.ok(!existsSync(join(ws, 'o.jsonl')));
  });

  test('a Hugging Face id while offline: exit 2, says the hub is unreachable and suggests a local file', async () => {
    const ws = workspace({ 'configs/models/test/fake.yaml': config() });
    const r = await qed(
      ['run', '--model-config', 'test/fake', '--data-path', 'lm-provers/IMOProofBench', '--output-path', 'o.jsonl'],
      { cwd: ws, env: { ...env, HF_ENDPOINT: 'http://127.0.0.1:9' } },
    );
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /could not reach the Hugging Face Hub at http:\/\/127\.0\.0\.1:9/);
    assert.match(r.stderr, /not in the local cache/);
    assert.match(r.stderr, /--data-path/);
    assert.equal(
      server.requests.filter((q) => q.api === 'chat' && JSON.stringify(q.body).includes('IMOProofBench')).length,
      0,
    );
  });

  test('--help lists the options of the original stack, on stdout, exit 0', async () => {
    const r = await qed(['run', '--help'], { cwd: workspace() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    for (const opt of [
      '--model-config',
      '--data-path',
      '--output-path',
      '--prompt',
      '--problem-column',
      '--final-answer',
      '--n',
      '--overwrite',
      '--split',
    ]) {
      assert.match(r.stdout, new RegExp(`^\\s+${opt}\\b`, 'm'), `${opt} is listed`);
    }
  });

  test('--prompt FILE: the user template is what is sent, with the problem filled in and LaTeX braces left alone', async () => {
    const template =
      'MY OWN PROMPT v1\nProve carefully, use \\frac{a}{b} if you like.\n\nProblem: {problem_statement}\n\nEnd of problem.';
    const ws = workspace({
      'configs/models/test/fake.yaml': config(),
      'data.jsonl': problems(2),
      'prompts/mine.txt': template,
    });
    server.clearRequests();
    const r = await qed(
      [
        'run',
        '--model-config',
        'test/fake',
        '--data-path',
        'data.jsonl',
        '--output-path',
        'o.jsonl',
        '--prompt',
        'prompts/mine.txt',
      ],
      { cwd: ws, env },
    );
    assert.equal(r.code, 0, r.stderr);
    const sent = server.requestsOf('chat').map(userPrompt).sort();
    const want = [1, 2].map((i) => template.replace('{problem_statement}', `Show that ${i} + ${i} = ${2 * i}.`)).sort();
    assert.deepEqual(sent, want);
    const rows = readJsonl(join(ws, 'o.jsonl'));
    assert.deepEqual(
      rows.map((x) => (x.history as Array<{ content: string }>)[0].content).sort(),
      want,
      'the history holds the filled template',
    );
  });

  test('--overwrite after a finished run asks every row again and replaces the file; without it nothing is asked', async () => {
    const ws = workspace({ 'configs/models/test/fake.yaml': config(), 'data.jsonl': problems(3) });
    const args = ['run', '--model-config', 'test/fake', '--data-path', 'data.jsonl', '--output-path', 'o.jsonl'];
    server.clearRequests();
    assert.equal((await qed(args, { cwd: ws, env })).code, 0);
    assert.equal(server.requestsOf('chat').length, 3);
    const first = readJsonl(join(ws, 'o.jsonl'));
    assert.ok(first.every((x) => String(x.model_solution).startsWith('Fake reply')));

    server.clearRequests();
    const reuse = await qed(args, { cwd: ws, env });
    assert.equal(reuse.code, 0, reuse.stderr);
    assert.equal(server.requestsOf('chat').length, 0, 'a rerun reuses every finished row');
    assert.match(reuse.stderr, /3 reused/);
    assert.deepEqual(readJsonl(join(ws, 'o.jsonl')), first);

    server.clearRequests();
    server.script({ text: 'Second take.' }, { text: 'Second take.' }, { text: 'Second take.' });
    const over = await qed([...args, '--overwrite'], { cwd: ws, env });
    assert.equal(over.code, 0, over.stderr);
    assert.equal(server.requestsOf('chat').length, 3, 'every row asked again');
    assert.equal(server.pending, 0);
    assert.match(over.stderr, /0 reused/);
    const rows = readJsonl(join(ws, 'o.jsonl'));
    assert.deepEqual(
      rows.map((x) => x.problem_id),
      ['T-1', 'T-2', 'T-3'],
      'replaced, not appended',
    );
    assert.ok(rows.every((x) => x.model_solution === 'Second take.'));
  });

  test('--problem-column: the problem text is taken from the named column', async () => {
    const data =
      ['Prove that the sky is blue.', 'Prove that water is wet.']
        .map((q, i) => JSON.stringify({ problem_id: `Q-${i + 1}`, question: q }))
        .join('\n') + '\n';
    const ws = workspace({ 'configs/models/test/fake.yaml': config(), 'q.jsonl': data });
    server.clearRequests();
    const r = await qed(
      [
        'run',
        '--model-config',
        'test/fake',
        '--data-path',
        'q.jsonl',
        '--output-path',
        'o.jsonl',
        '--problem-column',
        'question',
      ],
      { cwd: ws, env },
    );
    assert.equal(r.code, 0, r.stderr);
    const sent = server.requestsOf('chat').map(userPrompt);
    assert.equal(sent.length, 2);
    assert.ok(
      sent.some((p) => p.includes('Prove that the sky is blue.')) &&
        sent.some((p) => p.includes('Prove that water is wet.')),
    );
    const rows = readJsonl(join(ws, 'o.jsonl'));
    assert.deepEqual(
      rows.map((x) => x.question),
      ['Prove that the sky is blue.', 'Prove that water is wet.'],
    );
    assert.ok((rows[0].history as Array<{ content: string }>)[0].content.includes('Prove that the sky is blue.'));
    assert.ok(rows.every((x) => String(x.model_solution).startsWith('Fake reply') && !x.error));
  });

  test('reasoning_content from an OpenAI-compatible server goes into the history as a "cot" entry, not into the solution, and is billed', async () => {
    const ws = workspace({ 'configs/models/test/fake.yaml': config(), 'data.jsonl': problems(1) });
    server.clearRequests();
    const scripted = {
      reasoning: 'Let me think: 1 + 1 is 2, so twice that...',
      text: 'Proof. Since 1 + 1 = 2, the claim holds.',
    };
    server.script(scripted);
    const r = await qed(
      ['run', '--model-config', 'test/fake', '--data-path', 'data.jsonl', '--output-path', 'o.jsonl'],
      { cwd: ws, env },
    );
    assert.equal(r.code, 0, r.stderr);
    const [req] = server.requestsOf('chat');
    const [row] = readJsonl(join(ws, 'o.jsonl'));
    assert.equal(row.model_solution, scripted.text);
    assert.deepEqual(row.history, [
      { role: 'user', content: userPrompt(req) },
      { role: 'assistant', type: 'cot', content: scripted.reasoning },
      { role: 'assistant', content: scripted.text },
    ]);
    const d = defaultReply('chat', req.body, scripted);
    assert.ok(d.reasoningTokens > 0);
    const cr = row.cost_run as { cost: number; output_tokens: number };
    assert.equal(cr.output_tokens, d.completionTokens + d.reasoningTokens, 'reasoning tokens are billed as output');
    assert.ok(Math.abs(cr.cost - (d.promptTokens * 2 + (d.completionTokens + d.reasoningTokens) * 8) / 1e6) < 1e-12);
  });

  test(
    '--n 2 with --final-answer on the real AnswerBench (first 5 problems)',
    { skip: HAVE_IMOBENCH ? false : NO_IMOBENCH },
    async () => {
      const ws = workspace({ 'configs/models/test/fake.yaml': config() });
      const r = await qed(
        [
          'run',
          '--model-config',
          'test/fake',
          '--final-answer',
          '--n',
          '2',
          '--limit',
          '5',
          '--data-path',
          join(IMOBENCH, 'answerbench_v2.csv'),
          '--output-path',
          'a.jsonl',
        ],
        { cwd: ws, env },
      );
      assert.equal(r.code, 0, r.stderr);
      const rows = readJsonl(join(ws, 'a.jsonl'));
      assert.equal(rows.length, 10);
      assert.deepEqual(
        rows.slice(0, 2).map((x) => [x.problem_id, x.run_index]),
        [
          ['imo-bench-algebra-001', 0],
          ['imo-bench-algebra-001', 1],
        ],
      );
      assert.deepEqual(rows[0].schema_0, [{ title: 'Answer Correctness', desc: '3', points: 1 }]);
      assert.match(String((rows[0].history as Array<{ content: string }>)[0].content), /\\boxed\{\}/);
    },
  );
});
