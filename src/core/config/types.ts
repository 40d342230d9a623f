/** Typed view of a model config YAML (see configs/schema/model-config.schema.json). */

export const KNOWN_APIS = [
  'openai',
  'google',
  'together',
  'openrouter',
  'custom',
  'xai',
  'deepseek',
  'glm',
  'anthropic',
] as const;
export type ApiKind = (typeof KNOWN_APIS)[number];

export interface ModelConfig {
  kind: 'model';
  /** How the user named it: 'openai/gpt-5-mini' (relative to configs/models) or a file path. */
  id: string;
  /** Absolute path of the YAML file ('' for configs built in memory). */
  file: string;
  api: ApiKind;
  /** Provider model id with any `--<effort>` suffix removed. */
  model: string;
  /**
   * Name of the environment variable / secret that holds the key (OPENAI_API_KEY, or `api_key_env`).
   * '' for a `custom` endpoint without `api_key_env`: that server needs no key.
   */
  apiKeyEnv: string;
  /** Endpoint; undefined means the provider's own default. */
  baseUrl?: string;
  maxTokens?: number;
  /** undefined: not in the file; null: written as null, meaning "do not send". */
  temperature?: number | null;
  topP?: number | null;
  topK?: number | null;
  concurrentRequests: number;
  /** USD per million input tokens. */
  readCost: number;
  /** USD per million output tokens. */
  writeCost: number;
  /** From `reasoning_effort` or the `--<effort>` suffix of `model`. */
  reasoningEffort?: string;
  useResponsesApi: boolean;
  /** Responses API `reasoning` block, e.g. { summary: 'auto' }. */
  reasoning?: Record<string, unknown>;
  background: boolean;
  delimiters: string[];
  /** Merged into the request body as given. */
  extraBody: Record<string, unknown>;
  /** Per-request timeout, seconds. */
  timeoutSec: number;
  /** How many times one request is retried after a transient failure (bounded). */
  maxRetries: number;
  /**
   * The original's inner retry count (`max_retries_inner`): when given, one request is tried up to
   * max_retries_inner × max(1, max_retries) times, as the original's two nested loops do.
   */
  maxRetriesInner?: number;
  /** `no_system_messages`: system instructions go as `developer` messages (OpenAI-compatible APIs) or into the first user message (Gemini, Anthropic). */
  noSystemMessages: boolean;
  /** `include_max_tool_calls` (default true): tool results tell the model how many tool calls it has left. */
  includeMaxToolCalls: boolean;
  /** `max_tokens_param`: the name the token limit is sent under on chat completions, where the API does not fix it. */
  maxTokensParam?: string;
  /** Base back-off delay in seconds (doubled each attempt, with jitter). */
  sleepOnErrorSec: number;
  /** Pause after each successful request, seconds. */
  sleepAfterRequestSec: number;
  throwErrorOnFailure: boolean;
  tools?: unknown[];
  /** Tool-call budget of a tool loop: a total, or per tool name. Never sent to the API. */
  maxToolCalls?: number | Record<string, number>;
  toolChoice?: unknown;
  /** Keys this tool does not know: forwarded verbatim into the API request. */
  passthrough: Record<string, unknown>;
  /** Descriptive keys, never sent: human_readable_id, date, prompt_margin, model_revision. */
  metadata: Record<string, unknown>;
  /** The YAML as parsed (for identity hashes and display). */
  raw: Record<string, unknown>;
}

export interface AgentConfig {
  kind: 'agent';
  id: string;
  file: string;
  /** Relative to configs/, without `.yaml`, e.g. 'models/openai/gpt-5-nano'. */
  modelConfig: string;
  /** Relative to configs/, without `.yaml`, e.g. 'agents/deepseek_math'. */
  scaffoldConfig: string;
  /** Extra model roles, e.g. { verifier_model: 'models/openai/gpt-5-mini' }. */
  extraModels: Record<string, string>;
  /** Any other key: a scaffold parameter override. */
  overrides: Record<string, unknown>;
  /** Descriptive keys (human_readable_id, date), when present. */
  metadata?: Record<string, unknown>;
  raw: Record<string, unknown>;
}

export type AnyConfig = ModelConfig | AgentConfig;

/** A problem found in a config file, positioned for editors and terminals. */
export interface ConfigDiagnostic {
  severity: 'error' | 'warning';
  message: string;
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  endLine?: number;
  endColumn?: number;
  /** Dotted key path, e.g. 'extra_body.top_k'. */
  key?: string;
}

/** One entry of `listConfigs`: a config file under configs/models/, workspace or shipped. */
export interface ConfigListEntry {
  /** 'openai/gpt-5-mini': the path under configs/models/ without extension. */
  id: string;
  /** Absolute path. */
  file: string;
  kind: 'model' | 'agent';
  /** The first folder of the id ('openai'), or '' for a file directly in configs/models/. */
  group: string;
  /** From the file even when it has errors, if readable. */
  api?: string;
  model?: string;
  /** `human_readable_id`, when given. */
  name?: string;
  /** The environment variable the config reads its key from (model configs without errors). */
  keyEnv?: string;
  origin: 'workspace' | 'shipped';
  diagnostics: ConfigDiagnostic[];
}
