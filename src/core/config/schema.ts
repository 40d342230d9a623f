/**
 * The JSON Schema of model and agent configs, built from the key table (keys.ts): every key
 * there has its schema here and nothing else does, so the editor's schema
 * (configs/schema/model-config.schema.json, written by `node esbuild.mjs`), `qed config validate`
 * and the README's key table cannot disagree. test/unit/config.test.ts checks the written files.
 */

import { AGENT_KEY_SPECS, MODEL_KEY_SPECS } from './keys';
import { KNOWN_APIS } from './types';

type Json = Record<string, unknown>;

/** Each model-config key's schema; `description` is also the README's text for it. */
const MODEL_KEY_SCHEMAS: Readonly<Record<string, Json>> = {
  type: {
    const: 'model',
    description:
      'Leave this out for a model config (or write `model`). `type: agent` turns the file into an agent config.',
  },
  model: {
    type: 'string',
    minLength: 1,
    description:
      "The provider's model id, e.g. `gpt-5-mini` or `deepseek-ai/DeepSeek-R1`. A trailing `--<effort>` (as in `gpt-5-nano--minimal`) is removed before the call and used as the reasoning effort, unless `reasoning_effort` is also given.",
  },
  api: {
    type: 'string',
    enum: [...KNOWN_APIS],
    default: 'openai',
    description:
      "Which provider to call. `custom` means any OpenAI-compatible server at `base_url` (vLLM, SGLang, a proxy…); `anthropic` uses Anthropic's Messages API; `glm` Z.ai (api.z.ai); `xai`, `deepseek`, `together`, `openrouter` their OpenAI-compatible endpoints.",
  },
  api_key_env: {
    type: 'string',
    pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
    description:
      "Name of the environment variable (or stored secret) holding the API key, e.g. `VLLM_API_KEY`. Replaces the provider's usual variable. Write the variable's name here, never the key.",
  },
  base_url: {
    type: 'string',
    format: 'uri',
    pattern: '^https?://',
    description:
      'Endpoint to send requests to. Required for `api: custom`; for the other providers it replaces their standard endpoint.',
  },
  max_tokens: {
    type: 'integer',
    minimum: 1,
    description:
      'Output token budget. The client sends it under the name the endpoint expects (`max_tokens`, `max_completion_tokens` for OpenAI reasoning models, `max_output_tokens` on the Responses API).',
  },
  temperature: {
    type: ['number', 'null'],
    description: 'Sampling temperature. `null` (or leaving it out) sends none, which reasoning models require.',
    minimum: 0,
  },
  top_p: {
    type: ['number', 'null'],
    description: 'Nucleus sampling threshold between 0 and 1. `null` sends none.',
    minimum: 0,
    maximum: 1,
  },
  top_k: {
    type: ['integer', 'null'],
    minimum: -1,
    description:
      'Sample only among the k most likely tokens. Not an OpenAI parameter: it travels in the request body, which vLLM and similar servers read. `null` sends none.',
  },
  concurrent_requests: {
    type: 'integer',
    minimum: 1,
    default: 30,
    description: 'How many requests to this model may be in flight at once.',
  },
  read_cost: {
    type: 'number',
    minimum: 0,
    default: 1,
    description: 'Price in USD per million input (prompt) tokens, used for the cost columns.',
  },
  write_cost: {
    type: 'number',
    minimum: 0,
    default: 1,
    description: 'Price in USD per million output tokens, reasoning tokens included.',
  },
  reasoning_effort: {
    type: 'string',
    minLength: 1,
    examples: ['minimal', 'low', 'medium', 'high'],
    description:
      'How hard a reasoning model should think. Sent as `reasoning_effort` on chat completions and as `reasoning.effort` on the Responses API. Takes precedence over a `--<effort>` suffix in `model`.',
  },
  use_openai_responses_api: {
    type: 'boolean',
    default: false,
    description:
      "Call OpenAI's Responses API instead of chat completions (needed for reasoning summaries and background mode).",
  },
  reasoning: {
    type: 'object',
    description:
      "The Responses API `reasoning` block, e.g. `{summary: auto}` to receive a summary of the model's reasoning.",
  },
  background: {
    type: 'boolean',
    default: false,
    description:
      'Responses API only: submit the request as a background job and poll until it finishes. Suits very long generations that would outlive an HTTP connection.',
  },
  delimiters: {
    oneOf: [
      { type: 'string', minLength: 1 },
      { type: 'array', items: { type: 'string', minLength: 1 } },
    ],
    description:
      'Markers that end the chain of thought in the visible text, e.g. `</think>`. The reply is cut at the first one found: the part before is kept as reasoning, the part after is the answer. If markers are set but none appears (and the API returned no separate reasoning), the whole reply counts as reasoning and the answer is empty: the model ran out of tokens while thinking.',
  },
  extra_body: {
    type: 'object',
    description:
      'Merged into the request body as written. Gemini configs carry their thinking settings here as `extra_body: {extra_body: {google: {thinking_config: {...}}}}`, which QED Workbench translates for the native Gemini API.',
  },
  timeout: {
    type: 'number',
    exclusiveMinimum: 0,
    default: 18000,
    description: 'Seconds to wait for one request before giving up on that attempt.',
  },
  max_retries: {
    type: 'integer',
    minimum: 0,
    default: 6,
    description:
      'How many times a request is retried after a transient failure (rate limit, overload, dropped connection) before the row is recorded as failed.',
  },
  max_retries_inner: {
    type: 'integer',
    minimum: 1,
    description:
      "The original's retries inside one request. When given, a request is tried up to max_retries_inner × max(1, max_retries) times, as the original's two nested loops.",
  },
  sleep_on_error: {
    type: 'number',
    minimum: 0,
    default: 2,
    description:
      "Base wait in seconds before a retry; each further retry waits about twice as long, with random jitter, and a server's Retry-After is honoured.",
  },
  sleep_after_request: {
    type: 'number',
    minimum: 0,
    default: 0,
    description: 'Seconds to pause after each successful request (a crude rate limit).',
  },
  throw_error_on_failure: {
    type: 'boolean',
    default: false,
    description:
      'Stop the job when a request still fails after its retries: no further rows are started, rows already in flight finish and are kept, the failed row records its error, and the next run carries on. Off: the error is recorded on that row and the job moves on.',
  },
  tools: { type: 'array', description: "Tool (function) definitions offered to the model, in the provider's format." },
  max_tool_calls: {
    oneOf: [
      { type: 'integer', minimum: 0 },
      { type: 'object', additionalProperties: { type: 'integer', minimum: 0 } },
    ],
    description:
      "The original's tool-call budget: a total, or a mapping of tool names to budgets. Never sent to the API. Above 0 it allows tool calls, so chat completions get the limit as `max_completion_tokens` (as in the original); the math_agent scaffold sets its own per-tool budgets.",
  },
  include_max_tool_calls: {
    type: 'boolean',
    default: true,
    description:
      'Whether tool results tell the model how many tool calls it has left. Read by tool loops only; never sent (math_agent turns it off, as in the original).',
  },
  no_system_messages: {
    type: 'boolean',
    default: false,
    description:
      'The model takes no system role: system instructions are sent as `developer` messages on OpenAI-compatible APIs (as the original), and put before the first user message for Gemini and Anthropic.',
  },
  max_tokens_param: {
    type: 'string',
    pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
    examples: ['max_completion_tokens'],
    description:
      'The name `max_tokens` is sent under on chat completions. OpenAI reasoning models and configs allowing tool calls always use `max_completion_tokens`, the Responses API `max_output_tokens`, as in the original.',
  },
  use_openai_responses_api_tools: {
    type: 'boolean',
    description:
      "Accepted for the original's configs and never sent; it has no effect there either (the original drops it).",
  },
  tool_choice: {
    type: ['string', 'object'],
    description:
      'Whether and which tool the model must use: `auto`, `none`, `required`, or a provider-specific mapping. Sent only with tools, as in the original; Gemini gets the three words as its function-calling mode.',
  },
  human_readable_id: { type: 'string', minLength: 1, description: 'Display name in listings and reports. Never sent.' },
  date: {
    type: 'string',
    minLength: 1,
    description: 'When the config (and its prices) were last checked, e.g. "2026-11-27". Never sent.',
  },
  prompt_margin: {
    type: 'integer',
    minimum: 0,
    description:
      "Cluster use: tokens kept free for the prompt when a vLLM server's context length is derived from the model's maximum. Never sent.",
  },
  model_revision: {
    type: 'string',
    minLength: 1,
    description: 'Cluster use: the Hugging Face revision (branch, tag or commit) vLLM should serve. Never sent.',
  },
};

/** Each agent-config key's schema. */
const AGENT_KEY_SCHEMAS: Readonly<Record<string, Json>> = {
  type: {
    const: 'agent',
    description: 'Marks an agent config: a scaffold (multi-call solving strategy) driven by one or more model configs.',
  },
  model_config: {
    type: 'string',
    minLength: 1,
    examples: ['models/openai/gpt-5-mini'],
    description: 'The main model. Path relative to the configs/ folder, without `.yaml`.',
  },
  scaffold_config: {
    type: 'string',
    minLength: 1,
    examples: ['agents/deepseek_math'],
    description: 'The scaffold and its default parameters. Path relative to the configs/ folder, without `.yaml`.',
  },
  verifier_model: {
    type: 'string',
    minLength: 1,
    description:
      'Optional model for verification steps (defaults to model_config). Path relative to the configs/ folder, without `.yaml`.',
  },
  improver_model: {
    type: 'string',
    minLength: 1,
    description:
      'Optional model for refinement steps (defaults to model_config). Path relative to the configs/ folder, without `.yaml`.',
  },
  summarizer_model: {
    type: 'string',
    minLength: 1,
    description:
      'Optional model for summarising steps (defaults to model_config). Path relative to the configs/ folder, without `.yaml`.',
  },
  human_readable_id: { type: 'string', minLength: 1, description: 'Display name in listings and reports.' },
  date: { type: 'string', minLength: 1, description: 'When the config was last checked, e.g. "2026-11-27".' },
};

function properties(specs: readonly { name: string }[], schemas: Readonly<Record<string, Json>>, what: string): Json {
  const out: Json = {};
  for (const { name } of specs) {
    const s = schemas[name];
    if (!s) throw new Error(`config key '${name}' (${what}) has no schema in src/core/config/schema.ts`);
    out[name] = s;
  }
  for (const name of Object.keys(schemas))
    if (!(name in out)) throw new Error(`schema for '${name}' (${what}) names no key of keys.ts`);
  return out;
}

/** The whole JSON Schema (draft-07) of a config file, as written to configs/schema/model-config.schema.json. */
export function configSchema(): Json {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'QED Workbench model or agent config',
    description:
      "A file under configs/models/. Without `type: agent` it describes one model endpoint; keys not listed here are forwarded unchanged into the API request. With `type: agent` it pairs a scaffold with model configs; other keys override the scaffold's parameters.",
    type: 'object',
    additionalProperties: true,
    if: { properties: { type: { const: 'agent' } }, required: ['type'] },
    then: { $ref: '#/definitions/agentConfig' },
    else: { $ref: '#/definitions/modelConfig' },
    definitions: {
      modelConfig: {
        title: 'Model config',
        type: 'object',
        required: ['model'],
        properties: properties(MODEL_KEY_SPECS, MODEL_KEY_SCHEMAS, 'model config'),
        additionalProperties: true,
        allOf: [
          { if: { properties: { api: { const: 'custom' } }, required: ['api'] }, then: { required: ['base_url'] } },
        ],
      },
      agentConfig: {
        title: 'Agent config',
        type: 'object',
        required: ['type', 'model_config', 'scaffold_config'],
        properties: properties(AGENT_KEY_SPECS, AGENT_KEY_SCHEMAS, 'agent config'),
        additionalProperties: true,
      },
    },
  };
}

/** The schema file's text: two-space JSON and a final newline. */
export function configSchemaText(): string {
  return `${JSON.stringify(configSchema(), null, 2)}\n`;
}

export const KEY_TABLE_START =
  '<!-- model-config keys: generated from src/core/config/schema.ts by node esbuild.mjs -->';
export const KEY_TABLE_END = '<!-- end of model-config keys -->';

/** The README's table of model-config keys, one row per key, in the key table's order. */
export function keyTableMarkdown(): string {
  const props = (
    configSchema().definitions as { modelConfig: { properties: Record<string, { description?: string }> } }
  ).modelConfig.properties;
  const rows = Object.entries(props).map(
    ([k, v]) => `| \`${k}\` | ${(v.description ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`,
  );
  return [KEY_TABLE_START, '', '| key | what it does |', '| --- | --- |', ...rows, '', KEY_TABLE_END].join('\n');
}

/** `text` with the key table between its markers replaced (or undefined when the markers are missing). */
export function withKeyTable(text: string): string | undefined {
  const a = text.indexOf(KEY_TABLE_START);
  const b = text.indexOf(KEY_TABLE_END);
  if (a < 0 || b < a) return undefined;
  return text.slice(0, a) + keyTableMarkdown() + text.slice(b + KEY_TABLE_END.length);
}
