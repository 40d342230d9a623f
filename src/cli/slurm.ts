import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { QedError } from '../core/errors';
import {
  cancel,
  findLaunches,
  hasEnded,
  jobInfo,
  onPath,
  planLaunch,
  planText,
  rowsWritten,
  submitLaunch,
  type JobInfo,
  type Launch,
  type LaunchOptions,
} from '../core/cluster';
import { parse, positiveInt, str } from './args';
import { sleep } from '../core/llm/retry';

export const SLURM_HELP = `qed slurm — serve an open model with vLLM on a SLURM cluster, run a benchmark, grade it

Usage: qed slurm [launch] --model <hf-id|folder> [options]
       qed slurm status [--output-dir DIR]

Launch submits two batch jobs: generation (starts vLLM on the node, waits for /health, runs
'qed run' against it, stops the server on every way out) and grading ('qed eval'), which starts
only if generation succeeded (--dependency=afterok). Running the same launch again resumes:
rows already written are kept, only the missing ones are generated and graded.

  --model ID|FOLDER        Hugging Face id (e.g. lm-provers/QED-Nano) or a local model folder
                           holding config.json                                       (required)
  --model-revision REV     the revision vLLM serves (branch, tag or commit)
  --agent NAME             run an agent: a scaffold (agents/NAME, e.g. deepseek_math) or an agent
                           config (e.g. agents/nano-deepseek) driven by the served model
  --judge NAME|ID          a model config (API judge, e.g. openai/gpt-5-mini), or a Hugging Face
                           id / model folder (a vLLM judge served in the grading job);
                           without it only the generation job is submitted
  --final-answer           IMO-AnswerBench: final answers, judged as such
  --proofbench             ProofBench data and marking-scheme grading (not with --final-answer)
  --data-path PATH|ID      dataset (default: the benchmark's)
  --split NAME             dataset split
  --n K                    runs per problem
  --num-nodes N            nodes for the generation server (default 1; more: Ray + pipeline parallel)
  --num-gpus G             GPUs per node (default 8; 0 asks for no GPU)
  --partition P, --account A, --time T     passed to sbatch (#SBATCH lines)
  --output-dir DIR         job scripts, derived configs, logs, results (default outputs/slurm/<model>)
  --port P                 port of the vLLM server on the node (default 8000)
  --health-timeout S       seconds to wait for the server's /health (default 1800)
  --vllm-command CMD       the command that serves (default $QED_VLLM_COMMAND, else vllm)
  --dry-run                print the job scripts and derived configs; write and submit nothing
  --wait                   follow the jobs until they end, with progress

Exit status: 0 submitted (with --wait: both jobs completed), 1 a job failed (--wait), 2 bad input.
`;

const OPTIONS = {
  model: { type: 'string' },
  'model-revision': { type: 'string' },
  agent: { type: 'string' },
  judge: { type: 'string' },
  'final-answer': { type: 'boolean' },
  proofbench: { type: 'boolean' },
  'data-path': { type: 'string' },
  split: { type: 'string' },
  n: { type: 'string' },
  'num-nodes': { type: 'string' },
  'num-gpus': { type: 'string' },
  partition: { type: 'string' },
  account: { type: 'string' },
  time: { type: 'string' },
  'output-dir': { type: 'string' },
  port: { type: 'string' },
  'health-timeout': { type: 'string' },
  'vllm-command': { type: 'string' },
  'dry-run': { type: 'boolean' },
  wait: { type: 'boolean' },
} as const;

const nonNegativeInt = (v: string | boolean | undefined, name: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < 0)
    throw new QedError(`expected a whole number ≥ 0, got '${String(v)}'`, { field: `--${name}` });
  return n;
};

export async function slurmCommand(args: string[], env: { shippedRoot: string }): Promise<number> {
  const sub = args[0] && !args[0].startsWith('-') ? args[0] : 'launch';
  const rest = args[0] === sub ? args.slice(1) : args;
  if (sub === 'status') return statusCommand(rest);
  if (sub !== 'launch')
    throw new QedError(
      `unknown subcommand '${sub}'`,
      { field: 'slurm' },
      "use 'qed slurm launch …' or 'qed slurm status'",
    );
  const { values: v } = parse(rest, OPTIONS, 'slurm');
  const say = (s: string) => process.stderr.write(`${s}\n`);

  // Every check first: bad input submits nothing.
  if (v['final-answer'] && v.proofbench)
    throw new QedError(
      '--final-answer and --proofbench exclude each other',
      { field: '--proofbench' },
      'ProofBench grades proofs; IMO-AnswerBench (--final-answer) grades answers',
    );
  const model = str(v.model);
  if (!model)
    throw new QedError(
      'missing --model',
      { field: '--model' },
      'a Hugging Face id (e.g. lm-provers/QED-Nano) or a local model folder',
    );
  const port = positiveInt(v.port, 'port') ?? 8000;
  if (port > 65535) throw new QedError(`no such port ${port}`, { field: '--port' });
  const options: LaunchOptions = {
    model,
    revision: str(v['model-revision']),
    agent: str(v.agent),
    judge: str(v.judge),
    finalAnswer: !!v['final-answer'],
    proofbench: !!v.proofbench,
    dataPath: str(v['data-path']),
    split: str(v.split),
    n: positiveInt(v.n, 'n'),
    nodes: positiveInt(v['num-nodes'], 'num-nodes') ?? 1,
    gpus: nonNegativeInt(v['num-gpus'], 'num-gpus') ?? 8,
    partition: str(v.partition),
    account: str(v.account),
    time: str(v.time),
    outputDir: str(v['output-dir']),
    port,
    healthTimeout: positiveInt(v['health-timeout'], 'health-timeout') ?? 1800,
    vllmCommand: str(v['vllm-command']) ?? process.env.QED_VLLM_COMMAND ?? 'vllm',
    qed: [process.execPath, resolve(process.argv[1] ?? 'qed')],
    cwd: process.cwd(),
    shippedRoot: env.shippedRoot,
  };
  const dryRun = !!v['dry-run'];
  // Input errors first (they name the option), then the machine.
  const plan = planLaunch(options);
  if (!dryRun && !onPath('sbatch'))
    throw new QedError(
      'sbatch is not on PATH: this machine is not a SLURM login node',
      { field: 'sbatch' },
      'run qed slurm where sbatch works, or add --dry-run to see the job scripts',
    );
  for (const w of plan.warnings) say(`qed slurm: warning: ${w}`);

  if (dryRun) {
    process.stdout.write(planText(plan) + '\n');
    say(`qed slurm: dry run: nothing written, nothing submitted (results would go to ${plan.results})`);
    return 0;
  }
  const launch = submitLaunch(plan);
  const genId = launch.jobs[0].id;
  for (const j of launch.jobs)
    say(
      `qed slurm: ${j.kind === 'generate' ? 'generation' : 'grading'} job ${j.id}${j.kind === 'grade' ? ` (after ${genId} succeeds)` : ''}, logs ${j.err}`,
    );
  say(`qed slurm: results → ${plan.results}`);
  process.stdout.write(launch.jobs.map((j) => j.id).join(' ') + '\n');
  if (!plan.gradeScript) say('qed slurm: no --judge: nothing will grade the results');
  if (!v.wait) return 0;
  return follow(launch);
}

const tail = (file: string, lines: number): string =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .trimEnd()
        .split('\n')
        .slice(-lines)
        .map((l) => `  | ${l}`)
        .join('\n')
    : `  (${file} is missing)`;

/** Follows a launch's jobs until each has ended; 0 when all completed. */
async function follow(launch: Launch): Promise<number> {
  const say = (s: string) => process.stderr.write(`${s}\n`);
  const poll = Number(process.env.QED_SLURM_POLL_MS ?? 2000);
  const last = new Map<string, string>();
  // SLURM may not answer for a moment (a busy controller): a job is UNKNOWN only after 10 polls in a row.
  const unknown = new Map<string, number>();
  for (;;) {
    const infos = launch.jobs.map((j) => {
      let info = jobInfo(j.id);
      const n = info.state === 'UNKNOWN' ? (unknown.get(j.id) ?? 0) + 1 : 0;
      unknown.set(j.id, n);
      if (info.state === 'UNKNOWN' && n < 10) info = { id: j.id, state: 'QUERYING' };
      return { job: j, info };
    });
    for (const { job, info } of infos) {
      const line = `${info.state}${info.reason ? ` (${info.reason})` : ''}${job.kind === 'generate' && info.state === 'RUNNING' ? `, ${rowsWritten(launch.results)} rows written` : ''}`;
      if (last.get(job.id) !== line)
        say(`qed slurm: ${job.kind === 'generate' ? 'generation' : 'grading'} job ${job.id}: ${line}`);
      last.set(job.id, line);
    }
    const failed = infos.find(
      ({ info }) =>
        hasEnded(info) &&
        info.state !== 'COMPLETED' &&
        info.reason !== 'DependencyNeverSatisfied' &&
        !(info.state === 'CANCELLED' && info.reason === 'Dependency'),
    );
    if (failed) {
      const { job, info } = failed;
      say(
        `qed slurm: ${job.kind === 'generate' ? 'generation' : 'grading'} job ${job.id} ended ${info.state}${info.exitCode ? ` (exit ${info.exitCode})` : ''}; last lines of ${job.err}:\n${tail(job.err, 12)}`,
      );
      const waiting = infos.filter(({ info: i }) => !hasEnded(i)).map(({ job: j }) => j);
      if (waiting.length) {
        cancel(waiting.map((j) => j.id));
        say(
          `qed slurm: ${waiting.map((j) => `${j.kind === 'grade' ? 'grading' : 'generation'} job ${j.id}`).join(', ')} will not run: cancelled`,
        );
      } else if (job.kind === 'generate' && launch.jobs.some((j) => j.kind === 'grade'))
        say('qed slurm: the grading job did not run: generation failed');
      say(`qed slurm: finished rows are kept in ${launch.results}; run the same command again to resume`);
      return 1;
    }
    if (infos.every(({ info }) => hasEnded(info))) {
      say(`qed slurm: all jobs completed; ${rowsWritten(launch.results)} rows in ${launch.results}`);
      return 0;
    }
    await sleep(poll);
  }
}

function statusCommand(args: string[]): number {
  const { values: v } = parse(args, { 'output-dir': { type: 'string' } }, 'slurm status');
  const dir = resolve(str(v['output-dir']) ?? join('outputs', 'slurm'));
  const launches = findLaunches(dir);
  if (!launches.length) {
    process.stdout.write(`no qed slurm launches under ${dir}\n`);
    return 0;
  }
  for (const l of launches) {
    process.stdout.write(
      `${l.at}  ${l.model}${l.judge ? `, judge ${l.judge}` : ''}  → ${l.results} (${rowsWritten(l.results)} rows written)\n`,
    );
    for (const j of l.jobs) {
      const i: JobInfo = jobInfo(j.id);
      process.stdout.write(
        `  ${j.kind === 'generate' ? 'generation' : 'grading   '} ${j.id.padEnd(8)} ${i.state.padEnd(10)} ${(i.elapsed ?? '').padEnd(10)} ${i.reason ?? ''}\n    ${j.out}\n    ${j.err}\n`,
      );
    }
  }
  return 0;
}
