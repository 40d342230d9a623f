import { QedError } from '../errors';
import { setField } from './table';
import type { Row } from './types';

/**
 * Headers of the public IMO-Bench files and the canonical names the rest of the workbench uses.
 * Any other column keeps its name and travels along as metadata.
 */
export const IMOBENCH_COLUMN_MAP: Readonly<Record<string, string>> = Object.freeze({
  'Problem ID': 'problem_id',
  Problem: 'problem',
  Solution: 'solution',
  'Grading guidelines': 'grading_guidelines',
  'Short Answer': 'answer',
});

export interface MappedColumns {
  rows: Row[];
  columns: string[];
  /** original name → new name, only for columns whose name changed. */
  renamed: Record<string, string>;
  warnings: string[];
}

/**
 * Renames columns: first the IMO-Bench headers (IMOBENCH_COLUMN_MAP), then the user's `columnMap`.
 * `columnMap` keys may name a column as it appears in the file or by its automatic new name
 * (so `{ 'Problem': 'statement' }` and `{ problem: 'statement' }` both work on an IMO-Bench file);
 * a user entry wins over the automatic one. A key that matches no column, or two columns that
 * would end up with the same name, is an error. An automatic rename is skipped (with a warning)
 * when the file already has a column of the target name.
 */
export function applyColumnMapping(
  rows: Row[],
  columns: string[],
  file: string,
  columnMap: Record<string, string> = {},
): MappedColumns {
  const warnings: string[] = [];
  const present = new Set(columns);
  const finalName = new Map<string, string>(columns.map((c) => [c, c]));

  for (const c of columns) {
    const target = Object.prototype.hasOwnProperty.call(IMOBENCH_COLUMN_MAP, c) ? IMOBENCH_COLUMN_MAP[c] : undefined;
    if (target === undefined || target === c) continue;
    if (present.has(target)) {
      warnings.push(
        `${file}: column '${c}' was not renamed to '${target}' because the file already has a '${target}' column`,
      );
      continue;
    }
    finalName.set(c, target);
  }

  for (const [from, to] of Object.entries(columnMap)) {
    if (typeof to !== 'string' || to.trim() === '') {
      throw new QedError(`the new name for column '${from}' is empty`, { field: from });
    }
    let original: string | undefined = present.has(from) ? from : undefined;
    if (original === undefined) {
      for (const [orig, now] of finalName) {
        if (now === from && orig !== from) original = orig;
      }
    }
    if (original === undefined) {
      const names = columns.map((c) => (finalName.get(c) === c ? `'${c}'` : `'${finalName.get(c)}' (was '${c}')`));
      throw new QedError(
        `column '${from}' is not in the dataset; its columns are ${names.join(', ') || '(none)'}`,
        { file, field: from },
        'check the column option (names are case-sensitive)',
      );
    }
    finalName.set(original, to);
  }

  const owner = new Map<string, string>();
  for (const c of columns) {
    const name = finalName.get(c) ?? c;
    const other = owner.get(name);
    if (other !== undefined) {
      throw new QedError(
        `columns '${other}' and '${c}' would both be named '${name}'`,
        { file, field: name },
        'rename one of them with the column options, or remove the duplicate column',
      );
    }
    owner.set(name, c);
  }

  const renamed: Record<string, string> = {};
  for (const c of columns) {
    const name = finalName.get(c) ?? c;
    if (name !== c) renamed[c] = name;
  }
  if (Object.keys(renamed).length === 0) return { rows, columns: [...columns], renamed, warnings };

  const newRows = rows.map((row) => {
    const out: Row = {};
    for (const [k, v] of Object.entries(row)) setField(out, finalName.get(k) ?? k, v);
    return out;
  });
  return { rows: newRows, columns: columns.map((c) => finalName.get(c) ?? c), renamed, warnings };
}
