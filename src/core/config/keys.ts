/**
 * The keys this tool understands in model and agent configs, with the check each value must pass.
 * configs/schema/model-config.schema.json describes the same keys for editors; a unit test keeps
 * the two lists identical.
 */

import { KNOWN_APIS, type ApiKind } from './types';

/** Returns undefined when the value is acceptable, else what was expected ("a positive integer"). */
export type ValueCheck = (value: unknown) => string | undefined;

export type KeyRole =
  /** Shapes the request sent to the model. */
  | 'request'
  /** How our client behaves (concurrency, retries, prices); never sent. */
  | 'client'
  /** Descriptive only; removed before any call. */
  | 'metadata'
  /** Says what kind of file this is. */
  | 'structure';

export interface KeySpec {
  name: string;
  role: KeyRole;
  check: ValueCheck;
}

export function isPlainMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const expect =
  (ok: (v: unknown) => boolean, what: string): ValueCheck =>
  (v) =>
    ok(v) ? undefined : what;

const nonEmptyString = expect((v) => typeof v === 'string' && v.trim() !== '', 'a non-empty string');
const positiveInt = expect((v) => Number.isInteger(v) && (v as number) > 0, 'a positive integer');
const nonNegativeInt = expect((v) => Number.isInteger(v) && (v as number) >= 0, 'a whole number ≥ 0');
const nonNegativeNumber = expect((v) => isFiniteNumber(v) && v >= 0, 'a number ≥ 0');
const positiveNumber = expect((v) => isFiniteNumber(v) && v > 0, 'a number > 0');
const boolean = expect((v) => typeof v === 'boolean', 'true or false');
const mapping = expect(isPlainMap, 'a mapping (indented key: value lines)');
const list = expect(Array.isArray, 'a list');

/** Environment variable names as POSIX shells accept them. */
export const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Reasoning effort levels seen across providers; others are passed through untouched. */
export const KNOWN_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'] as const;

export const MODEL_KEY_SPECS: readonly KeySpec[] = [
  {
    name: 'type',
    role: 'structure',
    check: expect((v) => v === 'model', '"model" (or leave it out); write "agent" for an agent config'),
  },
  { name: 'model', role: 'request', check: nonEmptyString },
  { name: 'api', role: 'client', check: nonEmptyString },
  { name: 'api_key_env', role: 'client', check: nonEmptyString },
  { name: 'base_url', role: 'client', check: nonEmptyString },
  { name: 'max_tokens', role: 'request', check: positiveInt },
  {
    name: 'temperature',
    role: 'request',
    check: expect((v) => v === null || (isFiniteNumber(v) && v >= 0), 'a number ≥ 0, or null to leave it unset'),
  },
  {
    name: 'top_p',
    role: 'request',
    check: expect(
      (v) => v === null || (isFiniteNumber(v) && v >= 0 && v <= 1),
      'a number between 0 and 1, or null to leave it unset',
    ),
  },
  {
    name: 'top_k',
    role: 'request',
    check: expect(
      (v) => v === null || (Number.isInteger(v) && (v as number) >= -1),
      'a whole number ≥ -1, or null to leave it unset',
    ),
  },
  { name: 'concurrent_requests', role: 'client', check: positiveInt },
  { name: 'read_cost', role: 'client', check: nonNegativeNumber },
  { name: 'write_cost', role: 'client', check: nonNegativeNumber },
  { name: 'reasoning_effort', role: 'request', check: nonEmptyString },
  { name: 'use_openai_responses_api', role: 'client', check: boolean },
  { name: 'reasoning', role: 'request', check: mapping },
  { name: 'background', role: 'client', check: boolean },
  {
    name: 'delimiters',
    role: 'client',
    check: expect(
      (v) =>
        (typeof v === 'string' && v !== '') || (Array.isArray(v) && v.every((d) => typeof d === 'string' && d !== '')),
      'a non-empty string or a list of non-empty strings',
    ),
  },
  { name: 'extra_body', role: 'request', check: mapping },
  { name: 'timeout', role: 'client', check: positiveNumber },
  { name: 'max_retries', role: 'client', check: nonNegativeInt },
  { name: 'max_retries_inner', role: 'client', check: positiveInt },
  { name: 'sleep_on_error', role: 'client', check: nonNegativeNumber },
  { name: 'sleep_after_request', role: 'client', check: nonNegativeNumber },
  { name: 'throw_error_on_failure', role: 'client', check: boolean },
  { name: 'tools', role: 'request', check: list },
  {
    name: 'max_tool_calls',
    role: 'client',
    check: expect(
      (v) =>
        (Number.isInteger(v) && (v as number) >= 0) ||
        (isPlainMap(v) && Object.values(v).every((n) => Number.isInteger(n) && (n as number) >= 0)),
      'a whole number ≥ 0, or a mapping of tool names to whole numbers ≥ 0',
    ),
  },
  { name: 'include_max_tool_calls', role: 'client', check: boolean },
  { name: 'no_system_messages', role: 'client', check: boolean },
  {
    name: 'max_tokens_param',
    role: 'client',
    check: expect(
      (v) => typeof v === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(v),
      'the name of a request parameter, e.g. max_completion_tokens',
    ),
  },
  { name: 'use_openai_responses_api_tools', role: 'client', check: boolean },
  {
    name: 'tool_choice',
    role: 'request',
    check: expect((v) => typeof v === 'string' || isPlainMap(v), 'a string (auto, none, required) or a mapping'),
  },
  { name: 'human_readable_id', role: 'metadata', check: nonEmptyString },
  {
    name: 'date',
    role: 'metadata',
    check: expect((v) => typeof v === 'string' && v.trim() !== '', 'a date written as text, e.g. "2026-11-27"'),
  },
  { name: 'prompt_margin', role: 'metadata', check: nonNegativeInt },
  { name: 'model_revision', role: 'metadata', check: nonEmptyString },
];

export const AGENT_KEY_SPECS: readonly KeySpec[] = [
  { name: 'type', role: 'structure', check: expect((v) => v === 'agent', '"agent"') },
  { name: 'model_config', role: 'structure', check: nonEmptyString },
  { name: 'scaffold_config', role: 'structure', check: nonEmptyString },
  { name: 'verifier_model', role: 'structure', check: nonEmptyString },
  { name: 'improver_model', role: 'structure', check: nonEmptyString },
  { name: 'summarizer_model', role: 'structure', check: nonEmptyString },
  { name: 'human_readable_id', role: 'metadata', check: nonEmptyString },
  { name: 'date', role: 'metadata', check: MODEL_KEY_SPECS.find((s) => s.name === 'date')!.check },
];

/** Every key the model-config parser recognises (anything else is forwarded to the API). */
export const MODEL_CONFIG_KEYS: readonly string[] = MODEL_KEY_SPECS.map((s) => s.name);
/** Every key the agent-config parser recognises (anything else is a scaffold parameter override). */
export const AGENT_CONFIG_KEYS: readonly string[] = AGENT_KEY_SPECS.map((s) => s.name);
/** Descriptive keys: kept in `metadata`, never sent. */
export const METADATA_KEYS: readonly string[] = MODEL_KEY_SPECS.filter((s) => s.role === 'metadata').map((s) => s.name);
/** Agent keys naming extra model configs for particular roles. */
export const AGENT_EXTRA_MODEL_KEYS = ['verifier_model', 'improver_model', 'summarizer_model'] as const;

/**
 * Unknown keys that are genuine request parameters of OpenAI-compatible servers (OpenAI,
 * OpenRouter, Together, vLLM…). They are forwarded like any unknown key, but never trigger a
 * "did you mean" warning even when they look like one of ours (top_a vs top_k, min_p vs top_p).
 */
export const KNOWN_REQUEST_PARAMS: ReadonlySet<string> = new Set([
  'seed',
  'stop',
  'n',
  'min_p',
  'top_a',
  'min_tokens',
  'presence_penalty',
  'frequency_penalty',
  'repetition_penalty',
  'length_penalty',
  'logit_bias',
  'logprobs',
  'top_logprobs',
  'response_format',
  'user',
  'service_tier',
  'verbosity',
  'provider',
  'transforms',
  'models',
  'route',
  'include_reasoning',
  'thinking',
  'stream_options',
  'parallel_tool_calls',
  'chat_template_kwargs',
  'skip_special_tokens',
  'include_stop_str_in_output',
  'prompt_cache_key',
  'safety_identifier',
  'store',
  'prediction',
  'modalities',
  'web_search_options',
  'usage',
  'guided_json',
  'guided_regex',
  'guided_choice',
]);

/**
 * Unknown keys that usually mean the author wanted one of ours but spelled it the way another
 * tool does; edit distance alone would not catch these.
 */
export const KEY_ALIASES: Readonly<Record<string, string>> = {
  max_completion_tokens: 'max_tokens',
  max_output_tokens: 'max_tokens',
  max_new_tokens: 'max_tokens',
  use_responses_api: 'use_openai_responses_api',
  responses_api: 'use_openai_responses_api',
  effort: 'reasoning_effort',
  api_base: 'base_url',
  base_uri: 'base_url',
  endpoint: 'base_url',
  timeout_sec: 'timeout',
  timeout_seconds: 'timeout',
  request_timeout: 'timeout',
  retries: 'max_retries',
  concurrency: 'concurrent_requests',
  input_cost: 'read_cost',
  output_cost: 'write_cost',
  provider_api: 'api',
};

/**
 * Keys that must never be in a config: a secret written into a file travels into result files,
 * logs and shared repositories. Keys belong in the environment or the editor's secret store.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set([
  'api_key',
  'apikey',
  'openai_api_key',
  'google_api_key',
  'authorization',
]);

export const isKnownApi = (v: unknown): v is ApiKind =>
  typeof v === 'string' && (KNOWN_APIS as readonly string[]).includes(v);
