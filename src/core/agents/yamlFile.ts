/** Scaffold files with their positions, and the checks of their prompts. */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { QedError } from '../errors';
import type { Params, PromptSpec } from './params';
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
    if (!js || typeof js !== 'object' || Array.isArray(js))
      throw new QedError('a scaffold file must hold a YAML mapping of parameters', { file, line: 1 });
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
      const parent =
        keys.length > 1
          ? (this.doc.getIn(keys.slice(0, -1), true) as { range?: [number, number] } | undefined)
          : undefined;
      at = parent?.range?.[0] ?? 0;
    }
    const pos = this.lines.linePos(at);
    return { file: this.file, line: Math.max(1, pos.line), column: Math.max(1, pos.col), field: keys.join('.') };
  }

  has(keys: string[]): boolean {
    return this.doc.hasIn(keys);
  }
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
  const [first] = promptProblems(specs, values, sources, scaffoldName);
  if (first) throw new QedError(first.message, first.at, first.hint);
}

export interface PromptProblem {
  message: string;
  at: { file: string; line: number; column: number; field: string };
  hint?: string;
}

/** Every problem of a scaffold's prompts (see checkPrompts), in the order of the specs. */
export function promptProblems(
  specs: PromptSpec[],
  values: Params,
  sources: YamlFile[],
  scaffoldName: string,
): PromptProblem[] {
  const out: PromptProblem[] = [];
  for (const spec of specs) {
    const v = valueAt(values.values, spec.path);
    const src = sources.find((s) => s.has(spec.path)) ?? sources[sources.length - 1];
    const at = src.where(spec.path);
    const name = spec.path.join('.');
    const needs = spec.required.length ? ` with ${spec.required.map((r) => `{${r}}`).join(', ')}` : '';
    if (v === undefined || v === null) {
      if (spec.mandatory)
        out.push({
          message: `scaffold '${scaffoldName}' needs the prompt '${name}'${needs}`,
          at: { ...at, field: name },
          hint: 'add it to the scaffold file or the agent config',
        });
      continue;
    }
    if (typeof v !== 'string') {
      out.push({ message: `the prompt '${name}' must be text, got ${Array.isArray(v) ? 'a list' : typeof v}`, at });
      continue;
    }
    if (!spec.allowed) continue;
    let fields: string[];
    try {
      fields = templateFields(v);
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      out.push({ message: `the prompt '${name}' is not a valid template: ${e.message}`, at });
      continue;
    }
    const missing = spec.required.filter((r) => !fields.includes(r));
    const hint = `its placeholders are ${spec.allowed.map((r) => `{${r}}`).join(', ')}; write {{ and }} for literal braces`;
    if (missing.length) {
      out.push({
        message: `the prompt '${name}' has no ${missing.map((r) => `{${r}}`).join(', ')} placeholder, which scaffold '${scaffoldName}' fills and needs`,
        at,
        hint,
      });
    }
    const unknown = fields.filter((f) => !spec.allowed!.includes(f));
    if (unknown.length) {
      out.push({
        message: `the prompt '${name}' uses ${unknown.map((r) => `{${r}}`).join(', ')}, which scaffold '${scaffoldName}' does not fill`,
        at,
        hint,
      });
    }
  }
  return out;
}
