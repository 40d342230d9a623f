/**
 * Starts the fake LLM server for manual trials (e.g. `qed run` against it):
 *
 *   node --import tsx test/fake-llm/cli.ts [--port 0] [--latency 50] [--polls 1]
 *                                          [--fail-every N [--fail-status 503]] [--verbose]
 *
 * The first stdout line is the server URL (OpenAI base_url: `${url}/v1`; Gemini base: `${url}`).
 * It records nothing (it may run for long); --verbose logs one line per request on stderr.
 * --fail-every N answers every Nth generation request with --fail-status (default 503).
 * Stays up until SIGINT / SIGTERM.
 */
import { FakeLlmServer, type FakeStep } from './server';

function parseArgs(argv: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument: ${a}`);
    const eq = a.indexOf('=');
    if (eq > 0) out.set(a.slice(2, eq), a.slice(eq + 1));
    else if (a === '--verbose') out.set('verbose', '1');
    else out.set(a.slice(2), argv[++i] ?? '');
  }
  return out;
}

function num(args: Map<string, string>, name: string, dflt: number): number {
  const v = args.get(name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number, got '${v}'`);
  return n;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const known = new Set(['port', 'latency', 'polls', 'fail-every', 'fail-status', 'verbose']);
  for (const k of args.keys()) if (!known.has(k)) throw new Error(`unknown option --${k}`);
  const failEvery = num(args, 'fail-every', 0);
  const failStatus = num(args, 'fail-status', 503);
  const verbose = args.has('verbose');
  let generation = 0;

  const server = await FakeLlmServer.start({
    port: num(args, 'port', 0),
    latencyMs: num(args, 'latency', 0),
    backgroundPolls: num(args, 'polls', 1),
    record: 'none',
    reply: (req): FakeStep | undefined => {
      if (verbose) process.stderr.write(`${new Date().toISOString()} ${req.method} ${req.path} ${req.model ?? ''}\n`);
      if (req.api === 'responses-poll' || req.api === 'responses-cancel') return undefined;
      generation++;
      if (failEvery > 0 && generation % failEvery === 0) return { kind: 'status', status: failStatus, retryAfter: 1 };
      return undefined;
    },
  });
  process.stdout.write(`${server.url}\n`);
  process.stderr.write(
    `fake-llm listening: OpenAI base_url ${server.url}/v1, Gemini base ${server.url} (Ctrl-C to stop)\n`,
  );

  const stop = (sig: string) => {
    process.stderr.write(
      `fake-llm: ${sig}, ${server.stats.total} requests served, max ${server.stats.maxInFlight} in flight\n`,
    );
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((e: unknown) => {
  process.stderr.write(`fake-llm: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
});
