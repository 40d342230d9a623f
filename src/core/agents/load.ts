import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../config/load';
import { agentSearchRoots, resolveAgentRef } from '../config/resolve';
import type { AgentConfig, ModelConfig } from '../config/types';
import { QedError } from '../errors';
import { YamlFile } from './yamlFile';

/** Finds the scaffold file an agent config names (its existence was checked when the config was parsed). */
export function scaffoldFile(cfg: AgentConfig, roots: string[]): string {
  const res = resolveAgentRef(cfg.scaffoldConfig, roots);
  if (!res.file)
    throw new QedError(`'${cfg.scaffoldConfig}' not found; looked for ${res.looked.join(', ')}`, {
      file: cfg.file,
      field: 'scaffold_config',
    });
  return res.file;
}

/**
 * The `core_components` file of a scaffold. The Python stack names it relative to its working
 * folder (`configs/agents/math_core_components.yaml`), so such a path is tried against the folder
 * holding the configs root, then the working folder, then beside the scaffold.
 */
export function coreComponentsFile(ref: string, scaffold: YamlFile, cwd: string, configsRoots: string[]): string {
  const tries: string[] = [];
  if (path.isAbsolute(ref)) tries.push(ref);
  else {
    for (const root of configsRoots) {
      tries.push(path.join(path.dirname(root), ref));
      if (ref.startsWith('configs/')) tries.push(path.join(root, ref.slice('configs/'.length)));
    }
    tries.push(path.resolve(cwd, ref), path.join(path.dirname(scaffold.file), path.basename(ref)));
  }
  for (const t of tries) {
    try {
      readFileSync(t);
      return t;
    } catch {
      /* next */
    }
  }
  throw new QedError(
    `core_components file '${ref}' not found; looked for ${[...new Set(tries)].join(', ')}`,
    scaffold.where(['core_components']),
  );
}

/** Loads a config an agent names as one of its models (relative to configs/): a model config, or another agent. */
export async function agentModelConfig(
  cfg: AgentConfig,
  key: string,
  ref: string,
  opts: { cwd: string; shippedRoot: string },
): Promise<ModelConfig | AgentConfig> {
  const roots = agentSearchRoots(cfg.file, opts);
  const res = resolveAgentRef(ref, roots);
  if (!res.file)
    throw new QedError(`'${ref}' not found; looked for ${res.looked.join(', ')}`, { file: cfg.file, field: key });
  return loadConfig(res.file, opts);
}
