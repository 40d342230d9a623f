/**
 * `qed view ORG/NAME`: a results dataset of the Hugging Face Hub opened in the viewer, read from
 * the hub cache as the Python tools leave it (HF_HUB_OFFLINE: no network at all), copied once to a
 * JSONL file of the workspace that keeps the viewer's edits.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLI, ensureBuilt, readJsonl, workspace } from './helpers';

const SHA = 'c0ffeec0ffeec0ffeec0ffeec0ffeec0ffeec0ff';

/** A split as huggingface_hub stores it under HOME: refs/main, a blob, a relative symlink in the snapshot. */
function pythonCache(home: string, id: string, path: string, bytes: Uint8Array): void {
  const repo = join(home, '.cache', 'huggingface', 'hub', `datasets--${id.replace('/', '--')}`);
  const blob = join(repo, 'blobs', createHash('sha256').update(bytes).digest('hex'));
  mkdirSync(dirname(blob), { recursive: true });
  writeFileSync(blob, bytes);
  mkdirSync(join(repo, 'refs'), { recursive: true });
  writeFileSync(join(repo, 'refs', 'main'), SHA);
  const link = join(repo, 'snapshots', SHA, ...path.split('/'));
  mkdirSync(dirname(link), { recursive: true });
  symlinkSync(relative(dirname(link), blob), link);
}

/** Starts `qed view`, waits for the address it prints, and returns it with a way to stop it. */
async function view(
  args: string[],
  cwd: string,
): Promise<{ url: string; stderr: () => string; stop: () => Promise<void> }> {
  ensureBuilt();
  const p = spawn(process.execPath, [CLI, 'view', ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: cwd, HF_HUB_OFFLINE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const closed = new Promise<void>((r) => p.on('close', () => r()));
  const url = await new Promise<string>((res, rej) => {
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /open (http:\/\/127\.0\.0\.1:\d+\/\S+\/)/.exec(out);
      if (m) res(m[1]);
    });
    p.on('close', (code) => rej(new Error(`qed view exited ${code}: ${err}`)));
  });
  return {
    url,
    stderr: () => err,
    stop: async () => {
      p.kill('SIGTERM');
      await closed;
    },
  };
}

async function summaryRows(url: string): Promise<number> {
  const res = await fetch(`${url}api`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'request', id: 1, type: 'summary', params: { file: 0 } }),
  });
  const body = (await res.json()) as { ok: boolean; result: { rows: number } };
  assert.ok(body.ok, JSON.stringify(body));
  return body.result.rows;
}

test('qed view ORG/NAME opens a results dataset from the hub cache (parquet), through a JSONL copy reused next time', async () => {
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const bytes = new Uint8Array(
    parquetWriteBuffer({
      columnData: [
        { name: 'problem_id', data: ['PB-1', 'PB-2'], type: 'STRING' },
        { name: 'problem', data: ['Prove $P$.', 'Prove $Q$.'], type: 'STRING' },
        { name: 'model_solution', data: ['Proof.', 'Proof.'], type: 'STRING' },
        { name: 'score', data: [7, 0], type: 'INT32' },
      ],
    }),
  );
  const dir = workspace();
  pythonCache(dir, 'someone/run-results', 'data/train-00000-of-00001.parquet', bytes);
  const copy = join(dir, 'outputs', 'hub', 'someone--run-results', 'train.jsonl');

  const first = await view(['someone/run-results'], dir);
  try {
    assert.equal(await summaryRows(first.url), 2);
    assert.match(
      first.stderr(),
      new RegExp(`hf:someone/run-results@train \\(revision ${SHA}\\) copied to .*train\\.jsonl`),
    );
  } finally {
    await first.stop();
  }
  const rows = readJsonl(copy);
  assert.deepEqual(
    rows.map((r) => [r.problem_id, r.score]),
    [
      ['PB-1', 7],
      ['PB-2', 0],
    ],
  );

  // An edit in the copy (a human grade, say) survives: the next open reuses the copy.
  writeFileSync(
    copy,
    rows
      .slice(0, 1)
      .map((r) => JSON.stringify({ ...r, score: 6 }))
      .join('\n') + '\n',
  );
  const second = await view(['hf:someone/run-results'], dir);
  try {
    assert.equal(await summaryRows(second.url), 1);
    assert.match(second.stderr(), /opening the earlier copy/);
  } finally {
    await second.stop();
  }

  // Not cached and offline: a clear error, nothing started.
  const missing = spawn(process.execPath, [CLI, 'view', 'someone/absent'], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: dir, HF_HUB_OFFLINE: '1' },
  });
  let err = '';
  missing.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => missing.on('close', r));
  assert.equal(code, 2, err);
  assert.match(err, /dataset 'someone\/absent' \(split 'train'\) is not in the local cache .* offline mode is on/);
  assert.ok(!existsSync(join(dir, 'outputs', 'hub', 'someone--absent')));
});
