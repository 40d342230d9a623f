import { configIdentity, identityFields } from '../config/identity';
import type { ModelConfig } from '../config/types';
import type { RunIdentity } from './store';

/** The identity stamped on every row a job writes: which config, prompt and mode produced it. */
export function runIdentity(cfg: ModelConfig, prompt: { source: string; hash: string }, mode: string): RunIdentity {
  return {
    config: cfg.id,
    model: cfg.model,
    api: cfg.api,
    config_hash: configIdentity(cfg),
    settings: identityFields(cfg),
    prompt: prompt.source,
    prompt_hash: prompt.hash,
    mode,
  };
}
