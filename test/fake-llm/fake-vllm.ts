/**
 * A stand-in for `vllm serve` in the SLURM tests: the fake LLM server (loopback, OpenAI-compatible)
 * with /health and /v1/models, started the way the qed job scripts start vLLM:
 *
 *   fake-vllm serve MODEL --port P [any other vLLM option, ignored]
 *
 * Replies: `Thinking it over.</think>` (the end of a reasoning model's thoughts), then the fake
 * server's default reply (deterministic per prompt) and a grade line `<points>7 out of 7</points>`,
 * so the same server can act as a proof judge.
 * Knobs (environment, inherited through sbatch):
 *   FAKE_VLLM_LATENCY_MS  delay per answer (default 0)
 *   FAKE_VLLM_START_MS    delay before listening, as a model load would take (default 0)
 *   FAKE_VLLM_STAGGER_MS  the k-th request waits k times this long (rows then finish one by one)
 *   a MODEL whose name contains "broken": prints a load error and exits 1 before listening.
 */
import { FakeLlmServer, defaultReply } from './server';

async function main(): Promise<void> {
  const [cmd, model, ...rest] = process.argv.slice(2);
  if (cmd !== 'serve' || !model) throw new Error('usage: fake-vllm serve MODEL --port P [options]');
  const at = rest.indexOf('--port');
  const port = at >= 0 ? Number(rest[at + 1]) : 8000;
  process.stderr.write(`fake-vllm: serve ${model} ${rest.join(' ')}\n`);
  if (model.includes('broken')) {
    process.stderr.write(`fake-vllm: cannot load ${model}: no weights found\n`);
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, Number(process.env.FAKE_VLLM_START_MS ?? 0)));
  const stagger = Number(process.env.FAKE_VLLM_STAGGER_MS ?? 0);
  let served = 0;
  const server = await FakeLlmServer.start({
    port,
    servedModel: model,
    latencyMs: Number(process.env.FAKE_VLLM_LATENCY_MS ?? 0),
    record: 'none',
    reply: (req) => {
      if (req.api !== 'chat') return undefined;
      const delayMs = stagger > 0 ? stagger * ++served : undefined;
      return {
        text: `Thinking it over.</think>${defaultReply('chat', req.body).text}\n<points>7 out of 7</points>`,
        ...(delayMs ? { delayMs } : {}),
      };
    },
  });
  process.stderr.write(`fake-vllm: listening on ${server.url}\n`);
  const stop = (sig: string) => {
    process.stderr.write(`fake-vllm: ${sig}, ${server.stats.total} requests served\n`);
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((e: unknown) => {
  process.stderr.write(`fake-vllm: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
