/** Regrading one row in place (the viewer's action): only that line changes, and never over a change on disk. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import type { QedError } from '../../src/core/errors';
import { join } from 'node:path';
import { FakeLlmServer } from '../fake-llm/server';
import { parseConfigText } from '../../src/core/config';
import type { ModelConfig } from '../../src/core/config/types';
import { createClient } from '../../src/core/llm';
import { regradeRow } from '../../src/core/grade/regrade';
import { defaultColumns, type Grader } from '../../src/core/grade/eval';
import { loadGradePrompts } from '../../src/core/grade/prompts';
import { shippedConfigsRoot } from '../../src/core/paths';
import { qed, workspace } from './helpers';

let server: FakeLlmServer;
before(async () => {
  server = await FakeLlmServer.start({ reply: () => ({ text: 'Careful check. <points>6 out of 7</points>' }) });
});
after(() => server.close());

async function grader(): Promise<Grader> {
  const cfg = parseConfigText(
    `model: g\napi: custom\nbase_url: ${server.url}/v1\nread_cost: 2\nwrite_cost: 4\n`,
    'g.yaml',
    'test/g',
  ).config as ModelConfig;
  const { prompts, source, hash } = await loadGradePrompts('proof', shippedConfigsRoot());
  return {
    client: await createClient(cfg, { getKey: () => undefined }),
    identity: {
      config: 'test/g',
      model: 'g',
      api: 'custom',
      config_hash: 'h',
      prompt: source,
      prompt_hash: hash,
      mode: 'proof',
    },
    mode: 'proof',
    columns: defaultColumns('proof'),
    prompts,
  };
}

const rows = [1, 2, 3].map((i) =>
  JSON.stringify({
    problem_id: `R-${i}`,
    problem: `P${i}`,
    solution: 'S',
    grading_guidelines: 'G',
    model_solution: `proof ${i}`,
    score: 0,
    note: 'ünïcødé ∑',
  }),
);

test('regrading row 2 rewrites only line 2, atomically', async () => {
  const dir = workspace({ 'r.jsonl': rows.join('\n') + '\n' });
  const file = join(dir, 'r.jsonl');
  const res = (await regradeRow(file, 1, await grader()))!;
  assert.equal(res.row.score, 6);
  assert.equal(res.line, 2);
  const after = readFileSync(file, 'utf8').split('\n');
  assert.equal(after.length, 4);
  assert.equal(after[0], rows[0]);
  assert.equal(after[2], rows[2]);
  assert.equal(after[3], '');
  const changed = JSON.parse(after[1]);
  assert.equal(changed.score, 6);
  assert.equal(changed.problem_id, 'R-2');
  assert.equal(changed.note, 'ünïcødé ∑');
  assert.ok(res.cost.cost > 0);
});

test('a row another program appends while the grader works is kept, after the regraded row', async () => {
  const dir = workspace({ 'r.jsonl': rows.join('\n') + '\n' });
  const file = join(dir, 'r.jsonl');
  // A run appends a row while the grader is answering (when its request arrives: no timing race).
  const late = JSON.stringify({ problem_id: 'R-4', problem: 'P4', model_solution: 'late row' });
  const busy = await FakeLlmServer.start({
    reply: () => {
      appendFileSync(file, late + '\n');
      return { text: '<points>6 out of 7</points>' };
    },
  });
  try {
    const g = await grader();
    const cfg = parseConfigText(`model: g\napi: custom\nbase_url: ${busy.url}/v1\n`, 'g.yaml', 'test/g')
      .config as ModelConfig;
    g.client = await createClient(cfg, { getKey: () => undefined });
    assert.equal((await regradeRow(file, 0, g))!.row.score, 6);
    const after = readFileSync(file, 'utf8').split('\n');
    assert.deepEqual(after.slice(1), [rows[1], rows[2], late, '']);
    assert.equal(JSON.parse(after[0]).score, 6);
  } finally {
    await busy.close();
  }
});

test('refuses to write when the row is changed by another program while the grader works', async () => {
  const dir = workspace({ 'r.jsonl': rows.join('\n') + '\n' });
  const file = join(dir, 'r.jsonl');
  const other = [rows[0].replace('proof 1', 'proof one'), rows[1]].join('\n') + '\n';
  const busy = await FakeLlmServer.start({
    reply: () => {
      // Another tool writes a new file in place of this one (a new inode).
      writeFileSync(`${file}.new`, other);
      renameSync(`${file}.new`, file);
      return { text: '<points>6 out of 7</points>' };
    },
  });
  try {
    const g = await grader();
    const cfg = parseConfigText(`model: g\napi: custom\nbase_url: ${busy.url}/v1\n`, 'g.yaml', 'test/g')
      .config as ModelConfig;
    g.client = await createClient(cfg, { getKey: () => undefined });
    await assert.rejects(regradeRow(file, 0, g), /changed on disk.*nothing was written/s);
    assert.equal(readFileSync(file, 'utf8'), other);
  } finally {
    await busy.close();
  }
});

test('refuses while a job holds the file, and names a missing row', async () => {
  const dir = workspace({ 'r.jsonl': rows.join('\n') + '\n' });
  const file = join(dir, 'r.jsonl');
  writeFileSync(`${file}.lock`, JSON.stringify({ host: 'x', pid: 1 }));
  await assert.rejects(regradeRow(file, 0, await grader()), /another process \(pid 1 on host x\) is writing this file/);
  writeFileSync(`${file}.lock`, '');
  const { unlinkSync } = await import('node:fs');
  unlinkSync(`${file}.lock`);
  await assert.rejects(regradeRow(file, 7, await grader()), /no row 8 \(the file has 3\)/);
});

test('holds the file while the grader works: a qed eval started meanwhile is refused and the regrade lands', async () => {
  const dir = workspace({ 'r.jsonl': rows.join('\n') + '\n' });
  const file = join(dir, 'r.jsonl');
  let during: { code: number | null; stderr: string } | undefined;
  const busy = await FakeLlmServer.start({
    reply: async () => {
      // A job on the same file, started while the grader is answering.
      writeFileSync(join(dir, 'g.yaml'), `model: g\napi: custom\nbase_url: ${server.url}/v1\n`);
      during = await qed(['eval', '--model-config', 'g.yaml', '--data-path', 'r.jsonl'], { cwd: dir });
      return { text: '<points>5 out of 7</points>' };
    },
  });
  try {
    const g = await grader();
    const cfg = parseConfigText(`model: g\napi: custom\nbase_url: ${busy.url}/v1\n`, 'g.yaml', 'test/g')
      .config as ModelConfig;
    g.client = await createClient(cfg, { getKey: () => undefined });
    const res = (await regradeRow(file, 2, g))!;
    assert.equal(res.row.score, 5);
    assert.equal(during?.code, 2, during?.stderr);
    assert.match(
      String(during?.stderr),
      new RegExp(
        `a QED Workbench process \\(pid ${process.pid}, saving one row, since [^)]+\\) is writing this output`,
      ),
    );
    const after = readFileSync(file, 'utf8').split('\n');
    assert.deepEqual([after[0], after[1]], [rows[0], rows[1]]);
    assert.equal(JSON.parse(after[2]).score, 5);
    assert.ok(!existsSync(`${file}.lock`), 'the lock is gone afterwards');
  } finally {
    await busy.close();
  }
});

test('a lock left by a dead process does not block a regrade; rows a killed job left in its journal do', async () => {
  const dir = workspace({ 'r.jsonl': rows.join('\n') + '\n' });
  const file = join(dir, 'r.jsonl');
  // The pid of a process that has ended.
  const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  }).stdout;
  writeFileSync(
    `${file}.lock`,
    JSON.stringify({ host: hostname(), pid: Number(gone), started: '2026-11-27T00:00:00Z' }),
  );
  assert.equal((await regradeRow(file, 0, await grader()))!.row.score, 6);
  assert.ok(!existsSync(`${file}.lock`));

  writeFileSync(`${file}.partial`, rows[1] + '\n');
  const before = readFileSync(file, 'utf8');
  await assert.rejects(
    regradeRow(file, 1, await grader()),
    (e: QedError) =>
      /unfinished job left rows in .*r\.jsonl\.partial/.test(e.message) &&
      /run the same qed run \/ qed eval command again/.test(String(e.hint)),
  );
  assert.equal(readFileSync(file, 'utf8'), before);
});
