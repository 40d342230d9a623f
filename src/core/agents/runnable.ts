import { loadConfig } from '../config/load';
import { describeError } from '../errors';
import { loadAgent } from './index';

/**
 * Whether an agent config can run: its scaffold, prompts, components and models are read and
 * checked exactly as `qed run` does before anything is spent (no request is made, no key is
 * needed). The reason is the first line of the error that run would stop with.
 */
export async function agentRunnable(
  ref: string,
  opts: { cwd: string; shippedRoot: string },
): Promise<{ runnable: true } | { runnable: false; reason: string }> {
  try {
    const cfg = await loadConfig(ref, opts);
    if (cfg.kind !== 'agent') return { runnable: true };
    // A stand-in key: clients are built but never asked.
    await loadAgent(cfg, { ...opts, getKey: () => 'not-used' });
    return { runnable: true };
  } catch (e) {
    return { runnable: false, reason: describeError(e).split('\n')[0] };
  }
}
