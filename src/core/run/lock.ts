/**
 * One writer per results file. A job (run, eval, the rubric tools) or a single-row edit (regrade,
 * override) holds `<file>.lock` while it works; the lock names host and process, so a lock left
 * by a dead process of this host is recognised as stale and taken over. A lock of another host (a
 * shared cluster filesystem) cannot be checked from here and is respected until the user removes it.
 */
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { QedError } from '../errors';

/** Locks this process holds (the extension host runs jobs and edits side by side). */
const heldHere = new Set<string>();

export interface LockHolder {
  host?: string;
  pid?: number;
  started?: string;
}

export class JobLock {
  private held = false;

  constructor(
    readonly lockPath: string,
    /** The file the lock guards, for messages. */
    readonly file: string,
  ) {}

  /** Takes the lock, or throws a QedError naming the live holder. */
  acquire(): void {
    const mine = JSON.stringify({ host: hostname(), pid: process.pid, started: new Date().toISOString() });
    try {
      writeFileSync(this.lockPath, mine, { flag: 'wx' });
      this.hold();
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = liveLockHolder(this.lockPath);
    if (holder) throw lockedError(this.lockPath, this.file, holder);
    // A stale lock from a killed job: take it over.
    writeFileSync(this.lockPath, mine);
    this.hold();
  }

  private hold(): void {
    this.held = true;
    heldHere.add(resolve(this.lockPath));
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    heldHere.delete(resolve(this.lockPath));
    try {
      unlinkSync(this.lockPath);
    } catch {
      /* already gone */
    }
  }
}

/** The error for a file another job holds. */
function lockedError(lockPath: string, file: string, holder: LockHolder): QedError {
  const who = holder.host && holder.host !== hostname() ? `process ${holder.pid ?? '?'} on host ${holder.host}, started ${holder.started ?? '?'}` : `process ${holder.pid ?? '?'}`;
  return new QedError(`another run (${who}) is writing this output`, { file }, `wait for it to finish or cancel it; if no run is active, delete ${lockPath}`);
}

/**
 * Who holds the lock at `lockPath`: undefined when there is no lock, or when it was left by a
 * process of this host that is gone (or by this process, in a job that has ended).
 */
export function liveLockHolder(lockPath: string): LockHolder | undefined {
  let holder: LockHolder;
  try {
    holder = readLock(lockPath);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  if (holder.host && holder.host !== hostname()) return holder;
  if (holder.pid === process.pid) return heldHere.has(resolve(lockPath)) ? holder : undefined;
  if (holder.pid && processAlive(holder.pid)) return holder;
  if (!holder.pid) return holder; // unreadable: respect it
  return undefined;
}

function readLock(path: string): LockHolder {
  const text = readFileSync(path, 'utf8').trim();
  try {
    const v = JSON.parse(text) as { host?: unknown; pid?: unknown; started?: unknown };
    if (typeof v === 'number') return { pid: v };
    return { host: typeof v.host === 'string' ? v.host : undefined, pid: typeof v.pid === 'number' ? v.pid : undefined, started: typeof v.started === 'string' ? v.started : undefined };
  } catch {
    return { pid: Number(text) || undefined };
  }
}

/** Alive and not a zombie (a killed process its parent has not reaped yet still answers kill 0). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (macOS): trust kill 0
  }
}

/**
 * Why one row of `file` may not be rewritten now, or undefined when it may: a live job holds the
 * file, or a killed one left rows in its journal that the next run merges (over any edit made now).
 */
export function editBlocker(file: string): { message: string; hint: string } | undefined {
  const lockPath = `${file}.lock`;
  if (liveLockHolder(lockPath)) {
    return { message: 'a run or grading job is writing this file; nothing was written', hint: `wait for it to finish; if none is running, delete ${lockPath}` };
  }
  const journal = `${file}.partial`;
  if (existsSync(journal)) {
    return {
      message: `an unfinished job left rows in ${journal} that are not in the file yet; nothing was written`,
      hint: 'run the same qed run / qed eval command again to finish the job (it merges them), then repeat the action',
    };
  }
  return undefined;
}

/**
 * Takes `file`'s lock for a one-row edit (regrade, override) and returns it, or throws a QedError
 * saying why the file may not be edited now (see editBlocker, or a job that took the lock first).
 */
export function lockForEdit(file: string): JobLock {
  const b = editBlocker(file);
  if (b) throw new QedError(b.message, { file }, b.hint);
  const lock = new JobLock(`${file}.lock`, file);
  try {
    lock.acquire();
  } catch (e) {
    if (e instanceof QedError) throw new QedError(`${e.message}; nothing was written`, { file }, e.hint);
    throw e;
  }
  return lock;
}
