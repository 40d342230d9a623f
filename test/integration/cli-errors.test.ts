/**
 * User mistakes and a hostile environment through the built CLI: each case ends with one clean
 * `qed: error:` line (no stack trace) and the exit status the CLI promises — 2 for bad input or
 * a machine problem, 1 for a request that failed, never 70 (which is kept for bugs).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FakeLlmServer, type FakeStep } from '../fake-llm/server';
import { ROOT, problems, qed, workspace, type CliResult } from './helpers';

let server: FakeLlmServer;
before(async () => {
  server = await FakeLlmServer.start();
});
after(() => server.close());

const fakeConfig = (): string => `model: m\napi: custom\nbase_url: ${server.url}/v1\nmax_retries: 0\nsleep_on_error: 0.01\n`;

/** The run's stderr has a clean error line and no stack trace. */
function assertClean(r: CliResult, code: number, message: RegExp): void {
  assert.equal(r.code, code, `exit status\n${r.stderr}`);
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+\)?\n|internal error/, 'no stack trace');
}

function runWs(): string {
  return workspace({ 'configs/models/mine/fake.yaml': fakeConfig(), 'data.jsonl': problems(2) });
}

const run = (ws: string, out: string, extra: string[] = [], env: Record<string, string> = {}) =>
  qed(['run', '--model-config', 'mine/fake', '--data-path', 'data.jsonl', '--output-path', out, '--quiet', ...extra], { cwd: ws, env });

describe('--output-path that cannot be written', () => {
  test('a folder', async () => {
    const ws = runWs();
    mkdirSync(join(ws, 'out'));
    server.clearRequests();
    const r = await run(ws, 'out');
    assertClean(r, 2, /qed: error: .*out: '--output-path': this is a folder; the output must be a file\n/);
    assert.equal(server.requests.length, 0, 'nothing is asked of the model');
  });

  test('a path under a regular file', async () => {
    const ws = runWs();
    writeFileSync(join(ws, 'notes'), 'text');
    const r = await run(ws, 'notes/run/out.jsonl');
    assertClean(r, 2, /cannot create the output under .*notes: it is a file, not a folder/);
  });

  test('a folder that is not writable', async () => {
    const ws = runWs();
    let out: string;
    if (process.getuid?.() === 0) {
      // root may write anywhere chmod forbids; sysfs refuses new files even to root.
      if (!existsSync('/sys/kernel')) return;
      out = '/sys/kernel/qed-out.jsonl';
    } else {
      mkdirSync(join(ws, 'ro'));
      chmodSync(join(ws, 'ro'), 0o555);
      out = 'ro/out.jsonl';
    }
    server.clearRequests();
    const r = await run(ws, out);
    assertClean(r, 2, /cannot write to the folder .*: (permission denied|operation not permitted|the file system is read-only)\n/);
    assert.equal(server.requests.length, 0);
  });

  test('eval and the rubric tools check it too', async () => {
    const ws = workspace({
      'configs/models/mine/fake.yaml': fakeConfig(),
      'solved.jsonl': JSON.stringify({ problem_id: 'A', problem: 'p', solution: 'r', model_solution: 's', grading_guidelines: 'g' }) + '\n',
    });
    mkdirSync(join(ws, 'out'));
    const r = await qed(['eval', '--model-config', 'mine/fake', '--data-path', 'solved.jsonl', '--output-path', 'out', '--quiet'], { cwd: ws });
    assertClean(r, 2, /this is a folder; the output must be a file/);
  });
});

describe('--model-config naming a folder', () => {
  test('a folder of configs, by path or by name', async () => {
    const ws = runWs();
    for (const ref of ['configs/models/mine', 'mine']) {
      const r = await run(ws, 'out.jsonl', [], {});
      assert.equal(r.code, 0, r.stderr); // the sane run works…
      const bad = await qed(['run', '--model-config', ref, '--data-path', 'data.jsonl', '--output-path', 'o.jsonl'], { cwd: ws });
      assertClean(bad, 2, /mine: this is a folder, not a config file\n {2}hint: name one config in it, e\.g\. mine\/fake/);
    }
    const t = await qed(['config', 'test', 'mine'], { cwd: ws });
    assertClean(t, 2, /this is a folder, not a config file/);
  });
});

describe('qed config test against a failing server', () => {
  const cases: Array<[string, FakeStep, RegExp]> = [
    ['401', { kind: 'status', status: 401, message: 'Invalid key, go away' }, /failed: HTTP 401: Invalid key, go away\n/],
    ['500', { kind: 'status', status: 500, message: 'Boom inside' }, /failed: HTTP 500: Boom inside\n/],
    ['502', { kind: 'status', status: 502, body: '<html><body><h1>502 Bad Gateway</h1></body></html>' }, /failed: HTTP 502: 502 Bad Gateway\n/],
    ['garbage', { kind: 'garbage' }, /failed: malformed response from the API/],
  ];
  for (const [name, step, message] of cases) {
    test(name, async () => {
      const ws = workspace({ 'configs/models/mine/fake.yaml': fakeConfig() });
      server.script(step);
      const r = await qed(['config', 'test', 'mine/fake'], { cwd: ws });
      assertClean(r, 1, new RegExp(`qed config test: mine/fake \\(custom: m\\) ${message.source}`));
      assert.equal(r.stdout, '');
    });
  }
});

describe('a full disk', () => {
  const preload = join(ROOT, 'test', 'fixtures', 'preload', 'enospc.mjs');
  const cases: Array<[string, string]> = [
    ['from the start (the lock cannot be written)', 'out\\.jsonl'],
    ['once the lock is taken (journal and output)', 'out\\.jsonl(?!\\.lock)'],
  ];
  for (const [name, files] of cases) {
    test(`exit 2 and one line saying so: ${name}`, async () => {
      const ws = runWs();
      const r = await run(ws, 'out.jsonl', [], { NODE_OPTIONS: `--import ${pathToFileURL(preload).href}`, QED_TEST_ENOSPC: files });
      assertClean(r, 2, /^qed: error: the disk is full \(no space left on device\): cannot write .*out\.jsonl.*$/m);
      assert.doesNotMatch(r.stderr, /ENOSPC/);
      const errorLines = r.stderr.split('\n').filter((l) => l.startsWith('qed: error') || l.startsWith('  hint'));
      assert.equal(errorLines.length, 1, r.stderr);
    });
  }
});
