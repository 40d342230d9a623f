/**
 * The model config of a model served with vLLM on a cluster node, derived from the model's own
 * `config.json`: its context length is split into a prompt margin and `max_tokens` for the answer,
 * and vLLM is started with `--max-model-len` = max_tokens + margin.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { QedError } from '../errors';
import { hubCacheDir, hubRepoFolder } from '../data/hub';

/** The config.json keys that hold a context length, in the order they are tried. */
export const CONTEXT_KEYS = [
  'max_position_embeddings',
  'n_positions',
  'seq_length',
  'max_sequence_length',
  'max_seq_len',
  'max_seq_length',
  'model_max_length',
] as const;

/** When the model's config.json cannot be read (a Hub id not in the local cache). */
export const DEFAULT_MAX_TOKENS = 28672;
export const DEFAULT_PROMPT_MARGIN = 512;

/** The context length a model's config.json declares (top level, then `text_config`), if any. */
export function contextLength(config: unknown): number | undefined {
  const pick = (o: unknown): number | undefined => {
    if (!o || typeof o !== 'object') return undefined;
    for (const k of CONTEXT_KEYS) {
      const v = (o as Record<string, unknown>)[k];
      if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
    }
    return undefined;
  };
  return pick(config) ?? pick((config as { text_config?: unknown } | null)?.text_config);
}

/** Tokens kept for the prompt: an eighth of the context, at least 4096, at most 32768, and never so much that fewer than 256 remain. */
export function promptMargin(context: number): number {
  const m = Math.min(32768, Math.max(4096, Math.floor(context / 8)));
  return Math.max(0, Math.min(m, context - 256));
}

export interface ServedModel {
  /** As given: a Hugging Face id or a local folder (absolute). */
  model: string;
  revision?: string;
  /** Where the context length came from: a config.json path, or undefined for the defaults. */
  source?: string;
  context?: number;
  maxTokens: number;
  promptMargin: number;
  /** vLLM's --max-model-len. */
  maxModelLen: number;
}

/** Whether `model` names a local folder (relative to cwd, or absolute). */
export function isLocalModel(model: string, cwd: string): boolean {
  const p = resolve(cwd, model);
  return existsSync(p) && statSync(p).isDirectory();
}

/** config.json of a Hub model in the local Hugging Face cache (no download), if there. */
function cachedConfigJson(id: string, revision: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const repo = hubRepoFolder(hubCacheDir(env), 'model', id);
  const snaps = join(repo, 'snapshots');
  if (!existsSync(snaps)) return undefined;
  const refFile = join(repo, 'refs', revision ?? 'main');
  const commit = existsSync(refFile) ? readFileSync(refFile, 'utf8').trim() : revision;
  const candidates = commit && existsSync(join(snaps, commit)) ? [commit] : readdirSync(snaps);
  for (const c of candidates) if (existsSync(join(snaps, c, 'config.json'))) return join(snaps, c, 'config.json');
  return undefined;
}

/**
 * Derives the served model's token limits. A local folder must hold config.json (a QedError
 * naming `field` otherwise); a Hub id is looked up in the local cache, else the defaults are used
 * and `warnings` says so.
 */
export function deriveServedModel(
  model: string,
  opts: { cwd: string; revision?: string; env?: NodeJS.ProcessEnv; field?: string },
): { served: ServedModel; warnings: string[] } {
  const field = opts.field ?? '--model';
  const warnings: string[] = [];
  let file: string | undefined;
  let name = model;
  if (isLocalModel(model, opts.cwd)) {
    name = resolve(opts.cwd, model);
    file = join(name, 'config.json');
    if (!existsSync(file))
      throw new QedError(
        `the model folder ${name} has no config.json`,
        { field },
        'point at a Hugging Face model folder (config.json, tokenizer and weights)',
      );
  } else {
    if (!/^[\w.-]+\/[\w.-]+$/.test(model))
      throw new QedError(`'${model}' is neither a folder nor a Hugging Face id (owner/name)`, { field });
    file = cachedConfigJson(model, opts.revision, opts.env ?? process.env);
    if (!file)
      warnings.push(
        `${model}: config.json is not in the local Hugging Face cache; using max_tokens ${DEFAULT_MAX_TOKENS} with a prompt margin of ${DEFAULT_PROMPT_MARGIN}`,
      );
  }
  let context: number | undefined;
  if (file) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new QedError(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`, { field });
    }
    context = contextLength(json);
    if (context === undefined)
      warnings.push(`${file} declares no context length (${CONTEXT_KEYS.join(', ')}); using the defaults`);
  }
  const margin = context !== undefined ? promptMargin(context) : DEFAULT_PROMPT_MARGIN;
  const maxTokens = context !== undefined ? Math.max(0, context - margin) : DEFAULT_MAX_TOKENS;
  return {
    served: {
      model: name,
      revision: opts.revision,
      source: context !== undefined ? file : undefined,
      context,
      maxTokens,
      promptMargin: margin,
      maxModelLen: maxTokens + margin,
    },
    warnings,
  };
}

const q = (s: string): string => JSON.stringify(s);

/** The model config (YAML) that points qed at the server a job starts on `port` of its node. */
export function servedModelYaml(s: ServedModel, port: number, today = new Date().toISOString().slice(0, 10)): string {
  return [
    `# Written by 'qed slurm': ${s.model} served by vLLM inside the job, on its first node.`,
    s.source
      ? `# max_tokens + prompt_margin = the context length ${s.context} of ${s.source}`
      : "# max_tokens, prompt_margin: defaults (the model's config.json was not found locally)",
    `human_readable_id: ${q(`${s.model} (vLLM on SLURM)`)}`,
    `date: ${q(today)}`,
    `model: ${q(s.model)}`,
    ...(s.revision ? [`model_revision: ${q(s.revision)}`] : []),
    'api: custom',
    `base_url: http://127.0.0.1:${port}/v1`,
    `max_tokens: ${s.maxTokens}`,
    `prompt_margin: ${s.promptMargin}`,
    'delimiters:',
    '  - </think>',
    'concurrent_requests: 16',
    'read_cost: 0',
    'write_cost: 0',
    '',
  ].join('\n');
}

/** An agent config that runs `scaffoldFile` (absolute) with the served model config `modelFile` (absolute). */
export function servedAgentYaml(
  opts: { name: string; modelFile: string; scaffoldFile: string; extra?: string },
  today = new Date().toISOString().slice(0, 10),
): string {
  return [
    `# Written by 'qed slurm': the ${opts.name} agent driven by the model served in the job.`,
    'type: agent',
    `human_readable_id: ${q(`${opts.name} (vLLM on SLURM)`)}`,
    `date: ${q(today)}`,
    `model_config: ${q(opts.modelFile)}`,
    `scaffold_config: ${q(opts.scaffoldFile)}`,
    ...(opts.extra ? [opts.extra.trimEnd()] : []),
    '',
  ].join('\n');
}
