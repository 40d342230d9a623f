import { resolve } from 'node:path';
import { readDataset } from '../core/data';
import { QedError } from '../core/errors';
import { runBenchmark } from '../core/run/engine';
import { loadPrompt, type RunMode } from '../core/run/prompts';
import { parse, positiveInt } from './args';
import { JobConsole, exitStatus, runSolver, useRequestLog } from './job';
import { formatUsd, summaryLine } from './progress';
import { createInterface } from 'node:readline/promises';
import { describeEstimate, estimateRunCost, type CostEstimate } from '../core/run/estimate';

export const RUN_HELP = `qed run — generate solutions for every problem of a dataset

Usage: qed run --model-config <name|file.yaml> --output-path <file.jsonl> [options]

  --model-config NAME     e.g. openai/gpt-5-mini (looked up in ./configs/models, then the shipped
                          configs) or a path to a .yaml file; an agent config (type: agent,
                          e.g. agents/nano-deepseek) runs its scaffold                (required)
  --output-path FILE      results JSONL; finished rows already in it are kept       (required)
  --data-path PATH|ID     a .jsonl/.json/.csv file or a Hugging Face dataset id
                          (default lm-provers/IMOProofBench, or lm-provers/IMOBench-FinalAnswer
                          with --final-answer)
  --split NAME            split of a Hugging Face dataset (default train)
  --prompt FILE           prompt template with {problem_statement} (default: shipped prompt;
                          a Python format string, as the original's, is read as one)
  --problem-column NAME   column holding the problem text (default problem)
  --final-answer          ask for a final answer in \\boxed{} instead of a proof
  --n K                   run every problem K times (rows get run_index 0..K-1; default 1)
  --overwrite             discard earlier results in --output-path and start again
  --limit N               only the first N problems (a cheap trial)
  --concurrency N         at most N requests at once (default: the config's concurrent_requests;
                          for an agent, shared by all its problems and calls)
  --log-requests DIR      write every request and its reply to DIR/<model>/ as JSON files
                          (one per request, as the Python stack's request logger; the key removed)
  --max-cost USD          estimate the run's cost first (input: characters / 4 as in qed stats;
                          output: max_tokens per reply) and stop if it is above USD; on a
                          terminal you are asked whether to go on instead
  --quiet                 no progress output, only the summary

Rerunning the same command resumes: only unfinished or failed rows are requested again.
Exit status: 0 all rows done, 1 some rows failed (see their 'error' field), 2 bad input,
130 cancelled (finished rows are kept).
`;

const OPTIONS = {
  'model-config': { type: 'string' },
  'output-path': { type: 'string' },
  'data-path': { type: 'string' },
  split: { type: 'string' },
  prompt: { type: 'string' },
  'problem-column': { type: 'string' },
  'final-answer': { type: 'boolean' },
  n: { type: 'string' },
  overwrite: { type: 'boolean' },
  limit: { type: 'string' },
  concurrency: { type: 'string' },
  'log-requests': { type: 'string' },
  quiet: { type: 'boolean' },
  'max-cost': { type: 'string' },
} as const;

/** A `--max-cost USD` value: a number ≥ 0. */
export function maxCostOf(v: string | boolean | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new QedError(`expected an amount in USD, e.g. 5 or 0.50, got '${String(v)}'`, { field: '--max-cost' });
  return n;
}

/**
 * The --max-cost check: true to go on. Above the limit, a terminal is asked (y/N); anything else
 * (a pipe, a batch job) stops with exit status 2 before a request is made.
 */
async function withinBudget(e: CostEstimate, max: number, out: JobConsole, ask: boolean): Promise<boolean> {
  const line = `estimated cost at most ${formatUsd(e.usd)}: ${describeEstimate(e)}`;
  if (e.usd <= max) {
    out.say(`qed run: ${line} (within --max-cost ${formatUsd(max)})`);
    return true;
  }
  if (!ask)
    throw new QedError(
      `the run may cost up to ${formatUsd(e.usd)}, above --max-cost ${formatUsd(max)} (${describeEstimate(e)})`,
      { field: '--max-cost' },
      'raise --max-cost, or try fewer problems with --limit N',
    );
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const a = await rl.question(`qed run: ${line}, above --max-cost ${formatUsd(max)}. Run anyway? [y/N] `);
    return /^y(es)?$/i.test(a.trim());
  } finally {
    rl.close();
  }
}

export async function runCommand(args: string[], env: { shippedRoot: string }): Promise<number> {
  const { values: v } = parse(args, OPTIONS, 'run');
  if (typeof v['model-config'] !== 'string')
    throw new QedError(
      'missing --model-config',
      { field: '--model-config' },
      "name a config, e.g. --model-config openai/gpt-5-mini (see 'qed config list')",
    );
  if (typeof v['output-path'] !== 'string')
    throw new QedError(
      'missing --output-path',
      { field: '--output-path' },
      'e.g. --output-path outputs/gpt-5-mini.jsonl',
    );
  const mode: RunMode = v['final-answer'] ? 'final-answer' : 'proof';
  const n = positiveInt(v.n, 'n') ?? 1;
  const limit = positiveInt(v.limit, 'limit');
  const concurrency = positiveInt(v.concurrency, 'concurrency');
  const cwd = process.cwd();

  useRequestLog(v['log-requests']);
  const prompt = await loadPrompt(mode, env.shippedRoot, typeof v.prompt === 'string' ? v.prompt : undefined, cwd);
  const run = await runSolver(v['model-config'], env.shippedRoot, prompt, mode, concurrency);
  const dataPath =
    typeof v['data-path'] === 'string'
      ? v['data-path']
      : mode === 'final-answer'
        ? 'lm-provers/IMOBench-FinalAnswer'
        : 'lm-provers/IMOProofBench';
  const dataset = await readDataset(dataPath, { split: typeof v.split === 'string' ? v.split : 'train' });

  const outputPath = resolve(v['output-path']);
  const out = new JobConsole(!!v.quiet);
  out.warn(dataset.warnings);
  out.say(`qed run: ${run.describe} on ${dataset.source}, ${mode} mode → ${outputPath}`);
  const maxCost = maxCostOf(v['max-cost']);
  if (maxCost !== undefined) {
    const column = typeof v['problem-column'] === 'string' ? v['problem-column'] : 'problem';
    const problems = dataset.rows.slice(0, limit ?? dataset.rows.length).map((r) => String(r[column] ?? ''));
    const e = estimateRunCost(run.priced, problems, prompt.text, { n, callsPerProblem: run.callsPerProblem });
    if (!(await withinBudget(e, maxCost, out, !!process.stdin.isTTY && !!process.stderr.isTTY))) {
      process.stderr.write('qed run: not started (above --max-cost)\n');
      return 2;
    }
  }
  return out.run(async (signal) => {
    const summary = await runBenchmark({
      dataset,
      outputPath,
      solver: run.solver,
      identity: run.identity,
      prompt,
      mode,
      n,
      overwrite: !!v.overwrite,
      problemColumn: typeof v['problem-column'] === 'string' ? v['problem-column'] : 'problem',
      concurrency: run.rowsAtOnce,
      limit,
      signal,
      ...out.hooks,
    });
    out.finish(summary, summaryLine(summary, run.priced.delimiters.filter(Boolean)));
    return exitStatus(summary);
  });
}
