// Rough edges a new user hits on the command line (issue 13, items 10 and 11), each against the
// demo model on loopback.
import { describe, test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, ensureBuilt, qed, readJsonl, workspace } from './helpers';
import { DEMO_MODEL, startDemoServer, type DemoServer } from '../../src/core/demo';

const rows = Array.from({ length: 40 }, (_, i) => ({
  problem_id: `E${i + 1}`,
  problem: `Show that ${i} + 1 > ${i}.`,
  solution: `Since 1 > 0, adding ${i} to both sides gives it.`,
  grading_guidelines: '(Full) 7',
}));
const data = rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
let server: DemoServer;
const dirs: string[] = [];
before(async () => {
  server = await startDemoServer(rows);
});
after(async () => {
  await server.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const ws = (files: Record<string, string>) => {
  const d = workspace({
    'd.jsonl': data,
    'm.yaml': `model: ${DEMO_MODEL}\napi: custom\nbase_url: ${server.baseUrl}\nconcurrent_requests: 64\n`,
    ...files,
  });
  dirs.push(d);
  return d;
};

describe('qed on the command line', () => {
  test('an unknown option gets "did you mean"', async () => {
    const r = await qed(['run', '--limt', '3'], { cwd: ws({}) });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown option '--limt' — did you mean --limit\?/);
    const far = await qed(['eval', '--zzzzzz'], { cwd: ws({}) });
    assert.match(far.stderr, /unknown option '--zzzzzz'\n/);
  });

  test('--quiet prints only the summary line: no per-row lines (here: unreadable grader replies)', async () => {
    const dir = ws({});
    assert.equal(
      (
        await qed(
          [
            'run',
            '--model-config',
            'm.yaml',
            '--data-path',
            'd.jsonl',
            '--output-path',
            'o.jsonl',
            '--limit',
            '3',
            '--quiet',
          ],
          { cwd: dir },
        )
      ).code,
      0,
    );
    // The demo *solver* as grader: its replies have no <points>, so every row is unreadable.
    const loud = await qed(['eval', '--model-config', 'm.yaml', '--data-path', 'o.jsonl'], { cwd: dir });
    assert.match(loud.stderr, /row 1: could not read the grader's reply/);
    const quiet = await qed(['eval', '--model-config', 'm.yaml', '--data-path', 'o.jsonl', '--quiet'], { cwd: dir });
    assert.equal(quiet.code, 1);
    assert.deepEqual(quiet.stderr.trim().split('\n').length, 1, quiet.stderr);
    assert.match(quiet.stderr, /^finished with problems: 0\/3 rows graded, .* 3 unreadable grader replies/);
  });

  test('no MaxListenersExceededWarning at a high concurrency', async () => {
    const dir = ws({});
    const r = await qed(
      ['run', '--model-config', 'm.yaml', '--data-path', 'd.jsonl', '--output-path', 'o.jsonl', '--concurrency', '40'],
      { cwd: dir },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /MaxListenersExceeded|memory leak/);
    const g = await qed(
      ['eval', '--model-config', 'm.yaml', '--data-path', 'o.jsonl', '--concurrency', '40', '--quiet'],
      { cwd: dir },
    );
    assert.doesNotMatch(g.stderr, /MaxListenersExceeded|memory leak/);
  });

  test('a closed pipe (qed -h | head) is no error: no EPIPE stack', async () => {
    ensureBuilt();
    for (const args of [['-h'], ['config', 'list'], ['run', '--help']]) {
      const p = spawn(process.execPath, [CLI, ...args], { cwd: ws({}), stdio: ['ignore', 'pipe', 'pipe'] });
      // The reader is gone before the first write.
      p.stdout.destroy();
      let stderr = '';
      p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((res) => p.on('close', (c) => res(c)));
      assert.doesNotMatch(stderr, /EPIPE|internal error|at .*\.js:\d+/, `${args.join(' ')}: ${stderr}`);
      assert.equal(code, 0, `${args.join(' ')}: ${stderr}`);
    }
  });

  test('qed config list: grouped by provider (api), agents last and marked runnable or not', async () => {
    const dir = ws({
      'configs/models/local/judge.yaml': 'model: judge\napi: custom\nbase_url: http://127.0.0.1:9/v1\n',
      'configs/models/top.yaml': 'model: x\napi: openrouter\n',
      'configs/models/broken-agent.yaml':
        'type: agent\nmodel_config: models/google/gemini-2.5-pro\nscaffold_config: agents/math_agent\n',
    });
    const r = await qed(['config', 'list'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const groups = r.stdout.split('\n').filter((l) => l && !l.startsWith(' '));
    assert.deepEqual(groups, [...groups.slice(0, -1).sort(), 'agents'], 'providers in order, agents last, each once');
    const section = (g: string) => r.stdout.split('\n\n').find((s) => s.startsWith(`${g}\n`)) ?? '';
    assert.match(section('custom'), /local\/judge\s+custom: judge/);
    assert.match(section('openrouter'), /\n {2}top\s+openrouter: x/);
    assert.match(section('agents'), /agents\/nano-rsa .*runnable/);
    assert.match(section('agents'), /broken-agent .*✗ not runnable: .*calls tools.*Gemini API/);
    const json = JSON.parse((await qed(['config', 'list', '--json'], { cwd: dir })).stdout) as Array<{
      id: string;
      runnable?: boolean;
    }>;
    assert.equal(json.find((c) => c.id === 'broken-agent')?.runnable, false);
    assert.equal(json.find((c) => c.id === 'agents/nano-rsa')?.runnable, true);
  });

  test("replies without the config's </think> are said at once and in the summary, not a silent 0", async () => {
    const dir = ws({
      't.yaml': `model: ${DEMO_MODEL}\napi: custom\nbase_url: ${server.baseUrl}\ndelimiters:\n  - </think>\n`,
    });
    const r = await qed(
      [
        'run',
        '--model-config',
        't.yaml',
        '--data-path',
        'd.jsonl',
        '--output-path',
        'o.jsonl',
        '--limit',
        '4',
        '--quiet',
      ],
      { cwd: dir },
    );
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(
      lines.filter((l) => /^warning: the reply for E\d+@0 has no `<\/think>` \(the config's delimiters\)/.test(l))
        .length,
      1,
      r.stderr,
    );
    assert.match(lines[lines.length - 1], /4 replies had no `<\/think>`: their answers are empty/);
    assert.ok(readJsonl(join(dir, 'o.jsonl')).every((row) => row.model_solution === ''));
    // With the marker in the reply, nothing is said.
    const ok = await qed(
      [
        'run',
        '--model-config',
        'm.yaml',
        '--data-path',
        'd.jsonl',
        '--output-path',
        'p.jsonl',
        '--limit',
        '2',
        '--quiet',
      ],
      { cwd: dir },
    );
    assert.doesNotMatch(ok.stderr, /had no|has no/);
  });
});
