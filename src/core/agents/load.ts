import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { loadConfig } from '../config/load';
import { agentSearchRoots, resolveAgentRef } from '../config/resolve';
import type { AgentConfig, ModelConfig } from '../config/types';
import { QedError } from '../errors';
import { Params, type PromptSpec } from './params';
import { TemplateError, templateFields } from './pyformat';

/** A YAML file kept with its positions, so problems are reported at file:line:column. */
export class YamlFile {
  private readonly lines = new LineCounter();
  private readonly doc: Document;
  readonly values: Record<string, unknown>;

  constructor(
    readonly file: string,
    text: string,
  ) {
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false });
    if (this.doc.errors.length) {
      const e = this.doc.errors[0];
      const pos = this.lines.linePos(e.pos[0]);
      throw new QedError(`invalid YAML: ${e.message.split('\n')[0]}`, { file, line: pos.line, column: pos.col });
    }
    const js: unknown = this.doc.toJS();
    if (!js || typeof js !== 'object' || Array.isArray(js)) throw new QedError('a scaffold file must hold a YAML mapping of parameters', { file, line: 1 });
    this.values = js as Record<string, unknown>;
  }

  static read(file: string): YamlFile {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new QedError(`cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file });
    }
    return new YamlFile(file, text);
  }

  /** Where the value at `keys` starts (line 1 when it is not there). */
  where(keys: string[]): { file: string; line: number; column: number; field: string } {
    const node = this.doc.getIn(keys, true) as { range?: [number, number] } | undefined;
    let at = node?.range?.[0];
    if (at === undefined) {
      // A key without a value (or a missing one): point at its parent.
      const parent = keys.length > 1 ? (this.doc.getIn(keys.slice(0, -1), true) as { range?: [number, number] } | undefined) : undefined;
      at = parent?.range?.[0] ?? 0;
    }
    const pos = this.lines.linePos(at);
    return { file: this.file, line: Math.max(1, pos.line), column: Math.max(1, pos.col), field: keys.join('.') };
  }

  has(keys: string[]): boolean {
    return this.doc.hasIn(keys);
  }
}

/** The files a scaffold's parameters come from, the agent config's overrides first. */
export interface ParamSources {
  agent: YamlFile;
  scaffold: YamlFile;
  core?: YamlFile;
}

function valueAt(values: Record<string, unknown>, keys: string[]): unknown {
  let cur: unknown = values;
  for (const k of keys) {
    if (!cur || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/**
 * Checks the prompts a scaffold fills: present when the algorithm cannot do without them, text,
 * well-formed, holding every placeholder the algorithm needs and no other.
 */
export function checkPrompts(specs: PromptSpec[], values: Params, sources: YamlFile[], scaffoldName: string): void {
  for (const spec of specs) {
    const v = valueAt(values.values, spec.path);
    const src = sources.find((s) => s.has(spec.path)) ?? sources[sources.length - 1];
    const at = src.where(spec.path);
    const name = spec.path.join('.');
    const needs = spec.required.length ? ` with ${spec.required.map((r) => `{${r}}`).join(', ')}` : '';
    if (v === undefined || v === null) {
      if (spec.mandatory) throw new QedError(`scaffold '${scaffoldName}' needs the prompt '${name}'${needs}`, { ...at, field: name }, 'add it to the scaffold file or the agent config');
      continue;
    }
    if (typeof v !== 'string') throw new QedError(`the prompt '${name}' must be text, got ${Array.isArray(v) ? 'a list' : typeof v}`, at);
    if (!spec.allowed) continue;
    let fields: string[];
    try {
      fields = templateFields(v);
    } catch (e) {
      if (e instanceof TemplateError) throw new QedError(`the prompt '${name}' is not a valid template: ${e.message}`, at);
      throw e;
    }
    const missing = spec.required.filter((r) => !fields.includes(r));
    if (missing.length) {
      throw new QedError(
        `the prompt '${name}' has no ${missing.map((r) => `{${r}}`).join(', ')} placeholder, which scaffold '${scaffoldName}' fills and needs`,
        at,
        `its placeholders are ${spec.allowed.map((r) => `{${r}}`).join(', ')}; write {{ and }} for literal braces`,
      );
    }
    const unknown = fields.filter((f) => !spec.allowed!.includes(f));
    if (unknown.length) {
      throw new QedError(
        `the prompt '${name}' uses ${unknown.map((r) => `{${r}}`).join(', ')}, which scaffold '${scaffoldName}' does not fill`,
        at,
        `its placeholders are ${spec.allowed.map((r) => `{${r}}`).join(', ')}; write {{ and }} for literal braces`,
      );
    }
  }
}

/** Finds the scaffold file an agent config names (its existence was checked when the config was parsed). */
export function scaffoldFile(cfg: AgentConfig, roots: string[]): string {
  const res = resolveAgentRef(cfg.scaffoldConfig, roots);
  if (!res.file) throw new QedError(`'${cfg.scaffoldConfig}' not found; looked for ${res.looked.join(', ')}`, { file: cfg.file, field: 'scaffold_config' });
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
  throw new QedError(`core_components file '${ref}' not found; looked for ${[...new Set(tries)].join(', ')}`, scaffold.where(['core_components']));
}

/** Loads a config an agent names as one of its models (relative to configs/): a model config, or another agent. */
export async function agentModelConfig(cfg: AgentConfig, key: string, ref: string, opts: { cwd: string; shippedRoot: string }): Promise<ModelConfig | AgentConfig> {
  const roots = agentSearchRoots(cfg.file, opts);
  const res = resolveAgentRef(ref, roots);
  if (!res.file) throw new QedError(`'${ref}' not found; looked for ${res.looked.join(', ')}`, { file: cfg.file, field: key });
  return loadConfig(res.file, opts);
}
