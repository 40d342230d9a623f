import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { resolveConfigRef } from '../core/config';
import { QedError } from '../core/errors';
import { cancel, deriveServedModel, hasEnded, isLocalModel, jobInfo, jobScript, onPath, servedAgentYaml, servedModelYaml, submit, type JobInfo, type JobSpec, type Resources } from '../core/cluster';
import { parse, positiveInt, str } from './args';

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

/** What a launch wrote and submitted, kept in <output-dir>/launch.json for 'qed slurm status'. */
interface Launch {
  at: string;
  model: string;
  judge?: string;
  results: string;
  jobs: Array<{ kind: 'generate' | 'grade'; id: string; script: string; out: string; err: string }>;
}

const nonNegativeInt = (v: string | boolean | undefined, name: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < 0) throw new QedError(`expected a whole number ≥ 0, got '${String(v)}'`, { field: `--${name}` });
  return n;
};

const slug = (s: string): string => basename(s.replace(/\/+$/, '')).toLowerCase().replace(/[^a-z0-9._-]+/g, '-') || 'model';

type Judge = { kind: 'api'; file: string; name: string } | { kind: 'vllm'; model: string };

/** A model config → API judge; else a model folder or an owner/name id whose owner is not a config provider → vLLM judge. */
function resolveJudge(judge: string, cwd: string, shippedRoot: string): Judge {
  try {
    const r = resolveConfigRef(judge, { cwd, shippedRoot });
    return { kind: 'api', file: r.file, name: r.id };
  } catch {
    /* not a config */
  }
  if (isLocalModel(judge, cwd)) return { kind: 'vllm', model: judge };
  const owner = /^([\w.-]+)\/[\w.-]+$/.exec(judge)?.[1];
  const providers = [join(cwd, 'configs', 'models'), join(shippedRoot, 'models')].some((root) => owner !== undefined && existsSync(join(root, owner)));
  if (owner && !providers) return { kind: 'vllm', model: judge };
  throw new QedError(`unknown judge '${judge}': not a model config, a model folder or a Hugging Face id`, { field: '--judge' }, "name a config (see 'qed config list') or a Hugging Face id such as Qwen/Qwen3-32B");
}

/** The agent config behind --agent NAME: a scaffold (configs/agents/NAME) or an agent config (type: agent). */
function resolveAgent(name: string, cwd: string, shippedRoot: string): { scaffold: string; extra?: string } {
  for (const root of [join(cwd, 'configs'), shippedRoot]) {
    for (const ext of ['.yaml', '.yml']) {
      const p = join(root, 'agents', name.replace(/^agents\//, '') + ext);
      if (existsSync(p)) return { scaffold: p };
    }
  }
  let file: string;
  try {
    file = resolveConfigRef(name.includes('/') ? name : `agents/${name}`, { cwd, shippedRoot }).file;
  } catch {
    throw new QedError(`unknown agent '${name}': no scaffold configs/agents/${name}.yaml and no agent config`, { field: '--agent' }, 'e.g. --agent deepseek_math or --agent agents/nano-deepseek');
  }
  const text = readFileSync(file, 'utf8');
  if (!/^type:\s*agent\b/m.test(text)) throw new QedError(`${file} is not an agent config (type: agent)`, { field: '--agent' });
  const ref = /^scaffold_config:\s*"?([^"\n#]+?)"?\s*(?:#.*)?$/m.exec(text)?.[1];
  if (!ref) throw new QedError(`${file} has no scaffold_config`, { field: '--agent' });
  const scaffold = [join(cwd, 'configs'), shippedRoot, resolve(file, '..', '..', '..')].flatMap((root) => ['.yaml', '.yml'].map((e) => join(root, ref + e))).find(existsSync);
  if (!scaffold) throw new QedError(`${file}: scaffold ${ref} not found`, { field: '--agent' });
  // Keep the agent's own settings (n_threads, …) but not its models.
  const extra = text
    .split('\n')
    .filter((l) => /^[a-z_]+:/.test(l) && !/^(type|model_config|scaffold_config|human_readable_id|date|verifier_model|improver_model|summarizer_model):/.test(l))
    .join('\n');
  return { scaffold, extra: extra || undefined };
}

export async function slurmCommand(args: string[], env: { shippedRoot: string }): Promise<number> {
  const sub = args[0] && !args[0].startsWith('-') ? args[0] : 'launch';
  const rest = args[0] === sub ? args.slice(1) : args;
  if (sub === 'status') return statusCommand(rest);
  if (sub !== 'launch') throw new QedError(`unknown subcommand '${sub}'`, { field: 'slurm' }, "use 'qed slurm launch …' or 'qed slurm status'");
  const { values: v } = parse(rest, OPTIONS, 'slurm');
  const cwd = process.cwd();
  const say = (s: string) => process.stderr.write(`${s}\n`);

  // Every check first: bad input submits nothing.
  if (v['final-answer'] && v.proofbench) throw new QedError('--final-answer and --proofbench exclude each other', { field: '--proofbench' }, 'ProofBench grades proofs; IMO-AnswerBench (--final-answer) grades answers');
  const model = str(v.model);
  if (!model) throw new QedError('missing --model', { field: '--model' }, 'a Hugging Face id (e.g. lm-provers/QED-Nano) or a local model folder');
  const n = positiveInt(v.n, 'n');
  const nodes = positiveInt(v['num-nodes'], 'num-nodes') ?? 1;
  const gpus = nonNegativeInt(v['num-gpus'], 'num-gpus') ?? 8;
  const port = positiveInt(v.port, 'port') ?? 8000;
  if (port > 65535) throw new QedError(`no such port ${port}`, { field: '--port' });
  const healthTimeout = positiveInt(v['health-timeout'], 'health-timeout') ?? 1800;
  const vllmCommand = str(v['vllm-command']) ?? process.env.QED_VLLM_COMMAND ?? 'vllm';
  const revision = str(v['model-revision']);
  const judgeName = str(v.judge);
  const judge = judgeName ? resolveJudge(judgeName, cwd, env.shippedRoot) : undefined;
  const agentName = str(v.agent);
  const agent = agentName ? resolveAgent(agentName, cwd, env.shippedRoot) : undefined;
  const dryRun = !!v['dry-run'];
  if (!dryRun && !onPath('sbatch')) throw new QedError('sbatch is not on PATH: this machine is not a SLURM login node', { field: 'sbatch' }, 'run qed slurm where sbatch works, or add --dry-run to see the job scripts');
  const { served, warnings } = deriveServedModel(model, { cwd, revision, field: '--model' });
  const judgeServed = judge?.kind === 'vllm' ? deriveServedModel(judge.model, { cwd, field: '--judge' }) : undefined;
  for (const w of [...warnings, ...(judgeServed?.warnings ?? [])]) say(`qed slurm: warning: ${w}`);

  const outDir = resolve(str(v['output-dir']) ?? join('outputs', 'slurm', slug(model)));
  const name = slug(model) + (agentName ? `-${slug(agentName)}` : '');
  const files = {
    model: join(outDir, 'configs', `${slug(model)}.yaml`),
    agent: join(outDir, 'configs', `${name}.agent.yaml`),
    judge: join(outDir, 'configs', `judge-${judge?.kind === 'vllm' ? slug(judge.model) : 'api'}.yaml`),
    generate: join(outDir, 'jobs', 'generate.sbatch'),
    grade: join(outDir, 'jobs', 'grade.sbatch'),
    results: join(outDir, 'results', `${name}.jsonl`),
    logs: join(outDir, 'logs'),
  };
  const texts = new Map<string, string>();
  texts.set(files.model, servedModelYaml(served, port));
  if (agent) texts.set(files.agent, servedAgentYaml({ name: agentName!, modelFile: files.model, scaffoldFile: agent.scaffold, extra: agent.extra }));
  if (judgeServed) texts.set(files.judge, servedModelYaml(judgeServed.served, port));

  const qed = [process.execPath, resolve(process.argv[1] ?? 'qed')];
  const common = { logDir: files.logs, cwd, qed };
  const res = (g: number, nn: number): Resources => ({ partition: str(v.partition), account: str(v.account), time: str(v.time), nodes: nn, gpus: g });
  const mode = v['final-answer'] ? ['--final-answer'] : [];
  const dataPath = str(v['data-path']) ?? (v.proofbench ? 'lm-provers/ProofBench' : undefined);
  const gen: JobSpec = {
    kind: 'generate',
    jobName: `qed-gen-${name}`,
    resources: res(gpus, nodes),
    ...common,
    qedArgs: ['run', '--model-config', agent ? files.agent : files.model, '--output-path', files.results, ...mode, ...(dataPath ? ['--data-path', dataPath] : []), ...(v.split ? ['--split', String(v.split)] : []), ...(n ? ['--n', String(n)] : [])],
    serve: { model: served.model, revision, maxModelLen: served.maxModelLen, port, vllmCommand, healthTimeout },
  };
  texts.set(files.generate, jobScript(gen));
  if (judge) {
    const grade: JobSpec = {
      kind: 'grade',
      jobName: `qed-grade-${name}`,
      resources: res(judge.kind === 'vllm' ? gpus : 0, 1),
      ...common,
      qedArgs: ['eval', '--model-config', judge.kind === 'api' ? judge.file : files.judge, '--data-path', files.results, ...mode, ...(v.proofbench ? ['--proofbench'] : [])],
      serve: judgeServed ? { model: judgeServed.served.model, maxModelLen: judgeServed.served.maxModelLen, port, vllmCommand, healthTimeout } : undefined,
    };
    texts.set(files.grade, jobScript(grade));
  }

  if (dryRun) {
    for (const [file, text] of texts) process.stdout.write(`==> ${file} <==\n${text}${text.endsWith('\n') ? '' : '\n'}\n`);
    say(`qed slurm: dry run: nothing written, nothing submitted (results would go to ${files.results})`);
    return 0;
  }

  // One launch per output folder at a time: its jobs would write the same results file.
  const active = (findLaunches(outDir).at(-1)?.jobs ?? []).map((j) => jobInfo(j.id)).filter((i) => !hasEnded(i) && i.state !== 'UNKNOWN');
  if (active.length) throw new QedError(`jobs ${active.map((i) => `${i.id} (${i.state})`).join(', ')} of an earlier launch still use ${outDir}`, { field: '--output-dir' }, `wait for them ('qed slurm status --output-dir ${outDir}') or scancel them, then launch again to resume`);

  for (const [file, text] of texts) {
    mkdirSync(resolve(file, '..'), { recursive: true });
    writeFileSync(file, text, { mode: file.endsWith('.sbatch') ? 0o755 : 0o644 });
  }
  mkdirSync(files.logs, { recursive: true });
  mkdirSync(resolve(files.results, '..'), { recursive: true });

  const launch: Launch = { at: new Date().toISOString(), model, judge: judgeName, results: files.results, jobs: [] };
  const logsOf = (kind: 'generate' | 'grade', id: string) => ({ out: join(files.logs, `${kind}-${id}.out`), err: join(files.logs, `${kind}-${id}.err`) });
  const genId = submit(files.generate);
  launch.jobs.push({ kind: 'generate', id: genId, script: files.generate, ...logsOf('generate', genId) });
  if (judge) {
    let gradeId: string;
    try {
      gradeId = submit(files.grade, { afterOk: genId });
    } catch (e) {
      cancel([genId]);
      throw e;
    }
    launch.jobs.push({ kind: 'grade', id: gradeId, script: files.grade, ...logsOf('grade', gradeId) });
  }
  saveLaunch(outDir, launch);
  for (const j of launch.jobs) say(`qed slurm: ${j.kind === 'generate' ? 'generation' : 'grading'} job ${j.id}${j.kind === 'grade' ? ` (after ${genId} succeeds)` : ''}, logs ${j.err}`);
  say(`qed slurm: results → ${files.results}`);
  process.stdout.write(launch.jobs.map((j) => j.id).join(' ') + '\n');
  if (!judge) say('qed slurm: no --judge: nothing will grade the results');
  if (!v.wait) return 0;
  return follow(launch);
}

function saveLaunch(outDir: string, launch: Launch): void {
  const file = join(outDir, 'launch.json');
  let all: Launch[] = [];
  try {
    all = (JSON.parse(readFileSync(file, 'utf8')) as { launches: Launch[] }).launches ?? [];
  } catch {
    /* first launch here */
  }
  all.push(launch);
  writeFileSync(file, JSON.stringify({ launches: all }, null, 2) + '\n');
}

/** Rows written to a results file so far (its finished rows plus the running job's journal). */
export function rowsWritten(results: string): number {
  const count = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter((l) => l.trim()).length : 0);
  return count(results) + count(`${results}.partial`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tail = (file: string, lines: number): string => (existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).map((l) => `  | ${l}`).join('\n') : `  (${file} is missing)`);

/** Follows a launch's jobs until each has ended; 0 when all completed. */
async function follow(launch: Launch): Promise<number> {
  const say = (s: string) => process.stderr.write(`${s}\n`);
  const poll = Number(process.env.QED_SLURM_POLL_MS ?? 2000);
  const last = new Map<string, string>();
  for (;;) {
    const infos = launch.jobs.map((j) => ({ job: j, info: jobInfo(j.id) }));
    for (const { job, info } of infos) {
      const line = `${info.state}${info.reason ? ` (${info.reason})` : ''}${job.kind === 'generate' && info.state === 'RUNNING' ? `, ${rowsWritten(launch.results)} rows written` : ''}`;
      if (last.get(job.id) !== line) say(`qed slurm: ${job.kind === 'generate' ? 'generation' : 'grading'} job ${job.id}: ${line}`);
      last.set(job.id, line);
    }
    const failed = infos.find(({ info }) => hasEnded(info) && info.state !== 'COMPLETED' && info.reason !== 'DependencyNeverSatisfied' && !(info.state === 'CANCELLED' && info.reason === 'Dependency'));
    if (failed) {
      const { job, info } = failed;
      say(`qed slurm: ${job.kind === 'generate' ? 'generation' : 'grading'} job ${job.id} ended ${info.state}${info.exitCode ? ` (exit ${info.exitCode})` : ''}; last lines of ${job.err}:\n${tail(job.err, 12)}`);
      const waiting = infos.filter(({ info: i }) => !hasEnded(i)).map(({ job: j }) => j);
      if (waiting.length) {
        cancel(waiting.map((j) => j.id));
        say(`qed slurm: ${waiting.map((j) => `${j.kind === 'grade' ? 'grading' : 'generation'} job ${j.id}`).join(', ')} will not run: cancelled`);
      } else if (job.kind === 'generate' && launch.jobs.some((j) => j.kind === 'grade')) say('qed slurm: the grading job did not run: generation failed');
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

/** The launches recorded under `dir` (its launch.json, or its subfolders'). */
function findLaunches(dir: string): Launch[] {
  const out: Launch[] = [];
  const read = (f: string) => {
    try {
      out.push(...(JSON.parse(readFileSync(f, 'utf8')) as { launches: Launch[] }).launches);
    } catch {
      /* none or unreadable */
    }
  };
  read(join(dir, 'launch.json'));
  if (existsSync(dir)) for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) read(join(dir, e.name, 'launch.json'));
  return out;
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
    process.stdout.write(`${l.at}  ${l.model}${l.judge ? `, judge ${l.judge}` : ''}  → ${l.results} (${rowsWritten(l.results)} rows written)\n`);
    for (const j of l.jobs) {
      const i: JobInfo = jobInfo(j.id);
      process.stdout.write(`  ${j.kind === 'generate' ? 'generation' : 'grading   '} ${j.id.padEnd(8)} ${i.state.padEnd(10)} ${(i.elapsed ?? '').padEnd(10)} ${i.reason ?? ''}\n    ${j.out}\n    ${j.err}\n`);
    }
  }
  return 0;
}
