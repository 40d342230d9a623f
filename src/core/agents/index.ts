/**
 * Agent scaffolds: a model config of `type: agent` names a scaffold file and the models it calls.
 * `loadAgent` reads both (the agent config's keys override the scaffold's, as in the Python
 * stack), checks the prompts, builds the clients, and returns a Solver the run loop uses like a
 * single model: one problem in, a final answer, its `history`, cost and `agent_trace` out.
 */
import { createHash } from 'node:crypto';
import { configIdentity } from '../config/identity';
import { agentSearchRoots } from '../config/resolve';
import type { AgentConfig, ModelConfig } from '../config/types';
import { QedError } from '../errors';
import { createClient, Limiter, type ClientOptions } from '../llm';
import type { RunIdentity } from '../run/store';
import type { Solver, SolveResult } from '../run/solver';
import { AgentRun, type AgentModel } from './context';
import { runDeepseek } from './deepseek';
import { StepJournal } from './journal';
import { coreComponentsFile, agentModelConfig, scaffoldFile } from './load';
import { checkPrompts, YamlFile } from './yamlFile';
import { runMathAgent } from './mathAgent';
import { CoreComponents, coreParams } from './mathCore';
import { runNomos } from './nomos';
import { Params, type AgentModels } from './params';
import { PyRandom } from './pyrandom';
import { runReasoningCache } from './reasoningCache';
import { runSelfcheck } from './selfcheck';
import { CORE_PROMPTS, SCAFFOLD_NAMES, looksLikeCoreComponents, scaffoldSpec, type ScaffoldSpec } from './specs';
import { buildRsa, buildStatic, Graph } from './staticGraph';
import type { ScaffoldResult } from './types';

export type { AgentTrace, TraceStep, HistoryStep } from './types';
export { StepJournal } from './journal';

type Run = (ctx: AgentRun, stmt: string, p: Params, m: AgentModels, core: Params) => Promise<ScaffoldResult>;

/** Each scaffold's algorithm, by its canonical scaffold_name. */
const RUNS: Record<string, Run> = {
  deepseek_agent: (c, s, p, m) => runDeepseek(c, s, p, m),
  nomos: (c, s, p, m) => runNomos(c, s, p, m),
  rc: (c, s, p, m) => runReasoningCache(c, s, p, m),
  selfcheck: (c, s, p, m) => runSelfcheck(c, s, p, m),
  static_math_agent: (c, s, p, m, core) => {
    const g = new Graph(c, new CoreComponents(core), m, s, p.int('max_concurrent_calls', 8));
    return g.answer(buildStatic(g, p), 'static_math_agent');
  },
  rsa: (c, s, p, m, core) => {
    const g = new Graph(c, new CoreComponents(core), m, s, p.int('max_concurrent_calls', 8));
    return g.answer(
      buildRsa(g, p, (seed) => new PyRandom(seed), c.rng),
      'rsa',
    );
  },
  math_agent: (c, s, p, m, core) => runMathAgent(c, s, p, m, core),
};

interface ScaffoldDef extends ScaffoldSpec {
  run: Run;
}

export { SCAFFOLD_NAMES };

/** Keys of an agent config that describe it and are not scaffold parameters. */
const DESCRIPTIVE = new Set(['type', 'human_readable_id', 'date']);

export interface AgentSolver extends Solver {
  readonly agent: AgentConfig;
  readonly scaffold: string;
  /** Rows worked on at once (the scaffold's `n_threads`). */
  readonly rowsAtOnce: number;
  /** Requests in flight at most, across every row (the model config's concurrent_requests or --concurrency). */
  readonly budget: number;
  readonly limiter: Limiter;
  readonly models: AgentModels;
  /** Model calls one problem takes at most (for cost estimates). */
  readonly callsPerProblem: number;
  /** What identifies the run: scaffold parameters, prompts and every model's settings. */
  identity(prompt: { source: string; hash: string }, mode: string): RunIdentity;
}

export interface AgentLoadOptions extends Omit<ClientOptions, 'concurrency'> {
  cwd: string;
  shippedRoot: string;
  /** Replaces the model config's concurrent_requests as the job's request budget (--concurrency). */
  concurrency?: number;
}

const shortHash = (v: unknown): string => createHash('sha256').update(JSON.stringify(v)).digest('hex').slice(0, 16);

/** An agent config read and checked: its scaffold, parameters, components and models. */
interface BuiltAgent {
  def: ScaffoldDef;
  params: Params;
  core: Params;
  models: AgentModels;
  /** The model config behind model_config (for an agent there, that agent's own). */
  main: ModelConfig;
  /** What identifies it (prompts and nested settings by hash). */
  settings: Record<string, unknown>;
}

interface BuildShared {
  opts: AgentLoadOptions;
  /** The job's request budget, once known (the outermost agent's main model decides it). */
  budget?: number;
  /** One client per model config file, shared by every role and nested agent. */
  clients: Map<string, AgentModel>;
  /** Agent configs being read, to refuse a loop. */
  chain: string[];
}

async function buildAgent(cfg: AgentConfig, shared: BuildShared): Promise<BuiltAgent> {
  const opts = shared.opts;
  if (shared.chain.includes(cfg.file))
    throw new QedError(`agent configs name each other in a loop: ${[...shared.chain, cfg.file].join(' → ')}`, {
      file: cfg.file,
      field: 'model_config',
    });
  if (shared.chain.length >= 4)
    throw new QedError('agents nested more than 4 deep', { file: cfg.file, field: 'model_config' });
  const roots = agentSearchRoots(cfg.file, opts);
  const agentFile = YamlFile.read(cfg.file);
  const scaffold = YamlFile.read(scaffoldFile(cfg, roots));
  const rawName = agentFile.values.scaffold_name ?? scaffold.values.scaffold_name;
  const nameSrc = agentFile.has(['scaffold_name']) ? agentFile : scaffold;
  if (rawName === undefined) {
    const looksCore = looksLikeCoreComponents(scaffold.values);
    throw new QedError(
      looksCore
        ? `'${cfg.scaffoldConfig}' is the component set that math_agent, static_math_agent and rsa use (their core_components), not a scaffold`
        : `'${cfg.scaffoldConfig}' has no scaffold_name`,
      { file: scaffold.file, line: 1, field: 'scaffold_name' },
      `point scaffold_config at a scaffold, e.g. agents/math_agent; the scaffolds are ${SCAFFOLD_NAMES.join(', ')}`,
    );
  }
  const spec = scaffoldSpec(rawName);
  const def: ScaffoldDef | undefined = spec && { ...spec, run: RUNS[spec.names[0]] };
  if (!def) {
    throw new QedError(
      `unknown scaffold_name '${String(rawName)}'`,
      nameSrc.where(['scaffold_name']),
      `the scaffolds are ${SCAFFOLD_NAMES.join(', ')}`,
    );
  }

  // The agent config's keys override the scaffold's, as the Python stack merges them.
  const merged: Record<string, unknown> = { ...scaffold.values };
  for (const [k, v] of Object.entries(agentFile.values)) if (!DESCRIPTIVE.has(k)) merged[k] = v;
  const params = new Params(merged);
  checkPrompts(def.prompts, params, [agentFile, scaffold], def.names[0]);

  let core = new Params({});
  if (def.core) {
    const ref = merged.core_components;
    if (typeof ref !== 'string' || !ref)
      throw new QedError(
        `scaffold '${def.names[0]}' needs core_components (the file of its component prompts)`,
        scaffold.where(['core_components']),
      );
    const coreFile = YamlFile.read(coreComponentsFile(ref, scaffold, opts.cwd, roots));
    core = coreParams(coreFile.values);
    checkPrompts(CORE_PROMPTS, core, [coreFile], def.names[0]);
  }

  // The models: model_config, and the optional verifier / improver / summarizer. Each may be a
  // model config or, as in the Python stack, another agent config.
  const chain = [...shared.chain, cfg.file];
  const model = async (key: string, ref: string): Promise<AgentModel> => {
    const mc = await agentModelConfig(cfg, key, ref, opts);
    if (mc.kind === 'agent') {
      const inner = await buildAgent(mc, { ...shared, chain });
      return {
        id: mc.id.replace(/^models\//, ''),
        config: inner.main,
        client: inner.models.model.client,
        identity: `agent:${shortHash(inner.settings)}`,
        agent: (ctx, stmt) => inner.def.run(ctx, stmt, inner.params, inner.models, inner.core),
      };
    }
    shared.budget ??= Math.max(1, Math.min(opts.concurrency ?? mc.concurrentRequests, opts.maxConcurrency || Infinity));
    const have = shared.clients.get(mc.file || mc.id);
    if (have) return have;
    if (def.tools && mc.api === 'google') {
      throw new QedError(
        `scaffold '${def.names[0]}' calls tools, which QED Workbench sends through OpenAI-compatible APIs (chat completions or the Responses API); '${mc.id}' uses the Gemini API`,
        { file: mc.file, field: 'api' },
        'use an OpenAI-compatible config for this agent',
      );
    }
    const client = await createClient(mc, { ...opts, concurrency: shared.budget });
    const am: AgentModel = { id: mc.id.replace(/^models\//, ''), config: mc, client };
    shared.clients.set(mc.file || mc.id, am);
    return am;
  };
  const main = await model('model_config', cfg.modelConfig);
  const extra = async (key: string): Promise<AgentModel> =>
    cfg.extraModels[key] !== undefined ? model(key, cfg.extraModels[key]) : main;
  const models: AgentModels = {
    model: main,
    verifier: await extra('verifier_model'),
    improver: await extra('improver_model'),
    summarizer: await extra('summarizer_model'),
  };

  // Identity: every parameter (prompts by hash), the core prompts, and each model's settings.
  const settings: Record<string, unknown> = { scaffold: def.names[0] };
  for (const [k, v] of Object.entries(merged).sort(([a], [b]) => a.localeCompare(b))) {
    if (
      [
        'model_config',
        'scaffold_config',
        'verifier_model',
        'improver_model',
        'summarizer_model',
        'n_threads',
        'max_concurrent_calls',
      ].includes(k)
    )
      continue;
    settings[k] =
      typeof v === 'string' && v.length > 80
        ? `sha:${shortHash(v)}`
        : v && typeof v === 'object'
          ? `sha:${shortHash(v)}`
          : v;
  }
  if (def.core) settings.core_components = `sha:${shortHash(core.values)}`;
  for (const [role, m] of Object.entries(models))
    settings[`${role}_settings`] =
      `sha:${(m.identity ??= configIdentity(m.config)).replace(/^agent:/, 'agent-').slice(0, 22)}`;
  return { def, params, core, models, main: main.config, settings };
}

/** Reads an agent config's scaffold and models and returns its solver. Throws QedError for bad input. */
export async function loadAgent(cfg: AgentConfig, opts: AgentLoadOptions): Promise<AgentSolver> {
  const shared: BuildShared = { opts, clients: new Map(), chain: [] };
  const { def, params, core, models, main, settings } = await buildAgent(cfg, shared);
  const budget = shared.budget ?? 1;
  const limiter = new Limiter(budget);
  const rowsAtOnce = Math.max(1, params.int('n_threads', 1));
  let journal: StepJournal | undefined;

  const solver: AgentSolver = {
    agent: cfg,
    scaffold: def.names[0],
    label: cfg.id,
    stopOnFailure: main.throwErrorOnFailure,
    rowsAtOnce,
    budget,
    limiter,
    models,
    callsPerProblem: maxCalls(def.names[0], params),
    identity(prompt, mode) {
      return {
        config: cfg.id,
        model: main.model,
        api: main.api,
        config_hash: createHash('sha256').update(JSON.stringify(settings)).digest('hex'),
        settings,
        prompt: prompt.source,
        prompt_hash: prompt.hash,
        mode,
      };
    },
    session(outputPath) {
      const j = new StepJournal(`${outputPath}.steps`);
      return {
        open(fresh: boolean) {
          j.open(fresh);
          journal = j;
          return j.warnings;
        },
        finish(isFinished: (key: string) => boolean) {
          journal = undefined;
          return j.finish(isFinished);
        },
      };
    },
    async solve(prompt, o): Promise<SolveResult> {
      if (!journal) throw new Error('agent solver used outside a job session');
      const ctx = new AgentRun({ journal, limiter }, o.key ?? 'row', def.names[0], {
        signal: o.signal,
        onRetry: o.onRetry,
      });
      let result: ScaffoldResult;
      try {
        result = await def.run(ctx, prompt, params, models, core);
      } finally {
        await ctx.settle();
      }
      const cost = ctx.totalCost;
      return {
        answer: result.answer,
        history: ctx.history,
        cost,
        attempts: ctx.totalAttempts,
        extra: { agent_trace: ctx.trace(result.final) },
      };
    },
  };
  return solver;
}

/** The most model calls one problem can take with these parameters (early stops make fewer). */
export function maxCalls(scaffold: string, p: Params): number {
  switch (scaffold) {
    case 'deepseek_agent': {
      const pool = p.int('pool_size', 4);
      const round = pool * (1 + p.int('verification_pool_size', 4));
      return round * (1 + p.int('max_iterations', 3));
    }
    case 'nomos': {
      const n = p.int('n_solutions_to_generate', 8);
      return 2 * n + 1 + Math.max(0, Math.min(n, p.int('max_kept_solutions', 8)) - 1);
    }
    case 'rc':
      return Math.max(0, 2 * p.int('n_iterations', 3) - 1);
    case 'selfcheck':
      return 2 + 3 * p.int('max_iterations', 30);
    case 'static_math_agent': {
      const branches =
        p.int('n_approach_solutions', 0) + (p.bool('use_no_approach', true) ? p.int('n_no_approach_solutions', 0) : 0);
      const perBranch = p.int('n_solutions_per_approach', 1) * (1 + 2 * p.int('n_verifications_per_solution', 0)) + 1;
      return (p.int('n_approach_solutions', 0) > 0 ? 1 : 0) + branches * perBranch + 1;
    }
    case 'rsa': {
      const n = p.int('n_solutions', 1);
      return n * (1 + p.int('n_rounds', 0)) + Math.max(0, n - 1);
    }
    case 'math_agent':
      return 2 * p.int('max_calls', 10) + 2;
    default:
      return 1;
  }
}
