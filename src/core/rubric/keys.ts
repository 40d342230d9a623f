import { createHash } from 'node:crypto';
import { readJsonlRows } from '../data/jsonl';
import type { Row } from '../data/types';
import { QedError } from '../errors';
import type { CostRecord } from '../llm/types';
import { asCost } from '../llm/cost';
import type { RunStamp } from '../run/store';

/** Columns that name a row, in order of preference. */
export const ID_COLUMNS = ['problem_id', 'question_id', 'id'];

export interface RowKeys {
  /** The key of each input row, in order. */
  keys: string[];
  /** The key of a row found in an output file without a stamp (written by another tool). */
  keyOf: (row: Row, index: number) => string | undefined;
}

const shortHash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 10);

/**
 * Stable keys for the rows of an annotation job: the first id column whose values are present and
 * distinct in every row; else the position plus a hash of the row's content columns, so that an
 * output made from other (or reordered) data is recognised as such instead of being reused.
 */
export function rowKeys(rows: Row[], contentColumns: string[], idColumns: string[] = ID_COLUMNS): RowKeys {
  for (const col of idColumns) {
    const ids = rows.map((r) => r[col]);
    const usable = ids.every((v) => (typeof v === 'string' && v !== '') || typeof v === 'number');
    if (usable && new Set(ids.map(String)).size === ids.length) {
      return {
        keys: ids.map(String),
        keyOf: (row) => (row[col] === undefined || row[col] === null ? undefined : String(row[col])),
      };
    }
  }
  const positional = (row: Row, i: number) =>
    `#${i}:${shortHash(contentColumns.map((c) => String(row[c] ?? '')).join('\u0000'))}`;
  return { keys: rows.map(positional), keyOf: positional };
}

/**
 * The rows an earlier session left in `outputPath` (and its journal), by stamped key, read leniently:
 * the result store validates the files itself. Used to carry the cost of replies that could not be
 * read into the re-asked row, so a row's cost column is what it really cost.
 */
export async function previousRows(outputPath: string, stampColumn: string): Promise<Map<string, Row>> {
  const out = new Map<string, Row>();
  for (const path of [outputPath, `${outputPath}.partial`]) {
    let rows: Row[];
    try {
      rows = (await readJsonlRows(path, { tolerant: true, allowMissing: true })).rows.map((r) => r.row);
    } catch (e) {
      if (e instanceof QedError) continue;
      throw e;
    }
    for (const row of rows) {
      const stamp = row[stampColumn] as Partial<RunStamp> | undefined;
      if (stamp && typeof stamp.key === 'string') out.set(stamp.key, row);
    }
  }
  return out;
}

/**
 * The cost a failed earlier attempt of the same config and prompt already spent on a row, taken
 * from that row's cost column when it failed (its `errorColumn` is set); zero otherwise.
 */
export function carriedCost(
  prev: Row | undefined,
  stampColumn: string,
  costColumn: string,
  errorColumn: string,
  identity: { config_hash: string; prompt_hash: string },
): CostRecord | undefined {
  if (!prev) return undefined;
  const stamp = prev[stampColumn] as Partial<RunStamp> | undefined;
  const failed = prev[errorColumn] !== undefined && prev[errorColumn] !== null && prev[errorColumn] !== '';
  if (!failed || stamp?.config_hash !== identity.config_hash || stamp?.prompt_hash !== identity.prompt_hash)
    return undefined;
  return asCost(prev[costColumn]);
}

/** A column check before anything is spent: the message names the row and lists the columns it has. */
export function requireText(
  rows: Row[],
  column: string,
  file: string,
  what: string,
  opts: { allowEmpty?: boolean; option?: string } = {},
): void {
  rows.forEach((row, i) => {
    const v = row[column];
    const missing = v === undefined || v === null;
    const bad = missing || typeof v !== 'string' || (!opts.allowEmpty && !v.trim());
    if (!bad) return;
    const how = missing
      ? 'has no column'
      : typeof v !== 'string'
        ? 'has a non-text value in column'
        : 'has an empty value in column';
    throw new QedError(
      `row ${i + 1} ${how} '${column}' (${what})`,
      { file, field: column },
      `columns present: ${Object.keys(row).join(', ') || '(none)'}${opts.option ? `; name another column with ${opts.option}` : ''}`,
    );
  });
}
