import { setMaxListeners } from 'node:events';
import { LlmError, classifyError, redact } from './errors';
import type { RetryInfo } from './types';

/** "attempt 2 failed (HTTP 429); retrying in 4.0 s": the one wording of a retry notice. */
export function describeRetry(info: RetryInfo): string {
  return `attempt ${info.attempt} failed (${info.error}); retrying in ${(info.delayMs / 1000).toFixed(1)} s`;
}

export interface RetryPolicy {
  /** Retries after the first attempt (0 = try once). */
  maxRetries: number;
  /** First back-off delay, ms; doubled each attempt. */
  baseDelayMs: number;
  /** Upper bound of a computed back-off delay, ms. */
  maxDelayMs: number;
  /** Upper bound of a server-requested (Retry-After) wait, ms. */
  maxRetryAfterMs: number;
}

export const DEFAULT_POLICY: RetryPolicy = {
  maxRetries: 6,
  baseDelayMs: 2000,
  maxDelayMs: 60_000,
  maxRetryAfterMs: 300_000,
};

/**
 * Delay before retry number `attempt` (1-based): exponential with "equal jitter" (half fixed, half
 * random), so many clients that failed together do not come back together. A server's Retry-After
 * is honoured as a floor.
 */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  retryAfterMs?: number,
  random = Math.random,
): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = exp / 2 + random() * (exp / 2);
  if (retryAfterMs !== undefined) {
    const floor = Math.min(retryAfterMs, policy.maxRetryAfterMs);
    // A little spread above the server's floor so a crowd does not return in the same instant.
    return floor + random() * Math.min(1000, floor * 0.1 + 50);
  }
  return jittered;
}

/** Resolves after `ms`, or rejects with a cancelled LlmError as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new LlmError('request cancelled', 'cancelled'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new LlmError('request cancelled', 'cancelled'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface RetryHooks {
  signal?: AbortSignal;
  secrets?: string[];
  /** The client's own classifier for its SDK's errors (falls back to classifyError). */
  classify?: (e: unknown) => LlmError;
  onRetry?: (info: RetryInfo) => void;
  /** Called on a context-length error; return true if the request was shrunk and may be retried. */
  onContextLength?: () => boolean;
}

/** The children of each parent signal still in use: one abort listener per parent relays to them all. */
const childrenOf = new WeakMap<AbortSignal, Set<AbortController>>();
/** Signals made by childSignal: they live as long as one task, so an SDK may be handed them as they are. */
const taskSignals = new WeakSet<AbortSignal>();
const noChild = { signal: undefined, dispose: () => undefined };

/**
 * A signal that aborts with `parent`, for one task or request. The SDKs add an abort listener to
 * the signal of every request and never remove it: handing them a long-lived job signal would pile
 * up one listener per request. A child, unlinked when its task ends, does not. The parent carries
 * one listener whatever the number of children (a set of the live ones): linking and unlinking a
 * child costs a set insertion and deletion, not an EventTarget listener each.
 */
export function childSignal(parent?: AbortSignal): { signal?: AbortSignal; dispose: () => void } {
  if (!parent) return noChild;
  const child = new AbortController();
  taskSignals.add(child.signal);
  if (parent.aborted) {
    child.abort(parent.reason);
    return { signal: child.signal, dispose: () => undefined };
  }
  let live = childrenOf.get(parent);
  if (!live) {
    const set = (live = new Set());
    childrenOf.set(parent, set);
    parent.addEventListener(
      'abort',
      () => {
        for (const c of set) c.abort(parent.reason);
        set.clear();
      },
      { once: true },
    );
  }
  const set = live;
  set.add(child);
  return { signal: child.signal, dispose: () => void set.delete(child) };
}

/**
 * The signal for one attempt: a task's own signal (from childSignal) as it is — it ends with the
 * task, so the listeners an SDK leaves on it go with it — else a child of a longer-lived one.
 */
function attemptSignal(
  signal: AbortSignal | undefined,
  attempt: number,
): { signal?: AbortSignal; dispose: () => void } {
  if (!signal || !taskSignals.has(signal)) return childSignal(signal);
  // Each attempt's SDK leaves a listener on it: past ten attempts that is by design, not a leak
  // (Node's warning is turned off then; an agent turns it off for its many calls itself).
  if (attempt === 2) setMaxListeners(0, signal);
  return { signal, dispose: noChild.dispose };
}

/**
 * Runs `fn` until it succeeds, a non-retryable error occurs, or the policy's retries are used up.
 * Each attempt gets a child of `hooks.signal`, or that signal itself when it is already a task's
 * own (see attemptSignal). Throws an LlmError carrying the number of
 * attempts made.
 */
export async function withRetries<T>(
  fn: (attempt: number, signal?: AbortSignal) => Promise<T>,
  policy: RetryPolicy,
  hooks: RetryHooks = {},
): Promise<{ value: T; attempts: number }> {
  let attempt = 0;
  let shrinks = 0;
  for (;;) {
    attempt++;
    if (hooks.signal?.aborted) throw new LlmError('request cancelled', 'cancelled', undefined, undefined, attempt - 1);
    const child = attemptSignal(hooks.signal, attempt);
    try {
      return { value: await fn(attempt, child.signal), attempts: attempt };
    } catch (raw) {
      const c = (hooks.classify ?? classifyError)(raw);
      const err = new LlmError(redact(c.message, hooks.secrets ?? []), c.kind, c.status, c.retryAfterMs);
      if (hooks.signal?.aborted || err.kind === 'cancelled') {
        throw new LlmError('request cancelled', 'cancelled', undefined, undefined, attempt);
      }
      if (err.kind === 'context-length' && shrinks < 5 && hooks.onContextLength?.()) {
        shrinks++;
        attempt--; // a shrink is a new request shape, not a failed try
        hooks.onRetry?.({ attempt, delayMs: 0, error: `${err.message} (retrying with a smaller max_tokens)` });
        continue;
      }
      if (!err.retryable || attempt > policy.maxRetries) {
        const suffix = attempt > 1 ? ` (after ${attempt} attempts)` : '';
        throw new LlmError(err.message + suffix, err.kind, err.status, err.retryAfterMs, attempt);
      }
      const delayMs = backoffDelay(attempt, policy, err.retryAfterMs);
      hooks.onRetry?.({ attempt, delayMs, error: err.message });
      await sleep(delayMs, hooks.signal);
    } finally {
      child.dispose();
    }
  }
}
