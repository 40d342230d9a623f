/**
 * A `qed slurm` launch, planned (derived configs and job scripts as text), then written and
 * submitted. Shared by the CLI and the VS Code command; no vscode imports.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { resolveConfigRef } from '../config';
import { QedError } from '../errors';
import { deriveServedModel, isLocalModel, servedAgentYaml, servedModelYaml } from './model';
import { jobScript, type JobSpec, type Resources } from './scripts';
import { cancel, hasEnded, jobInfo, submit } from './slurm';

/** What a launch wrote and submitted, kept in <output-dir>/launch.json for 'qed slurm status'. */
export interface Launch {
  at: string;
  model: string;
  judge?: string;
  results: string;
  jobs: Array<{ kind: 'generate' | 'grade'; id: string; script: string; out: string; err: string }>;
}

export const slug = (s: string): string =>
  basename(s.replace(/\/+$/, ''))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-') || 'model';

type Judge = { kind: 'api'; file: string; name: string } | { kind: 'vllm'; model: string };

/** A model config → API judge; else a model folder or an owner/name id whose owner is not a config provider → vLLM judge. */
export function resolveJudge(judge: string, cwd: string, shippedRoot: string): Judge {
  try {
    const r = resolveConfigRef(judge, { cwd, shippedRoot });
    return { kind: 'api', file: r.file, name: r.id };
  } catch {
    /* not a config */
  }
  if (isLocalModel(judge, cwd)) return { kind: 'vllm', model: judge };
  const owner = /^([\w.-]+)\/[\w.-]+$/.exec(judge)?.[1];
  const providers = [join(cwd, 'configs', 'models'), join(shippedRoot, 'models')].some(
    (root) => owner !== undefined && existsSync(join(root, owner)),
  );
  if (owner && !providers) return { kind: 'vllm', model: judge };
  throw new QedError(
    `unknown judge '${judge}': not a model config, a model folder or a Hugging Face id`,
    { field: '--judge' },
    "name a config (see 'qed config list') or a Hugging Face id such as Qwen/Qwen3-32B",
  );
}

/** The agent config behind --agent NAME: a scaffold (configs/agents/NAME) or an agent config (type: agent). */
export function resolveAgent(name: string, cwd: string, shippedRoot: string): { scaffold: string; extra?: string } {
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
    throw new QedError(
      `unknown agent '${name}': no scaffold configs/agents/${name}.yaml and no agent config`,
      { field: '--agent' },
      'e.g. --agent deepseek_math or --agent agents/nano-deepseek',
    );
  }
  const text = readFileSync(file, 'utf8');
  if (!/^type:\s*agent\b/m.test(text))
    throw new QedError(`${file} is not an agent config (type: agent)`, { field: '--agent' });
  const ref = /^scaffold_config:\s*"?([^"\n#]+?)"?\s*(?:#.*)?$/m.exec(text)?.[1];
  if (!ref) throw new QedError(`${file} has no scaffold_config`, { field: '--agent' });
  const scaffold = [join(cwd, 'configs'), shippedRoot, resolve(file, '..', '..', '..')]
    .flatMap((root) => ['.yaml', '.yml'].map((e) => join(root, ref + e)))
    .find(existsSync);
  if (!scaffold) throw new QedError(`${file}: scaffold ${ref} not found`, { field: '--agent' });
  // Keep the agent's own settings (n_threads, …) but not its models.
  const extra = text
    .split('\n')
    .filter(
      (l) =>
        /^[a-z_]+:/.test(l) &&
        !/^(type|model_config|scaffold_config|human_readable_id|date|verifier_model|improver_model|summarizer_model):/.test(
          l,
        ),
    )
    .join('\n');
  return { scaffold, extra: extra || undefined };
}

export interface LaunchOptions {
  model: string;
  revision?: string;
  agent?: string;
  judge?: string;
  finalAnswer?: boolean;
  proofbench?: boolean;
  dataPath?: string;
  split?: string;
  n?: number;
  nodes: number;
  gpus: number;
  partition?: string;
  account?: string;
  time?: string;
  outputDir?: string;
  port: number;
  healthTimeout: number;
  vllmCommand: string;
  /** node + the qed CLI script, as the jobs run it. */
  qed: string[];
  cwd: string;
  shippedRoot: string;
}

export interface LaunchPlan {
  outDir: string;
  results: string;
  logs: string;
  generateScript: string;
  /** Absent without a judge. */
  gradeScript?: string;
  /** Every file the launch writes (derived configs, job scripts) and its text. */
  texts: Map<string, string>;
  warnings: string[];
  model: string;
  judge?: string;
}

/** Checks the options and derives every config and script; writes nothing. Bad input: a QedError naming the option. */
export function planLaunch(o: LaunchOptions): LaunchPlan {
  if (o.finalAnswer && o.proofbench)
    throw new QedError(
      '--final-answer and --proofbench exclude each other',
      { field: '--proofbench' },
      'ProofBench grades proofs; IMO-AnswerBench (--final-answer) grades answers',
    );
  const { cwd, shippedRoot, model } = o;
  const judge = o.judge ? resolveJudge(o.judge, cwd, shippedRoot) : undefined;
  const agent = o.agent ? resolveAgent(o.agent, cwd, shippedRoot) : undefined;
  const { served, warnings } = deriveServedModel(model, { cwd, revision: o.revision, field: '--model' });
  const judgeServed = judge?.kind === 'vllm' ? deriveServedModel(judge.model, { cwd, field: '--judge' }) : undefined;

  const outDir = resolve(cwd, o.outputDir ?? join('outputs', 'slurm', slug(model)));
  const name = slug(model) + (o.agent ? `-${slug(o.agent)}` : '');
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
  texts.set(files.model, servedModelYaml(served, o.port));
  if (agent)
    texts.set(
      files.agent,
      servedAgentYaml({ name: o.agent!, modelFile: files.model, scaffoldFile: agent.scaffold, extra: agent.extra }),
    );
  if (judgeServed) texts.set(files.judge, servedModelYaml(judgeServed.served, o.port));

  const common = { logDir: files.logs, cwd, qed: o.qed };
  const res = (g: number, nn: number): Resources => ({
    partition: o.partition,
    account: o.account,
    time: o.time,
    nodes: nn,
    gpus: g,
  });
  const mode = o.finalAnswer ? ['--final-answer'] : [];
  const dataPath = o.dataPath ?? (o.proofbench ? 'lm-provers/ProofBench' : undefined);
  const gen: JobSpec = {
    kind: 'generate',
    jobName: `qed-gen-${name}`,
    resources: res(o.gpus, o.nodes),
    ...common,
    qedArgs: [
      'run',
      '--model-config',
      agent ? files.agent : files.model,
      '--output-path',
      files.results,
      ...mode,
      ...(dataPath ? ['--data-path', dataPath] : []),
      ...(o.split ? ['--split', o.split] : []),
      ...(o.n ? ['--n', String(o.n)] : []),
    ],
    serve: {
      model: served.model,
      revision: o.revision,
      maxModelLen: served.maxModelLen,
      port: o.port,
      vllmCommand: o.vllmCommand,
      healthTimeout: o.healthTimeout,
    },
  };
  texts.set(files.generate, jobScript(gen));
  if (judge) {
    const grade: JobSpec = {
      kind: 'grade',
      jobName: `qed-grade-${name}`,
      resources: res(judge.kind === 'vllm' ? o.gpus : 0, 1),
      ...common,
      qedArgs: [
        'eval',
        '--model-config',
        judge.kind === 'api' ? judge.file : files.judge,
        '--data-path',
        files.results,
        ...mode,
        ...(o.proofbench ? ['--proofbench'] : []),
      ],
      serve: judgeServed
        ? {
            model: judgeServed.served.model,
            maxModelLen: judgeServed.served.maxModelLen,
            port: o.port,
            vllmCommand: o.vllmCommand,
            healthTimeout: o.healthTimeout,
          }
        : undefined,
    };
    texts.set(files.grade, jobScript(grade));
  }
  return {
    outDir,
    results: files.results,
    logs: files.logs,
    generateScript: files.generate,
    gradeScript: judge ? files.grade : undefined,
    texts,
    warnings: [...warnings, ...(judgeServed?.warnings ?? [])],
    model,
    judge: o.judge,
  };
}

/** The plan as text: every file under a `==> path <==` header. */
export function planText(plan: LaunchPlan): string {
  return [...plan.texts].map(([file, text]) => `==> ${file} <==\n${text}${text.endsWith('\n') ? '' : '\n'}`).join('\n');
}

/** Writes the plan's files and submits its jobs (grading after generation succeeded); records the launch. */
export function submitLaunch(plan: LaunchPlan): Launch {
  // One launch per output folder at a time: its jobs would write the same results file.
  const active = (findLaunches(plan.outDir).at(-1)?.jobs ?? [])
    .map((j) => jobInfo(j.id))
    .filter((i) => !hasEnded(i) && i.state !== 'UNKNOWN');
  if (active.length)
    throw new QedError(
      `jobs ${active.map((i) => `${i.id} (${i.state})`).join(', ')} of an earlier launch still use ${plan.outDir}`,
      { field: '--output-dir' },
      `wait for them ('qed slurm status --output-dir ${plan.outDir}') or scancel them, then launch again to resume`,
    );

  for (const [file, text] of plan.texts) {
    mkdirSync(resolve(file, '..'), { recursive: true });
    writeFileSync(file, text, { mode: file.endsWith('.sbatch') ? 0o755 : 0o644 });
  }
  mkdirSync(plan.logs, { recursive: true });
  mkdirSync(resolve(plan.results, '..'), { recursive: true });

  const launch: Launch = {
    at: new Date().toISOString(),
    model: plan.model,
    judge: plan.judge,
    results: plan.results,
    jobs: [],
  };
  const logsOf = (kind: 'generate' | 'grade', id: string) => ({
    out: join(plan.logs, `${kind}-${id}.out`),
    err: join(plan.logs, `${kind}-${id}.err`),
  });
  const genId = submit(plan.generateScript);
  launch.jobs.push({ kind: 'generate', id: genId, script: plan.generateScript, ...logsOf('generate', genId) });
  if (plan.gradeScript) {
    let gradeId: string;
    try {
      gradeId = submit(plan.gradeScript, { afterOk: genId });
    } catch (e) {
      cancel([genId]);
      throw e;
    }
    launch.jobs.push({ kind: 'grade', id: gradeId, script: plan.gradeScript, ...logsOf('grade', gradeId) });
  }
  saveLaunch(plan.outDir, launch);
  return launch;
}

export function saveLaunch(outDir: string, launch: Launch): void {
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
  const count = (p: string) =>
    existsSync(p)
      ? readFileSync(p, 'utf8')
          .split('\n')
          .filter((l) => l.trim()).length
      : 0;
  return count(results) + count(`${results}.partial`);
}

/** The launches recorded under `dir` (its launch.json, or its subfolders'). */
export function findLaunches(dir: string): Launch[] {
  const out: Launch[] = [];
  const read = (f: string) => {
    try {
      out.push(...(JSON.parse(readFileSync(f, 'utf8')) as { launches: Launch[] }).launches);
    } catch {
      /* none or unreadable */
    }
  };
  read(join(dir, 'launch.json'));
  if (existsSync(dir))
    for (const e of readdirSync(dir, { withFileTypes: true }))
      if (e.isDirectory()) read(join(dir, e.name, 'launch.json'));
  return out;
}
