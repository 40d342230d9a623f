// Building a grader from a config: the one place the CLI (qed eval, qed view's regrade), VS Code
// (Grade Results, Regrade Row) and the viewer go through, so they refuse the same configs and
// stamp the same identity.

import type { AnyConfig, ModelConfig } from '../config/types';
import { QedError } from '../errors';
import type { BoundClient } from '../llm';
import { runIdentity } from '../run/identity';
import { defaultColumns, type GradeColumns, type GradeMode, type Grader } from './eval';
import { loadGradePrompts } from './prompts';

/**
 * The "agents cannot do this" check: `cfg` if it is a model config, else a QedError naming the
 * config file and saying what to use instead. `what` completes "… needs a model config", e.g.
 * 'grading', 'this command'.
 */
export function requireModelConfig(cfg: AnyConfig, what: string, ref: string = cfg.id): ModelConfig {
  if (cfg.kind === 'model') return cfg;
  throw new QedError(
    `'${ref}' is an agent config; ${what} needs a model config (an agent cannot do this)`,
    { file: cfg.file || undefined, field: 'type' },
    `use its model_config (${cfg.modelConfig}) or another model config`,
  );
}

export interface GraderSpec {
  mode: GradeMode;
  shippedRoot: string;
  /** A user's grading prompt file (else the shipped prompt of the mode). */
  promptFile?: string;
  /** Column names differing from the mode's defaults. */
  columns?: Partial<GradeColumns>;
}

/** What a grader is before its client exists: the checked config, prompts, columns and identity stamp. */
export async function graderPlan(
  cfg: AnyConfig,
  spec: GraderSpec,
): Promise<{ cfg: ModelConfig; make: (client: BoundClient) => Grader; identity: Grader['identity'] }> {
  const model = requireModelConfig(cfg, 'grading');
  const { prompts, source, hash } = await loadGradePrompts(spec.mode, spec.shippedRoot, spec.promptFile);
  const identity = runIdentity(model, { source, hash }, spec.mode);
  const columns = {
    ...defaultColumns(spec.mode),
    ...Object.fromEntries(Object.entries(spec.columns ?? {}).filter(([, v]) => v !== undefined)),
  } as GradeColumns;
  return { cfg: model, identity, make: (client) => ({ client, identity, mode: spec.mode, columns, prompts }) };
}

/**
 * The grader of a config: refuses an agent config, loads the mode's prompts (or the user's), and
 * builds the client with `client` (undefined when the user gave up, e.g. no key entered in VS Code).
 */
export async function buildGrader(
  cfg: AnyConfig,
  spec: GraderSpec,
  client: (cfg: ModelConfig) => Promise<BoundClient | undefined>,
): Promise<Grader | undefined> {
  const plan = await graderPlan(cfg, spec);
  const c = await client(plan.cfg);
  return c ? plan.make(c) : undefined;
}
