import type { AgentModel, AgentRun, Slot } from './context';
import { Params } from './params';
import { pyFormat } from './pyformat';
import type { AgentMessage } from './types';

/**
 * The components shared by math_agent, static_math_agent and rsa (the `core_components` file):
 * each turns its inputs into one model call and one result — a solution, a verification, a list of
 * approaches, or a selection among solutions.
 */

/** Hands out ids such as solution_1, solution_2, verification_1 (one counter per prefix). */
export class IdManager {
  private readonly next = new Map<string, number>();

  take(prefix: string): string {
    const n = this.next.get(prefix) ?? 1;
    this.next.set(prefix, n + 1);
    return `${prefix}_${n}`;
  }
}

export type ComponentKind =
  'solver' | 'approach_solver' | 'determine_approaches' | 'verifier' | 'improver' | 'selector' | 'merger';

/** A result a component produced (or will produce): its id and text once known. */
export interface Result {
  id?: string;
  text?: string;
}

/** The outcome of one component call. */
export interface ComponentOutcome {
  /** The id and text of what it produced (for a selector: the chosen solution's). */
  id: string;
  text: string;
  /** Approaches found (determine_approaches only). */
  approaches?: Result[];
  /** Selector: whether it said the solutions are equal, or its reply could not be read. */
  equal?: boolean;
  invalid?: boolean;
  /** The selector's reply. */
  reasoning?: string;
}

const LETTER = (i: number) => String.fromCharCode(65 + i);

/** The approach texts of a determine_approaches reply, each under a `### Suggested Approach` heading. */
export function splitApproaches(text: string): string[] {
  const out: string[] = [];
  const re = /###\s*Suggested Approach\s*([\s\S]*?)(?=###\s*Suggested Approach\s*|$)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push(
      m[1]
        .trim()
        .replace(/^#+\s*/, '')
        .replace(/\s*#+$/, ''),
    );
    if (m[0].length === 0) re.lastIndex++;
  }
  return out;
}

/** The letter (or 'equal') of a selector's first `\boxed{…}`. */
export function selectorChoice(text: string, count: number): { index: number; equal?: boolean; invalid?: boolean } {
  const m = /boxed\{\s*([A-Za-z]|equal)\s*\}/i.exec(text);
  if (!m) return { index: count - 1, invalid: true };
  if (m[1].toLowerCase() === 'equal') return { index: count - 1, equal: true };
  const index = m[1].toUpperCase().charCodeAt(0) - 65;
  if (index < 0 || index >= count) return { index: count - 1, invalid: true };
  return { index };
}

/** The core component prompts, read from the `core_components` file. */
export class CoreComponents {
  constructor(readonly p: Params) {}

  private part(name: ComponentKind | 'submit'): Params {
    return this.p.map(name);
  }

  /** The messages of one component call. */
  query(
    kind: ComponentKind,
    problem: string,
    inputs: { approach?: Result; solution?: Result; verification?: Result; solutions?: Result[]; count?: number },
  ): AgentMessage[] {
    const c = this.part(kind);
    const dev = (k: ComponentKind): AgentMessage => ({ role: 'developer', content: this.part(k).str('sysprompt') });
    switch (kind) {
      case 'solver':
        return [dev('solver'), { role: 'user', content: pyFormat(c.str('prompt'), { problem_statement: problem }) }];
      case 'approach_solver':
        return [
          dev('approach_solver'),
          {
            role: 'user',
            content: pyFormat(c.str('prompt'), { problem_statement: problem, approach: inputs.approach?.text ?? '' }),
          },
        ];
      case 'determine_approaches':
        return [
          dev('determine_approaches'),
          {
            role: 'user',
            content: pyFormat(c.str('prompt'), { problem_statement: problem, number_of_approaches: inputs.count ?? 2 }),
          },
        ];
      case 'verifier':
        return [
          dev('verifier'),
          {
            role: 'user',
            content: pyFormat(c.str('prompt'), { problem_statement: problem, solution: inputs.solution?.text ?? '' }),
          },
        ];
      case 'improver':
        return [
          dev('solver'),
          { role: 'user', content: pyFormat(this.part('solver').str('prompt'), { problem_statement: problem }) },
          { role: 'assistant', content: inputs.solution?.text ?? '' },
          { role: 'user', content: pyFormat(c.str('prompt'), { bug_report: inputs.verification?.text ?? '' }) },
        ];
      case 'selector':
      case 'merger': {
        const shown = (inputs.solutions ?? []).map((s, i) =>
          pyFormat(c.str('solution_format'), { index: LETTER(i), solution: s.text ?? '' }),
        );
        return [
          dev(kind),
          {
            role: 'user',
            content: pyFormat(c.str('prompt'), { problem_statement: problem, solutions: shown.join('\n\n') }),
          },
        ];
      }
    }
  }

  /** What a tool call returns to the planner (the component's `output_format`). */
  format(kind: ComponentKind, o: ComponentOutcome, callsLeft: number): string {
    const f = this.part(kind).str('output_format');
    switch (kind) {
      case 'determine_approaches': {
        const shown = (o.approaches ?? []).map((a) =>
          pyFormat(this.part(kind).str('approach_format'), { approach_id: a.id ?? '', approach: a.text ?? '' }),
        );
        return pyFormat(f, { approaches: shown.join('\n\n'), tool_calls: callsLeft });
      }
      case 'verifier':
        return pyFormat(f, { verification_id: o.id, verification: o.text, tool_calls: callsLeft });
      case 'selector': {
        const id = o.equal
          ? 'All solutions are considered equally good.'
          : o.invalid
            ? 'No valid selection found in the response.'
            : o.id;
        return pyFormat(f, { solution_id: id, reasoning: o.reasoning ?? '', tool_calls: callsLeft });
      }
      default:
        return pyFormat(f, { solution_id: o.id, solution: o.text, tool_calls: callsLeft });
    }
  }
}

/** A component call's label in the trace, e.g. 'Improve solution_2 with verification_1'. */
function componentLabel(kind: ComponentKind, of: string[], count: number): string {
  switch (kind) {
    case 'determine_approaches':
      return `Suggest ${count} approaches`;
    case 'verifier':
      return `Verify ${of[0]}`;
    case 'improver':
      return `Improve ${of[0]} with ${of[1]}`;
    case 'selector':
      return `Select among ${of.join(', ')}`;
    case 'merger':
      return `Merge ${of.join(', ')}`;
    case 'approach_solver':
      return `Solve with ${of[0]}`;
    case 'solver':
      return 'Solve';
  }
}

const KIND_STEP: Record<ComponentKind, string> = {
  solver: 'generate',
  approach_solver: 'generate',
  determine_approaches: 'approaches',
  verifier: 'verify',
  improver: 'improve',
  selector: 'select',
  merger: 'merge',
};

/**
 * Runs one component: its call, then what it produced. `id` is the id of the result when it was
 * given in advance (static graphs), else one is taken from `ids` once the reply is in.
 */
export async function runComponent(
  ctx: AgentRun,
  core: CoreComponents,
  model: AgentModel,
  key: string,
  kind: ComponentKind,
  problem: string,
  inputs: { approach?: Result; solution?: Result; verification?: Result; solutions?: Result[]; count?: number },
  ids: IdManager,
  opts: { id?: string; timestep?: number; limiter?: { run<T>(f: () => Promise<T>): Promise<T> }; slot?: Slot } = {},
): Promise<ComponentOutcome> {
  const of = [inputs.approach, inputs.solution, inputs.verification, ...(inputs.solutions ?? [])]
    .filter((r): r is Result => !!r)
    .map((r) => r.id ?? '?');
  const label = componentLabel(kind, of, inputs.count ?? 2);
  const messages = core.query(kind, problem, inputs);
  const call = () =>
    ctx.call(
      key,
      model,
      messages,
      { kind: KIND_STEP[kind], label, ...(of.length ? { of } : {}) },
      { historyStep: `${kind}:${key}`, timestep: opts.timestep, slot: opts.slot },
    );
  const r = await (opts.limiter ? opts.limiter.run(call) : call());
  if (kind === 'determine_approaches') {
    const found = splitApproaches(r.text);
    const n = inputs.count ?? 2;
    const approaches: Result[] = [];
    for (let i = 0; i < n; i++)
      approaches.push({ id: ids.take('approach'), text: i < found.length ? found[i] : 'No valid approach generated.' });
    if (found.length < n)
      r.step.note = `${found.length} of ${n} approaches found under '### Suggested Approach' headings`;
    r.step.verdict = approaches.map((a) => a.id).join(', ');
    return { id: approaches.map((a) => a.id).join(' - '), text: r.text, approaches };
  }
  if (kind === 'selector') {
    const sols = inputs.solutions ?? [];
    const c = selectorChoice(r.text, sols.length);
    const chosen = sols[c.index] ?? {};
    r.step.verdict = chosen.id;
    if (c.invalid) r.step.note = `no readable \\boxed{letter} in the reply: the last solution, ${chosen.id}, is kept`;
    if (c.equal) r.step.note = `judged equal: the last solution, ${chosen.id}, is kept`;
    return { id: chosen.id ?? '', text: chosen.text ?? '', equal: c.equal, invalid: c.invalid, reasoning: r.text };
  }
  const prefix = kind === 'verifier' ? 'verification' : 'solution';
  const id = opts.id ?? ids.take(prefix);
  r.step.candidate = id;
  return { id, text: r.text };
}

/** The `core_components` parameter as Params (an empty set when missing). */
export function coreParams(values: unknown): Params {
  return new Params(
    values && typeof values === 'object' && !Array.isArray(values) ? (values as Record<string, unknown>) : {},
  );
}
