import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { environmentError } from '../errors';

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
  const tmp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
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
