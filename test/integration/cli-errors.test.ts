/**
 * User mistakes and a hostile environment through the built CLI: each case ends with one clean
 * `qed: error:` line (no stack trace) and the exit status the CLI promises — 2 for bad input or
 * a machine problem, 1 for a request that failed, never 70 (which is kept for bugs).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FakeLlmServer, type FakeStep } from '../fake-llm/server';
import { ROOT, problems, qed, workspace, type CliResult } from './helpers';

let server: FakeLlmServer;
before(async () => {
  server = await FakeLlmServer.start();
});
after(() => server.close());

const fakeConfig = (): string =>
  `model: m\napi: custom\nbase_url: ${server.url}/v1\nmax_retries: 0\nsleep_on_error: 0.01\n`;

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
  qed(['run', '--model-config', 'mine/fake', '--data-path', 'data.jsonl', '--output-path', out, '--quiet', ...extra], {
    cwd: ws,
    env,
  });

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
    assertClean(
      r,
      2,
      /cannot write to the folder .*: (permission denied|operation not permitted|the file system is read-only)\n/,
    );
    assert.equal(server.requests.length, 0);
  });

  test('eval and the rubric tools check it too', async () => {
    const ws = workspace({
      'configs/models/mine/fake.yaml': fakeConfig(),
      'solved.jsonl':
        JSON.stringify({ problem_id: 'A', problem: 'p', solution: 'r', model_solution: 's', grading_guidelines: 'g' }) +
        '\n',
    });
    mkdirSync(join(ws, 'out'));
    const r = await qed(
      ['eval', '--model-config', 'mine/fake', '--data-path', 'solved.jsonl', '--output-path', 'out', '--quiet'],
      { cwd: ws },
    );
    assertClean(r, 2, /this is a folder; the output must be a file/);
  });
});

describe('--model-config naming a folder', () => {
  test('a folder of configs, by path or by name', async () => {
    const ws = runWs();
    for (const ref of ['configs/models/mine', 'mine']) {
      const r = await run(ws, 'out.jsonl', [], {});
      assert.equal(r.code, 0, r.stderr); // the sane run works…
      const bad = await qed(['run', '--model-config', ref, '--data-path', 'data.jsonl', '--output-path', 'o.jsonl'], {
        cwd: ws,
      });
      assertClean(
        bad,
        2,
        /mine: this is a folder, not a config file\n {2}hint: name one config in it, e\.g\. mine\/fake/,
      );
    }
    const t = await qed(['config', 'test', 'mine'], { cwd: ws });
    assertClean(t, 2, /this is a folder, not a config file/);
  });
});

describe('qed config test against a failing server', () => {
  const cases: Array<[string, FakeStep, RegExp]> = [
    [
      '401',
      { kind: 'status', status: 401, message: 'Invalid key, go away' },
      /failed: HTTP 401: Invalid key, go away\n/,
    ],
    ['500', { kind: 'status', status: 500, message: 'Boom inside' }, /failed: HTTP 500: Boom inside\n/],
    [
      '502',
      { kind: 'status', status: 502, body: '<html><body><h1>502 Bad Gateway</h1></body></html>' },
      /failed: HTTP 502: 502 Bad Gateway\n/,
    ],
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

  test('Gemini: the message inside the JSON error body', async () => {
    const ws = workspace({
      'configs/models/mine/gem.yaml': `model: gemini-2.5-pro\napi: google\nbase_url: ${server.url}\napi_key_env: GEM_KEY\nmax_retries: 0\n`,
    });
    server.script({ kind: 'status', status: 403, message: 'API key not valid. Please pass a valid API key.' });
    const r = await qed(['config', 'test', 'mine/gem'], {
      cwd: ws,
      env: { GEM_KEY: 'AIza-fake-0123456789abcdefghijkl' },
    });
    assertClean(
      r,
      1,
      /qed config test: mine\/gem \(google: gemini-2\.5-pro\) failed: HTTP 403: API key not valid\. Please pass a valid API key\.\n/,
    );
  });
});

describe('a full disk', () => {
  const preload = join(ROOT, 'test', 'fixtures', 'preload', 'enospc.mjs');
  const cases: Array<[string, string, RegExp]> = [
    [
      'from the start (the lock cannot be written)',
      'out\\.jsonl',
      /^qed: error: .*out\.jsonl: cannot create the lock file out\.jsonl\.lock \(the disk is full\); nothing was written$/m,
    ],
    [
      'once the lock is taken (journal and output)',
      'out\\.jsonl(?!\\.lock)',
      /^qed: error: the disk is full \(no space left on device\): cannot write .*out\.jsonl.*$/m,
    ],
  ];
  for (const [name, files, says] of cases) {
    test(`exit 2 and one line saying so: ${name}`, async () => {
      const ws = runWs();
      const r = await run(ws, 'out.jsonl', [], {
        NODE_OPTIONS: `--import ${pathToFileURL(preload).href}`,
        QED_TEST_ENOSPC: files,
      });
      assertClean(r, 2, says);
      assert.doesNotMatch(r.stderr, /ENOSPC/);
      // One error line (a hint saying what to do may follow it).
      const errorLines = r.stderr.split('\n').filter((l) => l.startsWith('qed: error'));
      assert.equal(errorLines.length, 1, r.stderr);
    });
  }

  test('when the finished output cannot be rewritten: exit 2, the file as it was, no lock left behind', async () => {
    const ws = runWs();
    const first = await run(ws, 'out.jsonl');
    assert.equal(first.code, 0, first.stderr);
    const before = readFileSync(join(ws, 'out.jsonl'), 'utf8');
    // Every row is done: the run only rewrites the output, into a temporary file that cannot be written.
    const r = await run(ws, 'out.jsonl', [], {
      NODE_OPTIONS: `--import ${pathToFileURL(preload).href}`,
      QED_TEST_ENOSPC: '\\.out\\.jsonl\\.\\d+\\.[0-9a-f]+\\.tmp$',
    });
    assertClean(r, 2, /^qed: error: the disk is full \(no space left on device\): cannot write .*out\.jsonl$/m);
    assert.equal(readFileSync(join(ws, 'out.jsonl'), 'utf8'), before);
    assert.equal(existsSync(join(ws, 'out.jsonl.lock')), false, 'the lock is released');
  });
});

describe('odd files', () => {
  const graded = (id: string) =>
    JSON.stringify({
      problem_id: id,
      problem: `Problem ${id}`,
      solution: 'ref',
      grading_guidelines: 'g',
      model_solution: 'a proof',
    });
  const deep = (id: string, levels = 100_000) =>
    `{"problem_id":"${id}","problem":"Problem ${id}","solution":"ref","grading_guidelines":"g","model_solution":"a proof","extra":${'['.repeat(levels)}${']'.repeat(levels)}}`;

  test('eval: a BOM is accepted; a row nested 100 000 levels deep gets an error, the others are graded, nothing is lost (exit 1)', async () => {
    const ws = workspace({
      'configs/models/mine/fake.yaml': fakeConfig(),
      'res.jsonl': `\ufeff${graded('A')}\n${deep('B')}\n${graded('C')}\n`,
    });
    server.script({ text: '<points>7 out of 7</points>' }, { text: '<points>7 out of 7</points>' });
    server.clearRequests();
    // Without --quiet: the row's line says why (--quiet keeps only the summary line).
    const r = await qed(
      ['eval', '--model-config', 'mine/fake', '--data-path', 'res.jsonl', '--output-path', 'out.jsonl'],
      { cwd: ws },
    );
    assertClean(r, 1, /not sent: the row is nested more than 1000 levels deep, too deep to read safely/);
    assert.equal(server.requestsOf('chat').length, 2, 'the deep row is not sent');
    const lines = readFileSync(join(ws, 'out.jsonl'), 'utf8').split('\n').filter(Boolean);
    assert.equal(lines.length, 3);
    const [a, b, c] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(a.problem_id, 'A');
    assert.equal(a.score, 7);
    assert.equal(c.score, 7);
    assert.equal(b.score, null);
    assert.match(String(b.grade_error), /too deep to read safely/);
    assert.ok(lines[1].startsWith(deep('B').slice(0, -1)), 'the deep column is written back as it was');
  });

  test('run: a dataset row nested too deep is recorded as a failed row (exit 1)', async () => {
    const ws = workspace({
      'configs/models/mine/fake.yaml': fakeConfig(),
      'data.jsonl': `${problems(1)}${deep('B')}\n`,
    });
    // Without --quiet: the row's line says why (--quiet keeps only the summary line).
    const r = await qed(
      ['run', '--model-config', 'mine/fake', '--data-path', 'data.jsonl', '--output-path', 'out.jsonl'],
      { cwd: ws },
    );
    assertClean(r, 1, /B@0: failed for good: not sent: the row is nested more than 1000 levels deep/);
    const rows = readFileSync(join(ws, 'out.jsonl'), 'utf8').split('\n').filter(Boolean);
    assert.equal(rows.length, 2);
    assert.match(String((JSON.parse(rows[1]) as Record<string, unknown>).error), /too deep/);
  });

  test('stats reads a results file with a BOM', async () => {
    const ws = workspace({
      'res.jsonl': `\ufeff${JSON.stringify({ problem_id: 'A', score: 7, schema_0: [{ title: 't', desc: '', points: 7 }] })}\n`,
    });
    const r = await qed(['stats', 'res.jsonl'], { cwd: ws });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /graded\s+1/);
  });
});
