/**
 * Cross-check: the original's own stats.py (read from the mirror of the Python stack, run by a
 * Python with pandas) prints the same strings as `qed stats` shows under its column names, on the
 * fixtures of test/fixtures/stats/original. Skipped with a message when the mirror or pandas is
 * not there (a fresh clone passes without them). QED_ORIGINAL_REPO: the bare git repository of
 * the original; QED_PYTHON: a python with pandas and numpy.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  expandStatsPaths,
  loadStatsFiles,
  summarizeGrader,
  summarizeResults,
  type MergeMethod,
} from '../../src/core/stats';

const DIR = path.resolve(__dirname, '../fixtures/stats/original');
const REPO = process.env.QED_ORIGINAL_REPO ?? '/work/.mirror/CMU-AIRe+QED-Nano/repo';
const PYTHON = process.env.QED_PYTHON ?? 'python3';

function findScript(): { script?: string; skip?: string } {
  let source: string;
  try {
    source = execFileSync('git', ['-C', REPO, 'show', 'HEAD:eval/scripts/stats.py'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return { skip: `the original's repository is not at ${REPO} (set QED_ORIGINAL_REPO)` };
  }
  const probe = spawnSync(PYTHON, ['-c', 'import pandas, numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) return { skip: `${PYTHON} has no pandas/numpy (set QED_PYTHON to a python that has them)` };
  const script = path.join(mkdtempSync(path.join(tmpdir(), 'qed-orig-stats-')), 'stats.py');
  writeFileSync(script, source);
  return { script };
}
const found = findScript();

function runOriginal(args: string[]): string {
  const r = spawnSync(PYTHON, [found.script as string, ...args], { encoding: 'utf8', cwd: DIR });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** The results table: [header, value] per column. */
function parseResults(out: string): { title: string; cells: Array<[string, string]> } {
  const lines = out.split('\n');
  const t = lines.findIndex((l) => l.startsWith('Summary Table'));
  const header = lines[t + 2];
  const values = lines[t + 4];
  // Columns are left-aligned at a fixed width, one space apart: cut both lines at the same offsets.
  const width = header.search(/(?<=\s{2})\S/) - 1;
  const cells: Array<[string, string]> = [];
  for (let k = 0; k * (width + 1) < header.trimEnd().length; k++) {
    const at = k * (width + 1);
    cells.push([header.slice(at, at + width).trim(), values.slice(at, at + width).trim()]);
  }
  return { title: lines[t], cells };
}

/** The grader table (`name` padded to 25, then the value) and the score distribution. */
function parseGrader(out: string): { figures: Array<[string, string]>; distribution: Array<[string, number]> } {
  const lines = out.split('\n');
  const figures: Array<[string, string]> = [];
  const start = lines.findIndex((l) => l.startsWith('Metric'));
  for (const l of lines.slice(start + 2)) {
    if (l.startsWith('=')) break;
    if (l.startsWith('-')) continue;
    figures.push([l.slice(0, 25).trim(), l.slice(26).trim()]);
  }
  const d = lines.indexOf('graded_score');
  const distribution: Array<[string, number]> = [];
  for (const l of lines.slice(d + 1)) {
    if (l.startsWith('Name:')) break;
    const [k, v] = l.trim().split(/\s+/);
    distribution.push([k, Number(v)]);
  }
  return { figures, distribution };
}

const skip = found.skip ?? false;

/** A small deterministic generator (numbers in [0, 1)), so the generated files are the same every run. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

describe('the original stats.py prints what qed stats shows under its names', { skip }, () => {
  const resultsCases: Array<[string[], MergeMethod]> = [
    [['one.jsonl'], 'mean'],
    [['graded-only.jsonl'], 'mean'],
    [['runs'], 'mean'],
    [['runs'], 'max'],
    [['runs'], 'min'],
  ];
  for (const [files, method] of resultsCases) {
    test(`${files.join(' ')} --merge-method ${method}`, async () => {
      const theirs = parseResults(runOriginal([...files, '--merge-method', method]));
      const inputs = await loadStatsFiles(await expandStatsPaths(files.map((f) => path.join(DIR, f))));
      const ours = summarizeResults(inputs, { mergeMethod: method }).original;
      assert.equal(ours.title, theirs.title);
      assert.deepEqual(
        ours.columns.map((c) => [c.name, c.text]),
        theirs.cells,
      );
    });
  }

  test('generated: three runs of 150 rows (null scores, missing tokens, empty solutions), each merge method', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'qed-orig-gen-'));
    const rand = lcg(7);
    const files = [0, 1, 2].map((k) => {
      const rows = Array.from({ length: 150 }, (_, i) => ({
        problem_id: `PB-${i % 3 ? 'Advanced' : 'Basic'}-${String(i).padStart(3, '0')}`,
        model_solution: rand() < 0.05 ? '' : 'proof',
        score: rand() < 0.1 ? null : Math.floor(rand() * 8),
        ...(rand() < 0.05 ? {} : { cost_run: { output_tokens: Math.floor(rand() * 30000) } }),
        grade_cost: { input_tokens: 1000 + Math.floor(rand() * 20000), output_tokens: Math.floor(rand() * 5000) },
      }));
      const file = path.join(dir, `run-${k}.jsonl`);
      writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
      return file;
    });
    for (const method of ['mean', 'max', 'min'] as const) {
      for (const set of [files, files.slice(0, 1)]) {
        const theirs = parseResults(runOriginal([...set, '--merge-method', method]));
        const ours = summarizeResults(await loadStatsFiles(set), { mergeMethod: method }).original;
        assert.deepEqual(
          ours.columns.map((c) => [c.name, c.text]),
          theirs.cells,
          `${method} × ${set.length}`,
        );
      }
    }
  });

  test('generated: a grader file of 160 rows over 12 problems, and two merged', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'qed-orig-gen-'));
    const rand = lcg(11);
    const points = Array.from({ length: 160 }, () => Math.floor(rand() * 8));
    const files = [0, 1].map((k) => {
      const rows = points.map((p, i) => ({
        problem_id: `P${i % 12}`,
        graded_score: rand() < 0.08 ? null : Math.floor(rand() * 8),
        points: p,
        cost_run: { output_tokens: Math.floor(rand() * 30000) },
        grade_cost: { input_tokens: 1000 + Math.floor(rand() * 20000), output_tokens: Math.floor(rand() * 5000) },
      }));
      const file = path.join(dir, `grades-${k}.jsonl`);
      writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
      return file;
    });
    for (const set of [files.slice(0, 1), files]) {
      const theirs = parseGrader(runOriginal(['--grader', ...set]));
      const ours = summarizeGrader(await loadStatsFiles(set)).original;
      assert.ok(ours);
      assert.deepEqual(
        ours.figures.map((f) => [f.name, f.text]),
        theirs.figures,
      );
      assert.deepEqual(
        ours.distribution.map((d) => [d.text, d.count]),
        theirs.distribution,
      );
    }
  });

  const graderCases: Array<[string[], MergeMethod]> = [
    [['g1.jsonl'], 'mean'],
    [['g1.jsonl', 'g2.jsonl'], 'mean'],
    [['g1.jsonl', 'g2.jsonl'], 'max'],
    [['g1.jsonl', 'g2.jsonl'], 'min'],
  ];
  for (const [files, method] of graderCases) {
    test(`--grader ${files.join(' ')} --merge-method ${method}`, async () => {
      const theirs = parseGrader(runOriginal(['--grader', ...files, '--merge-method', method]));
      const ours = summarizeGrader(await loadStatsFiles(files.map((f) => path.join(DIR, f))), {
        mergeMethod: method,
      }).original;
      assert.ok(ours);
      assert.deepEqual(
        ours.figures.map((f) => [f.name, f.text]),
        theirs.figures,
      );
      assert.deepEqual(
        ours.distribution.map((d) => [d.text, d.count]),
        theirs.distribution,
      );
    });
  }
});
