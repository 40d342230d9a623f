import { QedError } from '../errors';
import { parseJsonlText } from './jsonl';
import { columnsOf, type Table } from './table';
import { describeJsonError, isPlainObject, kindOf, positionAt, stripBom } from './text';
import type { Row } from './types';

/** Two or more non-blank lines, the first of which is a complete JSON object: JSON Lines saved as .json. */
function looksLikeJsonLines(text: string): boolean {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length < 2) return false;
  try {
    return isPlainObject(JSON.parse(lines[0]));
  } catch {
    return false;
  }
}

function checkRows(items: unknown[], file: string, where: string): Row[] {
  items.forEach((item, i) => {
    if (!isPlainObject(item)) {
      throw new QedError(
        `element ${i} of ${where} is ${kindOf(item)}, expected an object (one row)`,
        { file, field: `${where === 'the top-level array' ? '' : where}[${i}]` },
        'every row must be a JSON object such as {"problem": "..."}',
      );
    }
  });
  return items as Row[];
}

/**
 * Parses a JSON dataset: an array of row objects, or an object holding such an array under
 * `rows` or `data`. A .json file that is really JSON Lines (one object per line, as the Hugging
 * Face loader accepts) is read as JSON Lines.
 */
export function parseJsonText(input: string, file: string): Table {
  const text = stripBom(input);
  if (text.trim() === '')
    throw new QedError(
      'the file is empty',
      { file },
      'a JSON dataset is an array of objects: [{"problem": "..."}, ...]',
    );
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    if (looksLikeJsonLines(text)) {
      const rows = parseJsonlText(text, file).rows.map((r) => r.row);
      return { rows, columns: columnsOf(rows), warnings: [] };
    }
    const { message, position } = describeJsonError(e);
    const at = position !== undefined ? positionAt(text, position) : undefined;
    throw new QedError(message, { file, line: at?.line, column: at?.column });
  }

  let rows: Row[];
  if (Array.isArray(value)) {
    rows = checkRows(value, file, 'the top-level array');
  } else if (isPlainObject(value) && Array.isArray(value.rows)) {
    rows = checkRows(value.rows, file, 'rows');
  } else if (isPlainObject(value) && Array.isArray(value.data)) {
    rows = checkRows(value.data, file, 'data');
  } else {
    const found = isPlainObject(value)
      ? `an object with keys ${
          Object.keys(value)
            .slice(0, 8)
            .map((k) => `'${k}'`)
            .join(', ') || '(none)'
        }`
      : kindOf(value);
    throw new QedError(
      `expected an array of row objects, or an object with a "rows" or "data" array; found ${found}`,
      { file },
      'write the dataset as [{"problem": "..."}, ...] or as JSON Lines (.jsonl)',
    );
  }
  return { rows, columns: columnsOf(rows), warnings: [] };
}
