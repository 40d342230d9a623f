/**
 * Parsing and checking model / agent config YAML, with a line and column for every problem.
 * Never throws on bad input: problems come back as diagnostics.
 */

import * as fs from 'node:fs';
import {
  LineCounter,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  type Document,
  type Node,
  type YAMLMap,
} from 'yaml';
import {
  AGENT_EXTRA_MODEL_KEYS,
  AGENT_KEY_SPECS,
  ENV_VAR_NAME,
  FORBIDDEN_KEYS,
  KEY_ALIASES,
  KNOWN_REQUEST_PARAMS,
  MODEL_KEY_SPECS,
  isKnownApi,
  isPlainMap,
  type KeySpec,
} from './keys';
import { DEFAULT_API_KEY_ENV, MODEL_DEFAULTS, PROVIDER_BASE_URLS } from './providers';
import { YAML_EXT, configIdFromFile, resolveAgentRef } from './resolve';
import { closestMatch } from './suggest';
import {
  KNOWN_APIS,
  type AgentConfig,
  type AnyConfig,
  type ApiKind,
  type ConfigDiagnostic,
  type ModelConfig,
} from './types';

export interface ParseOptions {
  /**
   * Configs roots (folders holding `models/` and `agents/`) that an agent config's references are
   * resolved against, in order. Without roots those references are only type-checked.
   */
  roots?: readonly string[];
}

export interface ParseResult {
  /** Present only when there is no error (warnings allowed). */
  config?: AnyConfig;
  diagnostics: ConfigDiagnostic[];
}

/** Internal result: also the parsed mapping, so listings can show api/model of a broken file. */
export interface ConfigAnalysis extends ParseResult {
  raw?: Record<string, unknown>;
}

type Path = ReadonlyArray<string | number>;

/** Collects diagnostics and turns YAML node offsets into 1-based positions. */
class Reporter {
  readonly diagnostics: ConfigDiagnostic[] = [];
  constructor(
    readonly file: string,
    private readonly lines: LineCounter,
  ) {}

  at(
    severity: ConfigDiagnostic['severity'],
    message: string,
    span: readonly [number, number] | undefined,
    key?: string,
  ): void {
    const [start, end] = span ?? [0, 0];
    const a = this.lines.linePos(start);
    const b = this.lines.linePos(Math.max(start, end));
    const d: ConfigDiagnostic = {
      severity,
      message,
      file: this.file,
      line: Math.max(1, a.line),
      column: Math.max(1, a.col),
    };
    if (span) {
      d.endLine = Math.max(1, b.line);
      d.endColumn = Math.max(1, b.col);
    }
    if (key !== undefined) d.key = key;
    this.diagnostics.push(d);
  }

  get hasErrors(): boolean {
    return this.diagnostics.some((d) => d.severity === 'error');
  }

  sorted(): ConfigDiagnostic[] {
    return [...this.diagnostics].sort((x, y) => x.line - y.line || x.column - y.column);
  }
}

/** Looks nodes up by key path so each problem can point at the exact key or value. */
class Locator {
  constructor(
    private readonly doc: Document,
    readonly root: YAMLMap,
  ) {}

  private deref(n: unknown): unknown {
    return isAlias(n) ? n.resolve(this.doc) : n;
  }

  /** The pair's key node and value node at `path` (value may be absent for `key:` with nothing after). */
  private pairAt(path: Path): { key?: Node; value?: Node } | undefined {
    let cur: unknown = this.root;
    let found: { key?: Node; value?: Node } | undefined;
    for (const step of path) {
      cur = this.deref(cur);
      if (isMap(cur) && typeof step === 'string') {
        const pair = cur.items.find((p) => isScalar(p.key) && String(p.key.value) === step);
        if (!pair) return undefined;
        found = { key: pair.key as Node, value: (pair.value ?? undefined) as Node | undefined };
        cur = pair.value;
      } else if (isSeq(cur) && typeof step === 'number') {
        const item = cur.items[step];
        if (item === undefined) return undefined;
        found = { value: item as Node };
        cur = item;
      } else return undefined;
    }
    return found;
  }

  /** Span of the value at `path`; falls back to its key when the value is empty. */
  valueSpan(path: Path): [number, number] | undefined {
    const p = this.pairAt(path);
    const r = p?.value?.range;
    if (r && r[1] > r[0]) return [r[0], r[1]];
    return this.keySpan(path) ?? (r ? [r[0], r[1]] : undefined);
  }

  keySpan(path: Path): [number, number] | undefined {
    const r = this.pairAt(path)?.key?.range;
    return r ? [r[0], r[1]] : undefined;
  }

  /** Span of the mapping's first key: where "missing key" problems are reported. */
  topSpan(): [number, number] | undefined {
    const first = this.root.items[0]?.key as Node | undefined;
    const r = first?.range ?? this.root.range;
    return r ? [r[0], r[1]] : undefined;
  }
}

/** Short, safe rendering of a value for messages (never more than ~40 characters). */
function show(v: unknown): string {
  if (v === null || v === undefined) return 'nothing (null)';
  if (typeof v === 'string') {
    const s = JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v);
    return `the text ${s}`;
  }
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return String(v);
}

const YES_NO = /^(yes|no|on|off|y|n|true|false)$/i;

function checkSpec(spec: KeySpec, value: unknown, path: Path, rep: Reporter, loc: Locator): boolean {
  const want = spec.check(value);
  if (want === undefined) return true;
  let extra = '';
  if (want === 'true or false' && typeof value === 'string' && YES_NO.test(value)) {
    extra = ' (YAML 1.2 reads yes/no/on/off as text: write true or false)';
  } else if (
    typeof value === 'string' &&
    value.trim() !== '' &&
    Number.isFinite(Number(value)) &&
    /number|integer|whole/.test(want)
  ) {
    extra = ' (remove the quotes to make it a number)';
  }
  rep.at('error', `'${spec.name}' must be ${want}, got ${show(value)}${extra}`, loc.valueSpan(path), path.join('.'));
  return false;
}

/** Parses one YAML document into the raw mapping; reports syntax problems. */
function readMapping(
  text: string,
  rep: Reporter,
  lines: LineCounter,
): { raw: Record<string, unknown>; loc: Locator } | undefined {
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, version: '1.2' });
  for (const e of doc.errors) rep.at('error', `YAML syntax: ${e.message}`, e.pos);
  for (const w of doc.warnings) rep.at('warning', `YAML: ${w.message}`, w.pos);
  if (doc.errors.length) return undefined;
  const contents = doc.contents;
  if (contents === null || (isScalar(contents) && (contents.value === null || contents.value === ''))) {
    rep.at('error', "the file is empty: a config is a mapping with at least a 'model' key", [0, 0]);
    return undefined;
  }
  if (!isMap(contents)) {
    const what = isSeq(contents) ? 'a list' : 'a single value';
    rep.at(
      'error',
      `a config must be a mapping of keys to values (key: value lines), found ${what}`,
      contents.range ? [contents.range[0], contents.range[1]] : undefined,
    );
    return undefined;
  }
  let ok = true;
  for (const pair of contents.items) {
    const k = pair.key as Node | null;
    if (!isScalar(k) || typeof k.value !== 'string') {
      const r = k?.range;
      rep.at('error', 'config keys must be plain names (text)', r ? [r[0], r[1]] : undefined);
      ok = false;
    }
  }
  if (!ok) return undefined;
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    rep.at('error', `YAML: ${e instanceof Error ? e.message : String(e)}`, [0, 0]);
    return undefined;
  }
  if (!isPlainMap(raw)) return undefined;
  return { raw, loc: new Locator(doc, contents) };
}

/**
 * Parses and checks a model or agent config. `file` is used in diagnostics and stored in the
 * result; `id` defaults to the name relative to `configs/models/` (or the file path).
 */
export function parseConfigText(text: string, file: string, id?: string, options: ParseOptions = {}): ParseResult {
  const { config, diagnostics } = analyzeConfigText(text, file, id, options);
  return config ? { config, diagnostics } : { diagnostics };
}

export function analyzeConfigText(text: string, file: string, id?: string, options: ParseOptions = {}): ConfigAnalysis {
  const lines = new LineCounter();
  const rep = new Reporter(file, lines);
  const read = readMapping(text, rep, lines);
  if (!read) return { diagnostics: rep.sorted() };
  const { raw, loc } = read;
  const configId = id ?? configIdFromFile(file) ?? file;
  let config: AnyConfig | undefined;
  if (raw.type === 'agent') {
    config = parseAgent(raw, loc, rep, configId, file, options.roots);
  } else if (raw.type === undefined || raw.type === 'model') {
    config = parseModel(raw, loc, rep, configId, file);
  } else {
    rep.at(
      'error',
      `unknown config type ${show(raw.type)}: write 'type: agent' for an agent config, or leave 'type' out for a model config`,
      loc.valueSpan(['type']),
      'type',
    );
  }
  return { config: rep.hasErrors ? undefined : config, diagnostics: rep.sorted(), raw };
}

function unknownKeyWarning(key: string, known: readonly string[], rep: Reporter, loc: Locator, fate: string): void {
  if (KNOWN_REQUEST_PARAMS.has(key)) return;
  const guess = KEY_ALIASES[key] ?? closestMatch(key, known);
  if (guess && guess !== key)
    rep.at('warning', `unknown key '${key}' ${fate}; did you mean '${guess}'?`, loc.keySpan([key]), key);
}

function splitEffort(model: string): { model: string; effort?: string } {
  const i = model.lastIndexOf('--');
  if (i <= 0 || i + 2 >= model.length) return { model };
  return { model: model.slice(0, i), effort: model.slice(i + 2) };
}

function parseModel(
  raw: Record<string, unknown>,
  loc: Locator,
  rep: Reporter,
  id: string,
  file: string,
): ModelConfig | undefined {
  const specs = new Map(MODEL_KEY_SPECS.map((s) => [s.name, s]));
  const known = MODEL_KEY_SPECS.map((s) => s.name);
  const valid = new Set<string>();
  const passthrough: Record<string, unknown> = {};
  const metadata: Record<string, unknown> = {};

  for (const [key, value] of Object.entries(raw)) {
    const spec = specs.get(key);
    if (spec) {
      if (checkSpec(spec, value, [key], rep, loc)) valid.add(key);
      if (spec.role === 'metadata') metadata[key] = value;
    } else if (FORBIDDEN_KEYS.has(key.toLowerCase())) {
      rep.at(
        'error',
        `'${key}': a config must not hold an API key (configs are copied into results and shared); put the key in an environment variable and name it with api_key_env`,
        loc.keySpan([key]),
        key,
      );
    } else {
      passthrough[key] = value;
      unknownKeyWarning(key, known, rep, loc, 'will be sent to the API as-is');
    }
  }

  if (!('model' in raw))
    rep.at('error', "missing required key 'model' (the provider's model id, e.g. gpt-5-mini)", loc.topSpan(), 'model');

  // api: one of the known providers.
  let api: ApiKind = MODEL_DEFAULTS.api;
  if (valid.has('api')) {
    if (isKnownApi(raw.api)) api = raw.api;
    else {
      const guess = closestMatch(String(raw.api), KNOWN_APIS);
      rep.at(
        'error',
        `unknown api '${String(raw.api)}'; known apis: ${KNOWN_APIS.join(', ')}${guess ? ` (did you mean '${guess}'?)` : ''}`,
        loc.valueSpan(['api']),
        'api',
      );
      valid.delete('api');
    }
  }

  // api_key_env: a variable *name*. Its value is never echoed: people paste the key itself here.
  if (valid.has('api_key_env') && !ENV_VAR_NAME.test(String(raw.api_key_env))) {
    const looksLikeKey = /^(sk-|AIza|xai-|gsk_)/.test(String(raw.api_key_env)) || String(raw.api_key_env).length > 40;
    rep.at(
      'error',
      `'api_key_env' must be the name of an environment variable (letters, digits and _, not starting with a digit)${looksLikeKey ? '; it looks like a key itself: never write keys into a config' : ''}`,
      loc.valueSpan(['api_key_env']),
      'api_key_env',
    );
  }

  if (valid.has('base_url')) {
    let okUrl = false;
    try {
      const u = new URL(String(raw.base_url));
      okUrl = u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      okUrl = false;
    }
    if (!okUrl)
      rep.at(
        'error',
        `'base_url' must be an http:// or https:// URL, got ${show(raw.base_url)}`,
        loc.valueSpan(['base_url']),
        'base_url',
      );
  }
  if (api === 'custom' && !('base_url' in raw)) {
    rep.at(
      'error',
      "api 'custom' needs a 'base_url' (the server's OpenAI-compatible endpoint, e.g. http://localhost:8000/v1)",
      loc.valueSpan(['api']),
      'api',
    );
  }

  // Effort: an explicit reasoning_effort wins over the model-name suffix.
  const split = typeof raw.model === 'string' ? splitEffort(raw.model.trim()) : { model: '' };
  if (split.effort && valid.has('reasoning_effort') && raw.reasoning_effort !== split.effort) {
    rep.at(
      'warning',
      `'reasoning_effort: ${String(raw.reasoning_effort)}' overrides the '--${split.effort}' suffix of the model name`,
      loc.valueSpan(['reasoning_effort']),
      'reasoning_effort',
    );
  }

  if (raw.background === true && raw.use_openai_responses_api !== true) {
    rep.at(
      'warning',
      "'background' only applies to the Responses API: set 'use_openai_responses_api: true' or remove it",
      loc.valueSpan(['background']),
      'background',
    );
  }

  if (api === 'google') {
    // Gemini takes tools in its own format (`googleSearch`, `codeExecution`, function declarations)
    // and a tool choice only as its `toolConfig` object.
    if (
      valid.has('tool_choice') &&
      !isPlainMap(raw.tool_choice) &&
      !['auto', 'none', 'required'].includes(String(raw.tool_choice))
    ) {
      rep.at(
        'warning',
        "with api 'google', 'tool_choice' must be auto, none, required or a Gemini toolConfig object (e.g. {functionCallingConfig: {mode: ANY}}); this value is not sent",
        loc.valueSpan(['tool_choice']),
        'tool_choice',
      );
    }
  }

  if (api === 'anthropic') {
    if (!('max_tokens' in raw))
      rep.at(
        'error',
        "api 'anthropic' needs 'max_tokens' (Anthropic's Messages API requires an output limit)",
        loc.valueSpan(['api']),
        'api',
      );
    if (valid.has('reasoning_effort') || split.effort) {
      rep.at(
        'warning',
        "Anthropic's Messages API takes no reasoning effort, so it is not sent; give a thinking budget instead: thinking: {type: enabled, budget_tokens: 16000}",
        valid.has('reasoning_effort') ? loc.valueSpan(['reasoning_effort']) : loc.valueSpan(['model']),
        valid.has('reasoning_effort') ? 'reasoning_effort' : 'model',
      );
    }
  }

  if (valid.has('delimiters') && Array.isArray(raw.delimiters) && raw.delimiters.length === 0) {
    rep.at(
      'warning',
      "'delimiters' is an empty list: leave the key out instead",
      loc.valueSpan(['delimiters']),
      'delimiters',
    );
  }

  if (valid.has('extra_body')) checkThinkingConfig(raw.extra_body as Record<string, unknown>, rep, loc);

  if (rep.hasErrors) return undefined;

  const num = (key: string, dflt: number): number => (valid.has(key) ? (raw[key] as number) : dflt);
  const nullable = (key: string): number | null | undefined => (key in raw ? (raw[key] as number | null) : undefined);
  const delimiters =
    raw.delimiters === undefined
      ? []
      : typeof raw.delimiters === 'string'
        ? [raw.delimiters]
        : [...(raw.delimiters as string[])];
  const effort = valid.has('reasoning_effort') ? String(raw.reasoning_effort) : split.effort;

  const c: ModelConfig = {
    kind: 'model',
    id,
    file,
    api,
    model: split.model,
    apiKeyEnv: valid.has('api_key_env') ? String(raw.api_key_env) : DEFAULT_API_KEY_ENV[api],
    baseUrl: valid.has('base_url') ? String(raw.base_url) : PROVIDER_BASE_URLS[api],
    temperature: nullable('temperature'),
    topP: nullable('top_p'),
    topK: nullable('top_k'),
    concurrentRequests: num('concurrent_requests', MODEL_DEFAULTS.concurrentRequests),
    readCost: num('read_cost', MODEL_DEFAULTS.readCost),
    writeCost: num('write_cost', MODEL_DEFAULTS.writeCost),
    useResponsesApi: raw.use_openai_responses_api === true,
    background: raw.background === true,
    delimiters,
    extraBody: isPlainMap(raw.extra_body) ? raw.extra_body : {},
    timeoutSec: num('timeout', MODEL_DEFAULTS.timeoutSec),
    maxRetries: num('max_retries', MODEL_DEFAULTS.maxRetries),
    noSystemMessages: raw.no_system_messages === true,
    includeMaxToolCalls: raw.include_max_tool_calls !== false,
    sleepOnErrorSec: num('sleep_on_error', MODEL_DEFAULTS.sleepOnErrorSec),
    sleepAfterRequestSec: num('sleep_after_request', MODEL_DEFAULTS.sleepAfterRequestSec),
    throwErrorOnFailure: raw.throw_error_on_failure === true,
    passthrough,
    metadata,
    raw,
  };
  if (valid.has('max_tokens')) c.maxTokens = raw.max_tokens as number;
  if (effort !== undefined) c.reasoningEffort = effort;
  if (isPlainMap(raw.reasoning)) c.reasoning = raw.reasoning;
  if (Array.isArray(raw.tools)) c.tools = raw.tools;
  if (valid.has('max_tool_calls'))
    c.maxToolCalls = isPlainMap(raw.max_tool_calls)
      ? (raw.max_tool_calls as Record<string, number>)
      : (raw.max_tool_calls as number);
  if (valid.has('max_retries_inner')) c.maxRetriesInner = raw.max_retries_inner as number;
  if (valid.has('max_tokens_param')) c.maxTokensParam = String(raw.max_tokens_param);
  if ('tool_choice' in raw) c.toolChoice = raw.tool_choice;
  // Keep absent fields absent (not `undefined`-valued) so equality checks and JSON stay clean.
  for (const k of ['baseUrl', 'temperature', 'topP', 'topK'] as const) if (c[k] === undefined) delete c[k];
  return c;
}

/**
 * Gemini settings in the original's form `extra_body: {extra_body: {google: {thinking_config: …}}}`:
 * our Gemini client translates them, so wrong types here would fail only at request time.
 */
function checkThinkingConfig(extraBody: Record<string, unknown>, rep: Reporter, loc: Locator): void {
  const inner = extraBody.extra_body;
  const google = isPlainMap(inner) ? inner.google : undefined;
  const tc = isPlainMap(google) ? google.thinking_config : undefined;
  const base = ['extra_body', 'extra_body', 'google', 'thinking_config'];
  if (tc === undefined) return;
  if (!isPlainMap(tc)) {
    rep.at('error', `'thinking_config' must be a mapping, got ${show(tc)}`, loc.valueSpan(base), base.join('.'));
    return;
  }
  const bad = (k: string, want: string): void =>
    rep.at('error', `'${k}' must be ${want}, got ${show(tc[k])}`, loc.valueSpan([...base, k]), [...base, k].join('.'));
  if ('include_thoughts' in tc && typeof tc.include_thoughts !== 'boolean') bad('include_thoughts', 'true or false');
  if ('thinking_budget' in tc && !(Number.isInteger(tc.thinking_budget) && (tc.thinking_budget as number) >= -1)) {
    bad('thinking_budget', 'a whole number of tokens (0 turns thinking off, -1 lets the model decide)');
  }
  if ('thinking_level' in tc && (typeof tc.thinking_level !== 'string' || tc.thinking_level === ''))
    bad('thinking_level', 'a level name such as low or high');
  if ('thinking_budget' in tc && 'thinking_level' in tc) {
    rep.at(
      'warning',
      "Gemini accepts either 'thinking_budget' or 'thinking_level', not both",
      loc.keySpan([...base, 'thinking_level']),
      [...base, 'thinking_level'].join('.'),
    );
  }
}

function parseAgent(
  raw: Record<string, unknown>,
  loc: Locator,
  rep: Reporter,
  id: string,
  file: string,
  roots: readonly string[] | undefined,
): AgentConfig | undefined {
  const specs = new Map(AGENT_KEY_SPECS.map((s) => [s.name, s]));
  const known = AGENT_KEY_SPECS.map((s) => s.name);
  const valid = new Set<string>();
  const overrides: Record<string, unknown> = {};
  const metadata: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const spec = specs.get(key);
    if (spec) {
      if (checkSpec(spec, value, [key], rep, loc)) valid.add(key);
      if (spec.role === 'metadata') metadata[key] = value;
    } else if (FORBIDDEN_KEYS.has(key.toLowerCase())) {
      rep.at(
        'error',
        `'${key}': a config must not hold an API key; keep keys in the environment`,
        loc.keySpan([key]),
        key,
      );
    } else {
      overrides[key] = value;
      unknownKeyWarning(key, known, rep, loc, 'will be passed to the scaffold as a parameter override');
    }
  }
  for (const req of ['model_config', 'scaffold_config']) {
    if (!(req in raw)) {
      const example = req === 'model_config' ? 'models/openai/gpt-5-mini' : 'agents/deepseek_math';
      rep.at(
        'error',
        `an agent config needs '${req}' (a path relative to configs/, e.g. ${example})`,
        loc.topSpan(),
        req,
      );
    }
  }

  // References: must exist when we know where to look.
  const refKeys = ['model_config', 'scaffold_config', ...AGENT_EXTRA_MODEL_KEYS].filter((k) => valid.has(k));
  let scaffoldFile: string | undefined;
  if (roots && roots.length) {
    for (const key of refKeys) {
      const ref = String(raw[key]);
      const res = resolveAgentRef(ref, roots);
      if (res.file) {
        if (key === 'scaffold_config') scaffoldFile = res.file;
        continue;
      }
      const prefix = key === 'scaffold_config' ? 'agents/' : 'models/';
      const hint =
        !ref.startsWith(prefix) && resolveAgentRef(prefix + ref, roots).file
          ? `; did you mean '${prefix}${ref.replace(YAML_EXT, '')}'? (paths are relative to configs/)`
          : '';
      rep.at(
        'error',
        `'${key}': '${ref}' not found; looked for ${res.looked.join(', ')}${hint}`,
        loc.valueSpan([key]),
        key,
      );
    }
  }

  // Overrides that look like a misspelt scaffold parameter.
  if (scaffoldFile) {
    const params = scaffoldParameterNames(scaffoldFile);
    if (params.length) {
      for (const key of Object.keys(overrides)) {
        if (params.includes(key)) continue;
        const guess = closestMatch(key, params);
        if (guess)
          rep.at(
            'warning',
            `'${key}' is not a parameter of scaffold '${String(raw.scaffold_config)}'; did you mean '${guess}'?`,
            loc.keySpan([key]),
            key,
          );
      }
    }
  }

  if (rep.hasErrors) return undefined;
  const stripExt = (s: string): string => s.trim().replace(YAML_EXT, '');
  const extraModels: Record<string, string> = {};
  for (const k of AGENT_EXTRA_MODEL_KEYS) if (valid.has(k)) extraModels[k] = stripExt(String(raw[k]));
  const agent: AgentConfig = {
    kind: 'agent',
    id,
    file,
    modelConfig: stripExt(String(raw.model_config)),
    scaffoldConfig: stripExt(String(raw.scaffold_config)),
    extraModels,
    overrides,
    raw,
  };
  if (Object.keys(metadata).length) agent.metadata = metadata;
  return agent;
}

/** Top-level keys of a scaffold file ([] when it cannot be read or parsed). */
function scaffoldParameterNames(file: string): string[] {
  try {
    const doc = parseDocument(fs.readFileSync(file, 'utf8'), { prettyErrors: false });
    const js: unknown = doc.errors.length ? undefined : doc.toJS();
    return isPlainMap(js) ? Object.keys(js) : [];
  } catch {
    return [];
  }
}

/**
 * Checks a scaffold file (`configs/agents/<name>.yaml`): valid YAML holding a mapping. Its keys
 * are the scaffold's own parameters, interpreted by the scaffold.
 */
export function parseScaffoldText(
  text: string,
  file: string,
): { params?: Record<string, unknown>; diagnostics: ConfigDiagnostic[] } {
  const lines = new LineCounter();
  const rep = new Reporter(file, lines);
  const read = readMapping(text, rep, lines);
  return read ? { params: read.raw, diagnostics: rep.sorted() } : { diagnostics: rep.sorted() };
}
