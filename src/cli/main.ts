import { QedError, environmentError } from '../core/errors';
import { LlmError, describeLlmError } from '../core/llm/errors';
import { shippedConfigsRoot } from '../core/paths';
import { setLockOwner } from '../core/run/lock';
import { runCommand, RUN_HELP } from './run';
import { configCommand, CONFIG_HELP } from './config';
import { statsCommand, STATS_HELP } from './stats';
import { evalCommand, EVAL_HELP } from './eval';
import { schemesCommand, SCHEMES_HELP } from './schemes';
import { filterCommand, FILTER_HELP } from './filter';
import { graderBenchCommand, GRADER_BENCH_HELP } from './graderBench';
import { viewCommand, VIEW_HELP } from './view';
import { slurmCommand, SLURM_HELP } from './slurm';
import { demoCommand, DEMO_HELP } from './demo';
import { version } from '../../package.json';

const HELP = `qed ${version} — run, grade and review LLMs on olympiad math benchmarks

Usage: qed <command> [options]

Commands:
  demo          try it all with no key: a built-in demo model, run → eval → stats → view
  run           generate solutions for a benchmark with a model config
  eval          grade a results file with an LLM grader (proofs or final answers)
  config        list and validate model configs
  stats         summarise result files: scores, splits, tokens, cost; --grader for grader experiments
  schemes       write a 0–7 marking scheme (grading_scheme) for every problem
  filter        an LLM verdict on AoPS-style problems (difficulty, gaps, …) as columns
  grader-bench  grade a human-graded set with one or more grader prompts; compare with humans
  view          review result files in the browser: problem, proof, rubric, points; regrade, override
  slurm         on a SLURM cluster: serve a model with vLLM, run a benchmark, grade it (dependent job)

Run 'qed <command> --help' for the options of a command.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const shippedRoot = shippedConfigsRoot();
  // Locks this process takes name it, so that a refusal elsewhere says who holds the file.
  if (command && /^[a-z-]+$/.test(command)) setLockOwner(`qed ${command}`);
  switch (command) {
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(HELP);
      return command === undefined ? 2 : 0;
    case '-v':
    case '--version':
      process.stdout.write(`${version}\n`);
      return 0;
    case 'run':
      if (rest.includes('--help') || rest.includes('-h')) return (void process.stdout.write(RUN_HELP), 0);
      return runCommand(rest, { shippedRoot });
    case 'eval':
      if (rest.includes('--help') || rest.includes('-h')) return (void process.stdout.write(EVAL_HELP), 0);
      return evalCommand(rest, { shippedRoot });
    case 'config':
      if (rest.includes('--help') || rest.includes('-h') || !rest.length)
        return (void process.stdout.write(CONFIG_HELP), rest.length ? 0 : 2);
      return configCommand(rest, { shippedRoot });
    case 'stats':
      if (rest.includes('--help') || rest.includes('-h') || !rest.length)
        return (void process.stdout.write(STATS_HELP), rest.length ? 0 : 2);
      return statsCommand(rest);
    case 'schemes':
      if (rest.includes('--help') || rest.includes('-h')) return (void process.stdout.write(SCHEMES_HELP), 0);
      return schemesCommand(rest, { shippedRoot });
    case 'filter':
      if (rest.includes('--help') || rest.includes('-h')) return (void process.stdout.write(FILTER_HELP), 0);
      return filterCommand(rest, { shippedRoot });
    case 'grader-bench':
      if (rest.includes('--help') || rest.includes('-h')) return (void process.stdout.write(GRADER_BENCH_HELP), 0);
      return graderBenchCommand(rest, { shippedRoot });
    case 'view':
      if (rest.includes('--help') || rest.includes('-h') || !rest.length)
        return (void process.stdout.write(VIEW_HELP), rest.length ? 0 : 2);
      return viewCommand(rest, { shippedRoot });
    case 'demo':
      if (rest.includes('--help') || rest.includes('-h')) return (void process.stdout.write(DEMO_HELP), 0);
      return demoCommand(rest, { shippedRoot });
    case 'slurm':
      if (rest.includes('--help') || rest.includes('-h') || !rest.length)
        return (void process.stdout.write(SLURM_HELP), rest.length ? 0 : 2);
      return slurmCommand(rest, { shippedRoot });
    default:
      process.stderr.write(`qed: unknown command '${command}'\n\n${HELP}`);
      return 2;
  }
}

// A reader that stops early (`qed -h | head`) closes the pipe: the rest of the output has nowhere
// to go, which is no error of ours. A job keeps running (its rows go to files, not to the pipe).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // Exit status: 2 for the user's input or machine (a QedError, a full disk, a folder where a
    // file belongs), 1 for a request that failed for good, 70 only for a bug (with its stack).
    const env = e instanceof QedError ? e : environmentError(e);
    if (env) {
      process.stderr.write(`qed: error: ${env.message}\n`);
      process.exitCode = 2;
    } else if (e instanceof LlmError) {
      process.stderr.write(`qed: error: ${describeLlmError(e)}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`qed: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 70;
    }
  },
);
