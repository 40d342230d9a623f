/**
 * bench/agents — the deepseek_math scaffold on 60 problems against the fake LLM server at a fixed
 * latency, through the real openai SDK, as `qed run --model-config agents/…` runs it.
 *
 * Printed, for two budgets:
 *   - ample (every problem at once, concurrent_requests above the widest stage), at --latency
 *     (default 5 s, still far below a real proof's minutes): wall time against the critical path =
 *     sequential depth × latency (generate, verify, then refine + verify per round:
 *     2 + 2 × max_iterations stages); target ≤ 1.15. What exceeds 1 is the engine's own CPU per
 *     call (printed), paid once per stage for up to 960 requests on one thread;
 *   - tight (concurrent_requests 64), at --tight-latency (default 100 ms): wall time against the
 *     throughput bound = calls × latency / 64, and the peak of requests in flight seen by the
 *     server, which must never exceed 64.
 * The replies never score a proof 1, so every problem runs every round (60 calls each).
 *
 * The fake server runs in a child process (its CPU is not the engine's), as in bench/run-throughput.
 *
 * Run: npm run bench:agents   (options: --problems N --latency MS)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAgent } from '../src/core/agents';
import { loadConfig } from '../src/core/config';
import type { Dataset } from '../src/core/data/types';
import { runBenchmark } from '../src/core/run/engine';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { figure } from './figure';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

const ROOT = join(__dirname, '..');

function dataset(n: number): Dataset {
  const rows = Array.from({ length: n }, (_, i) => ({
    problem_id: `B-${i + 1}`,
    problem: `Problem ${i + 1}: prove that ${i + 1}^2 is at least 0.`,
    grading_guidelines: 'any proof',
  }));
  return {
    source: 'bench',
    file: 'bench',
    rows,
    columns: ['problem_id', 'problem', 'grading_guidelines'],
    renamed: {},
  };
}

interface Server {
  url: string;
  stats(): Promise<{ total: number; maxInFlight: number }>;
  stop(): void;
}

async function startServer(latency: number): Promise<Server> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'test', 'fake-llm', 'cli.ts'), '--latency', String(latency)],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const rl = createInterface({ input: child.stdout! });
  const url = (
    await new Promise<string>((res, rej) => {
      rl.once('line', res);
      child.once('exit', (c) => rej(new Error(`fake server exited with ${c}`)));
    })
  ).trim();
  return {
    url,
    stats: async () => (await (await fetch(`${url}/_stats`)).json()) as { total: number; maxInFlight: number },
    stop: () => child.kill('SIGTERM'),
  };
}

async function measure(server: Server, problems: number, budget: number, threads: number) {
  const ws = mkdtempSync(join(tmpdir(), 'qed-bench-agents-'));
  mkdirSync(join(ws, 'configs/models/bench'), { recursive: true });
  mkdirSync(join(ws, 'configs/models/agents'), { recursive: true });
  mkdirSync(join(ws, 'configs/agents'), { recursive: true });
  writeFileSync(
    join(ws, 'configs/agents/deepseek_math.yaml'),
    readFileSync(join(ROOT, 'configs/agents/deepseek_math.yaml')),
  );
  writeFileSync(
    join(ws, 'configs/models/bench/fake.yaml'),
    `model: bench\napi: custom\nbase_url: ${server.url}/v1\nread_cost: 1\nwrite_cost: 2\nconcurrent_requests: ${budget}\n`,
  );
  writeFileSync(
    join(ws, 'configs/models/agents/ds.yaml'),
    `type: agent\nmodel_config: models/bench/fake\nscaffold_config: agents/deepseek_math\nn_threads: ${threads}\n`,
  );
  const cfg = await loadConfig('agents/ds', { cwd: ws, shippedRoot: join(ROOT, 'configs') });
  if (cfg.kind !== 'agent') throw new Error('not an agent');
  const agent = await loadAgent(cfg, { cwd: ws, shippedRoot: join(ROOT, 'configs'), getKey: () => undefined });
  const maxIt = Number(
    (agent.identity({ source: 'p', hash: 'p' }, 'proof').settings as Record<string, unknown>).max_iterations ?? 3,
  );
  const before = (await server.stats()).total;
  const prompt = { source: 'p', text: '{problem_statement}', hash: 'p' };
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const s = await runBenchmark({
    dataset: dataset(problems),
    outputPath: join(ws, 'out.jsonl'),
    solver: agent,
    identity: agent.identity(prompt, 'proof'),
    prompt,
    mode: 'proof',
    n: 1,
    overwrite: true,
    problemColumn: 'problem',
    concurrency: agent.rowsAtOnce,
  });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const after = await server.stats();
  rmSync(ws, { recursive: true, force: true });
  if (s.failed) throw new Error(`${s.failed} rows failed`);
  return {
    wall,
    calls: after.total - before,
    depth: 2 + 2 * maxIt,
    peak: after.maxInFlight,
    cpuPerCall: cpuMs / Math.max(1, after.total - before),
  };
}

async function main(): Promise<void> {
  const problems = arg('problems', 60);
  const latency = arg('latency', 5000);
  const tightLatency = arg('tight-latency', 100);
  console.log(`deepseek_math (shipped scaffold), ${problems} problems`);
  // Each budget with its own server: the peak counter of a server only grows.
  const tightServer = await startServer(tightLatency);
  let tight;
  try {
    tight = await measure(tightServer, problems, 64, problems);
  } finally {
    tightServer.stop();
  }
  const server = await startServer(latency);
  try {
    const ample = await measure(server, problems, 2000, problems);
    const critical = (ample.depth * latency) / 1000;
    const r1 = ample.wall / critical;
    console.log(
      `  ample budget, ${latency} ms per request: ${ample.calls} calls, wall ${ample.wall.toFixed(2)} s vs critical path ${critical.toFixed(2)} s (${ample.depth} stages): ratio ${r1.toFixed(3)} (target ≤ 1.15: ${r1 <= 1.15 ? 'met' : 'NOT met'}); peak in flight ${ample.peak}; engine CPU ${ample.cpuPerCall.toFixed(2)} ms per call`,
    );
    figure({
      name: `agents (deepseek_math, ${problems} problems), ample budget: wall / critical path`,
      value: r1,
      unit: '×',
      target: '≤ 1.15',
      met: r1 <= 1.15,
      note: `${latency} ms per request, engine CPU ${ample.cpuPerCall.toFixed(2)} ms per call`,
    });
    const bound = Math.max((tight.calls * tightLatency) / 1000 / 64, (tight.depth * tightLatency) / 1000);
    const r2 = tight.wall / bound;
    console.log(
      `  budget 64, ${tightLatency} ms per request: ${tight.calls} calls, wall ${tight.wall.toFixed(2)} s vs throughput bound ${bound.toFixed(2)} s: ratio ${r2.toFixed(3)}; peak in flight ${tight.peak} (never above 64: ${tight.peak <= 64 ? 'yes' : 'NO'}); engine CPU ${tight.cpuPerCall.toFixed(2)} ms per call`,
    );
    figure({
      name: 'agents, budget 64: peak requests in flight',
      value: tight.peak,
      unit: 'requests',
      target: '≤ 64',
      met: tight.peak <= 64,
      note: `wall / throughput bound ${r2.toFixed(3)}`,
    });
  } finally {
    server.stop();
  }
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
