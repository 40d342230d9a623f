// Regrading one row of a results file: the one path behind the viewer's Regrade, the CodeLens and
// the QED: Regrade Row command. Only that row's line changes; the file's lock is held while the
// grader works, so a job started meanwhile is refused rather than overwriting the new grade.

import type { Row } from '../data/types';
import { QedError } from '../errors';
import type { CostRecord, RetryInfo } from '../llm/types';
import { lockForEdit, type JobLock } from '../run/lock';
import { EditRefused, assertNotLocked, replaceRow, rowForEdit } from '../view/edit';
import { acquireIndex, type ResultsIndex } from '../view/resultsIndex';
import { checkColumns, gradeRow, type Grader } from './eval';

export interface RegradeResult {
  row: Row;
  cost: CostRecord;
  /** 1-based line of the row in the file. */
  line: number;
  flag?: 'parse_failure' | 'empty';
  /** The grader that graded it. */
  grader: Grader;
}

export interface RegradeOptions {
  /** The fingerprint of the row as the user saw it (the viewer); without it, the row as it is now. */
  expect?: string;
  signal?: AbortSignal;
  onRetry?: (info: RetryInfo) => void;
  /** Told once the grader is known, before it is asked. */
  onStart?: (grader: Grader) => void;
}

const hasRunError = (row: Row) => row.error !== undefined && row.error !== null && row.error !== '';

/** Row `i` as it is now, checked against the fingerprint the user saw when there is one. */
async function currentRow(index: ResultsIndex, i: number, expect?: string): Promise<{ row: Row; rev: string }> {
  if (expect !== undefined) return rowForEdit(index, i, expect);
  assertNotLocked(index.file);
  await index.refresh();
  if (!index.complete) await index.waitForRows(i + 1);
  if (!Number.isInteger(i) || i < 0 || i >= index.table.n) throw new EditRefused('changed', `there is no row ${i + 1} (the file has ${index.table.n})`, index.file);
  return index.readRow(i);
}

/**
 * Regrades row `i` (0-based) of an indexed results file. `pick` gives the grader for the row
 * (see graderForRow: by default the row's own recorded grading), or undefined when the user gave
 * up; then nothing happens and undefined is returned. Nothing is written if the row changed since
 * it was read (or since the user saw it, with `expect`) or if a job holds the file.
 */
export async function regradeIndexedRow(index: ResultsIndex, i: number, pick: Grader | ((row: Row) => Promise<Grader | undefined>), opts: RegradeOptions = {}): Promise<RegradeResult | undefined> {
  const file = index.file;
  const { row, rev } = await currentRow(index, i, opts.expect);
  const line = index.table.line[i];
  if (hasRunError(row)) throw new EditRefused('invalid', 'this row has no solution to grade: its generation failed', file, line);
  const grader = typeof pick === 'function' ? await pick(row) : pick;
  if (!grader) return undefined;
  checkColumns([row], grader, file, [line]);
  opts.signal?.throwIfAborted();
  let lock: JobLock;
  try {
    lock = lockForEdit(file);
  } catch (e) {
    if (e instanceof QedError) throw EditRefused.from('locked', e);
    throw e;
  }
  try {
    // Under the lock, the row must still be the one the grader was chosen for.
    await index.refresh();
    const now = i < index.table.n ? await index.readRow(i) : undefined;
    if (now?.rev !== rev) throw new EditRefused('changed', 'this row changed on disk since it was read; nothing was written', file, line, 'look at the row again, then repeat the action');
    opts.onStart?.(grader);
    const g = await gradeRow(row, `#${i}`, grader, opts.signal, opts.onRetry);
    opts.signal?.throwIfAborted();
    await replaceRow(index, i, rev, g.row, { locked: true });
    return { row: g.row, cost: g.cost, line: index.table.line[i], flag: g.flag, grader };
  } finally {
    lock.release();
  }
}

/** Regrades row `index` (0-based) of a results file (see regradeIndexedRow); undefined when the user gave up. */
export async function regradeRow(file: string, index: number, grader: Grader | ((row: Row) => Promise<Grader | undefined>), opts: RegradeOptions = {}): Promise<RegradeResult | undefined> {
  const { index: idx, release } = acquireIndex(file);
  try {
    await idx.open();
    return await regradeIndexedRow(idx, index, grader, opts);
  } finally {
    release();
  }
}
