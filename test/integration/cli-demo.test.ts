// qed demo: the README's first command, as a new user's first minute — from a fresh clone, with
// no key and no network — and qed run --max-cost against the same demo model.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, qed, readJsonl, workspace, type CliResult } from './helpers';
import { DEMO_MODEL, DEMO_NOTICE, prepareDemo, runDemo, startDemoServer } from '../../src/core/demo';

const cleanup: string[] = [];
after(() => {
  for (const d of cleanup) rmSync(d, { recursive: true, force: true });
});

/** `qed` as built in the fresh clone (its own dist/cli.js), HOME inside the clone. */
function cloneQed(clone: string, args: string[], env: Record<string, string>): Promise<CliResult> {
  return qed(args, { cwd: clone, env, cli: join(clone, 'dist', 'cli.js') });
}

const headCommitted = spawnSync('git', ['-C', ROOT, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).status === 0;

describe('qed demo', () => {
  test(
    'from a fresh clone: README first line builds and runs the demo with no key and no network',
    { skip: headCommitted ? false : 'not a git checkout: no clone to make' },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'qed-clone-'));
      cleanup.push(dir);
      const clone = join(dir, 'repo');
      const c = spawnSync('git', ['clone', '--quiet', '--no-hardlinks', ROOT, clone], { encoding: 'utf8' });
      assert.equal(c.status, 0, c.stderr);
      symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');
      // The README's first command, with the viewer left out (a test cannot press Ctrl-C).
      const first = readFileSync(join(clone, 'README.md'), 'utf8')
        .split('\n')
        .find((l) => l.includes('dist/cli.js demo'));
      assert.ok(first, 'the README names `node dist/cli.js demo` in its first commands');
      const b = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: clone, encoding: 'utf8' });
      assert.equal(b.status, 0, b.stderr);
      // No key of any provider, and a proxy that would fail any request leaving the machine.
      const r = await cloneQed(clone, ['demo', '--no-view'], {
        HTTPS_PROXY: 'http://127.0.0.1:9',
        HTTP_PROXY: 'http://127.0.0.1:9',
      });
      assert.equal(r.code, 0, r.stderr);
      const proofs = readJsonl(join(clone, 'outputs/demo/demo-proofs.jsonl'));
      const answers = readJsonl(join(clone, 'outputs/demo/demo-answers.jsonl'));
      assert.equal(proofs.length, 3);
      assert.equal(answers.length, 4);
      for (const row of [...proofs, ...answers]) {
        // The reply is the reference solution, and says it is the demo's.
        assert.match(String(row.model_solution), /^\*Demo model \(qed demo\)/);
        assert.ok(String(row.model_solution).includes(String(row.solution)));
        assert.equal((row.qed_run as { model: string }).model, DEMO_MODEL);
        assert.match((row.qed_grade as { model: string }).model, /demo/);
      }
      // Proofs: the demo grader, saying so in its grade; final answers: the real checker, no judge.
      for (const row of proofs) {
        assert.equal(row.score, 7);
        assert.match(
          String((row.grade as Array<{ desc: string }>)[0].desc),
          /Demo grader \(qed demo\): not a real judgement/,
        );
      }
      for (const row of answers) {
        assert.equal(row.score, 1);
        assert.equal(row.judge_method, 'deterministic');
        assert.equal(row.extracted_answer, row.answer);
      }
      // qed stats ran on both files.
      assert.match(r.stdout, /demo-proofs\.jsonl: 3 rows[\s\S]*Overall \(graded rows only, points \/ 7\)\s+7\.00/);
      assert.match(r.stdout, /demo-answers\.jsonl: 4 rows[\s\S]*Overall \(graded rows only, points \/ 1\)\s+1\.00/);
      assert.match(r.stderr, /qed demo: demo model 'qed-demo' on http:\/\/127\.0\.0\.1:\d+\/v1/);
      assert.match(r.stderr, /qed demo: done\./);
    },
  );

  test('--data-path: your own problems; a problem without a reference gets an honest reply and 0', async () => {
    const ws = workspace({
      'mine.jsonl':
        [
          {
            problem_id: 'M1',
            problem: 'Show that $1+1=2$.',
            solution: 'By definition of $2$ as the successor of $1$.',
            grading_guidelines: '(Full) 7',
          },
          { problem_id: 'M2', problem: 'Show that $2+2=4$.', solution: '', grading_guidelines: '(Full) 7' },
        ]
          .map((r) => JSON.stringify(r))
          .join('\n') + '\n',
    });
    cleanup.push(ws);
    const r = await qed(['demo', '--no-view', '--data-path', 'mine.jsonl', '--output-dir', 'out'], { cwd: ws });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!existsSync(join(ws, 'out/demo-answers.jsonl')), 'no final-answer rows, no final-answer run');
    const rows = readJsonl(join(ws, 'out/demo-proofs.jsonl'));
    assert.deepEqual(
      rows.map((x) => x.score),
      [7, 0],
    );
    assert.match(String(rows[1].model_solution), /gives no reference solution/);
  });

  test('runDemo (VS Code\'s "Try the demo") runs and grades through the engine', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qed-demo-'));
    cleanup.push(dir);
    const plan = await prepareDemo({ shippedRoot: join(ROOT, 'configs'), outputDir: dir });
    try {
      const results = await runDemo(plan, { shippedRoot: join(ROOT, 'configs') });
      assert.deepEqual(
        results.map((x) => [x.part.mode, x.run.done, x.grade.done, x.run.failed + x.grade.failed]),
        [
          ['proof', 3, 3, 0],
          ['final-answer', 4, 4, 0],
        ],
      );
      assert.ok(plan.server.requests >= 3 + 3 + 4);
      assert.match(DEMO_NOTICE, /^Demo:/);
    } finally {
      await plan.server.close();
    }
  });
});

describe('qed run --max-cost', () => {
  const priced = (baseUrl: string) =>
    `model: ${DEMO_MODEL}\napi: custom\nbase_url: ${baseUrl}\nmax_tokens: 1000\nread_cost: 1000\nwrite_cost: 1000\n`;
  const data =
    JSON.stringify({ problem_id: 'C1', problem: 'Show that $3 > 2$.', solution: 'Since $3 = 2 + 1$.' }) + '\n';

  test('above the limit and not on a terminal: stops before any request, exit 2, with the estimate', async () => {
    const server = await startDemoServer([]);
    const ws = workspace({ 'm.yaml': priced(server.baseUrl), 'd.jsonl': data });
    cleanup.push(ws);
    try {
      const r = await qed(
        ['run', '--model-config', 'm.yaml', '--data-path', 'd.jsonl', '--output-path', 'o.jsonl', '--max-cost', '0.5'],
        { cwd: ws },
      );
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /may cost up to \$1\.\d+, above --max-cost \$0\.5/);
      assert.match(r.stderr, /1 problems × 1 run\(s\), about \d+ input and up to 1000 output tokens each/);
      assert.equal(server.requests, 0);
      assert.ok(!existsSync(join(ws, 'o.jsonl')));
    } finally {
      await server.close();
    }
  });

  test('within the limit: says the estimate and runs', async () => {
    const rows = [JSON.parse(data) as Record<string, unknown>];
    const server = await startDemoServer(rows);
    const ws = workspace({ 'm.yaml': priced(server.baseUrl), 'd.jsonl': data });
    cleanup.push(ws);
    try {
      const r = await qed(
        ['run', '--model-config', 'm.yaml', '--data-path', 'd.jsonl', '--output-path', 'o.jsonl', '--max-cost', '5'],
        { cwd: ws },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /estimated cost at most \$1\.\d+: .* \(within --max-cost \$5/);
      assert.equal(server.requests, 1);
    } finally {
      await server.close();
    }
  });
});
