import { readFile, stat } from 'node:fs/promises';
import { serializeRow, writeFileAtomic } from '../data';
import type { Row } from '../data/types';
import { QedError } from '../errors';
import type { CostRecord } from '../llm/types';
import { lockForEdit } from '../run/lock';
import { checkColumns, gradeRow, type Grader } from './eval';

export interface RegradeResult {
  row: Row;
  cost: CostRecord;
  /** 1-based line of the row in the file. */
  line: number;
  flag?: 'parse_failure' | 'empty';
}

/** The lines of a JSONL text that hold rows (blank lines are not rows). */
function rowLines(text: string): { lines: string[]; rowLine: number[] } {
  const lines = text.split('\n');
  const rowLine: number[] = [];
  lines.forEach((l, i) => {
    if (l.trim()) rowLine.push(i);
  });
  return { lines, rowLine };
}

/**
 * Grades one row of a results file in place: only that line changes, the file is replaced
 * atomically, and nothing is written if the file changed on disk while the grader was working
 * (a run appending rows, an editor saving) or if a job holds the file.
 */
export async function regradeRow(file: string, index: number, grader: Grader, signal?: AbortSignal): Promise<RegradeResult> {
  // Held while the grader works: a job started meanwhile is refused instead of overwriting the row.
  const lock = lockForEdit(file);
  try {
    return await regradeLocked(file, index, grader, signal);
  } finally {
    lock.release();
  }
}

async function regradeLocked(file: string, index: number, grader: Grader, signal?: AbortSignal): Promise<RegradeResult> {
  const before = await stat(file);
  const text = await readFile(file, 'utf8');
  const { lines, rowLine } = rowLines(text);
  if (!Number.isInteger(index) || index < 0 || index >= rowLine.length) throw new QedError(`there is no row ${index + 1} (the file has ${rowLine.length})`, { file });
  const lineNo = rowLine[index] + 1;
  let row: Row;
  try {
    const v: unknown = JSON.parse(lines[rowLine[index]].replace(/^\uFEFF/, '')); // a BOM before row 1, as the readers allow
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
    row = v as Row;
  } catch (e) {
    throw new QedError(`the row is not valid JSON (${(e as Error).message})`, { file, line: lineNo });
  }
  if (row.error) throw new QedError('this row has no solution to grade: its generation failed', { file, line: lineNo, field: 'error' });
  checkColumns([row], grader, file, [lineNo]);

  const g = await gradeRow(row, `#${index}`, grader, signal);

  const now = await stat(file);
  const again = await readFile(file, 'utf8');
  if (now.size !== before.size || now.mtimeMs !== before.mtimeMs || again !== text) {
    throw new QedError('the file changed on disk while the row was being graded; nothing was written', { file, line: lineNo }, 'reload the file and regrade again');
  }
  lines[rowLine[index]] = serializeRow(g.row);
  await writeFileAtomic(file, lines.join('\n'));
  return { row: g.row, cost: g.cost, line: lineNo, flag: g.flag };
}
