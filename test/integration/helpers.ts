import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'cli.js');
/** The public IMO-Bench files, beside the project (absent on a bare clone). */
export const IMOBENCH = resolve(ROOT, '..', 'shared', 'data', 'imobench');
export const HAVE_IMOBENCH = existsSync(join(IMOBENCH, 'proofbench_v2.csv'));
export const NO_IMOBENCH = `${IMOBENCH} not found: tests on the real IMO-Bench files are skipped`;

/** Builds dist/cli.js once if a test is run on its own without `npm test`. */
export function ensureBuilt(): void {
  if (existsSync(CLI)) return;
  const r = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('build failed');
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `qed …` asynchronously (the fake server lives in this process: never spawnSync). */
export function qed(
  args: string[],
  opts: { cwd: string; env?: Record<string, string | undefined>; onSpawn?: (p: ChildProcess) => void; cli?: string },
): Promise<CliResult> {
  if (!opts.cli) ensureBuilt();
  return new Promise((res, rej) => {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: opts.cwd,
      QED_CACHE_DIR: join(opts.cwd, '.cache'),
      ...opts.env,
    };
    const p = spawn(process.execPath, [opts.cli ?? CLI, ...args], {
      cwd: opts.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', rej);
    p.on('close', (code, signal) => res({ code, signal, stdout, stderr }));
    opts.onSpawn?.(p);
  });
}

/** A throwaway workspace with the given files (paths relative to it). */
export function workspace(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'qed-ws-'));
  for (const [rel, text] of Object.entries(files)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return dir;
}

export function readJsonl(path: string): Array<Record<string, unknown>> {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/**
 * For `qed(…, { onSpawn })`: sends `signal` to the CLI once its journal holds `rows` rows (a fixed
 * delay would race a busy machine).
 */
export function stopAfter(journal: string, rows: number, signal: NodeJS.Signals): (p: ChildProcess) => void {
  return (p) => {
    const timer = setInterval(() => {
      if (existsSync(journal) && readFileSync(journal, 'utf8').split('\n').filter(Boolean).length >= rows) {
        clearInterval(timer);
        p.kill(signal);
      }
    }, 5);
    p.on('exit', () => clearInterval(timer));
  };
}

/** Small JSONL dataset of n problems. */
export function problems(n: number, prefix = 'T'): string {
  return (
    Array.from({ length: n }, (_, i) =>
      JSON.stringify({
        problem_id: `${prefix}-${i + 1}`,
        problem: `Show that ${i + 1} + ${i + 1} = ${2 * (i + 1)}.`,
        grading_guidelines: `(full) any correct proof`,
      }),
    ).join('\n') + '\n'
  );
}
