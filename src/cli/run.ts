import { resolve } from 'node:path';
import { loadConfig, configIdentity, identityFields } from '../core/config';
import { readDataset } from '../core/data';
import { QedError } from '../core/errors';
import { createClient, envKeys } from '../core/llm';
import { runBenchmark } from '../core/run/engine';
import { loadPrompt, type RunMode } from '../core/run/prompts';
import { singleCallSolver } from '../core/run/solver';
import { parse } from './args';
import { ProgressReporter, summaryLine } from './progress';

export const RUN_HELP = `qed run — generate solutions for every problem of a dataset

Usage: qed run --model-config <name|file.yaml> --output-path <file.jsonl> [options]

  --model-config NAME     e.g. openai/gpt-5-mini (looked up in ./configs/models, then the shipped
                          configs) or a path to a .yaml file                            (required)
  --output-path FILE      results JSONL; finished rows already in it are kept       (required)
  --data-path PATH|ID     a .jsonl/.json/.csv file or a Hugging Face dataset id
                          (default lm-provers/IMOProofBench, or lm-provers/IMOBench-FinalAnswer
                          with --final-answer)
  --split NAME            split of a Hugging Face dataset (default train)
  --prompt FILE           prompt template with {problem_statement} (default: shipped prompt)
  --problem-column NAME   column holding the problem text (default problem)
  --final-answer          ask for a final answer in \\boxed{} instead of a proof
  --n K                   run every problem K times (rows get run_index 0..K-1; default 1)
  --overwrite             discard earlier results in --output-path and start again
  --limit N               only the first N problems (a cheap trial)
  --concurrency N         at most N requests at once (default: the config's concurrent_requests)
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
  quiet: { type: 'boolean' },
} as const;

function positiveInt(v: string | boolean | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < 1) throw new QedError(`expected a positive whole number, got '${String(v)}'`, { field: `--${name}` });
  return n;
}

export async function runCommand(args: string[], env: { shippedRoot: string }): Promise<number> {
  const { values: v } = parse(args, OPTIONS, 'run');
  if (typeof v['model-config'] !== 'string') throw new QedError('missing --model-config', { field: '--model-config' }, "name a config, e.g. --model-config openai/gpt-5-mini (see 'qed config list')");
  if (typeof v['output-path'] !== 'string') throw new QedError('missing --output-path', { field: '--output-path' }, 'e.g. --output-path outputs/gpt-5-mini.jsonl');
  const mode: RunMode = v['final-answer'] ? 'final-answer' : 'proof';
  const n = positiveInt(v.n, 'n') ?? 1;
  const limit = positiveInt(v.limit, 'limit');
  const concurrency = positiveInt(v.concurrency, 'concurrency');
  const cwd = process.cwd();

  const cfg = await loadConfig(v['model-config'], { cwd, shippedRoot: env.shippedRoot });
  if (cfg.kind === 'agent') {
    throw new QedError('agent scaffolds cannot be run yet; use a model config', { file: cfg.file, field: 'type' });
  }
  // QED_POLL_INTERVAL_MS: how often background responses are polled (default 5 s).
  const client = await createClient(cfg, { getKey: envKeys, concurrency, pollIntervalMs: Number(process.env.QED_POLL_INTERVAL_MS) || undefined });
  const dataPath = typeof v['data-path'] === 'string' ? v['data-path'] : mode === 'final-answer' ? 'lm-provers/IMOBench-FinalAnswer' : 'lm-provers/IMOProofBench';
  const dataset = await readDataset(dataPath, { split: typeof v.split === 'string' ? v.split : 'train' });
  const prompt = await loadPrompt(mode, env.shippedRoot, typeof v.prompt === 'string' ? v.prompt : undefined, cwd);

  const reporter = new ProgressReporter();
  const quiet = !!v.quiet;
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

  for (const w of dataset.warnings ?? []) reporter.log(`warning: ${w}`);
  if (!quiet) reporter.log(`qed run: ${cfg.id} (${cfg.api}: ${cfg.model}) on ${dataset.source}, ${mode} mode → ${resolve(v['output-path'])}`);
  try {
    const summary = await runBenchmark({
      dataset,
      outputPath: resolve(v['output-path']),
      solver: singleCallSolver(client),
      identity: {
        config: cfg.id,
        model: cfg.model,
        api: cfg.api,
        config_hash: configIdentity(cfg),
        settings: identityFields(cfg),
        prompt: prompt.source,
        prompt_hash: prompt.hash,
        mode,
      },
      prompt,
      mode,
      n,
      overwrite: !!v.overwrite,
      problemColumn: typeof v['problem-column'] === 'string' ? v['problem-column'] : 'problem',
      concurrency: client.limiter.size,
      limit,
      signal: controller.signal,
      onProgress: quiet ? undefined : (p) => reporter.update(p),
      onLog: (line) => reporter.log(line),
    });
    if (!quiet) reporter.update(summary, true);
    reporter.done();
    process.stderr.write(summaryLine(summary) + '\n');
    if (summary.cancelled) return 130;
    return summary.failed ? 1 : 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
