/**
 * `--log-requests DIR` on qed run and qed eval: one JSON file per request with the body as sent
 * and the reply, the key removed; and a run through `api: anthropic` end to end.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeLlmServer } from '../fake-llm/server';
import { qed, readJsonl, workspace } from './helpers';

const KEY = 'sk-ant-fake-SECRET-0123456789';
let server: FakeLlmServer;

before(async () => {
  server = await FakeLlmServer.start({ apiKey: KEY });
});
after(async () => {
  await server.close();
});

const env = { FAKE_KEY: KEY };
/** Problems whose text carries the key, so the request bodies do too. */
const data =
  [1, 2, 3]
    .map((i) =>
      JSON.stringify({
        problem_id: `P${i}`,
        problem: `Show that ${i} = ${i}. (${KEY})`,
        solution: 'By reflexivity.',
        grading_guidelines: 'any proof',
      }),
    )
    .join('\n') + '\n';

function logs(dir: string): Array<Record<string, unknown>> {
  return readdirSync(dir).map((f) => {
    assert.match(f, /^\d{4}-\d{6}\.\d{3}_idx\d+\.json$/);
    const text = readFileSync(join(dir, f), 'utf8');
    assert.ok(!text.includes(KEY), `${f} holds the key`);
    return JSON.parse(text) as Record<string, unknown>;
  });
}

describe('--log-requests', () => {
  test('qed run through api: anthropic, then qed eval: one file per request and reply, key removed', async () => {
    const ws = workspace({
      'configs/models/t/claude.yaml': `model: claude-fake\napi: anthropic\nbase_url: ${server.url}\napi_key_env: FAKE_KEY\nmax_tokens: 2000\nread_cost: 3\nwrite_cost: 15\nthinking:\n  type: enabled\n  budget_tokens: 1024\n`,
      'configs/models/t/grader.yaml': `model: grader-fake\napi: custom\nbase_url: ${server.url}/v1\napi_key_env: FAKE_KEY\nmax_tokens: 500\n`,
      'data.jsonl': data,
    });
    server.clearRequests();
    const run = await qed(
      [
        'run',
        '--model-config',
        't/claude',
        '--data-path',
        'data.jsonl',
        '--output-path',
        'o.jsonl',
        '--log-requests',
        'logs',
      ],
      { cwd: ws, env },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(server.requestsOf('anthropic').length, 3);
    const rows = readJsonl(join(ws, 'o.jsonl'));
    assert.ok(rows.every((r) => typeof r.model_solution === 'string' && /Fake reply/.test(r.model_solution as string)));
    assert.ok(
      rows.every((r) => (r.history as Array<{ type?: string }>).some((h) => h.type === 'cot')),
      'thinking stored as chain of thought',
    );
    assert.ok(rows.every((r) => (r.cost_run as { cost: number }).cost > 0));

    const ran = logs(join(ws, 'logs', 'claude-fake'));
    assert.equal(ran.length, 3);
    for (const l of ran) {
      assert.equal(l.solver_name, 'claude-fake');
      assert.match(String((l.request_info as { url: string }).url), /\/v1\/messages$/);
      const req = l.request as { model: string; thinking: unknown; messages: Array<{ content: string }> };
      assert.equal(req.model, 'claude-fake');
      assert.deepEqual(req.thinking, { type: 'enabled', budget_tokens: 1024 });
      assert.match(req.messages[0]!.content, /\[redacted\]|\*\*\*/);
      assert.equal((l.response_info as { status: number }).status, 200);
      assert.equal((l.response as { type: string }).type, 'message');
    }

    const ev = await qed(['eval', '--model-config', 't/grader', '--data-path', 'o.jsonl', '--log-requests', 'logs'], {
      cwd: ws,
      env,
    });
    assert.ok(ev.code === 0 || ev.code === 1, ev.stderr);
    const graded = logs(join(ws, 'logs', 'grader-fake'));
    assert.equal(graded.length, server.requestsOf('chat').length);
    assert.ok(graded.every((l) => (l.response as { object?: string }).object === 'chat.completion'));
  });

  test('without the option nothing is logged', async () => {
    const ws = workspace({
      'configs/models/t/m.yaml': `model: m\napi: custom\nbase_url: ${server.url}/v1\napi_key_env: FAKE_KEY\n`,
      'data.jsonl': data,
    });
    const run = await qed(['run', '--model-config', 't/m', '--data-path', 'data.jsonl', '--output-path', 'o.jsonl'], {
      cwd: ws,
      env,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(readdirSync(ws).sort(), ['configs', 'data.jsonl', 'o.jsonl']);
  });
});
