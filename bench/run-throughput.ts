/**
 * bench/run-throughput — how close the run engine gets to the ideal wall time.
 *
 * The fake LLM server runs in a child process (so its CPU is not ours) with a fixed latency.
 * The engine runs in this process through the real openai SDK, exactly as `qed run` does,
 * writing a real results file. Printed:
 *   - 2,000 rows, 100 ms latency, 50 at once: wall / ideal (ideal = ceil(2000/50) × 100 ms;
 *     target ≤ 1.10), CPU ms per request, peak RSS;
 *   - 400 rows at concurrency 1 and at 40: the same figures, to show the scaling.
 *
 * Run: npm run bench:run-throughput   (options: --rows N --latency MS --concurrency C --skip-scaling)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseConfigText } from '../src/core/config';
import type { ModelConfig } from '../src/core/config/types';
import type { Dataset } from '../src/core/data/types';
import { createClient } from '../src/core/llm';
import { runBenchmark } from '../src/core/run/engine';
import { singleCallSolver } from '../src/core/run/solver';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

async function startServer(latency: number): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'test', 'fake-llm', 'cli.ts'), '--latency', String(latency)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const rl = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((res, rej) => {
    rl.once('line', res);
    child.once('exit', (c) => rej(new Error(`fake server exited with ${c}`)));
  });
  return { url: url.trim(), stop: () => child.kill('SIGTERM') };
}

function dataset(rows: number): Dataset {
  const r = Array.from({ length: rows }, (_, i) => ({ problem_id: `B-${i}`, problem: `Problem ${i}: prove that ${i}^2 >= 0.`, grading_guidelines: 'any proof' }));
  return { source: 'bench', file: 'bench', rows: r, columns: ['problem_id', 'problem', 'grading_guidelines'], renamed: {} };
}

async function measure(url: string, rows: number, concurrency: number, latency: number) {
  const parsed = parseConfigText(`model: bench\napi: custom\nbase_url: ${url}/v1\nconcurrent_requests: ${concurrency}\nread_cost: 1\nwrite_cost: 2\n`, 'bench.yaml', 'bench');
  const cfg = parsed.config as ModelConfig;
  const client = await createClient(cfg, { getKey: () => undefined });
  const dir = mkdtempSync(join(tmpdir(), 'qed-bench-'));
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const s = await runBenchmark({
    dataset: dataset(rows),
    outputPath: join(dir, 'out.jsonl'),
    solver: singleCallSolver(client),
    identity: { config: 'bench', model: 'bench', api: 'custom', config_hash: 'x', prompt: 'p', prompt_hash: 'p', mode: 'proof' },
    prompt: { source: 'p', text: 'Solve: {problem_statement}', hash: 'p' },
    mode: 'proof',
    n: 1,
    overwrite: true,
    problemColumn: 'problem',
    concurrency,
  });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  rmSync(dir, { recursive: true, force: true });
  if (s.done !== rows || s.failed) throw new Error(`bench run incomplete: ${s.done}/${rows}, ${s.failed} failed`);
  const ideal = Math.ceil(rows / concurrency) * latency;
  return { rows, concurrency, wallMs, ideal, ratio: wallMs / ideal, cpuPerReq: (cpu.user + cpu.system) / 1000 / rows };
}

function report(m: Awaited<ReturnType<typeof measure>>): void {
  console.log(
    `rows=${m.rows} concurrency=${m.concurrency}: wall ${(m.wallMs / 1000).toFixed(2)} s, ideal ${(m.ideal / 1000).toFixed(2)} s, ` +
      `ratio ${m.ratio.toFixed(3)}, CPU ${m.cpuPerReq.toFixed(2)} ms/request, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
  );
}

async function main(): Promise<void> {
  const latency = arg('latency', 100);
  const server = await startServer(latency);
  try {
    // Warm-up: loads the SDK and opens connections, so the figures below are steady-state.
    await measure(server.url, 50, 50, latency);
    const main = await measure(server.url, arg('rows', 2000), arg('concurrency', 50), latency);
    report(main);
    console.log(`target wall/ideal <= 1.10: ${main.ratio <= 1.1 ? 'met' : 'NOT met'}`);
    if (!process.argv.includes('--skip-scaling')) {
      const one = await measure(server.url, 400, 1, latency);
      report(one);
      const forty = await measure(server.url, 400, 40, latency);
      report(forty);
      console.log(`scaling 400 rows: concurrency 40 is ${(one.wallMs / forty.wallMs).toFixed(1)}x faster than 1 (ideal ${(one.ideal / forty.ideal).toFixed(1)}x)`);
    }
  } finally {
    server.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
