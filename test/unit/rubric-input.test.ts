import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readDataset } from '../../src/core/data';
import { QedError } from '../../src/core/errors';
import { carriedCost, loadBenchPrompt, prepareHumanGraded, rowKeys } from '../../src/core/rubric';

const FIXTURES = resolve(__dirname, '..', 'fixtures', 'rubric');
const SHIPPED = resolve(__dirname, '..', '..', 'configs');

test('row keys: a unique id column, else the position plus a hash of the content', () => {
  const withIds = rowKeys(
    [
      { problem_id: 'A', problem: 'p' },
      { problem_id: 'B', problem: 'q' },
    ],
    ['problem'],
  );
  assert.deepEqual(withIds.keys, ['A', 'B']);
  const dup = rowKeys(
    [
      { problem_id: 'A', problem: 'p' },
      { problem_id: 'A', problem: 'q' },
    ],
    ['problem'],
  );
  assert.match(dup.keys[0], /^#0:[0-9a-f]{10}$/);
  assert.notEqual(dup.keys[0].slice(3), dup.keys[1].slice(3), 'different content, different hash');
  assert.equal(
    dup.keyOf({ problem: 'q', extra: 1 }, 1),
    dup.keys[1],
    'an output row (more columns) maps back to its key',
  );
  assert.notEqual(dup.keyOf({ problem: 'changed' }, 1), dup.keys[1]);
});

test('carried cost: only from a failed row of the same config and prompt', () => {
  const id = { config_hash: 'c', prompt_hash: 'p' };
  const cost = { cost: 0.5, input_tokens: 10, output_tokens: 20, time: 1 };
  const row = { qed_x: { ...id, key: 'k' }, x_cost: cost, x_error: 'could not read' };
  assert.deepEqual(carriedCost(row, 'qed_x', 'x_cost', 'x_error', id), cost);
  assert.equal(carriedCost({ ...row, x_error: undefined }, 'qed_x', 'x_cost', 'x_error', id), undefined);
  assert.equal(carriedCost(row, 'qed_x', 'x_cost', 'x_error', { ...id, prompt_hash: 'other' }), undefined);
  assert.equal(carriedCost(undefined, 'qed_x', 'x_cost', 'x_error', id), undefined);
});

test('human-graded CSV with the IMO GradingBench headers: renamed, points as numbers', async () => {
  const ds = await readDataset(join(FIXTURES, 'gradingbench-sample.csv'));
  const rows = prepareHumanGraded(ds, true);
  assert.equal(rows.length, 6);
  assert.deepEqual(
    Object.keys(rows[0]).sort(),
    [
      'grading_guidelines',
      'grading_id',
      'model_solution',
      'points',
      'problem',
      'problem_id',
      'problem_source',
      'reward',
      'solution',
    ].sort(),
  );
  assert.deepEqual(
    rows.map((r) => r.points),
    [7, 1, 0, 7, 6, 0],
  );
});

test('human-graded rows: missing columns and bad points are refused, listing the columns', () => {
  const ds = (rows: Array<Record<string, unknown>>) => ({
    source: 'x.jsonl',
    file: '/d/x.jsonl',
    rows,
    columns: [...new Set(rows.flatMap((r) => Object.keys(r)))],
    renamed: {},
  });
  const ok = { problem: 'P', response: 'R', points: 3 };
  assert.equal(prepareHumanGraded(ds([ok]), false)[0].model_solution, 'R', 'lower-case response is the graded answer');
  assert.throws(
    () => prepareHumanGraded(ds([ok]), true),
    (e: unknown) =>
      e instanceof QedError &&
      /row 1 has no column 'solution'.*--ground-truth/s.test(e.message) &&
      /columns present: problem, model_solution, points/.test(e.message),
  );
  assert.throws(
    () => prepareHumanGraded(ds([{ problem: 'P', model_solution: 'R' }]), false),
    /row 1 has no column 'points'.*columns present: problem, model_solution/s,
  );
  assert.throws(() => prepareHumanGraded(ds([{ ...ok, points: '8' }]), false), /human points "8", not a number 0\.\.7/);
  assert.throws(() => prepareHumanGraded(ds([{ ...ok, points: 'seven' }]), false), /human points "seven"/);
  assert.throws(() => prepareHumanGraded(ds([{ points: 1, response: 'R' }]), false), /row 1 has no column 'problem'/);
  // Earlier grading columns of the input are not carried into a new experiment.
  assert.deepEqual(
    Object.keys(prepareHumanGraded(ds([{ ...ok, graded_score: 5, grade_error: 'x', score: 1 }]), false)[0]).sort(),
    ['model_solution', 'points', 'problem'],
  );
});

test('grader-bench prompts: the reference solution is shown exactly with --ground-truth', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'qed-prompt-'));
  const withRef = join(dir, 'ref.txt');
  const noRef = join(dir, 'noref.txt');
  writeFileSync(withRef, 'P {problem_statement} R {reference_solution} C {candidate_solution}');
  writeFileSync(noRef, 'P {problem_statement} G {grading_guidelines} C {candidate_solution}');
  assert.equal((await loadBenchPrompt(SHIPPED, true, withRef)).source, withRef);
  assert.equal((await loadBenchPrompt(SHIPPED, false, noRef)).source, noRef);
  await assert.rejects(
    loadBenchPrompt(SHIPPED, false, withRef),
    /shows the reference solution.*--ground-truth is not set/s,
  );
  await assert.rejects(loadBenchPrompt(SHIPPED, true, noRef), /no \{reference_solution\} or \{solution\} placeholder/);
  assert.equal((await loadBenchPrompt(SHIPPED, true)).source, 'configs/prompts/grade_imoproofbench.txt');
  const shippedNoRef = await loadBenchPrompt(SHIPPED, false);
  assert.equal(shippedNoRef.source, 'configs/prompts/grade_imoproofbench_noref.txt');
  assert.ok(!shippedNoRef.text.includes('{reference_solution}'));
});
