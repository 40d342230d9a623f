/**
 * One writer per results file. A job (run, eval, the rubric tools) or a single-row edit (regrade,
 * override) holds `<file>.lock` while it works. The lock names its holder — which program (`qed
 * eval`, `qed view`, a VS Code window…), what it is doing, host and pid — so that a refusal can say
 * who holds the file, and so that a lock left by a dead process of this host is recognised as
 * stale and taken over. A lock of another host (a shared cluster filesystem) cannot be checked
 * from here and is respected until the user removes it.
 *
 * A lock appears whole or not at all: it is written to a temporary file first and hard-linked
 * into place (link fails if a lock exists), so a full disk or a read-only folder leaves no lock
 * behind, and an empty or unreadable lock can only be the remains of a crash: it is taken over.
 * Taking over a stale lock happens under a short-lived guard (`<file>.lock.takeover`), so two
 * processes that find the same stale lock cannot both end up holding the file.
 */
import { existsSync, linkSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { removeStaleTemps } from '../data/atomic';
import { QedError } from '../errors';

/** Locks this process holds (the extension host runs jobs and edits side by side). */
const heldHere = new Set<string>();

/** What this process is, as named in its locks ('qed eval', 'qed view', 'a VS Code window'…). */
let owner = 'a QED Workbench process';

/** Names this process in the locks it takes (the CLI: 'qed <command>'; the extension: 'a VS Code window'). */
export function setLockOwner(name: string): void {
  owner = name;
}

export interface LockHolder {
  host?: string;
  pid?: number;
  started?: string;
  /** The program holding the lock, e.g. 'qed eval', 'qed view', 'a VS Code window'. */
  by?: string;
  /** What it is doing, e.g. 'grading', 'a run', 'saving one row'. */
  job?: string;
}

/** The file operations a lock uses (replaceable in tests, e.g. to simulate a full disk). */
export interface LockFs {
  writeFileSync(path: string, data: string, opts: { flag: string }): void;
  linkSync(existing: string, path: string): void;
  unlinkSync(path: string): void;
}

const realFs: LockFs = { writeFileSync, linkSync, unlinkSync };

const errCode = (e: unknown) => (e as NodeJS.ErrnoException | undefined)?.code;

/** Waits `ms` without returning to the event loop (the lock is taken synchronously; waits are a few ms). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export class JobLock {
  private held = false;
  /** Set when a stale lock was taken over: what it was (for the job's warnings). */
  note: string | undefined;

  constructor(
    readonly lockPath: string,
    /** The file the lock guards, for messages. */
    readonly file: string,
    /** What the holder does with the file, named in refusals ('grading', 'a run'…). */
    readonly job?: string,
    private readonly fs: LockFs = realFs,
  ) {}

  /**
   * Takes the lock, or throws a QedError naming the live holder (or saying why no lock can be
   * written); `edit`: the refusal says that nothing was written.
   */
  acquire(edit = false): void {
    const mine = JSON.stringify({
      host: hostname(),
      pid: process.pid,
      started: new Date().toISOString(),
      by: owner,
      job: this.job,
    });
    for (let attempt = 0; attempt < 200; attempt++) {
      if (this.create(this.lockPath, mine)) {
        this.hold();
        return;
      }
      const found = inspectLock(this.lockPath);
      if (found.state === 'gone') continue; // released meanwhile: try again
      if (found.state === 'live') throw lockedError(this.lockPath, this.file, found.holder!, edit);
      // Stale (a dead holder) or empty / unreadable (a crash while it was written): take it over.
      this.takeOver(found);
    }
    throw new QedError(
      'could not take the lock of this file (other processes kept taking it)',
      { file: this.file },
      `try again; if it persists, delete ${this.lockPath}`,
    );
  }

  /** Removes a stale lock under the takeover guard, if it is still the same stale lock. */
  private takeOver(found: InspectedLock): void {
    const guard = `${this.lockPath}.takeover`;
    if (!this.create(guard, JSON.stringify({ host: hostname(), pid: process.pid }))) {
      // Another process is taking it over right now (a few microseconds), or died doing so.
      const g = inspectLock(guard);
      if (g.state !== 'live' && g.state !== 'gone') this.remove(guard);
      else pause(2);
      return;
    }
    try {
      const again = inspectLock(this.lockPath);
      if (again.state === 'live' || again.state === 'gone' || again.ino !== found.ino) return;
      this.remove(this.lockPath);
      this.note = `took over ${this.lockPath}: ${describeStale(again)}`;
    } finally {
      this.remove(guard);
    }
  }

  /**
   * Creates `path` holding `content`, whole or not at all; false when it exists. A lock that
   * cannot be written (disk full, read-only folder) throws and leaves nothing behind.
   */
  private create(path: string, content: string): boolean {
    const tmp = join(
      dirname(path),
      `.${basename(this.file)}.lock.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
    );
    try {
      this.fs.writeFileSync(tmp, content, { flag: 'wx' });
    } catch (e) {
      this.remove(tmp);
      throw cannotLock(this.file, this.lockPath, e);
    }
    try {
      this.fs.linkSync(tmp, path);
      return true;
    } catch (e) {
      if (errCode(e) === 'EEXIST') return false;
      if (!['EPERM', 'ENOTSUP', 'ENOSYS', 'EOPNOTSUPP', 'EXDEV'].includes(errCode(e) ?? ''))
        throw cannotLock(this.file, this.lockPath, e);
      // A file system without hard links: create the lock directly, and remove it if it cannot be written whole.
      return this.createDirectly(path, content);
    } finally {
      this.remove(tmp);
    }
  }

  private createDirectly(path: string, content: string): boolean {
    try {
      this.fs.writeFileSync(path, content, { flag: 'wx' });
      return true;
    } catch (e) {
      if (errCode(e) === 'EEXIST') return false;
      // Created but not written: an empty lock of ours would block the file.
      try {
        if (statSync(path).size === 0) this.remove(path);
      } catch {
        /* not created */
      }
      throw cannotLock(this.file, this.lockPath, e);
    }
  }

  private remove(path: string): void {
    try {
      this.fs.unlinkSync(path);
    } catch {
      /* gone already */
    }
  }

  private hold(): void {
    this.held = true;
    heldHere.add(resolve(this.lockPath));
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    heldHere.delete(resolve(this.lockPath));
    this.remove(this.lockPath);
  }
}

function cannotLock(file: string, lockPath: string, e: unknown): QedError {
  const code = errCode(e);
  const why =
    code === 'ENOSPC' || code === 'EDQUOT'
      ? 'the disk is full'
      : code === 'EROFS'
        ? 'the folder is on a read-only file system'
        : code === 'EACCES' || code === 'EPERM'
          ? 'the folder is not writable'
          : `${code ?? 'error'}: ${(e as Error)?.message ?? String(e)}`;
  return new QedError(
    `cannot create the lock file ${basename(lockPath)} (${why}); nothing was written`,
    { file },
    code === 'ENOSPC' || code === 'EDQUOT' ? 'free some space and try again' : 'check that the folder is writable',
  );
}

/** Who holds a lock, in words: "qed eval (pid 123, grading, since 2026-12-03T16:00:00Z)". */
export function describeHolder(h: LockHolder): string {
  const where = h.host && h.host !== hostname() ? `pid ${h.pid ?? '?'} on host ${h.host}` : `pid ${h.pid ?? '?'}`;
  const parts = [where, h.job, h.started ? `since ${h.started}` : undefined].filter(Boolean);
  return `${h.by ?? 'another process'} (${parts.join(', ')})`;
}

/** The error for a file another job holds. */
function lockedError(lockPath: string, file: string, holder: LockHolder, edit: boolean): QedError {
  return new QedError(
    `${describeHolder(holder)} is writing this ${edit ? 'file; nothing was written' : 'output'}`,
    { file },
    `wait for it to finish or cancel it; if it is not running any more, delete ${lockPath}`,
  );
}

interface InspectedLock {
  state: 'gone' | 'live' | 'dead' | 'empty' | 'unreadable';
  holder?: LockHolder;
  ino?: number;
}

function describeStale(l: InspectedLock): string {
  if (l.state === 'empty') return 'it was empty (left by a crash while it was written)';
  if (l.state === 'unreadable') return 'it could not be read (left by a crash while it was written)';
  return `its holder, ${describeHolder(l.holder ?? {})}, is not running any more`;
}

/** What is at `lockPath`: no lock, a live holder, a dead one, or an empty or unreadable file. */
function inspectLock(lockPath: string): InspectedLock {
  let text: string;
  let ino: number;
  try {
    ino = statSync(lockPath).ino;
    text = readFileSync(lockPath, 'utf8').trim();
  } catch (e) {
    if (errCode(e) === 'ENOENT') return { state: 'gone' };
    throw e;
  }
  if (!text) return { state: 'empty', ino };
  const holder = parseLock(text);
  if (!holder) return { state: 'unreadable', ino };
  if (holder.host && holder.host !== hostname()) return { state: 'live', holder, ino };
  if (holder.pid === process.pid) return { state: heldHere.has(resolve(lockPath)) ? 'live' : 'dead', holder, ino };
  return { state: processAlive(holder.pid!) ? 'live' : 'dead', holder, ino };
}

/**
 * Who holds the lock at `lockPath`: undefined when there is no lock, when it was left by a
 * process of this host that is gone (or by this process, in a job that has ended), or when it is
 * empty or unreadable (the next writer takes it over).
 */
export function liveLockHolder(lockPath: string): LockHolder | undefined {
  const l = inspectLock(lockPath);
  return l.state === 'live' ? l.holder : undefined;
}

function parseLock(text: string): LockHolder | undefined {
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  try {
    const v = JSON.parse(text) as
      { host?: unknown; pid?: unknown; started?: unknown; by?: unknown; job?: unknown } | number;
    if (typeof v === 'number') return Number.isInteger(v) && v > 0 ? { pid: v } : undefined;
    if (typeof v !== 'object' || v === null || typeof v.pid !== 'number') return undefined;
    return { host: str(v.host), pid: v.pid, started: str(v.started), by: str(v.by), job: str(v.job) };
  } catch {
    const pid = Number(text);
    return Number.isInteger(pid) && pid > 0 ? { pid } : undefined;
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
  const holder = liveLockHolder(lockPath);
  if (holder) {
    return {
      message: `${describeHolder(holder)} is writing this file; nothing was written`,
      hint: `wait for it to finish; if it is not running any more, delete ${lockPath}`,
    };
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
  const lock = new JobLock(`${file}.lock`, file, 'saving one row');
  lock.acquire(true);
  // A rewrite of this file that was killed may have left its temporary file beside it.
  removeStaleTemps(file, processAlive);
  return lock;
}
