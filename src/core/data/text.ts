import { QedError } from '../errors';

/**
 * Turns a file's bytes into text. UTF-8 is expected (a leading BOM is dropped); files saved as
 * UTF-16 with a BOM (some spreadsheet exports) are decoded too. Bytes that are not valid UTF-8
 * are an error rather than being silently replaced.
 */
export function decodeText(buf: Uint8Array, file: string): string {
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) {
    return new TextDecoder('utf-16le').decode(buf.subarray(2));
  }
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) {
    return new TextDecoder('utf-16be').decode(buf.subarray(2));
  }
  try {
    // ignoreBOM: false (the default) makes the decoder drop a leading UTF-8 BOM.
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw new QedError('the file is not valid UTF-8 text', { file }, 'save it with UTF-8 encoding');
  }
}

/** Removes a leading byte order mark from text that was decoded elsewhere. */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** 1-based line and column of a character offset in `text`. */
export function positionAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/**
 * Shortens a JSON.parse message (V8 quotes the whole input in some messages, which for a long line
 * is unreadable) and pulls out the character position it mentions, if any.
 */
export function describeJsonError(e: unknown): { message: string; position?: number } {
  const raw = e instanceof Error ? e.message : String(e);
  const m = /at position (\d+)/.exec(raw);
  const position = m ? Number(m[1]) : undefined;
  // V8 messages look like: Unexpected token 'x', "...the input..." is not valid JSON
  let message = raw.replace(/, ".*is not valid JSON$/s, '');
  message = message.replace(/ in JSON at position \d+.*$/s, '');
  if (message.length > 200) message = `${message.slice(0, 200)}…`;
  return { message: `invalid JSON: ${message}`, position };
}

/** A short description of a JSON value's kind, for messages. */
export function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'number') return 'a number';
  if (typeof v === 'boolean') return 'a boolean';
  return typeof v;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
