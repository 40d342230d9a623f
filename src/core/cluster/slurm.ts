/** Talking to SLURM: sbatch, squeue, scontrol, sacct, scancel (through their command lines). */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { QedError } from '../errors';

/** Whether `cmd` is an executable file on PATH. */
export function onPath(cmd: string, env: NodeJS.ProcessEnv = process.env): boolean {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, cmd);
    try {
      if (existsSync(p) && statSync(p).isFile() && (statSync(p).mode & 0o111) !== 0) return true;
    } catch {
      /* unreadable folder */
    }
  }
  return false;
}

function run(
  cmd: string,
  args: string[],
  env?: NodeJS.ProcessEnv,
): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: env ?? process.env, timeout: 60_000 });
  if (r.error) return { code: null, stdout: '', stderr: r.error.message };
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Submits a batch script; returns the job id. `afterOk`: start only once that job succeeded. */
export function submit(script: string, opts: { afterOk?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): string {
  const args = ['--parsable', ...(opts.afterOk ? [`--dependency=afterok:${opts.afterOk}`] : []), script];
  const r = run('sbatch', args, opts.env);
  const id = r.stdout.trim().split(';')[0];
  if (r.code !== 0 || !/^\d+$/.test(id))
    throw new QedError(
      `sbatch refused ${script}: ${(r.stderr || r.stdout).trim().split('\n').pop() ?? 'no reason given'}`,
    );
  return id;
}

export function cancel(ids: string[]): void {
  if (ids.length) run('scancel', ids);
}

export interface JobInfo {
  id: string;
  /** PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, … ('UNKNOWN' when SLURM has forgotten it). */
  state: string;
  /** Why it pends (e.g. Dependency, DependencyNeverSatisfied) or ended. */
  reason?: string;
  elapsed?: string;
  exitCode?: string;
}

export const ENDED = new Set([
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TIMEOUT',
  'PREEMPTED',
  'NODE_FAIL',
  'OUT_OF_MEMORY',
  'BOOT_FAIL',
  'DEADLINE',
  'UNKNOWN',
]);

/** One job's state: scontrol (queued and recently ended jobs), else sacct (then sacct -c, the job completion file). */
export function jobInfo(id: string): JobInfo {
  const sc = run('scontrol', ['show', 'job', '-o', id]);
  if (sc.code === 0 && sc.stdout.includes('JobState=')) {
    const f = (k: string) => new RegExp(`(?:^| )${k}=(\\S*)`).exec(sc.stdout)?.[1];
    const reason = f('Reason');
    return {
      id,
      state: (f('JobState') ?? 'UNKNOWN').toUpperCase(),
      reason: reason && reason !== 'None' ? reason : undefined,
      elapsed: f('RunTime'),
      exitCode: f('ExitCode'),
    };
  }
  for (const extra of [[], ['-c']]) {
    const sa = run('sacct', [...extra, '-n', '-P', '-X', '-j', id, '-o', 'JobID,State,Elapsed,ExitCode']);
    const line = sa.code === 0 ? sa.stdout.split('\n').find((l) => l.startsWith(`${id}|`)) : undefined;
    if (line) {
      const [, state, elapsed, exitCode] = line.split('|');
      return { id, state: state.split(' ')[0].toUpperCase(), elapsed, exitCode };
    }
  }
  return { id, state: 'UNKNOWN' };
}

/** Whether a job has ended (or can never start: its dependency failed). */
export function hasEnded(j: JobInfo): boolean {
  return ENDED.has(j.state) || (j.state === 'PENDING' && j.reason === 'DependencyNeverSatisfied');
}
