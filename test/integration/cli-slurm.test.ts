/**
 * `qed slurm` end to end. Bad input and --dry-run need no cluster; the rest runs on a REAL SLURM
 * (scripts/slurm/start.sh starts one on localhost) with test/fake-llm/fake-vllm standing in for
 * `vllm serve`, and is skipped with a message when sbatch is missing or no node is up.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { FakeLlmServer } from '../fake-llm/server';
import { ROOT, qed, readJsonl, workspace } from './helpers';

const FAKE_VLLM = join(ROOT, 'test', 'fake-llm', 'fake-vllm');

function clusterProblem(): string | undefined {
  const which = spawnSync('sh', ['-c', 'command -v sbatch'], { encoding: 'utf8' });
  if (which.status !== 0)
    return 'sbatch is not on PATH: the SLURM tests are skipped (start a local cluster with scripts/slurm/start.sh)';
  const s = spawnSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8', timeout: 15_000 });
  if (s.status !== 0 || !/idle|mixed|alloc/.test(s.stdout))
    return `no SLURM node is up (sinfo: ${(s.stderr || s.stdout).trim() || 'nothing'}): the SLURM tests are skipped (scripts/slurm/start.sh starts one)`;
  return undefined;
}
const NO_CLUSTER = clusterProblem();

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}

const problems = (n: number) =>
  Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      problem_id: `S-${i + 1}`,
      problem: `Show that ${i + 1} + ${i + 1} = ${2 * (i + 1)}.`,
      solution: 'Add.',
      grading_guidelines: '(full) any correct proof',
    }),
  ).join('\n') + '\n';

/** A workspace with a small local "model" folder, a 10-problem dataset and an API judge config. */
function ws(judgeUrl = 'http://127.0.0.1:9/v1', modelName = 'tiny-model'): string {
  return workspace({
    [`${modelName}/config.json`]: JSON.stringify({ architectures: ['Fake'], max_position_embeddings: 40960 }),
    'no-config-model/README.md': 'weights only\n',
    'data.jsonl': problems(10),
    'configs/models/t/judge.yaml': `model: fake-judge\napi: custom\nbase_url: ${judgeUrl}\nread_cost: 0\nwrite_cost: 0\nconcurrent_requests: 8\nmax_retries: 2\nsleep_on_error: 0.01\n`,
  });
}

function scontrol(id: string): Record<string, string> {
  const r = spawnSync('scontrol', ['show', 'job', '-o', id], { encoding: 'utf8' });
  return Object.fromEntries(
    r.stdout
      .trim()
      .split(/\s+/)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

/** The "after X s" figures the job scripts log: the qed command's time and the job's. */
function timings(errLog: string): { qed: number; job: number } {
  const t = readFileSync(errLog, 'utf8');
  return {
    qed: Number(/qed (?:run|eval) ended with status \d+ after ([\d.]+) s/.exec(t)?.[1]),
    job: Number(/job ended with status \d+ after ([\d.]+) s/.exec(t)?.[1]),
  };
}

const oneLine = (s: string) => s.trim().split('\n').length === 1;

describe('qed slurm: bad input submits nothing', () => {
  const cases: Array<[string, string[], RegExp, Record<string, string>?]> = [
    [
      '--final-answer with --proofbench',
      ['--model', 'tiny-model', '--final-answer', '--proofbench'],
      /'--proofbench': --final-answer and --proofbench exclude each other/,
    ],
    [
      'an unknown judge',
      ['--model', 'tiny-model', '--judge', 'openai/no-such-model'],
      /'--judge': unknown judge 'openai\/no-such-model'/,
    ],
    [
      'a model folder without config.json',
      ['--model', 'no-config-model'],
      /'--model': the model folder .*no-config-model has no config.json/,
    ],
    ['no sbatch on PATH', ['--model', 'tiny-model'], /'sbatch': sbatch is not on PATH/, { PATH: '/nonexistent' }],
  ];
  for (const [what, args, re, env] of cases) {
    test(what, async () => {
      const dir = ws();
      const r = await qed(['slurm', ...args, '--num-gpus', '0'], { cwd: dir, env });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, re);
      assert.ok(oneLine(r.stderr.replace(/\n {2}hint:.*$/m, '')), r.stderr);
      assert.ok(!existsSync(join(dir, 'outputs')), 'nothing written');
    });
  }
});

describe('qed slurm --dry-run', () => {
  test('prints the derived config and both job scripts; writes and submits nothing', async () => {
    const dir = ws();
    const r = await qed(
      [
        'slurm',
        '--model',
        'tiny-model',
        '--judge',
        't/judge',
        '--num-gpus',
        '0',
        '--partition',
        'cpu',
        '--account',
        'lab',
        '--time',
        '0:30:00',
        '--data-path',
        'data.jsonl',
        '--output-dir',
        'out',
        '--port',
        '8123',
        '--vllm-command',
        'site-vllm --x',
        '--dry-run',
      ],
      { cwd: dir },
    );
    assert.equal(r.code, 0, r.stderr);
    const o = r.stdout;
    assert.match(o, /==> .*out\/configs\/tiny-model\.yaml <==\n/);
    assert.match(
      o,
      /api: custom\nbase_url: http:\/\/127\.0\.0\.1:8123\/v1\nmax_tokens: 35840\nprompt_margin: 5120\n/,
      '40960 tokens of context = 35840 + a margin of 40960/8',
    );
    assert.match(
      o,
      /==> .*out\/jobs\/generate\.sbatch <==\n#!\/bin\/bash\n#SBATCH --job-name=qed-gen-tiny-model\n#SBATCH --partition=cpu\n#SBATCH --account=lab\n#SBATCH --time=0:30:00\n#SBATCH --nodes=1\n/,
    );
    assert.doesNotMatch(o, /--gres/, '--num-gpus 0 asks for no GPU');
    assert.match(
      o,
      /#SBATCH --output=.*out\/logs\/generate-%j\.out\n#SBATCH --error=.*out\/logs\/generate-%j\.err\n#SBATCH --requeue\n/,
    );
    assert.match(o, /VLLM='site-vllm --x'/);
    assert.match(o, /setsid \$VLLM serve .*tiny-model --host 127\.0\.0\.1 --port \$PORT .*--max-model-len 40960/);
    assert.match(o, /trap cleanup EXIT/);
    assert.match(
      o,
      / run --model-config .*out\/configs\/tiny-model\.yaml --output-path .*out\/results\/tiny-model\.jsonl --data-path data\.jsonl/,
    );
    assert.match(
      o,
      /==> .*out\/jobs\/grade\.sbatch <==[\s\S]* eval --model-config .*configs\/models\/t\/judge\.yaml --data-path .*out\/results\/tiny-model\.jsonl/,
    );
    assert.doesNotMatch(o.slice(o.indexOf('grade.sbatch')), /\$VLLM serve/, 'an API judge serves nothing');
    assert.ok(!existsSync(join(dir, 'out')), 'nothing written');
  });

  test('--num-nodes 2: a Ray head and a worker over srun, vLLM across both nodes', async () => {
    const dir = ws();
    const r = await qed(
      [
        'slurm',
        '--model',
        'tiny-model',
        '--num-nodes',
        '2',
        '--num-gpus',
        '4',
        '--agent',
        'deepseek_math',
        '--dry-run',
      ],
      { cwd: dir },
    );
    assert.equal(r.code, 0, r.stderr);
    const gen = r.stdout.slice(r.stdout.indexOf('generate.sbatch'));
    assert.match(gen, /#SBATCH --nodes=2\n#SBATCH --ntasks-per-node=1\n#SBATCH --gres=gpu:4/);
    assert.match(
      gen,
      /srun --overlap --nodes=1 --ntasks=1 -w "\$HEAD" ray start --head --node-ip-address="\$HEAD_IP" --port=\$RAY_PORT --num-gpus=4 --block/,
    );
    assert.match(
      gen,
      /srun --overlap --nodes=1 --ntasks=1 -w "\$node" ray start --address="\$HEAD_IP:\$RAY_PORT" --num-gpus=4 --block/,
    );
    assert.match(gen, /--tensor-parallel-size 4 --pipeline-parallel-size 2 --distributed-executor-backend ray/);
    assert.match(gen, /ray stop/, 'Ray is stopped on the way out');
    // --agent: a derived agent config whose model is the served one.
    assert.match(
      r.stdout,
      /==> .*tiny-model-deepseek_math\.agent\.yaml <==\n[\s\S]*type: agent\n[\s\S]*model_config: ".*configs\/tiny-model\.yaml"\nscaffold_config: ".*agents\/deepseek_math\.yaml"/,
    );
    assert.match(gen, / run --model-config .*tiny-model-deepseek_math\.agent\.yaml/);
  });

  test('--agent naming an agent config: its scaffold and settings, the served model in place of its own', async () => {
    const dir = ws();
    const r = await qed(
      ['slurm', '--model', 'tiny-model', '--agent', 'agents/nano-deepseek', '--num-gpus', '0', '--dry-run'],
      { cwd: dir },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /==> .*tiny-model-nano-deepseek\.agent\.yaml <==\n[\s\S]*model_config: ".*configs\/tiny-model\.yaml"\nscaffold_config: ".*agents\/deepseek_math\.yaml"/,
    );
    assert.doesNotMatch(r.stdout, /gpt-5-nano/);
  });
});

describe('qed slurm on a local SLURM cluster', { skip: NO_CLUSTER ?? false }, () => {
  let judge: FakeLlmServer;
  before(async () => {
    judge = await FakeLlmServer.start({ reply: () => ({ text: 'Checked every step. <points>6 out of 7</points>' }) });
  });
  after(async () => {
    await judge.close();
  });

  test('API judge: generation, then grading once it succeeded; the graded file is complete', async () => {
    const dir = ws(`${judge.url}/v1`);
    const port = await freePort();
    const results = join(dir, 'outputs', 'slurm', 'tiny-model', 'results', 'tiny-model.jsonl');
    const t0 = Date.now();
    let firstRow: number | undefined;
    const watch = setInterval(() => {
      if (firstRow === undefined && (existsSync(`${results}.partial`) || existsSync(results)))
        firstRow = Date.now() - t0;
    }, 20);
    const r = await qed(
      [
        'slurm',
        '--model',
        'tiny-model',
        '--judge',
        't/judge',
        '--num-gpus',
        '0',
        '--data-path',
        'data.jsonl',
        '--port',
        String(port),
        '--vllm-command',
        FAKE_VLLM,
        '--wait',
      ],
      { cwd: dir, env: { QED_SLURM_POLL_MS: '500' } },
    );
    clearInterval(watch);
    assert.equal(r.code, 0, r.stderr);
    const [genId, gradeId] = r.stdout.trim().split(' ');
    assert.match(r.stderr, new RegExp(`grading job ${gradeId} \\(after ${genId} succeeds\\)`));
    const gen = scontrol(genId);
    const grade = scontrol(gradeId);
    assert.equal(gen.JobState, 'COMPLETED');
    assert.equal(grade.JobState, 'COMPLETED');
    assert.match(grade.Dependency ?? '', /afterok:\d+|\(null\)/);
    assert.ok(
      grade.StartTime >= gen.EndTime,
      `grading started ${grade.StartTime}, after generation ended ${gen.EndTime}`,
    );
    const rows = readJsonl(results);
    assert.equal(rows.length, 10);
    for (const row of rows) {
      assert.match(String(row.model_solution), /^Fake reply [0-9a-f]{8}/);
      assert.equal(row.score, 6);
    }
    assert.equal(judge.requestsOf('chat').length, 10);
    const logs = join(dir, 'outputs', 'slurm', 'tiny-model', 'logs');
    const g = timings(join(logs, `generate-${genId}.err`));
    const e = timings(join(logs, `grade-${gradeId}.err`));
    assert.match(readFileSync(join(logs, `generate-${genId}.err`), 'utf8'), /stopping the server/);
    console.log(
      `# measured: submit → first row written ${firstRow} ms; launch with --wait ${Date.now() - t0} ms; generation job ${g.job} s of which qed run ${g.qed} s (wrapper ${(g.job - g.qed).toFixed(2)} s, fake vLLM start included); grading job ${e.job} s of which qed eval ${e.qed} s (wrapper ${(e.job - e.qed).toFixed(2)} s)`,
    );
    const st = await qed(['slurm', 'status'], { cwd: dir });
    assert.equal(st.code, 0, st.stderr);
    assert.match(
      st.stdout,
      new RegExp(`tiny-model, judge t/judge .*\\(10 rows written\\)\\n  generation ${genId} +COMPLETED`),
    );
  });

  test('vLLM judge (QED_VLLM_COMMAND): served in the grading job, which grades every row', async () => {
    const dir = ws();
    const port = await freePort();
    const r = await qed(
      [
        'slurm',
        '--model',
        'tiny-model',
        '--judge',
        'fake-org/judge-7b',
        '--num-gpus',
        '0',
        '--data-path',
        'data.jsonl',
        '--port',
        String(port),
        '--output-dir',
        'runs/a',
        '--wait',
      ],
      { cwd: dir, env: { QED_SLURM_POLL_MS: '500', QED_VLLM_COMMAND: FAKE_VLLM } },
    );
    assert.equal(r.code, 0, r.stderr);
    const [, gradeId] = r.stdout.trim().split(' ');
    const rows = readJsonl(join(dir, 'runs', 'a', 'results', 'tiny-model.jsonl'));
    assert.equal(rows.length, 10);
    for (const row of rows) assert.equal(row.score, 7);
    const serverLog = readFileSync(join(dir, 'runs', 'a', 'logs', `vllm-grade-${gradeId}.log`), 'utf8');
    assert.match(serverLog, /serve fake-org\/judge-7b .*--max-model-len 29184/);
    assert.match(serverLog, /10 requests served/);
    assert.match(
      readFileSync(join(dir, 'runs', 'a', 'configs', 'judge-judge-7b.yaml'), 'utf8'),
      /model: "fake-org\/judge-7b"\napi: custom\nbase_url: http:\/\/127\.0\.0\.1:\d+\/v1\nmax_tokens: 28672\n/,
    );
  });

  test('--agent: the scaffold runs on the served model (a derived agent config), no judge: generation only', async () => {
    const dir = ws();
    writeFileSync(join(dir, 'data3.jsonl'), problems(3));
    const port = await freePort();
    const r = await qed(
      [
        'slurm',
        '--model',
        'tiny-model',
        '--agent',
        'selfcheck',
        '--num-gpus',
        '0',
        '--data-path',
        'data3.jsonl',
        '--port',
        String(port),
        '--vllm-command',
        FAKE_VLLM,
        '--wait',
      ],
      { cwd: dir, env: { QED_SLURM_POLL_MS: '500' } },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /no --judge: nothing will grade the results/);
    const ids = r.stdout.trim().split(' ');
    assert.equal(ids.length, 1, 'one job');
    const out = join(dir, 'outputs', 'slurm', 'tiny-model');
    const rows = readJsonl(join(out, 'results', 'tiny-model-selfcheck.jsonl'));
    assert.equal(rows.length, 3);
    assert.ok(
      rows.every(
        (row) =>
          (row.agent_trace as { scaffold?: string; steps?: unknown[] } | undefined)?.scaffold === 'selfcheck' &&
          (row.agent_trace as { steps: unknown[] }).steps.length > 1,
      ),
      'agent rows with their traces',
    );
    const served = Number(
      /(\d+) requests served/.exec(readFileSync(join(out, 'logs', `vllm-generate-${ids[0]}.log`), 'utf8'))?.[1],
    );
    assert.ok(served > 3, `the scaffold made several calls per problem (${served})`);
  });

  test('a generation job that fails: grading never runs, and the command says why', async () => {
    const dir = ws(`${judge.url}/v1`, 'broken-model');
    const port = await freePort();
    const r = await qed(
      [
        'slurm',
        '--model',
        'broken-model',
        '--judge',
        't/judge',
        '--num-gpus',
        '0',
        '--data-path',
        'data.jsonl',
        '--port',
        String(port),
        '--vllm-command',
        FAKE_VLLM,
        '--wait',
      ],
      { cwd: dir, env: { QED_SLURM_POLL_MS: '500' } },
    );
    assert.equal(r.code, 1, r.stderr);
    const [genId, gradeId] = r.stdout.trim().split(' ');
    assert.match(r.stderr, new RegExp(`generation job ${genId} ended FAILED`));
    assert.match(r.stderr, /the vLLM server exited \(status 1\) before it was ready/);
    assert.match(r.stderr, /cannot load .*broken-model: no weights found/);
    assert.match(r.stderr, /grading job (did not run|\d+ will not run)/);
    const grade = scontrol(gradeId);
    assert.notEqual(grade.JobState, 'COMPLETED');
    assert.notEqual(grade.JobState, 'RUNNING');
    assert.ok(
      !existsSync(join(dir, 'outputs', 'slurm', 'broken-model', 'logs', `grade-${gradeId}.err`)),
      'the grading job never started',
    );
  });

  test('scancel of a running generation job, then the same launch again generates only the missing rows', async () => {
    const dir = ws(`${judge.url}/v1`);
    const port = await freePort();
    const args = [
      'slurm',
      '--model',
      'tiny-model',
      '--judge',
      't/judge',
      '--num-gpus',
      '0',
      '--data-path',
      'data.jsonl',
      '--port',
      String(port),
      '--vllm-command',
      FAKE_VLLM,
    ];
    const first = await qed(args, { cwd: dir, env: { FAKE_VLLM_STAGGER_MS: '400' } });
    assert.equal(first.code, 0, first.stderr);
    const [genId] = first.stdout.trim().split(' ');
    const busy = await qed(args, { cwd: dir });
    assert.equal(busy.code, 2, 'a second launch into the same folder while the first one runs is refused');
    assert.match(busy.stderr, new RegExp(`'--output-dir': jobs ${genId} \\((PENDING|RUNNING)\\)`));
    const out = join(dir, 'outputs', 'slurm', 'tiny-model');
    const results = join(out, 'results', 'tiny-model.jsonl');
    const rowsIn = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter(Boolean).length : 0);
    // Poll for rows, with a generous bound (never a verdict by time).
    for (let i = 0; i < 1200 && rowsIn(`${results}.partial`) < 3; i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(
      rowsIn(`${results}.partial`) >= 3,
      `rows are being written (${rowsIn(results)} in the results file, logs: ${readFileSync(join(out, 'logs', `generate-${genId}.err`), 'utf8')})`,
    );
    spawnSync('scancel', [genId]);
    for (let i = 0; i < 600 && !['CANCELLED', 'COMPLETED', 'FAILED'].includes(scontrol(genId).JobState); i++)
      await new Promise((r) => setTimeout(r, 100));
    assert.equal(scontrol(genId).JobState, 'CANCELLED');
    // Until SLURM has ended every process of the job (squeue lists it while it is completing).
    const listed = () => spawnSync('squeue', ['-h', '-j', genId], { encoding: 'utf8' }).stdout.trim() !== '';
    for (let i = 0; i < 600 && listed(); i++) await new Promise((r) => setTimeout(r, 100));
    const kept = rowsIn(results) + rowsIn(`${results}.partial`);
    assert.ok(kept >= 3 && kept < 10, `kept ${kept} rows`);
    console.log(
      `# scancel after 3+ rows: ${kept} of 10 rows kept (lock left behind: ${existsSync(`${results}.lock`)})`,
    );

    const again = await qed([...args, '--wait'], { cwd: dir, env: { QED_SLURM_POLL_MS: '500' } });
    assert.equal(again.code, 0, again.stderr);
    const [genId2] = again.stdout.trim().split(' ');
    const served = /(\d+) requests served/.exec(
      readFileSync(join(out, 'logs', `vllm-generate-${genId2}.log`), 'utf8'),
    )?.[1];
    assert.equal(Number(served), 10 - kept, 'only the missing rows were generated');
    const rows = readJsonl(results);
    assert.equal(rows.length, 10);
    assert.ok(rows.every((row) => row.score === 6));
    const launches = (JSON.parse(readFileSync(join(out, 'launch.json'), 'utf8')) as { launches: unknown[] }).launches;
    assert.equal(launches.length, 2);
  });
});

if (NO_CLUSTER) console.log(`# ${NO_CLUSTER}`);
