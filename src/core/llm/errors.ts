/** What kind of failure a request met; decides whether it is retried. */
export type FailureKind =
  | 'rate-limit'
  | 'server'
  | 'network'
  | 'timeout'
  | 'bad-response'
  | 'context-length'
  | 'auth'
  | 'bad-request'
  | 'cancelled';

/** A request that failed for good (or a fault classified on its way to a retry). */
export class LlmError extends Error {
  constructor(
    message: string,
    readonly kind: FailureKind,
    readonly status?: number,
    /** Milliseconds the server asked us to wait (Retry-After), when it said so. */
    readonly retryAfterMs?: number,
    readonly attempts = 1,
  ) {
    super(message);
    this.name = 'LlmError';
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.kind);
  }
}

const RETRYABLE = new Set<FailureKind>(['rate-limit', 'server', 'network', 'timeout', 'bad-response']);

const CONTEXT_RE =
  /context[_ ]length|maximum context|context window|too many tokens|reduce the length|prompt is too long|input is too long|exceeds the (?:maximum|model)/i;

/** Parses a Retry-After value (seconds or an HTTP date) or retry-after-ms, into milliseconds. */
export function parseRetryAfter(headers: { get(name: string): string | null } | undefined): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const ra = headers.get('retry-after');
  if (!ra) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(ra)) return Math.max(0, Number(ra) * 1000);
  const at = Date.parse(ra);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

/** An HTTP error status from an API, classified. */
export function httpFailure(status: number, message: string, retryAfterMs?: number): LlmError {
  return new LlmError(message, kindForStatus(status, message), status, retryAfterMs);
}

function kindForStatus(status: number, message: string): FailureKind {
  if (status === 429) return 'rate-limit';
  if (status === 408) return 'timeout';
  if (status === 401 || status === 403) return 'auth';
  if (status >= 500) return 'server';
  if (CONTEXT_RE.test(message)) return 'context-length';
  return 'bad-request';
}

/**
 * Turns what fetch, JSON parsing or timers throw into an LlmError (each client first handles its
 * own SDK's error classes, then falls back to this). withRetries redacts secrets from it.
 */
export function classifyError(e: unknown): LlmError {
  if (e instanceof LlmError) return e;
  if (e instanceof Error) {
    if (e.name === 'AbortError') {
      const reason = (e as { cause?: unknown }).cause;
      return reason instanceof Error && reason.name === 'TimeoutError'
        ? new LlmError('request timed out', 'timeout')
        : new LlmError('request cancelled', 'cancelled');
    }
    if (e.name === 'TimeoutError') return new LlmError('request timed out', 'timeout');
    if (e instanceof SyntaxError || /JSON|Unexpected token|invalid json/i.test(e.message)) {
      return new LlmError(`malformed response from the API: ${jsonErrorWithoutSnippet(e.message)}`, 'bad-response');
    }
    if (
      /fetch failed|ECONNRESET|ECONNREFUSED|socket hang up|EPIPE|ETIMEDOUT|terminated|other side closed/i.test(
        e.message,
      )
    ) {
      const cause = (e as { cause?: unknown }).cause;
      const detail = cause instanceof Error ? ` (${cause.message})` : '';
      return new LlmError(`connection failed: ${e.message}${detail}`, 'network');
    }
    return new LlmError(e.message, 'bad-response');
  }
  return new LlmError(String(e), 'bad-response');
}

/**
 * A JSON.parse message without the piece of the body V8 quotes in it (`Unexpected token 's',
 * "sk-abc1234"... is not valid JSON`): that piece may be the start of a key a server echoed.
 */
function jsonErrorWithoutSnippet(message: string): string {
  if (!/is not valid JSON|Unexpected token/.test(message)) return message;
  const at = /at position (\d+)/.exec(message);
  return `the body is not valid JSON${at ? ` (at character ${at[1]})` : ''}`;
}

/** Keys shorter than this are not looked for: a dummy key ('EMPTY', 'none') would mangle ordinary text. */
export const MIN_SECRET_LENGTH = 12;

/** A run of this many leading characters of a key is taken for the key (a truncated echo, a snippet). */
const SECRET_PREFIX = 10;

const MARK = '[redacted]';

/**
 * Replaces every occurrence of each secret with a marker, and also any run of text that starts
 * like the secret (its first 10 characters, and as many more as agree with it): providers echo
 * keys cut short, and error messages quote the first characters of a body.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (!s || s.length < MIN_SECRET_LENGTH) continue;
    if (out.includes(s)) out = out.split(s).join(MARK);
    const head = s.slice(0, SECRET_PREFIX);
    for (let at = out.indexOf(head); at >= 0; at = out.indexOf(head, at + MARK.length)) {
      let end = at + head.length;
      while (end < out.length && end - at < s.length && out[end] === s[end - at]) end++;
      out = out.slice(0, at) + MARK + out.slice(end);
    }
  }
  return out;
}

/**
 * A failed request in one line for a person: the HTTP status (when there was one) and the
 * provider's own message, dug out of a JSON error body and stripped of HTML markup.
 */
export function describeLlmError(e: LlmError): string {
  if (e.status === undefined) return e.message;
  let msg = e.message.replace(new RegExp(`^(?:got status: )?${e.status}\\b[\\s.:]*`), '');
  const inner = /"message"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(msg);
  if (inner) {
    try {
      msg = JSON.parse(`"${inner[1]}"`) as string;
    } catch {
      msg = inner[1];
    }
  }
  msg = msg
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (msg.length > 300) msg = `${msg.slice(0, 300)}…`;
  return `HTTP ${e.status}${msg ? `: ${msg}` : ''}`;
}
