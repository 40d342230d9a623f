/**
 * `qed eval --split`: grading a split of a Hugging Face dataset, as the original's eval reads one.
 * The dataset sits in the local hub cache (HF_HUB_OFFLINE=1): no network.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeLlmServer, type RecordedRequest } from '../fake-llm/server';
import { qed, readJsonl, workspace } from './helpers';

let server: FakeLlmServer;
before(async () => {
  server = await FakeLlmServer.start({ reply: () => ({ text: 'Fine. <points>6 out of 7</points>' }) });
});
after(async () => {
  await server.close();
});

const lastUser = (r: RecordedRequest): string => (r.body?.messages?.at(-1)?.content as string) ?? '';
const baseEnv = { FAKE_KEY: 'sk-split-0123456789', HF_HUB_OFFLINE: '1' };
const row = (id: string) =>
  JSON.stringify({
    problem_id: id,
    problem: `Problem ${id}.`,
    solution: `Reference ${id}.`,
    grading_guidelines: 'Any proof.',
    model_solution: `Proof of ${id}.`,
  });

/**
 * A workspace with a grader config and the dataset someone/graded (splits train and test) in its
 * hub cache, written in both cache layouts (ours under QED_CACHE_DIR, and huggingface_hub's under
 * HF_HUB_CACHE) so the test does not depend on which one the hub code reads.
 */
function ws(): string {
  const dir = workspace({
    'configs/models/t/m.yaml': `model: fake\napi: custom\nbase_url: ${server.url}/v1\napi_key_env: FAKE_KEY\nread_cost: 1\nwrite_cost: 1\nconcurrent_requests: 2\nmax_retries: 1\nsleep_on_error: 0.01\n`,
    'local.jsonl': row('L-1') + '\n',
  });
  const root = join(dir, '.cache', 'datasets', 'someone', 'graded');
  const snap = join(root, 'snapshots', 'rev1');
  mkdirSync(join(root, 'refs'), { recursive: true });
  mkdirSync(snap, { recursive: true });
  writeFileSync(join(root, 'refs', 'main'), 'rev1\n');
  writeFileSync(
    join(snap, '.qed-listing.json'),
    JSON.stringify({ id: 'someone/graded', revision: 'rev1', files: ['train.jsonl', 'test.jsonl'] }),
  );
  writeFileSync(join(snap, 'train.jsonl'), row('TR-1') + '\n');
  writeFileSync(join(snap, 'test.jsonl'), [row('TE-1'), row('TE-2')].join('\n') + '\n');
  const hfRoot = join(dir, 'hf-hub', 'datasets--someone--graded');
  mkdirSync(join(hfRoot, 'refs'), { recursive: true });
  mkdirSync(join(hfRoot, 'snapshots', 'rev1'), { recursive: true });
  writeFileSync(join(hfRoot, 'refs', 'main'), 'rev1');
  writeFileSync(join(hfRoot, 'snapshots', 'rev1', 'train.jsonl'), row('TR-1') + '\n');
  writeFileSync(join(hfRoot, 'snapshots', 'rev1', 'test.jsonl'), [row('TE-1'), row('TE-2')].join('\n') + '\n');
  return dir;
}

const envOf = (dir: string) => ({ ...baseEnv, HF_HUB_CACHE: join(dir, 'hf-hub') });

describe('qed eval --split', () => {
  test("grades the named split of a Hugging Face dataset into --output-path; the default split is 'train'", async () => {
    const dir = ws();
    server.clearRequests();
    const r = await qed(
      [
        'eval',
        '--model-config',
        't/m',
        '--data-path',
        'someone/graded',
        '--split',
        'test',
        '--output-path',
        'test-graded.jsonl',
      ],
      { cwd: dir, env: envOf(dir) },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr + r.stdout, /hf:someone\/graded@test/);
    const out = readJsonl(join(dir, 'test-graded.jsonl'));
    assert.deepEqual(
      out.map((x) => [x.problem_id, x.score]),
      [
        ['TE-1', 6],
        ['TE-2', 6],
      ],
    );
    assert.deepEqual(
      server
        .requestsOf('chat')
        .map(lastUser)
        .map((p) => /Proof of ([A-Z]+-\d)/.exec(p)?.[1])
        .sort(),
      ['TE-1', 'TE-2'],
    );

    const train = await qed(
      ['eval', '--model-config', 't/m', '--data-path', 'someone/graded', '--output-path', 'train-graded.jsonl'],
      { cwd: dir, env: envOf(dir) },
    );
    assert.equal(train.code, 0, train.stderr);
    assert.deepEqual(
      readJsonl(join(dir, 'train-graded.jsonl')).map((x) => x.problem_id),
      ['TR-1'],
    );

    // Run again: the graded rows are reused, nothing is asked.
    server.clearRequests();
    const again = await qed(
      [
        'eval',
        '--model-config',
        't/m',
        '--data-path',
        'someone/graded',
        '--split',
        'test',
        '--output-path',
        'test-graded.jsonl',
      ],
      { cwd: dir, env: envOf(dir) },
    );
    assert.equal(again.code, 0, again.stderr);
    assert.equal(server.requestsOf('chat').length, 0);
  });

  test('--help lists --split', async () => {
    const r = await qed(['eval', '--help'], { cwd: workspace() });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\s+--split NAME\s+the split of a Hugging Face dataset/m);
  });

  test('bad input: no --output-path for a hub dataset, an unknown split, a split of a local file (exit 2, nothing asked)', async () => {
    const dir = ws();
    server.clearRequests();
    const noOut = await qed(['eval', '--model-config', 't/m', '--data-path', 'someone/graded', '--split', 'test'], {
      cwd: dir,
      env: envOf(dir),
    });
    assert.equal(noOut.code, 2, noOut.stderr);
    assert.match(noOut.stderr, /--output-path is needed to grade a Hugging Face dataset/);
    const unknown = await qed(
      ['eval', '--model-config', 't/m', '--data-path', 'someone/graded', '--split', 'dev', '--output-path', 'o.jsonl'],
      { cwd: dir, env: envOf(dir) },
    );
    assert.equal(unknown.code, 2, unknown.stderr);
    assert.match(unknown.stderr, /split 'dev'/);
    const local = await qed(['eval', '--model-config', 't/m', '--data-path', 'local.jsonl', '--split', 'test'], {
      cwd: dir,
      env: envOf(dir),
    });
    assert.equal(local.code, 2, local.stderr);
    assert.match(local.stderr, /local\.jsonl: '--split': a local results file has one split, 'train'/);
    assert.equal(server.requestsOf('chat').length, 0);
  });
});
