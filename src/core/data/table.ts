import type { Row } from './types';

/** Rows as read from one file, before column renaming. */
export interface Table {
  rows: Row[];
  /** Column names in first-seen order. */
  columns: string[];
  /** Non-fatal problems, each already prefixed with `file:line: ` where known. */
  warnings: string[];
}

/** Column names in first-seen order across all rows. */
export function columnsOf(rows: readonly Row[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}

/** Sets a property, treating '__proto__' as an ordinary key (a column may be called anything). */
export function setField(row: Row, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(row, key, { value, enumerable: true, writable: true, configurable: true });
  else row[key] = value;
}
