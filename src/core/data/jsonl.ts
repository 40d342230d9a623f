import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { QedError } from '../errors';
import type { FileHandle } from 'node:fs/promises';
import { rewriteFileAtomic, writeAll, writeFileAtomic, type FileSnapshot, type RewriteResult } from './atomic';
import { decodeText, describeJsonError, isPlainObject, kindOf } from './text';
import type { Row } from './types';
import { stringifyJson } from './depth';

/** A row read from a JSONL file, with the 1-based line it sits on. */
export interface NumberedRow {
  line: number;
  row: Row;
}

/** A JSONL line that could not be used (only reported in tolerant mode; otherwise it is thrown). */
export interface JsonlLineError {
  line: number;
  message: string;
  /** The line's text (without its line break). */
  text: string;
  /** True when this is the last line and the file does not end with a newline: typically a write cut short by a crash. */
  unterminated: boolean;
}

export interface JsonlParseResult {
  rows: NumberedRow[];
  errors: JsonlLineError[];
}

export interface ReadJsonlOptions {
  /** Collect malformed lines in `errors` instead of throwing on the first one. */
  tolerant?: boolean;
  /** A missing file reads as empty instead of being an error (e.g. a results file not yet written). */
  allowMissing?: boolean;
}

/**
 * Parses JSON Lines text: one JSON object per line; blank lines are skipped; `\r\n` endings are
 * accepted. Lines are split on `\n` only, so U+2028/U+2029 inside strings are harmless.
 */
export function parseJsonlText(text: string, file: string, opts: { tolerant?: boolean } = {}): JsonlParseResult {
  const rows: NumberedRow[] = [];
  const errors: JsonlLineError[] = [];
  const endsWithNewline = text.endsWith('\n');
  let start = 0;
  let lineNo = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    lineNo++;
    let line = text.slice(start, end);
    start = end + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '') continue;

    const isLast = start >= text.length;
    const fail = (message: string, column?: number, hint?: string) => {
      if (!opts.tolerant) throw new QedError(message, { file, line: lineNo, column }, hint);
      errors.push({ line: lineNo, message, text: line, unterminated: isLast && !endsWithNewline });
    };

    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      const { message, position } = describeJsonError(e);
      fail(message, position !== undefined ? position + 1 : undefined, 'each line must hold one complete JSON object');
      continue;
    }
    if (!isPlainObject(value)) {
      fail(
        `expected a JSON object on this line, found ${kindOf(value)}`,
        undefined,
        'each line must hold one JSON object such as {"problem": "..."}',
      );
      continue;
    }
    rows.push({ line: lineNo, row: value });
  }
  return { rows, errors };
}

/**
 * Reads a JSONL file (e.g. a results file) with the line number of every row. With `tolerant`,
 * malformed lines are returned in `errors` instead of throwing, so a run can resume after a crash
 * that left a torn last line.
 */
export async function readJsonlRows(
  path: string,
  opts: ReadJsonlOptions = {},
): Promise<JsonlParseResult & { file: string }> {
  const file = resolve(path);
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && opts.allowMissing) return { file, rows: [], errors: [] };
    if (code === 'ENOENT') throw new QedError('file not found', { file });
    if (code === 'EISDIR') throw new QedError('this is a folder, not a JSONL file', { file });
    throw e;
  }
  return { file, ...parseJsonlText(decodeText(buf, file), file, { tolerant: opts.tolerant }) };
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  return value;
}

/**
 * One row as a single JSONL line (no trailing newline). BigInt values become numbers (or strings
 * when too large). U+2028, U+2029 and U+0085 are written as \u escapes: they are legal in JSON,
 * but some line-splitting readers (Python's str.splitlines, some editors) treat them as line breaks.
 */
/** A row already serialised by `serializeRow` (a job's journal line), written as it is. */
export class JournalLine {
  constructor(
    readonly text: string,
    /** Whether the row is finished (the job's rule), kept so the row need not be parsed again. */
    readonly done: boolean,
  ) {}
}

export function serializeRow(row: Row): string {
  let text: string | undefined;
  try {
    text = stringifyJson(row);
  } catch (e) {
    if (!(e instanceof TypeError) || !/BigInt/i.test(e.message)) throw e;
    text = stringifyJson(row, jsonSafe);
  }
  if (typeof text !== 'string') throw new TypeError('serializeRow: the row is not a JSON object');
  // These characters can only occur inside JSON strings, where a \u escape means the same thing.
  return text.replace(/[\u2028\u2029\u0085]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Writes rows as JSONL (one line each, every line ending with a newline) and replaces `path`
 * atomically: temp file in the same folder, fsync, rename. Missing parent folders are created.
 * With `read` (the snapshot of the file as it was read, see readForRewrite; null: it did not
 * exist), the file is checked before the rename and lines appended to it meanwhile are kept
 * at the end (see rewriteFileAtomic).
 */
export async function writeJsonlAtomic(
  path: string,
  rows: Iterable<Row | JournalLine> | AsyncIterable<Row | JournalLine>,
  read?: FileSnapshot | null,
): Promise<RewriteResult | undefined> {
  const CHUNK = 1 << 20;
  const produce = async (fh: FileHandle) => {
    let pending = '';
    for await (const row of rows) {
      pending += `${row instanceof JournalLine ? row.text : serializeRow(row)}\n`;
      if (pending.length >= CHUNK) {
        await writeAll(fh, pending);
        pending = '';
      }
    }
    if (pending) await writeAll(fh, pending);
  };
  if (read === undefined) {
    await writeFileAtomic(path, produce);
    return undefined;
  }
  return rewriteFileAtomic(path, read ?? undefined, produce);
}
