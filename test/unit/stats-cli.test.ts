/**
 * `qed stats` through the real entry point: src/cli/main.ts run by tsx in a child process.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '../..');
const MAIN = path.join(REPO, 'src/cli/main.ts');
const FIXTURES = 'test/fixtures/stats';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function qed(args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      cwd: REPO,
      env: { PATH: process.env.PATH },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('qed stats (CLI)', () => {
  test('--json on the hand-checked file', async () => {
    const r = await qed(['stats', `${FIXTURES}/small.jsonl`, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(j.rows, 7);
    assert.equal(j.graded, 4);
    assert.equal(j.parse_failures, 1);
    assert.equal(j.run_errors, 1);
    assert.equal(j.overall, 3.5);
    assert.equal(j.overall_percent, 50);
    assert.equal(j.truncated_fraction, 1 / 6);
    assert.deepEqual(j.cost, { generation: 2.25, grading: 0.34375, total: 2.59375 });
  });

  test('a folder and a shorter file: text tables, the warning on stderr, exit 0', async () => {
    const r = await qed(['stats', `${FIXTURES}/runs`, `${FIXTURES}/run-short.jsonl`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /^qed stats: warning: runs differ in length \(run-a\.jsonl: 2 rows, run-b\.jsonl: 2 rows, run-c\.jsonl: 2 rows, run-short\.jsonl: 1 row\)/,
    );
    assert.match(
      r.stdout,
      /^Our figures — 4 files: 7 rows, 4 runs, split Basic \/ Advanced; per-run figures across 4 runs \(std: sample, n − 1\)$/m,
    );
    assert.match(r.stdout, /^Overall \(graded rows only, points \/ 7\)\s+4\.75\s+2\.22\s+2\.00\s+7\.00\s+4$/m);
    // The original's table comes first, with its note that it would refuse files of different lengths.
    assert.match(
      r.stdout,
      /^The original's figures \(stats\.py, --merge-method mean\): Summary Table \(mean@4 runs\)$/m,
    );
    assert.match(r.stdout, /^· the files differ in length: the original refuses them/m);
    assert.match(r.stdout, /^run-short\.jsonl\s+1\s+1\s+0\s+0\s+7\.00\s+100\.0%/m);
    assert.doesNotMatch(r.stdout, /notes\.txt/);
  });

  test('--grader --markdown', async () => {
    const r = await qed(['stats', '--grader', '--markdown', `${FIXTURES}/grader.jsonl`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\| MAE \(compared rows only\) \| 1\.75 \|/m);
    // The original's MAE counts the missing grade as 0: (14 + |0 − 4|) / 9 rows with points = 2.
    assert.match(
      r.stdout,
      /^\| MAE \| 2\.0000 \| MAE \(compared rows only\) 1\.7500; grader missing 1, human missing 1 \|$/m,
    );
    assert.match(r.stdout, /^\| pairwise agreement \| 50\.0% \|/m);
  });

  test("--merge-method: the original's choices; anything else exits 2", async () => {
    // runs/: per-file means 4, 6, 2 → mean 4, max 6, min 2 (see stats.test.ts).
    for (const [method, overall] of [
      ['mean', '4.0000'],
      ['max', '6.0000'],
      ['min', '2.0000'],
    ]) {
      const r = await qed(['stats', `${FIXTURES}/runs`, '--merge-method', method]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stdout,
        new RegExp(
          `^The original's figures \\(stats\\.py, --merge-method ${method}\\): Summary Table \\(${method}@3 runs\\)$`,
          'm',
        ),
      );
      assert.match(r.stdout, new RegExp(`^Overall\\s+${overall.replace('.', '\\.')}\\s`, 'm'));
    }
    const bad = await qed(['stats', `${FIXTURES}/runs`, '--merge-method', 'median']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--merge-method.*expected one of mean, max, min, got 'median'/);
  });

  test('bad input exits 2 naming file, line and field', async () => {
    const bad = await qed(['stats', `${FIXTURES}/bad-score.jsonl`]);
    assert.equal(bad.code, 2);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /bad-score\.jsonl:3: 'score': expected a number or null/);
    const missing = await qed(['stats', `${FIXTURES}/missing.jsonl`]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /missing\.jsonl: file not found/);
    const empty = await qed(['stats', `${FIXTURES}/empty.jsonl`]);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /empty\.jsonl: the file holds no rows/);
    const both = await qed(['stats', '--json', '--markdown', `${FIXTURES}/small.jsonl`]);
    assert.equal(both.code, 2);
  });

  test('--help, and the command is listed in qed --help', async () => {
    const h = await qed(['stats', '--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /^qed stats — /);
    assert.match(h.stdout, /--grader/);
    const top = await qed(['--help']);
    assert.match(top.stdout, /^ {2}stats\s+summarise result files/m);
  });
});
