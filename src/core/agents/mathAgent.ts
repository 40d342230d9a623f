import type { ToolCall } from '../llm/types';
import type { AgentRun } from './context';
import { CoreComponents, IdManager, runComponent, type ComponentKind, type Result } from './mathCore';
import { Params, type AgentModels } from './params';
import { pyFormat } from './pyformat';
import type { AgentMessage, ScaffoldResult } from './types';

/**
 * math_agent: a planner model with tools — one per core component, plus `submit` — that decides
 * which components to call, within `max_calls` component calls. Tool calls are run in the order
 * the planner wrote them; the planner is asked again after each turn that ran a tool, and reminded
 * once to submit if it stops without doing so.
 */

/** The tools, by the key of their component in the core components file. */
const TOOLS: Array<{ key: ComponentKind | 'submit'; fallbackName: string }> = [
  { key: 'submit', fallbackName: 'submit' },
  { key: 'verifier', fallbackName: 'verification_agent' },
  { key: 'improver', fallbackName: 'improver_agent' },
  { key: 'selector', fallbackName: 'selector_agent' },
  { key: 'merger', fallbackName: 'merger_agent' },
  { key: 'solver', fallbackName: 'solver_agent' },
  { key: 'approach_solver', fallbackName: 'approach_solver_agent' },
  { key: 'determine_approaches', fallbackName: 'determine_approaches_agent' },
];

/** Function specs (chat completions format) from the components' name, description and properties. */
export function toolSpecs(parts: Params): { specs: unknown[]; byName: Map<string, ComponentKind | 'submit'> } {
  const specs: unknown[] = [];
  const byName = new Map<string, ComponentKind | 'submit'>();
  for (const t of TOOLS) {
    // Only the components the file defines become tools (submit always does).
    if (t.key !== 'submit' && !(t.key in parts.values)) continue;
    const c = parts.map(t.key);
    const name = c.str('name', t.fallbackName);
    if (byName.has(name)) continue;
    byName.set(name, t.key);
    const props =
      c.values.properties && typeof c.values.properties === 'object'
        ? (c.values.properties as Record<string, unknown>)
        : {};
    specs.push({
      type: 'function',
      function: {
        name,
        description: c.str('description'),
        parameters: { type: 'object', properties: props, required: Object.keys(props) },
      },
    });
  }
  return { specs, byName };
}

function parseArgs(raw: string): Record<string, unknown> {
  const v: unknown = JSON.parse(raw || '{}');
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('the arguments are not a JSON object');
  return v as Record<string, unknown>;
}

export async function runMathAgent(
  ctx: AgentRun,
  stmt: string,
  p: Params,
  m: AgentModels,
  coreValues: Params,
): Promise<ScaffoldResult> {
  const maxCalls = p.int('max_calls', 10);
  // The agent's own `submit` entry joins the component set, as the Python stack does.
  const parts = new Params({ ...coreValues.values, submit: p.values.submit ?? coreValues.values.submit ?? {} });
  const core = new CoreComponents(parts);
  const { specs, byName } = toolSpecs(parts);
  const perTool = maxCalls * 10;
  const used = new Map<string, number>();
  const ids = new IdManager();
  const solutions = new Map<string, Result>();
  const verifications = new Map<string, Result>();
  const approaches = new Map<string, Result>();
  let callsLeft = maxCalls;
  let output: { id: string; text: string } | undefined;
  let componentCalls = 0;

  const norm = (id: unknown, prefix: string, known: Map<string, Result>): string => {
    const s = String(id ?? '');
    return !known.has(s) && !s.startsWith(`${prefix}_`) ? `${prefix}_${s}` : s;
  };
  const component = async (kind: ComponentKind, inputs: Parameters<typeof runComponent>[6]): Promise<string> => {
    if (callsLeft <= 0) return p.str('no_tools_message', 'No tool calls left.');
    const o = await runComponent(ctx, core, m.model, `tool/${componentCalls++}`, kind, stmt, inputs, ids, {
      timestep: maxCalls - callsLeft + 1,
    });
    callsLeft--;
    if (o.approaches) for (const a of o.approaches) approaches.set(a.id!, a);
    if (kind === 'verifier') verifications.set(o.id, { id: o.id, text: o.text });
    else if (kind !== 'selector' && kind !== 'determine_approaches') solutions.set(o.id, { id: o.id, text: o.text });
    return core.format(kind, o, callsLeft);
  };
  const solutionList = (raw: unknown): Result[] | string => {
    const list = Array.isArray(raw) ? raw : [raw];
    const out: Result[] = [];
    for (const x of list) {
      const id = norm(x, 'solution', solutions);
      const s = solutions.get(id);
      if (!s) return `Error: SolutionID ${id} not found.`;
      out.push(s);
    }
    return out;
  };

  const tool = async (kind: ComponentKind | 'submit', args: Record<string, unknown>): Promise<string> => {
    switch (kind) {
      case 'submit': {
        const id = norm(args.solution_id, 'solution', solutions);
        const s = solutions.get(id);
        if (!s) return `Error: SolutionID ${id} not found.`;
        output = { id, text: s.text ?? '' };
        ctx.decide({ kind: 'select', label: `Submitted ${id}`, verdict: id, of: [id] });
        return pyFormat(parts.map('submit').str('output_format', 'Submitted {solution_id}.'), { solution_id: id });
      }
      case 'determine_approaches':
        return component('determine_approaches', {
          count: typeof args.number_of_approaches === 'number' ? args.number_of_approaches : 2,
        });
      case 'solver':
      case 'approach_solver': {
        if (args.approach_id === undefined || args.approach_id === null) return component('solver', {});
        const id = norm(args.approach_id, 'approach', approaches);
        const a = approaches.get(id);
        if (!a) return `Error: ApproachID ${id} not found.`;
        return component('approach_solver', { approach: a });
      }
      case 'verifier': {
        const id = norm(args.solution_id, 'solution', solutions);
        const s = solutions.get(id);
        if (!s) return `Error: SolutionID ${id} not found.`;
        return component('verifier', { solution: s });
      }
      case 'improver': {
        const sid = norm(args.solution_id, 'solution', solutions);
        const s = solutions.get(sid);
        if (!s) return `Error: SolutionID ${sid} not found.`;
        const vid = norm(args.verification_id, 'verification', verifications);
        const v = verifications.get(vid);
        if (!v) return `Error: VerificationID ${vid} not found.`;
        return component('improver', { solution: s, verification: v });
      }
      case 'selector':
      case 'merger': {
        const list = solutionList(args.solution_ids);
        if (typeof list === 'string') return list;
        return component(kind, { solutions: list });
      }
    }
  };

  const main = p.map('main');
  let convo: AgentMessage[] = [
    { role: 'developer', content: main.str('sysprompt') },
    { role: 'user', content: pyFormat(main.str('prompt'), { problem_statement: stmt, max_calls: maxCalls }) },
  ];
  // Bounded like the Python stack's Responses path: one planner turn per allowed tool call, plus one.
  const maxTurns = perTool * byName.size + 1;
  let turns = 0;
  const plan = async (phase: string): Promise<void> => {
    let ranTool = true;
    while (ranTool && turns < maxTurns) {
      ranTool = false;
      const r = await ctx.call(
        `plan/${turns}`,
        m.model,
        convo,
        { kind: 'plan', label: `Planner turn ${turns + 1}${phase}` },
        { historyStep: 'Main Solve Loop', timestep: 0, tools: specs },
      );
      turns++;
      convo = [...r.messages];
      const calls: ToolCall[] = r.toolCalls ?? [];
      if (calls.length) r.step.verdict = calls.map((c) => c.name).join(', ');
      for (const c of calls) {
        const kind = byName.get(c.name);
        let out: string;
        if (!kind) out = `Error: there is no tool named ${c.name}.`;
        else if ((used.get(c.name) ?? 0) >= perTool) out = `Error: Exceeded maximum number of tool calls (${perTool}).`;
        else {
          used.set(c.name, (used.get(c.name) ?? 0) + 1);
          try {
            out = await tool(kind, parseArgs(c.arguments));
          } catch (e) {
            if (e instanceof SyntaxError || (e instanceof Error && e.message.includes('JSON object')))
              out = `Error executing tool ${c.name}. Exception: ${e.message}`;
            else throw e;
          }
        }
        convo.push({ role: 'tool', tool_name: c.name, tool_call_id: c.id, content: out });
        ranTool = true;
      }
    }
  };
  await plan('');
  if (!output) {
    convo.push({ role: 'user', content: main.str('reminder_submit') });
    await plan(' (reminded to submit)');
  }
  if (!output)
    return {
      answer: 'No solution submitted by the agent.',
      final: { note: `the planner did not submit a solution (${componentCalls} component calls)` },
    };
  return {
    answer: output.text,
    final: { candidate: output.id, note: `submitted by the planner after ${componentCalls} component calls` },
  };
}
