// Writing one row of a results file (regrade, override, clearing an override): the file is
// copied around the new line into a temporary file which replaces it atomically, so every other
// line keeps its exact bytes, and lines appended meanwhile by another program are carried over.
// Nothing is written when a job holds the file, when the row is not the one the viewer showed,
// or when the file is replaced or edited in place while it is being copied.

import { open, stat, type FileHandle } from 'node:fs/promises';
import { FileChangedError, rewriteFileAtomic, serializeRow, snapshotOf } from '../data';
import type { Row } from '../data/types';
import { QedError } from '../errors';
import { editBlocker, lockForEdit, type JobLock } from '../run/lock';
import { lineRev, type ResultsIndex } from './resultsIndex';
import type { HumanGrade } from '../../protocol';

export class EditRefused extends QedError {
  constructor(
    readonly code: 'changed' | 'locked' | 'invalid',
    message: string,
    file: string,
    line?: number,
    hint?: string,
  ) {
    super(message, { file, line }, hint);
  }

  /** The same error (message, place and hint as they are) as a refusal with `code`. */
  static from(code: EditRefused['code'], e: QedError): EditRefused {
    const r = new EditRefused(code, '', e.location.file ?? '', e.location.line, e.hint);
    r.message = e.message;
    return r;
  }
}

export function assertNotLocked(file: string): void {
  const b = editBlocker(file);
  if (b) throw new EditRefused('locked', b.message, file, undefined, b.hint);
}

/** Runs `fn` holding the file's lock, so that no job starts writing the file meanwhile. */
async function withFileLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  let lock: JobLock;
  try {
    lock = lockForEdit(file);
  } catch (e) {
    if (e instanceof QedError) throw EditRefused.from('locked', e);
    throw e;
  }
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

async function copyRange(from: FileHandle, to: FileHandle, start: number, end: number, buf: Buffer): Promise<void> {
  let pos = start;
  while (pos < end) {
    const { bytesRead } = await from.read(buf, 0, Math.min(buf.length, end - pos), pos);
    if (!bytesRead) throw new Error('the file got shorter while it was being copied');
    let off = 0;
    while (off < bytesRead) {
      const { bytesWritten } = await to.write(buf, off, bytesRead - off);
      off += bytesWritten;
    }
    pos += bytesRead;
  }
}

/**
 * Reads row `i` for an edit: refreshes the index (so a change on disk is noticed), checks the
 * lock and that the row's line still has the fingerprint `expect` the viewer saw.
 */
export async function rowForEdit(index: ResultsIndex, i: number, expect: string): Promise<{ row: Row; rev: string }> {
  assertNotLocked(index.file);
  await index.refresh();
  if (!index.complete) await index.waitForRows(i + 1);
  if (i < 0 || i >= index.table.n)
    throw new EditRefused('changed', `there is no row ${i + 1} any more (the file has ${index.table.n})`, index.file);
  const { row, rev } = await index.readRow(i);
  if (rev !== expect) {
    throw new EditRefused(
      'changed',
      'this row changed on disk since it was shown; nothing was written',
      index.file,
      index.table.line[i],
      'look at the row again, then repeat the action',
    );
  }
  return { row, rev };
}

/**
 * Replaces row `i` by `row`, if its line still has fingerprint `expect`: every other byte of the
 * file is kept, the replacement is atomic, lines another program appends meanwhile are kept, and
 * the index is updated in place. Takes the file's lock unless the caller holds it (`locked`);
 * the file is looked at again under the lock. When this returns, the new line is on disk.
 */
export async function replaceRow(
  index: ResultsIndex,
  i: number,
  expect: string,
  row: Row,
  opts: { locked?: boolean } = {},
): Promise<void> {
  const file = index.file;
  const work = async () => {
    // Under the lock: the index catches up with the file (rows appended, or a rewrite by a job
    // that ended), and the line is checked where the index now puts it.
    await index.refresh();
    await index.exclusive(async () => {
      const sig = index.sig;
      if (!sig || i >= index.table.n) throw new EditRefused('changed', `there is no row ${i + 1} any more`, file);
      const start = index.table.start[i];
      const len = index.table.len[i];
      const lineNo = index.table.line[i];
      const src = await open(file, 'r');
      try {
        const st = await src.stat();
        if (st.ino !== sig.ino || st.size < sig.size || (st.size === sig.size && st.mtimeMs !== sig.mtimeMs)) {
          throw new EditRefused(
            'changed',
            'the file changed on disk while the row was being saved; nothing was written',
            file,
            lineNo,
            'the view reloads the file: repeat the action',
          );
        }
        const old = Buffer.alloc(len);
        await src.read(old, 0, len, start);
        if (lineRev(old) !== expect)
          throw new EditRefused(
            'changed',
            'this row changed on disk since it was shown; nothing was written',
            file,
            lineNo,
            'look at the row again, then repeat the action',
          );
        const crlf = old.length > 0 && old[old.length - 1] === 0x0d;
        const text = Buffer.from(serializeRow(row), 'utf8');
        const line = crlf ? Buffer.concat([text, Buffer.from('\r')]) : text;
        // Every byte read now is copied; bytes appended after this are carried over by the rewrite.
        const read = snapshotOf(st);
        const buf = Buffer.allocUnsafe(4 << 20);
        try {
          await rewriteFileAtomic(file, read, async (out) => {
            await copyRange(src, out, 0, start, buf);
            let off = 0;
            while (off < line.length) off += (await out.write(line, off, line.length - off)).bytesWritten;
            await copyRange(src, out, start + len, read.size, buf);
          });
        } catch (e) {
          if (e instanceof FileChangedError)
            throw new EditRefused(
              'changed',
              `the file ${e.what} while the row was being saved; nothing was written`,
              file,
              lineNo,
              'the view reloads the file: repeat the action',
            );
          throw e;
        }
        // The index knows the bytes it had read, shifted by the edit; appended lines it has not
        // read yet are found by its next refresh.
        const indexed = sig.size + line.length - len;
        const after = await stat(file);
        index.applyEdit(i, row, line.length, {
          size: indexed,
          mtimeMs: after.size === indexed ? after.mtimeMs : 0,
          ino: after.ino,
        });
        await index.reprobe();
      } finally {
        await src.close();
      }
    });
  };
  await (opts.locked ? work() : withFileLock(file, work));
}

/** Checks an override against the row's scheme and builds the human_grade value. */
export function buildHumanGrade(
  row: Row,
  points: unknown,
  note: unknown,
  reviewer: string,
  file: string,
  line: number,
): HumanGrade {
  const schema = Array.isArray(row.schema_0) ? (row.schema_0 as Array<{ points?: unknown; title?: unknown }>) : [];
  const maxes = schema.length
    ? schema.map((s) => (typeof s?.points === 'number' ? s.points : NaN))
    : [typeof row.judge_method === 'string' ? 1 : 7];
  if (!Array.isArray(points) || points.length !== maxes.length) {
    throw new EditRefused('invalid', `give points for each of the ${maxes.length} grading item(s)`, file, line);
  }
  points.forEach((p, k) => {
    if (typeof p !== 'number' || !Number.isFinite(p) || p < 0)
      throw new EditRefused('invalid', `item ${k + 1}: points must be a number ≥ 0`, file, line);
    if (Number.isFinite(maxes[k]) && p > maxes[k])
      throw new EditRefused('invalid', `item ${k + 1}: at most ${maxes[k]} points`, file, line);
  });
  if (note !== undefined && typeof note !== 'string')
    throw new EditRefused('invalid', 'the note must be text', file, line);
  if (typeof note === 'string' && note.length > 20000)
    throw new EditRefused('invalid', 'the note is too long (20000 characters at most)', file, line);
  const pts = points as number[];
  return {
    points: pts,
    total: pts.reduce((a, b) => a + b, 0),
    note: (note as string | undefined) ?? '',
    reviewer,
    at: new Date().toISOString(),
  };
}
