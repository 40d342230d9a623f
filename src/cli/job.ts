import { loadConfig } from '../core/config';
import type { ModelConfig } from '../core/config/types';
import { QedError } from '../core/errors';
import { createClient, envKeys, type BoundClient } from '../core/llm';
import { positiveInt } from './args';
import { ProgressReporter } from './progress';

/** Loads a model config; agents are refused here (scaffolds are not supported yet). */
export async function loadModelConfig(ref: string, shippedRoot: string): Promise<ModelConfig> {
  const cfg = await loadConfig(ref, { cwd: process.cwd(), shippedRoot });
  if (cfg.kind === 'agent') throw new QedError('agent scaffolds cannot be run yet; use a model config', { file: cfg.file, field: 'type' });
  return cfg;
}

/** Loads a model config and builds its client with keys from the environment. */
export async function modelClient(ref: string, shippedRoot: string, concurrency?: number): Promise<{ cfg: ModelConfig; client: BoundClient }> {
  const cfg = await loadModelConfig(ref, shippedRoot);
  // QED_POLL_INTERVAL_MS: how often background responses are polled (default 5 s).
  const client = await createClient(cfg, { getKey: envKeys, concurrency, pollIntervalMs: Number(process.env.QED_POLL_INTERVAL_MS) || undefined });
  return { cfg, client };
}

export { runIdentity as identityOf } from '../core/run/identity';

export { positiveInt };

/**
 * Runs a job with Ctrl-C / SIGTERM handling: the first signal cancels cleanly (finished rows are
 * written), a second one quits at once (the journal keeps them for the next run).
 */
export async function cancellable<T>(reporter: ProgressReporter, job: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts++;
    if (interrupts > 1) {
      reporter.log('qed: stopping now; finished rows are in the journal and will be reused');
      process.exit(130);
    }
    reporter.log(`qed: ${sig}: cancelling; finished rows are kept (press Ctrl-C again to quit at once)`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await job(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
