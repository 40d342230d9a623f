import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, openSync, readdirSync, readSync, unlinkSync } from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { QedError, environmentError } from '../errors';

function errCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

/** Writes every byte of `data` (FileHandle.write may write less than asked). */
export async function writeAll(fh: FileHandle, data: string | Uint8Array): Promise<void> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** rename(), retried briefly where another process may hold the target open (Windows). */
async function renameWithRetry(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rename(from, to);
      return;
    } catch (e) {
      const code = errCode(e);
      if (attempt >= 5 || !(code === 'EPERM' || code === 'EBUSY' || code === 'EACCES')) throw e;
      await sleep(40 * (attempt + 1));
    }
  }
}

/** Flushes a folder's entry list so a rename survives a power cut (best effort; not possible on Windows). */
async function syncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // Some platforms and file systems refuse to open or fsync a folder; the data itself is synced.
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

/**
 * Replaces `target` atomically: the content is produced into a hidden temporary file in the same
 * folder (created if missing), flushed to disk, then renamed over the target. Readers see either
 * the old file or the complete new one, never a partial write; on failure the temp file is removed.
 */
export async function writeFileAtomic(
  target: string,
  content: string | Uint8Array | ((fh: FileHandle) => Promise<void>),
): Promise<void> {
  const file = resolve(target);
  const dir = dirname(file);
  const tmp = tempPath(file);
  let fh: FileHandle | undefined;
  try {
    await mkdir(dir, { recursive: true });
    fh = await open(tmp, 'wx');
    if (typeof content === 'function') await content(fh);
    else await writeAll(fh, content);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await renameWithRetry(tmp, file);
  } catch (e) {
    await fh?.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw environmentError(e, file) ?? e;
  }
  await syncDir(dir);
}

/**
 * The file a rewrite read: which file (device and inode) and how many of its bytes. A rewrite is
 * checked against it just before its rename; `undefined` stands for a file that did not exist.
 */
export interface FileSnapshot {
  dev: number;
  ino: number;
  /** Bytes the rewrite took into account: everything after them is carried over as appended. */
  size: number;
  mtimeMs: number;
}

/** The file was replaced, cut or edited in place since it was read: the rewrite must be redone or refused. */
export class FileChangedError extends QedError {
  constructor(
    file: string,
    /** What happened, e.g. 'was replaced by another program'. */
    readonly what: string,
  ) {
    super(
      `the file ${what} since it was read; nothing was written`,
      { file },
      'repeat the action (it reads the file again)',
    );
  }
}

/** Temporary file of a rewrite of `file` by process `pid`: `.<name>.<pid>.<random>.tmp` beside it. */
function tempPath(file: string): string {
  return join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** How a file stands now, for a snapshot taken by the caller from an open handle. */
export function snapshotOf(
  st: { dev: number; ino: number; size: number; mtimeMs: number },
  size = st.size,
): FileSnapshot {
  return { dev: st.dev, ino: st.ino, size, mtimeMs: st.mtimeMs };
}

/**
 * Reads a file that is about to be rewritten (call it holding the file's lock): its bytes and the
 * snapshot to hand to rewriteFileAtomic. Only whole lines count as read: a last line without its
 * newline that is not a JSON object is a write under way, left to be carried over as appended.
 * Undefined when the file does not exist.
 */
export function readForRewrite(path: string): { bytes: Buffer; snapshot: FileSnapshot } | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    if (errCode(e) === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const st = fstatSync(fd);
    const buf = Buffer.alloc(st.size);
    let got = 0;
    while (got < st.size) {
      const n = readSync(fd, buf, got, st.size - got, got);
      if (!n) break;
      got += n;
    }
    let bytes = buf.subarray(0, got);
    const nl = bytes.lastIndexOf(0x0a);
    if (nl + 1 < bytes.length && !isJsonObjectLine(bytes.subarray(nl + 1))) bytes = bytes.subarray(0, nl + 1);
    return { bytes, snapshot: snapshotOf(st, bytes.length) };
  } finally {
    closeSync(fd);
  }
}

function isJsonObjectLine(b: Buffer): boolean {
  try {
    const v: unknown = JSON.parse(b.toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

/** Copies bytes [start, end) of `from` to the end of `to`; returns how many were copied. */
async function copyTail(from: FileHandle, to: FileHandle, start: number, end: number): Promise<number> {
  const buf = Buffer.allocUnsafe(Math.min(1 << 20, Math.max(1, end - start)));
  let pos = start;
  while (pos < end) {
    const { bytesRead } = await from.read(buf, 0, Math.min(buf.length, end - pos), pos);
    if (!bytesRead) break;
    await writeAll(to, buf.subarray(0, bytesRead));
    pos += bytesRead;
  }
  return pos - start;
}

/** Where the whole lines of `fh` between `start` and `end` end (a line being written is left for later). */
async function lastLineEnd(fh: FileHandle, start: number, end: number): Promise<number> {
  const buf = Buffer.allocUnsafe(64 << 10);
  for (let hi = end; hi > start;) {
    const lo = Math.max(start, hi - buf.length);
    const { bytesRead } = await fh.read(buf, 0, hi - lo, lo);
    const nl = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (nl >= 0) return lo + nl + 1;
    hi = lo;
  }
  return start;
}

/** How many times in a row the replaced file must be seen unchanged before it is let go, and how far apart (ms). */
const SETTLE_CHECKS = 4;
const SETTLE_STEP_MS = 10;

export interface RewriteResult {
  /** Bytes appended to the file by others after it was read, carried over into the new file. */
  carried: number;
  /** Of those, the bytes that reached the old file after the rename (carried over afterwards). */
  late: number;
}

/**
 * Replaces a results file that was read (see readForRewrite) with new content, losing nothing
 * another program appended meanwhile. Just before the rename, the file on disk must still be the
 * one read (same device and inode, not shorter, not edited in place): else FileChangedError and
 * nothing is written. Bytes appended after the read are copied to the end of the new content,
 * before the rename; the old file stays open, and bytes that reach it after the rename (a writer
 * that opened it just before) are appended to the new file afterwards, until it has stayed
 * unchanged for a few checks. Everything written is fsync'ed before this returns.
 *
 * An appender that keeps the old file open for good keeps writing to the replaced file: this can
 * only carry over what it wrote while the old file was watched.
 */
export async function rewriteFileAtomic(
  target: string,
  read: FileSnapshot | undefined,
  content: (fh: FileHandle) => Promise<void>,
  /** For tests: runs right after the rename, before the old file is watched for late lines. */
  hooks: { afterRename?: () => Promise<void> | void } = {},
): Promise<RewriteResult> {
  const file = resolve(target);
  const dir = dirname(file);
  const tmp = tempPath(file);
  let old: FileHandle | undefined;
  let fh: FileHandle | undefined;
  let fresh: FileHandle | undefined;
  let carried = read?.size ?? 0;
  let late = 0;
  const openOld = async (): Promise<FileHandle | undefined> => {
    try {
      return await open(file, 'r');
    } catch (e) {
      if (errCode(e) === 'ENOENT') return undefined;
      throw e;
    }
  };
  /** Checks the file at `file` is the one read, and returns its handle's current size. */
  const check = async (): Promise<number> => {
    if (!old) {
      if (read) throw new FileChangedError(file, 'was removed');
      // There was no file: one created meanwhile is all appended lines.
      old = await openOld();
      if (!old) return 0;
    }
    const [mine, onDisk] = await Promise.all([old.stat(), stat(file).catch(() => undefined)]);
    if (!onDisk) throw new FileChangedError(file, 'was removed');
    if (onDisk.ino !== mine.ino || onDisk.dev !== mine.dev)
      throw new FileChangedError(file, 'was replaced by another program');
    if (read && (mine.ino !== read.ino || mine.dev !== read.dev))
      throw new FileChangedError(file, 'was replaced by another program');
    if (mine.size < carried) throw new FileChangedError(file, 'got shorter');
    if (read && mine.size === read.size && mine.mtimeMs !== read.mtimeMs)
      throw new FileChangedError(file, 'was edited in place');
    return mine.size;
  };
  try {
    old = await openOld();
    await check();
    await mkdir(dir, { recursive: true });
    fh = await open(tmp, 'wx');
    await content(fh);
    // Lines appended since the read go after the new content (the new file has only us as writer yet).
    for (let size = await check(); size > carried; size = await check())
      carried += await copyTail(old!, fh, carried, size);
    await fh.sync();
    // A second handle on the new file, kept across the rename, for lines that reach the old one late.
    if (old) fresh = await open(tmp, 'a');
    await fh.close();
    fh = undefined;
    await renameWithRetry(tmp, file);
    await hooks.afterRename?.();
  } catch (e) {
    await fh?.close().catch(() => undefined);
    await fresh?.close().catch(() => undefined);
    await old?.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw environmentError(e, file) ?? e;
  }
  try {
    if (old && fresh) {
      // A writer that opened the old file just before the rename writes into it: carry those lines over.
      for (let quiet = 0; quiet < SETTLE_CHECKS;) {
        const size = (await old.stat()).size;
        const upTo = quiet === SETTLE_CHECKS - 1 ? size : await lastLineEnd(old, carried, size);
        if (upTo > carried) {
          const n = await copyTail(old, fresh, carried, upTo);
          carried += n;
          late += n;
          quiet = 0;
        } else {
          quiet++;
          await sleep(SETTLE_STEP_MS);
        }
      }
      if (late) await fresh.sync();
    }
  } finally {
    await fresh?.close().catch(() => undefined);
    await old?.close().catch(() => undefined);
  }
  await syncDir(dir);
  return { carried: carried - (read?.size ?? 0), late };
}

/**
 * Removes the temporary files that killed rewrites of `file` left beside it (`.<name>.<pid>.<hex>.tmp`
 * of a process that is gone). Returns the names removed.
 */
export function removeStaleTemps(file: string, alive: (pid: number) => boolean): string[] {
  const dir = dirname(resolve(file));
  const prefix = `.${basename(file)}.`;
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const m = /^(?:lock\.)?(\d+)\.[0-9a-f]+\.tmp$/.exec(name.slice(prefix.length));
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || alive(pid)) continue;
    try {
      unlinkSync(join(dir, name));
      removed.push(name);
    } catch {
      /* gone already, or not ours to remove */
    }
  }
  return removed;
}
