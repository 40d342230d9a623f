import { parse } from 'csv-parse/sync';
import { QedError } from '../errors';
import { setField, type Table } from './table';
import { stripBom } from './text';
import type { Row } from './types';

interface ParsedRecord {
  fields: string[];
  /** UTF-8 byte offset just past the record (and its line break). */
  end: number;
}

/** Offsets of every '\n' byte, for turning byte offsets into line numbers. */
function newlineOffsets(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 10) out.push(i);
  return out;
}

/** 1-based line holding byte `offset` (number of line breaks before it, plus one). */
function lineAt(newlines: number[], offset: number): number {
  let lo = 0;
  let hi = newlines.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (newlines[mid] < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo + 1;
}

/** First byte at or after `offset` that is not a line break: where the next record really starts. */
function skipBreaks(bytes: Uint8Array, offset: number): number {
  let i = offset;
  while (i < bytes.length && (bytes[i] === 10 || bytes[i] === 13)) i++;
  return i;
}

function csvErrorCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

/** Does this record's own text break the quoting rules? (Used to explain a row with the wrong field count.) */
function hasQuotingDefect(recordText: string, delimiter: string): boolean {
  try {
    parse(recordText, { delimiter, relax_column_count: true });
    return false;
  } catch (e) {
    return /QUOTE/.test(csvErrorCode(e) ?? '');
  }
}

/**
 * Parses CSV (or TSV) text whose first row is the header. Quoted fields may span lines. Every row
 * must have as many fields as the header, with one tolerated exception: a row that is short
 * because of a quoting defect (a stray or missing quote, as in a known IMO-AnswerBench row) is
 * kept, its missing trailing columns set to '', and a warning names its line. Line numbers are
 * those of the row's first line.
 */
export function parseCsvText(input: string, file: string, delimiter = ','): Table {
  const text = stripBom(input);
  const bytes = Buffer.from(text, 'utf8');
  const newlines = newlineOffsets(bytes);
  let lastEnd = 0;
  const ends: number[] = [];
  let fieldsList: string[][];
  try {
    fieldsList = parse(text, {
      bom: true,
      delimiter,
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
      on_record: (fields, ctx) => {
        lastEnd = ctx.bytes;
        ends.push(ctx.bytes);
        return fields;
      },
    });
  } catch (e) {
    const line = lineAt(newlines, skipBreaks(bytes, lastEnd));
    const code = csvErrorCode(e);
    if (code === 'CSV_QUOTE_NOT_CLOSED') {
      throw new QedError(
        'a quoted field in the row starting on this line is never closed (the file ends inside quotes)',
        { file, line },
        'check the quotes of this row: a quote inside a quoted field must be doubled ("")',
      );
    }
    const message = e instanceof Error ? e.message : String(e);
    throw new QedError(`cannot parse the CSV: ${message}`, { file, line });
  }

  // Blank-looking lines (only spaces or tabs) come out as a single whitespace field: skip them.
  const starts: number[] = [];
  const kept: ParsedRecord[] = [];
  let prevEnd = 0;
  const records: ParsedRecord[] = fieldsList.map((fields, i) => ({ fields, end: ends[i] }));
  for (const rec of records) {
    const start = skipBreaks(bytes, prevEnd);
    prevEnd = rec.end;
    if (rec.fields.length === 1 && rec.fields[0].trim() === '') continue;
    kept.push(rec);
    starts.push(start);
  }

  if (kept.length === 0) {
    throw new QedError(
      'the CSV file is empty: it has no header row',
      { file },
      'the first row must name the columns, e.g. Problem ID,Problem,Solution',
    );
  }

  const warnings: string[] = [];
  const header = kept[0].fields.map((name, i) => {
    const trimmed = name.trim();
    if (trimmed !== '') return name;
    const made = `column_${i + 1}`;
    warnings.push(
      `${file}:${lineAt(newlines, starts[0])}: column ${i + 1} has no name in the header; it is called '${made}'`,
    );
    return made;
  });
  const seen = new Map<string, number>();
  header.forEach((name, i) => {
    const first = seen.get(name);
    if (first !== undefined) {
      throw new QedError(
        `the header names column '${name}' twice (columns ${first + 1} and ${i + 1})`,
        { file, line: lineAt(newlines, starts[0]), field: name },
        'give every column a distinct name',
      );
    }
    seen.set(name, i);
  });

  const rows: Row[] = [];
  for (let r = 1; r < kept.length; r++) {
    const { fields } = kept[r];
    const line = lineAt(newlines, starts[r]);
    if (fields.length !== header.length) {
      const recordText = bytes.subarray(starts[r], kept[r].end).toString('utf8');
      if (fields.length < header.length && hasQuotingDefect(recordText, delimiter)) {
        const missing = header
          .slice(fields.length)
          .map((c) => `'${c}'`)
          .join(', ');
        warnings.push(
          `${file}:${line}: the row starting '${fields[0].slice(0, 40)}' has ${fields.length} of ${header.length} columns because of a quoting error in the file; ` +
            `${missing} left empty — its values are probably shifted into the wrong columns`,
        );
        while (fields.length < header.length) fields.push('');
      } else {
        throw new QedError(
          `expected ${header.length} columns (as in the header), found ${fields.length}`,
          { file, line },
          'a field that contains the delimiter, a quote or a line break must be wrapped in double quotes',
        );
      }
    }
    const row: Row = {};
    header.forEach((name, i) => {
      setField(row, name, fields[i]);
    });
    rows.push(row);
  }
  return { rows, columns: header, warnings };
}
