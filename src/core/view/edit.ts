// Writing one row of a results file from the viewer (regrade, override): the file is copied
// around the new line into a temporary file which replaces it atomically, so every other line
// keeps its exact bytes. Nothing is written when a job holds the file, when the row is not the
// one the viewer showed, or when the file changes while it is being copied.

import { open, stat, type FileHandle } from 'node:fs/promises';
import { serializeRow, writeFileAtomic } from '../data';
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
    if (e instanceof QedError) throw new EditRefused('locked', e.message, file, undefined, e.hint);
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
  if (i < 0 || i >= index.table.n) throw new EditRefused('changed', `there is no row ${i + 1} any more (the file has ${index.table.n})`, index.file);
  const { row, rev } = await index.readRow(i);
  if (rev !== expect) {
    throw new EditRefused('changed', 'this row changed on disk since it was shown; nothing was written', index.file, index.table.line[i], 'look at the row again, then repeat the action');
  }
  return { row, rev };
}

/**
 * Replaces row `i` by `row`, if its line still has fingerprint `expect`: every other byte of the
 * file is kept, the replacement is atomic, and the index is updated in place.
 */
export async function replaceRow(index: ResultsIndex, i: number, expect: string, row: Row): Promise<void> {
  // Rows appended meanwhile do not matter: the line is checked where the index now puts it.
  await index.refresh();
  await index.exclusive(() => withFileLock(index.file, async () => {
    const file = index.file;
    const st = await stat(file);
    if (!index.sig || st.size !== index.sig.size || st.mtimeMs !== index.sig.mtimeMs || st.ino !== index.sig.ino) {
      throw new EditRefused('changed', 'the file changed on disk while the row was being worked on; nothing was written', file, index.table.line[i], 'the view reloads the file: repeat the action');
    }
    if (i >= index.table.n) throw new EditRefused('changed', `there is no row ${i + 1} any more`, file);
    const start = index.table.start[i];
    const len = index.table.len[i];
    const text = Buffer.from(serializeRow(row), 'utf8');
    const src = await open(file, 'r');
    try {
      const old = Buffer.alloc(len);
      await src.read(old, 0, len, start);
      const crlf = old.length > 0 && old[old.length - 1] === 0x0d;
      if (lineRev(old) !== expect) throw new EditRefused('changed', 'this row changed on disk since it was shown; nothing was written', file, index.table.line[i]);
      const line = crlf ? Buffer.concat([text, Buffer.from('\r')]) : text;
      const buf = Buffer.allocUnsafe(4 << 20);
      await writeFileAtomic(file, async (out) => {
        await copyRange(src, out, 0, start, buf);
        let off = 0;
        while (off < line.length) off += (await out.write(line, off, line.length - off)).bytesWritten;
        await copyRange(src, out, start + len, st.size, buf);
        const now = await stat(file);
        if (now.size !== st.size || now.mtimeMs !== st.mtimeMs || now.ino !== st.ino) {
          throw new EditRefused('changed', 'the file changed on disk while it was being rewritten; nothing was written', file, index.table.line[i], 'repeat the action');
        }
      });
      const after = await stat(file);
      index.applyEdit(i, row, line.length, { size: after.size, mtimeMs: after.mtimeMs, ino: after.ino });
      await index.reprobe();
    } finally {
      await src.close();
    }
  }));
}

/** Checks an override against the row's scheme and builds the human_grade value. */
export function buildHumanGrade(row: Row, points: unknown, note: unknown, reviewer: string, file: string, line: number): HumanGrade {
  const schema = Array.isArray(row.schema_0) ? (row.schema_0 as Array<{ points?: unknown; title?: unknown }>) : [];
  const maxes = schema.length ? schema.map((s) => (typeof s?.points === 'number' ? s.points : NaN)) : [typeof row.judge_method === 'string' ? 1 : 7];
  if (!Array.isArray(points) || points.length !== maxes.length) {
    throw new EditRefused('invalid', `give points for each of the ${maxes.length} grading item(s)`, file, line);
  }
  points.forEach((p, k) => {
    if (typeof p !== 'number' || !Number.isFinite(p) || p < 0) throw new EditRefused('invalid', `item ${k + 1}: points must be a number ≥ 0`, file, line);
    if (Number.isFinite(maxes[k]) && p > maxes[k]) throw new EditRefused('invalid', `item ${k + 1}: at most ${maxes[k]} points`, file, line);
  });
  if (note !== undefined && typeof note !== 'string') throw new EditRefused('invalid', 'the note must be text', file, line);
  if (typeof note === 'string' && note.length > 20000) throw new EditRefused('invalid', 'the note is too long (20000 characters at most)', file, line);
  const pts = points as number[];
  return { points: pts, total: pts.reduce((a, b) => a + b, 0), note: (note as string | undefined) ?? '', reviewer, at: new Date().toISOString() };
}
