import { closeSync, mkdirSync, openSync, statSync, unlinkSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { QedError, describeErrno, environmentError, isEnvironmentError, isErrnoError } from '../errors';

/** stat() that answers undefined for a path that does not exist (or runs through a file). */
function statOrNone(p: string): Stats | undefined {
  try {
    return statSync(p);
  } catch (e) {
    if (isErrnoError(e) && (e.code === 'ENOENT' || e.code === 'ENOTDIR')) return undefined;
    throw environmentError(e, p) ?? e;
  }
}

/**
 * Checks, before any request is paid for, that a job can write its results to `file`: it is not
 * a folder, no part of its folder path is a regular file, and its folder accepts new files (tried
 * with a real file, since `access()` says yes to root even on a read-only mount). Creates the
 * folder if needed. Throws a QedError saying what is wrong.
 */
export function checkOutputPath(file: string, option = '--output-path'): void {
  const where = { file, field: option };
  if (statOrNone(file)?.isDirectory()) {
    throw new QedError(
      'this is a folder; the output must be a file',
      where,
      `name a file inside it, e.g. ${join(file, 'results.jsonl')}`,
    );
  }
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const st = statOrNone(dir);
    if (st) {
      if (!st.isDirectory())
        throw new QedError(
          `cannot create the output under ${dir}: it is a file, not a folder`,
          where,
          `choose another ${option}`,
        );
      break;
    }
    if (dirname(dir) === dir) break;
  }
  const folder = dirname(file);
  const probe = join(folder, `.qed-write-test-${process.pid}-${Date.now().toString(36)}`);
  try {
    mkdirSync(folder, { recursive: true });
    closeSync(openSync(probe, 'wx'));
  } catch (e) {
    if (!isEnvironmentError(e)) throw e;
    throw new QedError(
      `cannot write to the folder ${folder}: ${describeErrno(e, false)}`,
      where,
      `choose a folder you can write to with ${option}`,
    );
  } finally {
    try {
      unlinkSync(probe);
    } catch {
      /* never created */
    }
  }
}
