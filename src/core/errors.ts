/** Where a problem was found in a user's input. Every field is optional; more is better. */
export interface Location {
  file?: string;
  /** 1-based line number. */
  line?: number;
  /** 1-based column number. */
  column?: number;
  /** The key, column or option the problem concerns. */
  field?: string;
}

/**
 * An error caused by the user's input or environment (bad config, malformed data, missing key),
 * as opposed to a bug. Its message names file, line, column and field where known, and may carry a
 * hint saying how to fix it. It never carries secrets.
 */
export class QedError extends Error {
  readonly location: Location;
  readonly hint?: string;

  constructor(message: string, location: Location = {}, hint?: string) {
    super(formatMessage(message, location, hint));
    this.name = 'QedError';
    this.location = location;
    this.hint = hint;
  }
}

function formatMessage(message: string, loc: Location, hint?: string): string {
  let where = '';
  if (loc.file) {
    where = loc.file;
    if (loc.line !== undefined) {
      where += `:${loc.line}`;
      if (loc.column !== undefined) where += `:${loc.column}`;
    }
    where += ': ';
  }
  const field = loc.field !== undefined ? `'${loc.field}': ` : '';
  return `${where}${field}${message}${hint ? `\n  hint: ${hint}` : ''}`;
}

export function isQedError(e: unknown): e is QedError {
  return e instanceof QedError;
}

/** A short, single-paragraph description of any thrown value. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
