/**
 * A fingerprint of what a model config asks the model to do, used to refuse (or warn about)
 * resuming a run with a config that would produce different outputs.
 */

import { createHash } from 'node:crypto';
import type { ModelConfig } from './types';

/** Bump when the meaning of the hashed fields changes, so old fingerprints stop matching. */
const IDENTITY_VERSION = 1;

/**
 * sha256 (hex) over the normalised fields that can change a reply:
 * api, model (suffix removed), reasoning effort, max_tokens, temperature, top_p, top_k,
 * reasoning, extra_body, the forwarded unknown keys, delimiters, use of the Responses API,
 * and the tool settings (tools, tool_choice, max_tool_calls).
 *
 * Deliberately left out, because they change cost, speed or robustness but not the answer:
 * read/write prices, concurrent_requests, timeout, retries and back-off, background mode
 * (a delivery mode of the same request), base_url (a vLLM server on a cluster gets a new host
 * and port with every job, and resuming there must work), the key's variable name, metadata
 * (human_readable_id, date, …), and the file's own id and path. So repricing a model or
 * raising its concurrency does not invalidate a half-finished run.
 *
 * Normalised means: `gpt-5-nano--minimal` and `{model: gpt-5-nano, reasoning_effort: minimal}`
 * hash alike, a single delimiter string equals a one-element list, mapping key order does not
 * matter. `null` (do not send) and an absent key are kept distinct: a client may apply its own
 * default when a key is absent.
 */
export function configIdentity(c: ModelConfig): string {
  return createHash('sha256')
    .update(canonicalJson({ v: IDENTITY_VERSION, ...identityFields(c) }))
    .digest('hex');
}

/**
 * The fields configIdentity hashes, as plain data: stored with each result row so that a refused
 * resume can say which setting differs.
 */
export function identityFields(c: ModelConfig): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    api: c.api,
    model: c.model,
    reasoning_effort: c.reasoningEffort,
    max_tokens: c.maxTokens,
    temperature: c.temperature,
    top_p: c.topP,
    top_k: c.topK,
    reasoning: c.reasoning,
    extra_body: c.extraBody,
    passthrough: c.passthrough,
    delimiters: c.delimiters,
    use_responses_api: c.useResponsesApi,
    tools: c.tools,
    tool_choice: c.toolChoice,
    max_tool_calls: c.maxToolCalls,
    // Written only when they change a request, so the hashes of configs without them stay as they were.
    no_system_messages: c.noSystemMessages || undefined,
    max_tokens_param: c.maxTokensParam,
    include_max_tool_calls: c.includeMaxToolCalls ? undefined : false,
  };
  // JSON round trip through the canonical form: undefined members dropped, keys sorted.
  return JSON.parse(canonicalJson(fields)) as Record<string, unknown>;
}

/** JSON with object keys sorted at every level and undefined members dropped. */
export function canonicalJson(v: unknown): string {
  if (v === undefined) return 'null';
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}
