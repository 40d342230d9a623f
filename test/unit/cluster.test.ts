/**
 * src/core/cluster: the served model's token limits from its config.json, the derived configs,
 * and the job scripts (checked with bash -n, and run with stand-ins for a server that dies).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  contextLength,
  deriveServedModel,
  jobScript,
  promptMargin,
  servedModelYaml,
  sh,
  type JobSpec,
} from '../../src/core/cluster';
import { parseConfigText } from '../../src/core/config';
import { QedError } from '../../src/core/errors';

describe('served model limits', () => {
  test('context length: the first known key, then text_config', () => {
    assert.equal(contextLength({ max_position_embeddings: 32768, n_positions: 1024 }), 32768);
    assert.equal(contextLength({ seq_length: 8192 }), 8192);
    assert.equal(contextLength({ text_config: { max_position_embeddings: 131072 } }), 131072);
    assert.equal(contextLength({ hidden_size: 4096 }), undefined);
    assert.equal(contextLength(null), undefined);
  });

  test('prompt margin: an eighth, within 4096..32768, leaving at least 256 tokens', () => {
    assert.equal(promptMargin(40960), 5120);
    assert.equal(promptMargin(8192), 4096);
    assert.equal(promptMargin(1_000_000), 32768);
    assert.equal(promptMargin(2048), 1792);
  });

  test('a local folder: its config.json; without one, a QedError naming the option', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qed-cluster-'));
    mkdirSync(join(dir, 'm'));
    writeFileSync(join(dir, 'm', 'config.json'), JSON.stringify({ max_position_embeddings: 40960 }));
    const { served } = deriveServedModel('m', { cwd: dir, revision: 'v1' });
    assert.deepEqual(
      [served.maxTokens, served.promptMargin, served.maxModelLen, served.model],
      [35840, 5120, 40960, join(dir, 'm')],
    );
    mkdirSync(join(dir, 'empty'));
    assert.throws(
      () => deriveServedModel('empty', { cwd: dir }),
      (e: unknown) => e instanceof QedError && /'--model': .*has no config\.json/.test(e.message),
    );
  });

  test('a Hub id: the local cache (refs/<revision>), else the defaults with a warning', () => {
    const hub = mkdtempSync(join(tmpdir(), 'qed-hub-'));
    const repo = join(hub, 'models--org--tiny');
    mkdirSync(join(repo, 'refs'), { recursive: true });
    mkdirSync(join(repo, 'snapshots', 'abc123'), { recursive: true });
    writeFileSync(join(repo, 'refs', 'main'), 'abc123\n');
    writeFileSync(join(repo, 'snapshots', 'abc123', 'config.json'), JSON.stringify({ max_position_embeddings: 16384 }));
    const env = { HF_HUB_CACHE: hub };
    const cached = deriveServedModel('org/tiny', { cwd: hub, env });
    assert.deepEqual([cached.served.maxTokens, cached.served.promptMargin, cached.warnings.length], [12288, 4096, 0]);
    const missing = deriveServedModel('org/other', { cwd: hub, env });
    assert.deepEqual(
      [missing.served.maxTokens, missing.served.promptMargin, missing.served.maxModelLen],
      [28672, 512, 29184],
    );
    assert.match(missing.warnings[0], /not in the local Hugging Face cache/);
  });

  test('the derived model config is a valid config of the project (api custom, revision kept)', () => {
    const { served } = deriveServedModel('org/other', {
      cwd: tmpdir(),
      revision: 'v2',
      env: { HF_HUB_CACHE: '/nonexistent' },
    });
    const text = servedModelYaml(served, 8123);
    const r = parseConfigText(text, '/tmp/served.yaml');
    assert.deepEqual(
      r.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
    assert.match(
      text,
      /model_revision: "v2"\napi: custom\nbase_url: http:\/\/127\.0\.0\.1:8123\/v1\nmax_tokens: 28672\nprompt_margin: 512\n/,
    );
  });
});

describe('job scripts', () => {
  const base = (dir: string, vllm: string): JobSpec => ({
    kind: 'generate',
    jobName: 'qed-gen-t',
    resources: { nodes: 1, gpus: 0 },
    logDir: dir,
    cwd: dir,
    qed: ['/bin/echo', 'qed'],
    qedArgs: ['run', '--output-path', "it's.jsonl"],
    serve: { model: 'org/m', maxModelLen: 100, port: 1, vllmCommand: vllm, healthTimeout: 30 },
  });

  test('sh() quotes what bash would split', () => {
    assert.equal(sh('a/b-c.yaml'), 'a/b-c.yaml');
    assert.equal(sh("it's here"), `'it'\\''s here'`);
  });

  test('bash accepts the scripts (one node, several nodes, no server)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qed-job-'));
    const one = base(dir, 'vllm');
    for (const j of [
      one,
      { ...one, resources: { nodes: 3, gpus: 8, partition: 'p', account: 'a', time: '1:00:00' } },
      { ...one, kind: 'grade' as const, serve: undefined },
    ]) {
      const file = join(dir, `${j.kind}-${j.resources.nodes}.sh`);
      writeFileSync(file, jobScript(j));
      const r = spawnSync('bash', ['-n', file], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    }
  });

  test('a server that dies before it is ready fails the job at once with its last log lines', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qed-job-'));
    const fake = join(dir, 'dying-vllm');
    writeFileSync(fake, '#!/bin/sh\necho "loading weights"\necho "CUDA out of memory" >&2\nexit 7\n', { mode: 0o755 });
    const file = join(dir, 'job.sh');
    writeFileSync(file, jobScript(base(dir, fake)));
    const t = Date.now();
    const r = spawnSync('bash', [file], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /the vLLM server exited \(status 7\) before it was ready/);
    assert.match(r.stderr, / {2}\| CUDA out of memory/);
    assert.doesNotMatch(r.stdout, /qed run/, 'qed run never started');
    assert.ok(Date.now() - t < 25_000, 'well before the 30 s health timeout');
  });

  test("the server is stopped when qed ends, and the script exits with qed's status", () => {
    const dir = mkdtempSync(join(tmpdir(), 'qed-job-'));
    const fake = join(dir, 'ok-vllm');
    // Answers /health through a marker file the health check reads via a curl stand-in.
    writeFileSync(
      fake,
      `#!/bin/sh\ntouch ${dir}/up\ntrap 'touch ${dir}/stopped; exit 0' TERM\nwhile true; do sleep 0.1; done\n`,
      { mode: 0o755 },
    );
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'curl'), `#!/bin/sh\n[ -e ${dir}/up ]\n`, { mode: 0o755 });
    const j = { ...base(dir, fake), qed: ['/bin/sh', '-c', 'echo "qed $*"; exit 1', 'qed'] };
    const file = join(dir, 'job.sh');
    writeFileSync(file, jobScript(j));
    const r = spawnSync('bash', [file], { encoding: 'utf8', env: { PATH: `${join(dir, 'bin')}:${process.env.PATH}` } });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /qed run --output-path it's\.jsonl/);
    assert.match(r.stderr, /stopping the server/);
    assert.ok(spawnSync('test', ['-e', join(dir, 'stopped')]).status === 0, 'the server got SIGTERM');
  });
});
