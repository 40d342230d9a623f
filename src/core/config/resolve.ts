/**
 * Finding config files. A "configs root" is a folder holding `models/` (model and agent configs)
 * and `agents/` (scaffolds): the workspace's `configs/` and the extension's shipped `configs/`.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { QedError } from '../errors';
import { closestMatch } from './suggest';

export interface ConfigSearchOptions {
  /** The workspace folder (or the CLI's working directory); its `configs/` is searched first. */
  cwd: string;
  /** The extension's own `configs/` folder, searched second. */
  shippedRoot: string;
}

export interface ResolvedConfigRef {
  /** Absolute path of the YAML file. */
  file: string;
  /** 'openai/gpt-5-mini' when the file lies under a configs root's `models/`, else the reference as given. */
  id: string;
  /** Where it was found: the workspace's configs/, the shipped configs/, or a plain file path. */
  origin: 'workspace' | 'shipped' | 'path';
  /** The configs root holding the file, if any (agent references resolve against it). */
  configsRoot?: string;
}

// Configs are YAML; JSON (a subset of YAML) is read the same way.
export const YAML_EXT = /\.(ya?ml|json)$/i;

export function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

const toPosix = (p: string): string => p.split(path.sep).join('/');

export function workspaceConfigsRoot(cwd: string): string {
  return path.resolve(cwd, 'configs');
}

/**
 * The configs root holding `file`: the parent of an ancestor folder named `models` (the nearest
 * one whose parent is called `configs`, else the nearest one at all), for model and agent
 * configs; else the parent of a folder named `agents` that directly holds it, for scaffolds.
 * Undefined for files elsewhere.
 */
export function findConfigsRoot(file: string): string | undefined {
  const abs = path.resolve(file);
  let nearest: string | undefined;
  let dir = path.dirname(abs);
  while (true) {
    const parent = path.dirname(dir);
    if (path.basename(dir) === 'models') {
      if (path.basename(parent) === 'configs') return parent;
      nearest ??= parent;
    }
    if (parent === dir) break;
    dir = parent;
  }
  if (nearest) return nearest;
  const holder = path.dirname(abs);
  if (path.basename(holder) === 'agents') return path.dirname(holder);
  return undefined;
}

/** True for a scaffold file: `<root>/agents/<name>.yaml`, not under any `models/` folder. */
export function isScaffoldFile(file: string): boolean {
  const abs = path.resolve(file);
  const root = findConfigsRoot(abs);
  return root !== undefined && path.dirname(abs) === path.join(root, 'agents');
}

/** 'openai/gpt-5-mini' for `<root>/models/openai/gpt-5-mini.yaml`; undefined outside a models/ folder. */
export function configIdFromFile(file: string): string | undefined {
  const abs = path.resolve(file);
  const root = findConfigsRoot(abs);
  if (!root) return undefined;
  const rel = path.relative(path.join(root, 'models'), abs);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return toPosix(rel).replace(YAML_EXT, '');
}

/**
 * Finds the file a `--model-config` style reference names. Accepted forms, tried in this order:
 * - an absolute path, or a relative path that starts with `./` / `../` or ends in `.yaml`/`.yml`
 *   and exists relative to `cwd`;
 * - `openai/gpt-5-mini` (relative to `configs/models/`), `models/openai/gpt-5-mini` (relative to
 *   `configs/`), each with or without `.yaml`/`.yml`: first in `<cwd>/configs`, then in the
 *   shipped configs, so a workspace file shadows a shipped one of the same id;
 * - finally a path relative to `cwd` with `.yaml`/`.yml` added.
 * Throws a QedError naming every place it looked when nothing matches.
 */
export function resolveConfigRef(ref: string, opts: ConfigSearchOptions): ResolvedConfigRef {
  const given = ref.trim();
  if (given === '')
    throw new QedError(
      'empty config reference',
      {},
      'name a config such as openai/gpt-5-mini; `qed config list` shows them all',
    );
  const looked: string[] = [];
  const tryFile = (p: string): boolean => {
    looked.push(p);
    return isFile(p);
  };
  const exts = YAML_EXT.test(given) ? [''] : ['.yaml', '.yml', '.json'];
  const asPath = (file: string): ResolvedConfigRef => ({
    file,
    id: configIdFromFile(file) ?? given,
    origin: 'path',
    configsRoot: findConfigsRoot(file),
  });

  if (path.isAbsolute(given)) {
    for (const ext of exts) if (tryFile(given + ext)) return asPath(path.resolve(given + ext));
    throw notFound(given, looked, opts);
  }

  // './x', '../x': a path relative to cwd and nothing else.
  if (/^\.\.?[\\/]/.test(given)) {
    for (const ext of exts)
      if (tryFile(path.resolve(opts.cwd, given + ext))) return asPath(path.resolve(opts.cwd, given + ext));
    throw notFound(given, looked, opts);
  }
  // 'some/file.yaml': a path relative to cwd if it exists there, else a name under configs/.
  if (YAML_EXT.test(given)) {
    const p = path.resolve(opts.cwd, given);
    if (tryFile(p)) return asPath(p);
  }

  const name = given.replace(/\\/g, '/').replace(YAML_EXT, '');
  const roots: Array<['workspace' | 'shipped', string]> = [
    ['workspace', workspaceConfigsRoot(opts.cwd)],
    ['shipped', path.resolve(opts.shippedRoot)],
  ];
  for (const [origin, root] of roots) {
    const rels = [`models/${name}`];
    if (name.startsWith('models/')) rels.push(name);
    for (const rel of rels) {
      for (const ext of YAML_EXT.test(given) ? [YAML_EXT.exec(given)![0]] : exts) {
        const file = path.join(root, ...rel.split('/')) + ext;
        if (tryFile(file)) {
          const id = toPosix(path.relative(path.join(root, 'models'), file)).replace(YAML_EXT, '');
          return { file, id, origin, configsRoot: root };
        }
      }
    }
  }

  // Last resort: 'dir/name' relative to cwd, with the extension added.
  if (!YAML_EXT.test(given)) {
    for (const ext of exts) {
      const p = path.resolve(opts.cwd, given + ext);
      if (tryFile(p)) return asPath(p);
    }
  }
  throw notFound(given, looked, opts);
}

function notFound(ref: string, looked: string[], opts: ConfigSearchOptions): QedError {
  const folder = folderNamed(ref, opts);
  if (folder) {
    const inside = walkYamlFilesSync(folder)
      .slice(0, 3)
      .map((f) => configIdFromFile(f) ?? toPosix(path.relative(opts.cwd, f)));
    return new QedError(
      'this is a folder, not a config file',
      { file: folder },
      inside.length
        ? `name one config in it, e.g. ${inside.join(', ')}`
        : 'run `qed config list` to see the available configs',
    );
  }
  const ids = new Set<string>();
  for (const root of [workspaceConfigsRoot(opts.cwd), path.resolve(opts.shippedRoot)]) {
    for (const f of walkYamlFilesSync(path.join(root, 'models')))
      ids.add(toPosix(path.relative(path.join(root, 'models'), f)).replace(YAML_EXT, ''));
  }
  const guess = closestMatch(ref.replace(YAML_EXT, '').replace(/^models\//, ''), ids);
  const places = [...new Set(looked)].map((p) => `\n  - ${p}`).join('');
  return new QedError(
    `config '${ref}' not found; looked for:${places}`,
    {},
    `${guess ? `did you mean '${guess}'? ` : ''}run \`qed config list\` to see the available configs`,
  );
}

/** Every .yaml/.yml file under `dir` (recursively, skipping hidden folders), sorted; [] if `dir` is missing. */
export function walkYamlFilesSync(dir: string): string[] {
  if (!isDir(dir)) return [];
  const out: string[] = [];
  const visit = (d: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) visit(p);
      else if (e.isFile() && YAML_EXT.test(e.name)) out.push(p);
    }
  };
  visit(dir);
  return out.sort();
}

/**
 * The configs roots an agent's `model_config` / `scaffold_config` references resolve against:
 * the root that holds the agent file, then the workspace's configs/ (for an agent file kept
 * elsewhere), then the shipped configs.
 */
export function agentSearchRoots(agentFile: string, opts: Partial<ConfigSearchOptions> = {}): string[] {
  const roots = [
    findConfigsRoot(agentFile),
    opts.cwd ? workspaceConfigsRoot(opts.cwd) : undefined,
    opts.shippedRoot ? path.resolve(opts.shippedRoot) : undefined,
  ];
  return [...new Set(roots.filter((r): r is string => r !== undefined))];
}

export interface AgentRefResolution {
  /** Absolute path of the referenced file, when found. */
  file?: string;
  /** Every path tried, in order. */
  looked: string[];
}

/**
 * Resolves an agent reference such as `models/openai/gpt-5-nano` or `agents/deepseek_math`
 * (relative to a configs root, `.yaml` optional) against `roots` in order.
 */
export function resolveAgentRef(ref: string, roots: readonly string[]): AgentRefResolution {
  const looked: string[] = [];
  const r = ref.trim().replace(/\\/g, '/');
  const exts = YAML_EXT.test(r) ? [''] : ['.yaml', '.yml', '.json'];
  if (path.isAbsolute(r)) {
    for (const ext of exts) {
      looked.push(r + ext);
      if (isFile(r + ext)) return { file: path.resolve(r + ext), looked };
    }
    return { looked };
  }
  for (const root of roots) {
    for (const ext of exts) {
      const p = path.join(root, ...r.split('/')) + ext;
      looked.push(p);
      if (isFile(p)) return { file: p, looked };
    }
  }
  return { looked };
}

/** The folder a config reference names (as a path, or as a name under a configs root), if it is one. */
function folderNamed(ref: string, opts: ConfigSearchOptions): string | undefined {
  const name = ref.replace(/\\/g, '/');
  const candidates = [path.resolve(opts.cwd, ref)];
  if (!path.isAbsolute(ref) && !/^\.\.?\//.test(name)) {
    for (const root of [workspaceConfigsRoot(opts.cwd), path.resolve(opts.shippedRoot)]) {
      candidates.push(path.join(root, 'models', ...name.split('/')));
      if (name.startsWith('models/')) candidates.push(path.join(root, ...name.split('/')));
    }
  }
  return candidates.find(isDir);
}
