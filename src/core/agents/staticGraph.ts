import { Limiter } from '../llm/limiter';
import type { AgentRun, Slot } from './context';
import { CoreComponents, IdManager, runComponent, type ComponentKind, type Result } from './mathCore';
import type { AgentModels, Params } from './params';
import type { PyRandom } from './pyrandom';
import type { ScaffoldResult } from './types';

/**
 * A fixed graph of core components (static_math_agent, rsa), built before any call: each node
 * runs as soon as its inputs are ready, at most `max_concurrent_calls` at once per problem.
 * Nodes are numbered, and their ids handed out, in the order the graph is built, so a rerun makes
 * the same calls under the same names whatever order the replies arrive in.
 */
class GraphNode implements Result {
  id?: string;
  text?: string;
  private running?: Promise<void>;

  constructor(
    readonly index: number,
    readonly kind: ComponentKind,
    readonly inputs: {
      approach?: GraphNode;
      solution?: GraphNode;
      verification?: GraphNode;
      solutions?: GraphNode[];
      count?: number;
    },
    readonly presetId?: string,
    /** For an approach: the determine_approaches node and which of its approaches this is. */
    readonly approachOf?: { node: GraphNode; i: number },
    /** Its place in the trace, reserved when the graph is built. */
    readonly slot?: Slot,
  ) {}

  run(g: Graph): Promise<void> {
    this.running ??= this.execute(g);
    return this.running;
  }

  private async execute(g: Graph): Promise<void> {
    const deps = [
      this.inputs.approach,
      this.inputs.solution,
      this.inputs.verification,
      ...(this.inputs.solutions ?? []),
    ].filter((n): n is GraphNode => !!n);
    await g.ctx.all(deps.map((d) => d.run(g)));
    if (this.approachOf) {
      const a = g.approaches.get(this.approachOf.node)?.[this.approachOf.i];
      this.id = a?.id;
      this.text = a?.text;
      return;
    }
    const out = await runComponent(
      g.ctx,
      g.core,
      g.models.model,
      `node/${this.index}`,
      this.kind,
      g.problem,
      this.inputs,
      g.ids,
      { id: this.presetId, timestep: this.index, limiter: g.limiter, slot: this.slot },
    );
    if (out.approaches) g.approaches.set(this, out.approaches);
    this.id = out.id;
    this.text = out.text;
  }
}

export class Graph {
  private readonly nodes: GraphNode[] = [];
  readonly ids = new IdManager();
  readonly approaches = new Map<GraphNode, Result[]>();
  readonly limiter: Limiter;

  constructor(
    readonly ctx: AgentRun,
    readonly core: CoreComponents,
    readonly models: AgentModels,
    readonly problem: string,
    maxConcurrent: number,
  ) {
    this.limiter = new Limiter(Math.max(1, maxConcurrent));
  }

  private add(kind: ComponentKind, inputs: GraphNode['inputs'], preset?: string): GraphNode {
    const n = new GraphNode(this.nodes.length, kind, inputs, preset, undefined, this.ctx.reserve());
    this.nodes.push(n);
    return n;
  }

  solver(): GraphNode {
    return this.add('solver', {}, this.ids.take('solution'));
  }
  approachSolver(approach: GraphNode): GraphNode {
    return this.add('approach_solver', { approach }, this.ids.take('solution'));
  }
  verify(solution: GraphNode): GraphNode {
    return this.add('verifier', { solution }, this.ids.take('verification'));
  }
  improve(solution: GraphNode, verification: GraphNode): GraphNode {
    return this.add('improver', { solution, verification }, this.ids.take('solution'));
  }
  merge(solutions: GraphNode[]): GraphNode {
    return this.add('merger', { solutions }, this.ids.take('solution'));
  }
  select(solutions: GraphNode[]): GraphNode {
    return this.add('selector', { solutions });
  }
  /** `count` approach placeholders filled by one determine_approaches call. */
  approachesOf(count: number): GraphNode[] {
    const d = this.add('determine_approaches', { count });
    return Array.from(
      { length: count },
      (_, i) => new GraphNode(-1, 'solver', { solution: d }, undefined, { node: d, i }),
    );
  }

  async answer(root: GraphNode, scaffold: string): Promise<ScaffoldResult> {
    await root.run(this);
    this.ctx.decide({
      kind: 'select',
      label: `Answer: ${root.id ?? 'none'}`,
      verdict: root.id ?? 'none',
      ...(root.id ? { of: [root.id] } : {}),
    });
    if (root.text === undefined)
      return { answer: 'No solution submitted by the agent.', final: { note: 'the graph produced no solution' } };
    return {
      answer: root.text,
      final: {
        candidate: root.id,
        note: `the result of the ${scaffold} graph's last ${root.kind === 'selector' ? 'selection' : root.kind}`,
      },
    };
  }
}

export function buildStatic(g: Graph, p: Params): GraphNode {
  const roots: Array<GraphNode | undefined> = [];
  const nApproach = p.int('n_approach_solutions', 0);
  if (nApproach > 0) roots.push(...g.approachesOf(nApproach));
  if (p.bool('use_no_approach', true))
    for (let i = 0; i < p.int('n_no_approach_solutions', 0); i++) roots.push(undefined);
  const branches: GraphNode[] = [];
  for (const approach of roots) {
    const sols: GraphNode[] = [];
    for (let s = 0; s < p.int('n_solutions_per_approach', 1); s++) {
      let sol = approach ? g.approachSolver(approach) : g.solver();
      for (let v = 0; v < p.int('n_verifications_per_solution', 0); v++) sol = g.improve(sol, g.verify(sol));
      sols.push(sol);
    }
    if (sols.length === 1) branches.push(sols[0]);
    else if (sols.length) branches.push(p.bool('merge_solutions', false) ? g.merge(sols) : g.select(sols));
  }
  if (!branches.length) throw new Error('static_math_agent: the parameters give no solution to compute');
  return branches.length === 1 ? branches[0] : g.select(branches);
}

/** rsa's blocks: the items shuffled, then each position with `k` shared random offsets (Python's Random(seed)). */
export function sampleBlocks<T>(items: T[], k: number, rng: PyRandom): T[][] {
  const n = items.length;
  const perm = rng.shuffle([...items]);
  const offsets = rng.sample(
    Array.from({ length: n }, (_, i) => i),
    k,
  );
  return Array.from({ length: n }, (_, s) => offsets.map((o) => perm[(s + o) % n]));
}

export function buildRsa(g: Graph, p: Params, seeded: (seed: number) => PyRandom, rng: PyRandom): GraphNode {
  let sols: GraphNode[] = Array.from({ length: p.int('n_solutions', 1) }, () => g.solver());
  const k = Math.min(p.int('block_size', 1), sols.length);
  for (let round = 0; round < p.int('n_rounds', 0); round++) {
    sols = sampleBlocks(sols, k, seeded(round)).map((block) => g.merge(block));
  }
  if (sols.length === 1) return sols[0];
  if (!p.bool('select_pairwise', false)) return g.select(sols);
  while (sols.length > 1) {
    const next: GraphNode[] = [];
    for (let i = 0; i < sols.length; i += 2)
      next.push(i + 1 < sols.length ? g.select([sols[i], sols[i + 1]]) : sols[i]);
    sols = rng.shuffle(next);
  }
  return sols[0];
}
