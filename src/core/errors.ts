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

/**
 * What the operating system meant by an errno code, in words a user can act on. Codes missing
 * here are shown as the system worded them.
 */
const ERRNO_TEXT: Record<string, string> = {
  ENOSPC: 'the disk is full (no space left on device)',
  EDQUOT: 'the disk quota is used up',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  EISDIR: 'is a folder, not a file',
  ENOTDIR: 'a part of the path is a file, not a folder',
  ENOENT: 'no such file or folder',
  EEXIST: 'already exists',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EBUSY: 'the file is in use',
  EIO: 'input/output error',
  ELOOP: 'too many symbolic links',
  EFBIG: 'the file is too large',
};

/**
 * Errno codes that describe the user's machine or input (a full disk, a folder where a file
 * should be, a missing permission) rather than a bug: shown as one line, exit status 2.
 */
const ENVIRONMENT_CODES = new Set(Object.keys(ERRNO_TEXT));

/** A Node system error: an Error carrying a string errno `code` such as 'ENOSPC'. */
export interface ErrnoError extends Error {
  code: string;
  path?: string;
  dest?: string;
  syscall?: string;
}

/** Whether `e` is a system error (fs, net) with an errno code. */
export function isErrnoError(e: unknown): e is ErrnoError {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) && ('errno' in e || 'syscall' in e);
}

/** Whether `e` is a system error caused by the environment (see ENVIRONMENT_CODES). */
export function isEnvironmentError(e: unknown): e is ErrnoError {
  return isErrnoError(e) && ENVIRONMENT_CODES.has(e.code);
}

/**
 * A system error in words: "the disk is full (no space left on device)", "/x/y: permission
 * denied". `withPath` (default true) names the file the error carries, when it has one.
 */
export function describeErrno(e: ErrnoError, withPath = true): string {
  const text = ERRNO_TEXT[e.code] ?? e.message.replace(/^E[A-Z0-9]+: /, '').replace(/, \w+(?: '[^']*')*$/, '');
  if (!withPath || !e.path || e.code === 'ENOSPC' || e.code === 'EDQUOT') return text;
  return `${e.path}: ${text}`;
}

/**
 * The QedError to show for a system error met while working on `file` (exit status 2), or
 * undefined when the error is not one the user's environment explains.
 */
export function environmentError(e: unknown, file?: string): QedError | undefined {
  if (!isEnvironmentError(e)) return undefined;
  if (e.code === 'ENOSPC' || e.code === 'EDQUOT')
    return new QedError(`${describeErrno(e, false)}: cannot write ${file ?? e.path ?? 'the file'}`);
  const target = file ?? e.path;
  // The location names `target`; the path the system complained about is added when it differs.
  const what = describeErrno(e, e.path !== undefined && e.path !== target);
  const hint =
    e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'EROFS' ? 'choose a folder you can write to' : undefined;
  return new QedError(what, { file: target }, hint);
}

/** A short, single-paragraph description of any thrown value (system errors in words). */
export function describeError(e: unknown): string {
  if (isErrnoError(e)) return describeErrno(e);
  if (e instanceof Error) return e.message;
  return String(e);
}
