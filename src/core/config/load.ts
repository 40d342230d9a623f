/** Loading, validating and listing config files on disk. */

import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { scaffoldDiagnostics } from '../agents/validate';
import { QedError, describeError } from '../errors';
import { analyzeConfigText, parseConfigText, parseScaffoldText } from './parse';
import {
  YAML_EXT,
  agentSearchRoots,
  isScaffoldFile,
  resolveConfigRef,
  walkYamlFilesSync,
  workspaceConfigsRoot,
  type ConfigSearchOptions,
} from './resolve';
import type { AnyConfig, ConfigDiagnostic, ConfigListEntry } from './types';

const formatDiagnostic = (d: ConfigDiagnostic): string =>
  `${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.key ? `'${d.key}': ` : ''}${d.message}`;

/**
 * One QedError for a config's errors: located at the first error, its message listing every
 * error as file:line:column so a terminal user can fix them all in one pass.
 */
export function configErrorsToQedError(diagnostics: readonly ConfigDiagnostic[]): QedError {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const first = errors[0];
  if (!first) return new QedError('invalid config');
  const rest = errors
    .slice(1)
    .map((d) => `\n  ${formatDiagnostic(d)}`)
    .join('');
  const count = errors.length > 1 ? ` (${errors.length} errors in this config)` : '';
  return new QedError(
    `${first.message}${count}${rest}`,
    { file: first.file, line: first.line, column: first.column, field: first.key },
    '`qed config validate <file>` lists every problem; the schema in configs/schema/ documents each key',
  );
}

/**
 * Resolves `ref` (see resolveConfigRef), parses it and returns the config. Throws a QedError if
 * the file cannot be found or read, or has any error; warnings do not stop it.
 */
export async function loadConfig(ref: string, opts: ConfigSearchOptions): Promise<AnyConfig> {
  const found = resolveConfigRef(ref, opts);
  let text: string;
  try {
    text = await readFile(found.file, 'utf8');
  } catch (e) {
    throw new QedError(`cannot read config: ${describeError(e)}`, { file: found.file });
  }
  const { config, diagnostics } = parseConfigText(text, found.file, found.id, {
    roots: agentSearchRoots(found.file, opts),
  });
  if (!config) throw configErrorsToQedError(diagnostics);
  return config;
}

/**
 * All problems of one file. Scaffold files (`configs/agents/*.yaml`) are only checked to be a
 * YAML mapping. Agent references are checked against the configs root holding the file and,
 * when given, the workspace's and the shipped configs. Never throws.
 */
export async function validateConfigFile(
  file: string,
  opts: Partial<ConfigSearchOptions> = {},
): Promise<ConfigDiagnostic[]> {
  const abs = path.resolve(opts.cwd ?? process.cwd(), file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (e) {
    return [{ severity: 'error', message: `cannot read config: ${describeError(e)}`, file: abs, line: 1, column: 1 }];
  }
  return validateConfigText(text, abs, opts);
}

/** The problems of a config's text as it is now (an editor's unsaved buffer, say), for `file`. */
export function validateConfigText(
  text: string,
  file: string,
  opts: Partial<ConfigSearchOptions> = {},
): ConfigDiagnostic[] {
  const abs = path.resolve(opts.cwd ?? process.cwd(), file);
  if (isScaffoldFile(abs)) {
    const read = parseScaffoldText(text, abs);
    return read.params ? scaffoldDiagnostics(text, abs) : read.diagnostics;
  }
  return parseConfigText(text, abs, undefined, { roots: agentSearchRoots(abs, opts) }).diagnostics;
}

/**
 * Every config under `<cwd>/configs/models/` and `<shippedRoot>/models/`, with its problems.
 * A workspace config hides the shipped one with the same id. Sorted by group (the first folder
 * of the id), then by id.
 */
export async function listConfigs(opts: ConfigSearchOptions): Promise<ConfigListEntry[]> {
  const byId = new Map<string, ConfigListEntry>();
  const sources: Array<['workspace' | 'shipped', string]> = [
    ['workspace', workspaceConfigsRoot(opts.cwd)],
    ['shipped', path.resolve(opts.shippedRoot)],
  ];
  for (const [origin, root] of sources) {
    const modelsDir = path.join(root, 'models');
    for (const file of walkYamlFilesSync(modelsDir)) {
      const id = path.relative(modelsDir, file).split(path.sep).join('/').replace(YAML_EXT, '');
      if (byId.has(id)) continue;
      byId.set(id, await describeConfigFile(file, id, origin, root, opts));
    }
  }
  const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
  return [...byId.values()].sort((a, b) => collator.compare(a.group, b.group) || collator.compare(a.id, b.id));
}

async function describeConfigFile(
  file: string,
  id: string,
  origin: 'workspace' | 'shipped',
  root: string,
  opts: ConfigSearchOptions,
): Promise<ConfigListEntry> {
  const slash = id.indexOf('/');
  const entry: ConfigListEntry = {
    id,
    file,
    kind: 'model',
    group: slash >= 0 ? id.slice(0, slash) : '',
    origin,
    diagnostics: [],
  };
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    entry.diagnostics = [
      { severity: 'error', message: `cannot read config: ${describeError(e)}`, file, line: 1, column: 1 },
    ];
    return entry;
  }
  const roots = [...new Set([root, path.resolve(opts.shippedRoot)])];
  const { config, diagnostics, raw } = analyzeConfigText(text, file, id, { roots });
  entry.diagnostics = diagnostics;
  if (config?.kind === 'model') {
    entry.api = config.api;
    entry.model = config.model;
    if (config.apiKeyEnv) entry.keyEnv = config.apiKeyEnv;
  } else if (config?.kind === 'agent' || raw?.type === 'agent') {
    entry.kind = 'agent';
    // What an agent is, in the place a model config shows its model: scaffold · model config.
    if (config?.kind === 'agent')
      entry.model = `${config.scaffoldConfig.replace(/^agents\//, '')} · ${config.modelConfig.replace(/^models\//, '')}`;
  } else if (raw) {
    entry.api = typeof raw.api === 'string' ? raw.api : raw.api === undefined ? 'openai' : undefined;
    if (typeof raw.model === 'string') entry.model = raw.model;
  }
  const name = config?.kind === 'model' ? config.metadata.human_readable_id : raw?.human_readable_id;
  if (typeof name === 'string') entry.name = name;
  return entry;
}
