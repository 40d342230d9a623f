/**
 * bench/run-throughput — how close the run engine gets to the ideal wall time.
 *
 * The fake LLM server runs in a child process (so its CPU is not ours) with a fixed latency.
 * The engine runs in this process through the real openai SDK, exactly as `qed run` does (bundled
 * by esbuild as dist/cli.js is, with a cancel signal and a progress listener), writing a real
 * results file. CPU is process.cpuUsage() of this process (user + system, every thread: the GC's
 * helpers, libuv's fdatasync) over one run, divided by its requests. Printed:
 *   - 2,000 rows, 100 ms latency, 50 at once: wall / ideal (ideal = ceil(2000/50) × 100 ms;
 *     target ≤ 1.08), CPU ms per request, peak RSS;
 *   - the openai SDK alone on the same requests (the limit), and the engine's CPU beyond it
 *     (target < 0.5 ms per request);
 *   - the same run with the fake server in this process (target ≤ 1.05), beside the openai SDK
 *     alone with the fake server in this process (its limit) and the transport alone below it;
 *   - 400 rows at concurrency 1 and at 40: the same figures, to show the scaling.
 *
 * Run: npm run bench:run-throughput   (options: --rows N --latency MS --concurrency C --repeat R
 *      --skip-scaling --skip-in-process; --only-engine or --only-in-process: that figure's runs alone)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createRequire } from 'node:module';
import * as esbuild from 'esbuild';
import type { ModelConfig } from '../src/core/config/types';
import type { Dataset } from '../src/core/data/types';
import { figure } from './figure';

type Target = typeof import('./runTarget');
let target: Target;

/** The engine, client and SDK bundled as dist/cli.js is built (see bench/runTarget.ts). */
async function loadTarget(): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'qed-bench-target-'));
  const outfile = join(dir, 'run-target.js');
  await esbuild.build({
    entryPoints: [join(__dirname, 'runTarget.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile,
    logLevel: 'error',
  });
  const t = createRequire(__filename)(outfile) as Target;
  rmSync(dir, { recursive: true, force: true });
  return t;
}

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

/** The fake server in this process (its CPU counts with the engine's, as in the tests). */
async function startInProcess(latency: number): Promise<{ url: string; stop: () => void }> {
  const { FakeLlmServer } = await import('../test/fake-llm/server');
  const server = await FakeLlmServer.start({ latencyMs: latency, record: 'none' });
  return { url: server.url, stop: () => void server.close() };
}

/**
 * The limit: the openai SDK alone, the same request at the same concurrency, nothing of ours
 * around it (no engine, no journal, no retries). Its CPU per request is what the engine cannot go
 * below; the engine's own cost is the difference.
 */
/** One run's figures: wall against the ideal (every batch of `concurrency` takes one latency), CPU per request. */
function figures(rows: number, concurrency: number, latency: number, wallMs: number, cpu: NodeJS.CpuUsage) {
  const ideal = Math.ceil(rows / concurrency) * latency;
  return {
    rows,
    concurrency,
    wallMs,
    ideal,
    ratio: wallMs / ideal,
    cpuPerReq: (cpu.user + cpu.system) / 1000 / rows,
    sysPerReq: cpu.system / 1000 / rows,
  };
}

async function measureSdk(url: string, rows: number, concurrency: number, latency: number, builtinFetch = false) {
  const { OpenAI, leanFetch } = target;
  // The same transport as the engine's client (leanFetch), or Node's built-in fetch (the SDK's default).
  // Configured as the engine's client is (maxRetries 0, the timeout given with each request).
  const sdk = new OpenAI({
    apiKey: 'none',
    baseURL: `${url}/v1`,
    maxRetries: 0,
    timeout: 600_000,
    ...(builtinFetch ? {} : { fetch: leanFetch as typeof fetch }),
  });
  return lanes(rows, concurrency, latency, async (i) => {
    const res = await sdk.chat.completions.create({ model: 'bench', messages: benchMessages(i) }, { timeout: 600_000 });
    if (!res.choices[0]) throw new Error('no reply');
  });
}

/** The bench's request for row `i`: the engine's prompt for that row. */
const benchMessages = (i: number) => [
  { role: 'user' as const, content: `Solve: Problem ${i}: prove that ${i}^2 >= 0.` },
];

/** Rows 0…rows-1 asked `concurrency` at a time, as the engine's workers take them; the run's figures. */
async function lanes(rows: number, concurrency: number, latency: number, ask: (i: number) => Promise<void>) {
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < rows) await ask(next++);
    }),
  );
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  return figures(rows, concurrency, latency, wallMs, process.cpuUsage(cpu0));
}

/**
 * Below the SDK: the engine's transport alone (leanFetch), the same request bodies, no SDK and no
 * engine. With the fake server in this process this is the floor of the in-process figure: what
 * the fake server, node:http and the event loop cost on one thread.
 */
async function measureTransport(url: string, rows: number, concurrency: number, latency: number) {
  const { leanFetch } = target;
  const endpoint = `${url}/v1/chat/completions`;
  return lanes(rows, concurrency, latency, async (i) => {
    const res = await leanFetch(endpoint, {
      method: 'POST',
      body: JSON.stringify({ model: 'bench', messages: benchMessages(i) }),
      headers: { 'content-type': 'application/json', authorization: 'Bearer none' },
    });
    const reply = (await res.json()) as { choices?: unknown[] };
    if (!reply.choices?.[0]) throw new Error('no reply');
  });
}

async function startServer(latency: number): Promise<{ url: string; stop: () => void }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(__dirname, '..', 'test', 'fake-llm', 'cli.ts'), '--latency', String(latency)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const rl = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((res, rej) => {
    rl.once('line', res);
    child.once('exit', (c) => rej(new Error(`fake server exited with ${c}`)));
  });
  return { url: url.trim(), stop: () => child.kill('SIGTERM') };
}

function dataset(rows: number): Dataset {
  const r = Array.from({ length: rows }, (_, i) => ({
    problem_id: `B-${i}`,
    problem: `Problem ${i}: prove that ${i}^2 >= 0.`,
    grading_guidelines: 'any proof',
  }));
  return {
    source: 'bench',
    file: 'bench',
    rows: r,
    columns: ['problem_id', 'problem', 'grading_guidelines'],
    renamed: {},
  };
}

async function measure(url: string, rows: number, concurrency: number, latency: number) {
  const { parseConfigText, createClient, runBenchmark, singleCallSolver } = target;
  const parsed = parseConfigText(
    `model: bench\napi: custom\nbase_url: ${url}/v1\nconcurrent_requests: ${concurrency}\nread_cost: 1\nwrite_cost: 2\n`,
    'bench.yaml',
    'bench',
  );
  const cfg = parsed.config as ModelConfig;
  const client = await createClient(cfg, { getKey: () => undefined });
  const dir = mkdtempSync(join(tmpdir(), 'qed-bench-'));
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const s = await runBenchmark({
    dataset: dataset(rows),
    outputPath: join(dir, 'out.jsonl'),
    solver: singleCallSolver(client),
    identity: {
      config: 'bench',
      model: 'bench',
      api: 'custom',
      config_hash: 'x',
      prompt: 'p',
      prompt_hash: 'p',
      mode: 'proof',
    },
    prompt: { source: 'p', text: 'Solve: {problem_statement}', hash: 'p' },
    mode: 'proof',
    n: 1,
    overwrite: true,
    problemColumn: 'problem',
    concurrency,
    // As `qed run` calls it: a cancel signal (Ctrl-C) and a progress listener.
    signal: new AbortController().signal,
    onProgress: () => undefined,
  });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  rmSync(dir, { recursive: true, force: true });
  if (s.done !== rows || s.failed) throw new Error(`bench run incomplete: ${s.done}/${rows}, ${s.failed} failed`);
  return figures(rows, concurrency, latency, wallMs, cpu);
}

function report(m: Awaited<ReturnType<typeof measure>>): void {
  console.log(
    `rows=${m.rows} concurrency=${m.concurrency}: wall ${(m.wallMs / 1000).toFixed(2)} s, ideal ${(m.ideal / 1000).toFixed(2)} s, ` +
      `ratio ${m.ratio.toFixed(3)}, CPU ${m.cpuPerReq.toFixed(2)} ms/request (system ${m.sysPerReq.toFixed(2)}), peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
  );
}

async function main(): Promise<void> {
  const latency = arg('latency', 100);
  const rows = arg('rows', 2000);
  const concurrency = arg('concurrency', 50);
  const repeat = arg('repeat', 3);
  target = await loadTarget();
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const only = process.argv.includes('--only-in-process')
    ? 'in-process'
    : process.argv.includes('--only-engine')
      ? 'engine'
      : undefined;
  if (only) {
    // For profiling one figure alone (node --cpu-prof): the engine with the fake server in another
    // process (only the engine and the SDK in this one), or with the fake server in this process.
    const own = only === 'engine' ? await startServer(latency) : await startInProcess(latency);
    try {
      for (let k = 0; k <= repeat; k++) report(await measure(own.url, rows, concurrency, latency));
    } finally {
      own.stop();
    }
    return;
  }
  const server = await startServer(latency);
  try {
    // Warm-up: loads the SDK and opens connections, so the figures below are steady-state
    // (start-up left out). Each figure is the median of --repeat runs (the machine is shared).
    // A full-size warm-up of each kind, then its runs one after another, as the rows of one long
    // job follow one another (interleaved with the SDK-alone runs, each engine run started with
    // the JIT and the heap shaped by other code).
    const runs: Array<Awaited<ReturnType<typeof measure>>> = [];
    const sdks: Array<Awaited<ReturnType<typeof measureSdk>>> = [];
    const builtins: Array<Awaited<ReturnType<typeof measureSdk>>> = [];
    await measure(server.url, rows, concurrency, latency);
    for (let k = 0; k < repeat; k++) {
      const m = await measure(server.url, rows, concurrency, latency);
      report(m);
      runs.push(m);
    }
    await measureSdk(server.url, rows, concurrency, latency);
    for (let k = 0; k < repeat; k++) sdks.push(await measureSdk(server.url, rows, concurrency, latency));
    await measureSdk(server.url, rows, concurrency, latency, true);
    for (let k = 0; k < repeat; k++) builtins.push(await measureSdk(server.url, rows, concurrency, latency, true));
    console.log(
      `the openai SDK alone on Node's built-in fetch (its default): CPU ${med(builtins.map((m) => m.cpuPerReq)).toFixed(2)} ms/request, wall/ideal ${med(builtins.map((m) => m.ratio)).toFixed(3)}`,
    );
    const sdkCpu = med(sdks.map((m) => m.cpuPerReq));
    const cpu = med(runs.map((m) => m.cpuPerReq));
    const ratio = med(runs.map((m) => m.ratio));
    console.log(
      `the openai SDK alone on the engine's transport (leanFetch; same requests, no engine): CPU ${sdkCpu.toFixed(2)} ms/request (system ${med(sdks.map((m) => m.sysPerReq)).toFixed(2)}), wall/ideal ${med(sdks.map((m) => m.ratio)).toFixed(3)}`,
    );
    figure({
      name: `run wall/ideal, ${rows} requests × ${concurrency}, ${latency} ms, fake server in another process`,
      value: ratio,
      unit: '×',
      target: '≤ 1.08',
      met: ratio <= 1.08,
      note: `median of ${repeat}, start-up left out`,
    });
    figure({
      name: 'engine CPU per request (fake server excluded)',
      value: cpu,
      unit: 'ms',
      target: '< 0.5',
      met: cpu < 0.5,
      note: `the openai SDK alone on the same transport ${sdkCpu.toFixed(2)} ms (the limit), the engine's own part ${(cpu - sdkCpu).toFixed(2)} ms`,
    });
    figure({
      name: "engine CPU per request beyond the SDK's own",
      value: cpu - sdkCpu,
      unit: 'ms',
      note: `median of ${repeat}`,
    });
    if (!process.argv.includes('--skip-in-process')) {
      const own = await startInProcess(latency);
      try {
        await measure(own.url, rows, concurrency, latency);
        const inProc = [];
        for (let k = 0; k < repeat; k++) inProc.push(await measure(own.url, rows, concurrency, latency));
        const r = med(inProc.map((m) => m.ratio));
        console.log(
          `in-process fake server: ${inProc.map((m) => m.ratio.toFixed(3)).join(', ')} (CPU of the engine and the fake server together ${inProc.map((m) => m.cpuPerReq.toFixed(2)).join(', ')} ms/request)`,
        );
        // The limit of this figure: the openai SDK alone making the same requests with the fake
        // server on the same thread (the fake server's and the SDK's work queue up there too).
        await measureSdk(own.url, rows, concurrency, latency);
        const sdkIn: number[] = [];
        for (let k = 0; k < repeat; k++) sdkIn.push((await measureSdk(own.url, rows, concurrency, latency)).ratio);
        console.log(
          `the openai SDK alone with the fake server in this process: ${sdkIn.map((x) => x.toFixed(3)).join(', ')}`,
        );
        await measureTransport(own.url, rows, concurrency, latency);
        const rawIn: number[] = [];
        for (let k = 0; k < repeat; k++)
          rawIn.push((await measureTransport(own.url, rows, concurrency, latency)).ratio);
        console.log(
          `the transport alone (leanFetch, no SDK) with the fake server in this process: ${rawIn.map((x) => x.toFixed(3)).join(', ')} (the fake server and node:http on one thread)`,
        );
        figure({
          name: `run wall/ideal, ${rows} requests × ${concurrency}, ${latency} ms, fake server in this process`,
          value: r,
          unit: '×',
          target: '≤ 1.05',
          met: r <= 1.05,
          note: `median of ${repeat}; the openai SDK alone with the fake server in this process ${med(sdkIn).toFixed(3)} (the limit), the transport alone ${med(rawIn).toFixed(3)}`,
        });
      } finally {
        own.stop();
      }
    }
    if (!process.argv.includes('--skip-scaling')) {
      const one = await measure(server.url, 400, 1, latency);
      report(one);
      const forty = await measure(server.url, 400, 40, latency);
      report(forty);
      console.log(
        `scaling 400 rows: concurrency 40 is ${(one.wallMs / forty.wallMs).toFixed(1)}x faster than 1 (ideal ${(one.ideal / forty.ideal).toFixed(1)}x)`,
      );
    }
  } finally {
    server.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
