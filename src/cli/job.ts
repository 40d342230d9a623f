import { resolve } from 'node:path';
import { loadConfig } from '../core/config';
import { readDataset } from '../core/data';
import type { Dataset } from '../core/data/types';
import type { JobProgress, JobSummary } from '../core/run/rows';
import type { ModelConfig } from '../core/config/types';
import { QedError } from '../core/errors';
import { createClient, envKeys, type BoundClient } from '../core/llm';
import { loadAgent } from '../core/agents';
import { requireModelConfig } from '../core/grade/grader';
import { runIdentity } from '../core/run/identity';
import type { PromptTemplate } from '../core/run/prompts';
import { singleCallSolver, type Solver } from '../core/run/solver';
import type { RunIdentity } from '../core/run/store';
import { positiveInt, str } from './args';
import { ProgressReporter, formatDuration, formatTokens, formatUsd, jobState, reusedPart } from './progress';

/** Loads a model config; an agent config is refused (only `qed run` runs agents). */
export async function loadModelConfig(ref: string, shippedRoot: string): Promise<ModelConfig> {
  return requireModelConfig(await loadConfig(ref, { cwd: process.cwd(), shippedRoot }), 'this command', ref);
}

/** What `qed run` generates with: one model, or an agent scaffold driving its models. */
export interface RunSolver {
  solver: Solver;
  identity: RunIdentity;
  /** For the opening line, e.g. 'openai/gpt-5-mini (openai: gpt-5-mini)'. */
  describe: string;
  /** Rows worked on at once. */
  rowsAtOnce: number;
  /** The config whose prices the cost estimate uses (an agent's main model) and the calls per problem. */
  priced: ModelConfig;
  callsPerProblem: number;
}

/** Client settings every command of this process shares (`--log-requests`). */
export const clientDefaults: { logRequests?: string } = {};

/** Sets `--log-requests DIR` (made absolute) for every client this process builds. */
export function useRequestLog(dir: unknown): void {
  if (typeof dir === 'string' && dir) clientDefaults.logRequests = resolve(dir);
}

/** The solver for a `--model-config` that may name a model config or an agent config. */
export async function runSolver(
  ref: string,
  shippedRoot: string,
  prompt: PromptTemplate,
  mode: string,
  concurrency?: number,
): Promise<RunSolver> {
  const cwd = process.cwd();
  const cfg = await loadConfig(ref, { cwd, shippedRoot });
  const pollIntervalMs = Number(process.env.QED_POLL_INTERVAL_MS) || undefined;
  if (cfg.kind === 'agent') {
    const agent = await loadAgent(cfg, {
      ...clientDefaults,
      cwd,
      shippedRoot,
      getKey: envKeys,
      concurrency,
      pollIntervalMs,
    });
    return {
      solver: agent,
      identity: agent.identity(prompt, mode),
      describe: `${cfg.id} (agent: scaffold ${agent.scaffold}, model ${agent.models.model.id}; ${agent.rowsAtOnce} problems at once, at most ${agent.budget} requests in flight)`,
      rowsAtOnce: agent.rowsAtOnce,
      priced: agent.models.model.config,
      callsPerProblem: agent.callsPerProblem,
    };
  }
  const client = await createClient(cfg, { ...clientDefaults, getKey: envKeys, concurrency, pollIntervalMs });
  return {
    solver: singleCallSolver(client),
    identity: runIdentity(cfg, prompt, mode),
    describe: `${cfg.id} (${cfg.api}: ${cfg.model})`,
    rowsAtOnce: client.limiter.size,
    priced: cfg,
    callsPerProblem: 1,
  };
}

/** The client of a model config, with keys from the environment. */
export function clientOf(cfg: ModelConfig, concurrency?: number): Promise<BoundClient> {
  // QED_POLL_INTERVAL_MS: how often background responses are polled (default 5 s).
  return createClient(cfg, {
    ...clientDefaults,
    getKey: envKeys,
    concurrency,
    pollIntervalMs: Number(process.env.QED_POLL_INTERVAL_MS) || undefined,
  });
}

/** Loads a model config and builds its client with keys from the environment. */
export async function modelClient(
  ref: string,
  shippedRoot: string,
  concurrency?: number,
): Promise<{ cfg: ModelConfig; client: BoundClient }> {
  const cfg = await loadModelConfig(ref, shippedRoot);
  return { cfg, client: await clientOf(cfg, concurrency) };
}

export { runIdentity as identityOf } from '../core/run/identity';

export { positiveInt };

/**
 * Runs a job with Ctrl-C / SIGTERM handling: the first signal cancels cleanly (finished rows are
 * written), a second one quits at once (the journal keeps them for the next run).
 */
export async function cancellable<T>(reporter: ProgressReporter, job: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts++;
    if (interrupts > 1) {
      reporter.log('qed: stopping now; finished rows are in the journal and will be reused');
      process.exit(130);
    }
    reporter.log(`qed: ${sig}: cancelling; finished rows are kept (press Ctrl-C again to quit at once)`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await job(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * The terminal side of a row job (run, eval, the rubric tools): warnings and notes on stderr, a
 * live progress line unless --quiet, the closing summary line, and Ctrl-C handling.
 */
export class JobConsole {
  readonly reporter = new ProgressReporter();

  constructor(private readonly quiet: boolean) {}

  warn(warnings: readonly string[] = []): void {
    for (const w of warnings) this.reporter.log(`warning: ${w}`);
  }

  /** A line that is not shown with --quiet. */
  say(line: string): void {
    if (!this.quiet) this.reporter.log(line);
  }

  /** What a job is given for its progress and its log lines. */
  get hooks(): { onProgress?: (p: JobProgress) => void; onLog: (line: string) => void } {
    // --quiet: warnings only, no per-row lines (retries, failures, unreadable replies): the summary counts them.
    return {
      onProgress: this.quiet ? undefined : (p) => this.reporter.update(p),
      onLog: (line) => (!this.quiet || line.startsWith('warning:') ? this.reporter.log(line) : undefined),
    };
  }

  /** After a job: its last progress figures, then its summary line. */
  finish(summary: JobSummary, line: string): void {
    if (!this.quiet) this.reporter.update(summary, true);
    this.reporter.done();
    process.stderr.write(line + '\n');
  }

  run<T>(job: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return cancellable(this.reporter, job);
  }
}

/** 130 cancelled, 1 when rows failed or a reply could not be read (both asked again next time), else 0. */
export function exitStatus(s: JobSummary): number {
  if (s.cancelled) return 130;
  return s.failed || s.flags.parse_failure ? 1 : 0;
}

/** The closing line of an annotation job: what was done, what could not be read, what it cost. */
export function annotationSummaryLine(s: JobSummary, what: string): string {
  const unread = s.flags.parse_failure ?? 0;
  const state = jobState(s, s.failed > 0 || unread > 0);
  return [
    `${state}: ${s.done - unread}/${s.total} rows ${what}`,
    reusedPart(s),
    `${unread} unreadable replies (asked again on the next run)`,
    `${s.failed} failed requests`,
    `${formatTokens(s.cost.input_tokens)} input + ${formatTokens(s.cost.output_tokens)} output tokens`,
    `cost ${formatUsd(s.cost.cost)}`,
    `in ${formatDuration(s.elapsedSec)}`,
    `→ ${s.outputPath}`,
  ].join(', ');
}

/** The command-line options of the rubric tools that annotate rows (qed schemes, qed filter). */
export const ANNOTATION_OPTIONS = {
  'model-config': { type: 'string' },
  'data-path': { type: 'string' },
  'output-path': { type: 'string' },
  prompt: { type: 'string' },
  'problem-column': { type: 'string' },
  'solution-column': { type: 'string' },
  split: { type: 'string' },
  overwrite: { type: 'boolean' },
  concurrency: { type: 'string' },
  quiet: { type: 'boolean' },
} as const;

/** The options every rubric tool shares: the model, the data and where the rows go. */
export async function openJob(
  v: Record<string, string | boolean | undefined>,
  defaultOutput: string,
  what: string,
): Promise<{ ref: string; dataset: Dataset; outputPath: string; concurrency?: number }> {
  const ref = str(v['model-config']);
  const dataPath = str(v['data-path']);
  if (!ref)
    throw new QedError(
      'missing --model-config',
      { field: '--model-config' },
      "e.g. --model-config openai/gpt-5 (see 'qed config list')",
    );
  if (!dataPath) throw new QedError(`missing --data-path (${what})`, { field: '--data-path' });
  const concurrency = positiveInt(v.concurrency, 'concurrency');
  const dataset = await readDataset(dataPath, { split: str(v.split) ?? 'train' });
  return { ref, dataset, outputPath: resolve(str(v['output-path']) ?? defaultOutput), concurrency };
}
