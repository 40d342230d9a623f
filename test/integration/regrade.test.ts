/** Regrading one row in place (the viewer's action): only that line changes, and never over a change on disk. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeLlmServer } from '../fake-llm/server';
import { parseConfigText } from '../../src/core/config';
import type { ModelConfig } from '../../src/core/config/types';
import { createClient } from '../../src/core/llm';
import { regradeRow } from '../../src/core/grade/regrade';
import { defaultColumns, type Grader } from '../../src/core/grade/eval';
import { loadGradePrompts } from '../../src/core/grade/prompts';
import { shippedConfigsRoot } from '../../src/core/paths';
import { workspace } from './helpers';

let server: FakeLlmServer;
before(async () => {
  server = await FakeLlmServer.start({ reply: () => ({ text: 'Careful check. <points>6 out of 7</points>' }) });
});
after(() => server.close());

async function grader(): Promise<Grader> {
  const cfg = parseConfigText(`model: g\napi: custom\nbase_url: ${server.url}/v1\nread_cost: 2\nwrite_cost: 4\n`, 'g.yaml', 'test/g').config as ModelConfig;
  const { prompts, source, hash } = await loadGradePrompts('proof', shippedConfigsRoot());
  return {
    client: await createClient(cfg, { getKey: () => undefined }),
    identity: { config: 'test/g', model: 'g', api: 'custom', config_hash: 'h', prompt: source, prompt_hash: hash, mode: 'proof' },
    mode: 'proof',
    columns: defaultColumns('proof'),
    prompts,
  };
}

const rows = [1, 2, 3].map((i) => JSON.stringify({ problem_id: `R-${i}`, problem: `P${i}`, solution: 'S', grading_guidelines: 'G', model_solution: `proof ${i}`, score: 0, note: 'ünïcødé ∑' }));

test('regrading row 2 rewrites only line 2, atomically', async () => {
  const dir = workspace({ 'r.jsonl': rows.join('\n') + '\n' });
  const file = join(dir, 'r.jsonl');
  const res = await regradeRow(file, 1, await grader());
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

test('refuses to write when the file changed on disk during grading', async () => {
  const dir = workspace({ 'r.jsonl': rows.join('\n') + '\n' });
  const file = join(dir, 'r.jsonl');
  // A run appends a row while the grader is answering (when its request arrives: no timing race).
  let snapshot = '';
  const busy = await FakeLlmServer.start({
    reply: () => {
      appendFileSync(file, JSON.stringify({ problem_id: 'R-4', problem: 'P4', model_solution: 'late row' }) + '\n');
      snapshot = readFileSync(file, 'utf8');
      return { text: '<points>6 out of 7</points>' };
    },
  });
  try {
    const g = await grader();
    const cfg = parseConfigText(`model: g\napi: custom\nbase_url: ${busy.url}/v1\n`, 'g.yaml', 'test/g').config as ModelConfig;
    g.client = await createClient(cfg, { getKey: () => undefined });
    await assert.rejects(regradeRow(file, 0, g), /changed on disk.*nothing was written/s);
    assert.equal(readFileSync(file, 'utf8'), snapshot);
  } finally {
    await busy.close();
  }
});

test('refuses while a job holds the file, and names a missing row', async () => {
  const dir = workspace({ 'r.jsonl': rows.join('\n') + '\n' });
  const file = join(dir, 'r.jsonl');
  writeFileSync(`${file}.lock`, JSON.stringify({ host: 'x', pid: 1 }));
  await assert.rejects(regradeRow(file, 0, await grader()), /job is writing this file/);
  writeFileSync(`${file}.lock`, '');
  const { unlinkSync } = await import('node:fs');
  unlinkSync(`${file}.lock`);
  await assert.rejects(regradeRow(file, 7, await grader()), /no row 8 \(the file has 3\)/);
});
