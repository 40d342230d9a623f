import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  AGENT_CONFIG_KEYS,
  KNOWN_APIS,
  MODEL_CONFIG_KEYS,
  configIdentity,
  listConfigs,
  loadConfig,
  parseConfigText,
  resolveConfigRef,
  validateConfigFile,
  type AgentConfig,
  type ConfigDiagnostic,
  type ModelConfig,
} from '../../src/core/config';
import { configSchemaText, keyTableMarkdown } from '../../src/core/config/schema';
import { QedError } from '../../src/core/errors';
import { walkYamlFilesSync } from '../../src/core/config/resolve';
import { editDistance } from '../../src/core/config/suggest';

const REPO = path.resolve(__dirname, '../..');
const SHIPPED = path.join(REPO, 'configs');
const FIXTURES = path.join(REPO, 'test/fixtures/configs');

const fixture = (name: string): { text: string; file: string } => {
  const file = path.join(FIXTURES, name);
  return { text: fs.readFileSync(file, 'utf8'), file };
};
const parse = (text: string, file = '/tmp/x.yaml') => parseConfigText(text, file);
const model = (text: string): ModelConfig => {
  const r = parse(text);
  assert.ok(r.config, `expected a config, got ${JSON.stringify(r.diagnostics)}`);
  assert.equal(r.config.kind, 'model');
  return r.config as ModelConfig;
};
const errors = (d: ConfigDiagnostic[]) => d.filter((x) => x.severity === 'error');
const warnings = (d: ConfigDiagnostic[]) => d.filter((x) => x.severity === 'warning');
const byKey = (d: ConfigDiagnostic[], key: string): ConfigDiagnostic => {
  const hit = d.find((x) => x.key === key);
  assert.ok(hit, `no diagnostic for '${key}' in ${JSON.stringify(d, null, 1)}`);
  return hit;
};

const temps: string[] = [];
const tempDir = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'qed-config-test-'));
  temps.push(d);
  return d;
};
const write = (root: string, rel: string, text: string): string => {
  const p = path.join(root, ...rel.split('/'));
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  return p;
};
after(() => {
  for (const d of temps) fs.rmSync(d, { recursive: true, force: true });
});

describe('normalisation', () => {
  test('a --<effort> suffix becomes the reasoning effort', () => {
    const c = model('model: gpt-5-nano--minimal\n');
    assert.equal(c.model, 'gpt-5-nano');
    assert.equal(c.reasoningEffort, 'minimal');
    assert.equal(model('model: gpt-5.1--high\n').reasoningEffort, 'high');
    // no suffix, or a dangling '--': left alone
    assert.equal(model('model: gpt-5\n').reasoningEffort, undefined);
    assert.equal(model('model: odd--\n').model, 'odd--');
  });

  test('an explicit reasoning_effort wins over the suffix (with a warning)', () => {
    const r = parse('model: gpt-5-nano--minimal\nreasoning_effort: high\n');
    assert.equal((r.config as ModelConfig).reasoningEffort, 'high');
    assert.equal((r.config as ModelConfig).model, 'gpt-5-nano');
    const w = byKey(r.diagnostics, 'reasoning_effort');
    assert.equal(w.severity, 'warning');
    assert.equal(w.line, 2);
    // agreeing values: no warning
    assert.equal(parse('model: gpt-5--high\nreasoning_effort: high\n').diagnostics.length, 0);
  });

  test('null and absent sampling parameters stay distinct', () => {
    const c = model('model: m\ntemperature: null\ntop_p: 0.9\n');
    assert.equal(c.temperature, null);
    assert.ok('temperature' in c);
    assert.equal(c.topP, 0.9);
    assert.equal(c.topK, undefined);
    assert.ok(!('topK' in c), 'absent top_k must not appear as a key');
    // an empty value is YAML null too
    assert.equal(model('model: m\ntop_k:\n').topK, null);
  });

  test('defaults', () => {
    const c = model('model: gpt-5-mini\n');
    assert.equal(c.api, 'openai');
    assert.equal(c.apiKeyEnv, 'OPENAI_API_KEY');
    assert.equal(c.baseUrl, undefined);
    assert.equal(c.concurrentRequests, 30);
    assert.equal(c.readCost, 1);
    assert.equal(c.writeCost, 1);
    assert.equal(c.timeoutSec, 18000);
    assert.equal(c.maxRetries, 6);
    assert.equal(c.sleepOnErrorSec, 2);
    assert.equal(c.sleepAfterRequestSec, 0);
    assert.equal(c.throwErrorOnFailure, false);
    assert.equal(c.useResponsesApi, false);
    assert.equal(c.background, false);
    assert.deepEqual(c.delimiters, []);
    assert.deepEqual(c.extraBody, {});
    assert.deepEqual(c.passthrough, {});
    assert.deepEqual(c.metadata, {});
    assert.equal(c.maxTokens, undefined);
  });

  test('providers: key variables and endpoints', () => {
    const cases: Array<[string, string, string | undefined]> = [
      ['openai', 'OPENAI_API_KEY', undefined],
      ['google', 'GOOGLE_API_KEY', undefined],
      ['together', 'TOGETHER_API_KEY', 'https://api.together.xyz/v1'],
      ['openrouter', 'OPENROUTER_API_KEY', 'https://openrouter.ai/api/v1'],
      ['xai', 'XAI_API_KEY', 'https://api.x.ai/v1'],
      ['deepseek', 'DEEPSEEK_API_KEY', 'https://api.deepseek.com'],
      ['glm', 'GLM_API_KEY', 'https://api.z.ai/api/paas/v4/'],
      ['anthropic', 'ANTHROPIC_API_KEY', 'https://api.anthropic.com'],
    ];
    for (const [api, env, url] of cases) {
      const c = model(`model: m\napi: ${api}\nmax_tokens: 100\n`);
      assert.equal(c.apiKeyEnv, env, api);
      assert.equal(c.baseUrl, url, api);
    }
    const custom = model('model: m\napi: custom\nbase_url: http://localhost:8000/v1\napi_key_env: VLLM_API_KEY\n');
    assert.equal(custom.apiKeyEnv, 'VLLM_API_KEY');
    assert.equal(custom.baseUrl, 'http://localhost:8000/v1');
    assert.equal(model('model: m\napi: custom\nbase_url: http://h:1/v1\n').apiKeyEnv, '');
    // api_key_env and base_url override any provider's defaults
    const t = model('model: m\napi: together\napi_key_env: MY_TOGETHER\nbase_url: https://proxy.example/v1\n');
    assert.equal(t.apiKeyEnv, 'MY_TOGETHER');
    assert.equal(t.baseUrl, 'https://proxy.example/v1');
  });

  test('every known key lands in its field; metadata is kept apart and never forwarded', () => {
    const { text, file } = fixture('full.yaml');
    const r = parseConfigText(text, file, 'fixtures/full');
    assert.deepEqual(r.diagnostics, []);
    const c = r.config as ModelConfig;
    assert.equal(c.id, 'fixtures/full');
    assert.equal(c.file, file);
    assert.equal(c.model, 'gpt-5-nano');
    assert.equal(c.reasoningEffort, 'minimal');
    assert.equal(c.maxTokens, 4096);
    assert.equal(c.temperature, null);
    assert.equal(c.topK, 20);
    assert.equal(c.concurrentRequests, 8);
    assert.equal(c.readCost, 0.05);
    assert.equal(c.writeCost, 0.4);
    assert.equal(c.useResponsesApi, true);
    assert.deepEqual(c.reasoning, { summary: 'auto' });
    assert.equal(c.background, true);
    assert.deepEqual(c.delimiters, ['</think>'], 'a single string becomes a one-element list');
    assert.deepEqual(c.extraBody, { chat_template_kwargs: { enable_thinking: true } });
    assert.equal(c.timeoutSec, 600);
    assert.equal(c.maxRetries, 3);
    assert.equal(c.sleepOnErrorSec, 1);
    assert.equal(c.sleepAfterRequestSec, 0.5);
    assert.equal(c.throwErrorOnFailure, true);
    assert.deepEqual(c.metadata, {
      human_readable_id: 'Nano',
      date: '2026-11-27',
      prompt_margin: 4096,
      model_revision: 'main',
    });
    assert.deepEqual(c.passthrough, { seed: 1 }, 'only unknown keys are forwarded');
    assert.equal(c.raw.model, 'gpt-5-nano--minimal', 'raw is the file as written');
    assert.equal(c.raw.human_readable_id, 'Nano');
  });

  test('tools, tool_choice and max_tool_calls', () => {
    const c = model('model: m\ntools: [{type: web_search}]\ntool_choice: auto\nmax_tool_calls: 3\n');
    assert.deepEqual(c.tools, [{ type: 'web_search' }]);
    assert.equal(c.toolChoice, 'auto');
    assert.equal(c.maxToolCalls, 3);
  });
});

describe('diagnostics', () => {
  test('unknown keys are forwarded; near-misses of known keys get a did-you-mean warning', () => {
    const { text, file } = fixture('unknown-keys.yaml');
    const r = parseConfigText(text, file);
    assert.equal(errors(r.diagnostics).length, 0);
    const c = r.config as ModelConfig;
    assert.deepEqual(c.passthrough, { max_token: 2048, top_a: 0.1, seed: 7, frobnicate: true, temprature: 0.3 });
    assert.equal(c.maxTokens, undefined, 'a misspelt key does not set the real one');
    const w = warnings(r.diagnostics);
    assert.deepEqual(
      w.map((d) => d.key),
      ['max_token', 'temprature'],
      'real request parameters (top_a, seed) and far-off keys (frobnicate) are not flagged',
    );
    assert.equal(w[0].message, "unknown key 'max_token' will be sent to the API as-is; did you mean 'max_tokens'?");
    assert.deepEqual([w[0].line, w[0].column, w[0].endLine, w[0].endColumn], [2, 1, 2, 10]);
    assert.equal(w[0].file, file);
    assert.match(w[1].message, /did you mean 'temperature'\?/);
    assert.equal(w[1].line, 6);
  });

  test('other spellings of our keys are recognised', () => {
    const w = (key: string) => warnings(parse(`model: m\n${key}: 1\n`).diagnostics)[0]?.message ?? '';
    assert.match(w('maxTokens'), /did you mean 'max_tokens'/);
    assert.match(w('max-tokens'), /did you mean 'max_tokens'/);
    assert.match(w('max_completion_tokens'), /did you mean 'max_tokens'/);
    assert.match(w('use_responses_api'), /did you mean 'use_openai_responses_api'/);
    assert.match(w('concurrent_request'), /did you mean 'concurrent_requests'/);
    assert.equal(w('min_p'), '');
  });

  test('broken YAML gives a positioned syntax error and no config', () => {
    const { text, file } = fixture('broken.yaml');
    const r = parseConfigText(text, file);
    assert.equal(r.config, undefined);
    const e = errors(r.diagnostics);
    assert.ok(e.length >= 1);
    assert.match(e[0].message, /^YAML syntax: /);
    assert.equal(e[0].file, file);
    assert.ok(e[0].line >= 3 && e[0].column >= 1, JSON.stringify(e[0]));
    // an unterminated quote points at the right line too
    const q = errors(parse('model: m\nbase_url: "http://x\n').diagnostics)[0];
    assert.ok(q.line >= 2, JSON.stringify(q));
    // duplicate keys are syntax errors on the second occurrence
    const dup = errors(parse('model: a\nmax_tokens: 1\nmax_tokens: 2\n').diagnostics)[0];
    assert.deepEqual([dup.line, dup.column], [3, 1]);
  });

  test('unknown api: error on the value, listing the known ones', () => {
    const { text, file } = fixture('unknown-api.yaml');
    const r = parseConfigText(text, file);
    assert.equal(r.config, undefined);
    const e = byKey(r.diagnostics, 'api');
    assert.equal(e.severity, 'error');
    assert.deepEqual([e.line, e.column, e.endLine, e.endColumn], [3, 8, 3, 14]);
    for (const api of KNOWN_APIS) assert.ok(e.message.includes(api), `message lists ${api}`);
    assert.match(e.message, /did you mean 'openai'/);
  });

  test('wrong types: one error per key, each on its value', () => {
    const { text, file } = fixture('wrong-types.yaml');
    const r = parseConfigText(text, file);
    assert.equal(r.config, undefined);
    const expectAt: Array<[string, number, number, RegExp]> = [
      ['max_tokens', 2, 13, /positive integer.*"lots"/],
      ['temperature', 3, 14, /number.*null.*"hot"/],
      ['concurrent_requests', 4, 22, /positive integer, got 0/],
      ['delimiters', 5, 13, /string or a list of/],
      ['extra_body', 6, 13, /mapping/],
      ['reasoning', 7, 12, /mapping/],
      ['background', 8, 13, /true or false.*write true or false/],
      ['top_p', 9, 8, /between 0 and 1/],
      ['read_cost', 10, 12, /≥ 0/],
    ];
    for (const [key, line, column, msg] of expectAt) {
      const d = byKey(r.diagnostics, key);
      assert.equal(d.severity, 'error', key);
      assert.deepEqual([d.line, d.column], [line, column], key);
      assert.match(d.message, msg, key);
    }
    assert.equal(errors(r.diagnostics).length, expectAt.length);
    // negative concurrency, quoted numbers (with a hint), non-integer budgets
    assert.match(
      byKey(parse('model: m\nconcurrent_requests: -4\n').diagnostics, 'concurrent_requests').message,
      /positive integer/,
    );
    assert.match(byKey(parse('model: m\nmax_tokens: "1000"\n').diagnostics, 'max_tokens').message, /remove the quotes/);
    assert.match(byKey(parse('model: m\nmax_tokens: 10.5\n').diagnostics, 'max_tokens').message, /positive integer/);
    assert.match(
      byKey(parse('model: m\ndelimiters: [</think>, 3]\n').diagnostics, 'delimiters').message,
      /list of non-empty strings/,
    );
    assert.match(byKey(parse('model: 12\n').diagnostics, 'model').message, /non-empty string/);
  });

  test('missing model: error at the top of the mapping', () => {
    const { text, file } = fixture('missing-model.yaml');
    const r = parseConfigText(text, file);
    assert.equal(r.config, undefined);
    const e = byKey(r.diagnostics, 'model');
    assert.equal(e.severity, 'error');
    assert.match(e.message, /missing required key 'model'/);
    assert.deepEqual([e.line, e.column], [2, 1], 'the first key, after the leading comment');
  });

  test('custom api without base_url is an error on the api value', () => {
    const { text, file } = fixture('custom-no-base-url.yaml');
    const r = parseConfigText(text, file);
    assert.equal(r.config, undefined);
    const e = byKey(r.diagnostics, 'api');
    assert.match(e.message, /needs a 'base_url'/);
    assert.deepEqual([e.line, e.column], [2, 6]);
    assert.match(
      byKey(parse('model: m\napi: custom\nbase_url: localhost:8000\n').diagnostics, 'base_url').message,
      /http/,
    );
  });

  test('api_key_env must be a variable name, and a pasted key is never echoed', () => {
    const secret = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789';
    const r = parse(`model: m\napi_key_env: ${secret}\n`);
    const e = byKey(r.diagnostics, 'api_key_env');
    assert.equal(e.severity, 'error');
    assert.deepEqual([e.line, e.column], [2, 14]);
    assert.match(e.message, /looks like a key/);
    assert.ok(!JSON.stringify(r.diagnostics).includes(secret));
    assert.equal(errors(parse('model: m\napi_key_env: 1ABC\n').diagnostics).length, 1);
    assert.equal(errors(parse('model: m\napi_key_env: MY-KEY\n').diagnostics).length, 1);
    // an api_key key in a config is refused outright
    const k = parse(`model: m\napi_key: ${secret}\n`);
    assert.equal(byKey(k.diagnostics, 'api_key').severity, 'error');
    assert.ok(!JSON.stringify(k.diagnostics).includes(secret));
  });

  test('not a mapping, empty file, unknown type', () => {
    assert.match(errors(parse('- a\n- b\n').diagnostics)[0].message, /mapping.*found a list/);
    assert.match(errors(parse('').diagnostics)[0].message, /empty/);
    assert.match(errors(parse('# only a comment\n').diagnostics)[0].message, /empty/);
    assert.match(errors(parse('just text\n').diagnostics)[0].message, /single value/);
    const t = byKey(parse('type: robot\nmodel: m\n').diagnostics, 'type');
    assert.deepEqual([t.line, t.column], [1, 7]);
    assert.ok(parse('type: model\nmodel: m\n').config);
  });

  test('consistency warnings: background without the Responses API; Gemini thinking settings', () => {
    const b = byKey(parse('model: m\nbackground: true\n').diagnostics, 'background');
    assert.equal(b.severity, 'warning');
    const g = parse(
      'model: gemini-2.5-pro\napi: google\nextra_body:\n  extra_body:\n    google:\n      thinking_config:\n        thinking_budget: lots\n',
    );
    const d = byKey(g.diagnostics, 'extra_body.extra_body.google.thinking_config.thinking_budget');
    assert.equal(d.severity, 'error');
    assert.deepEqual([d.line, d.column], [7, 26]);
  });

  test("Gemini tool settings: the original's tool_choice words are understood, anything else that is not a toolConfig object is flagged", () => {
    assert.deepEqual(
      parse('model: gemini-2.5-pro\napi: google\ntools:\n  - googleSearch: {}\ntool_choice: auto\nmax_tool_calls: 3\n')
        .diagnostics,
      [],
    );
    const g = parse('model: gemini-2.5-pro\napi: google\ntools:\n  - googleSearch: {}\ntool_choice: always\n');
    assert.match(byKey(g.diagnostics, 'tool_choice').message, /toolConfig object.*not sent/);
    assert.ok(g.diagnostics.every((d) => d.severity === 'warning'));
    const ok = parse('model: gemini-2.5-pro\napi: google\ntool_choice:\n  functionCallingConfig:\n    mode: ANY\n');
    assert.deepEqual(ok.diagnostics, []);
    assert.deepEqual(parse('model: gpt-5\napi: openai\ntool_choice: auto\nmax_tool_calls: 3\n').diagnostics, []);
  });

  test('never throws, whatever the input', () => {
    const samples = [
      '{',
      ']',
      ': :',
      '? [a]\n: b\n',
      '*alias',
      '&a [*a]',
      'a: !!binary xyz',
      '\t\t',
      '\u0000',
      'model: &m x\nother: *m\n',
      '[1, {a: 2}]',
      '"',
    ];
    for (const s of samples) {
      const r = parse(s);
      assert.ok(Array.isArray(r.diagnostics));
      for (const d of r.diagnostics) assert.ok(d.line >= 1 && d.column >= 1, JSON.stringify(d));
    }
  });

  test('edit distance counts a swap of neighbours as one edit', () => {
    assert.equal(editDistance('max_tokens', 'max_tokens'), 0);
    assert.equal(editDistance('max_token', 'max_tokens'), 1);
    assert.equal(editDistance('tpo_p', 'top_p'), 1);
    assert.equal(editDistance('', 'abc'), 3);
  });
});

describe('agent configs', () => {
  test('parse: references, extra models and overrides', () => {
    const r = parseConfigText(
      'type: agent\nmodel_config: models/openai/gpt-5-mini\nscaffold_config: agents/deepseek_math.yaml\nverifier_model: models/openai/gpt-5\npool_size: 8\nhuman_readable_id: A\n',
      '/tmp/a.yaml',
      'agents/a',
    );
    assert.deepEqual(r.diagnostics, []);
    const a = r.config as AgentConfig;
    assert.equal(a.kind, 'agent');
    assert.equal(a.modelConfig, 'models/openai/gpt-5-mini');
    assert.equal(a.scaffoldConfig, 'agents/deepseek_math');
    assert.deepEqual(a.extraModels, { verifier_model: 'models/openai/gpt-5' });
    assert.deepEqual(a.overrides, { pool_size: 8 });
    assert.deepEqual(a.metadata, { human_readable_id: 'A' });
  });

  test('missing required keys and wrong types', () => {
    const r = parse('type: agent\nmodel_config: 3\n');
    assert.equal(r.config, undefined);
    assert.deepEqual(byKey(r.diagnostics, 'model_config').line, 2);
    assert.match(byKey(r.diagnostics, 'scaffold_config').message, /needs 'scaffold_config'/);
    assert.match(
      byKey(parse('type: agent\nmodel_confg: x\nmodel_config: y\nscaffold_config: z\n').diagnostics, 'model_confg')
        .message,
      /did you mean 'model_config'/,
    );
  });

  test('a model_config that does not exist is an error on its value, when the configs root is known', async () => {
    const { text } = fixture('agent-missing-model-config.yaml');
    const r = parseConfigText(text, '/elsewhere/agent.yaml', 'x', { roots: [SHIPPED] });
    assert.equal(r.config, undefined);
    const e = byKey(r.diagnostics, 'model_config');
    assert.equal(e.severity, 'error');
    assert.deepEqual([e.line, e.column], [2, 15]);
    assert.match(e.message, /not found/);
    assert.ok(e.message.includes(path.join(SHIPPED, 'models', 'openai', 'does-not-exist.yaml')));
    assert.equal(
      r.diagnostics.filter((d) => d.key === 'scaffold_config').length,
      0,
      'the scaffold exists in the shipped configs',
    );

    // the same file placed in a workspace: validateConfigFile finds the root by itself
    const ws = tempDir();
    const file = write(ws, 'configs/models/agents/broken.yaml', text);
    const v = await validateConfigFile(file);
    assert.deepEqual(
      errors(v).map((d) => [d.key, d.line]),
      [
        ['model_config', 2],
        ['scaffold_config', 3],
      ],
      'without the shipped root, the scaffold cannot be found either',
    );
    const v2 = await validateConfigFile(file, { cwd: ws, shippedRoot: SHIPPED });
    assert.deepEqual(
      errors(v2).map((d) => d.key),
      ['model_config'],
    );
  });

  test('a reference written relative to configs/models gets a hint', () => {
    const r = parseConfigText(
      'type: agent\nmodel_config: openai/gpt-5-mini\nscaffold_config: agents/deepseek_math\n',
      '/x/a.yaml',
      'a',
      { roots: [SHIPPED] },
    );
    assert.match(byKey(r.diagnostics, 'model_config').message, /did you mean 'models\/openai\/gpt-5-mini'/);
  });

  test('an override that looks like a misspelt scaffold parameter gets a warning', () => {
    const r = parseConfigText(
      'type: agent\nmodel_config: models/custom/vllm-example\nscaffold_config: agents/deepseek_math\npool_sizes: 8\nmax_iterations: 3\n',
      '/x/a.yaml',
      'a',
      { roots: [SHIPPED] },
    );
    assert.ok(r.config);
    const w = warnings(r.diagnostics);
    assert.equal(w.length, 1);
    assert.match(
      w[0].message,
      /'pool_sizes' is not a parameter of scaffold 'agents\/deepseek_math'; did you mean 'pool_size'/,
    );
    assert.equal(w[0].line, 4);
  });

  test('loadConfig resolves an agent against its own configs root, then the shipped one', async () => {
    const ws = tempDir();
    write(
      ws,
      'configs/models/agents/mine.yaml',
      'type: agent\nmodel_config: models/local/m\nscaffold_config: agents/deepseek_math\n',
    );
    write(ws, 'configs/models/local/m.yaml', 'model: m\napi: custom\nbase_url: http://localhost:1/v1\n');
    const a = await loadConfig('agents/mine', { cwd: ws, shippedRoot: SHIPPED });
    assert.equal(a.kind, 'agent');
    assert.equal(a.id, 'agents/mine');
  });
});

describe('resolution', () => {
  const shippedFake = (): string => {
    const root = path.join(tempDir(), 'ext', 'configs');
    write(root, 'models/openai/gpt-5-mini.yaml', 'model: gpt-5-mini\nread_cost: 0.25\n');
    write(root, 'models/openai/o4-mini.yaml', 'model: o4-mini\n');
    write(root, 'models/google/gemini-2.5-pro.yml', 'model: gemini-2.5-pro\napi: google\n');
    return root;
  };

  test('workspace configs shadow shipped ones; shipped ones fill the gaps', async () => {
    const shippedRoot = shippedFake();
    const cwd = tempDir();
    const mine = write(cwd, 'configs/models/openai/gpt-5-mini.yaml', 'model: gpt-5-mini\nread_cost: 9\n');
    const r = resolveConfigRef('openai/gpt-5-mini', { cwd, shippedRoot });
    assert.deepEqual(r, {
      file: mine,
      id: 'openai/gpt-5-mini',
      origin: 'workspace',
      configsRoot: path.join(cwd, 'configs'),
    });
    assert.equal(((await loadConfig('openai/gpt-5-mini', { cwd, shippedRoot })) as ModelConfig).readCost, 9);
    const s = resolveConfigRef('openai/o4-mini', { cwd, shippedRoot });
    assert.equal(s.origin, 'shipped');
    assert.equal(s.file, path.join(shippedRoot, 'models/openai/o4-mini.yaml'));
    // .yml works too
    assert.equal(resolveConfigRef('google/gemini-2.5-pro', { cwd, shippedRoot }).origin, 'shipped');
  });

  test('accepted spellings: models/ prefix, extension, relative and absolute paths', () => {
    const shippedRoot = shippedFake();
    const cwd = tempDir();
    const opts = { cwd, shippedRoot };
    const expected = path.join(shippedRoot, 'models/openai/o4-mini.yaml');
    for (const ref of [
      'openai/o4-mini',
      'models/openai/o4-mini',
      'openai/o4-mini.yaml',
      'models/openai/o4-mini.yaml',
      expected,
    ]) {
      const r = resolveConfigRef(ref, opts);
      assert.equal(r.file, expected, ref);
      assert.equal(r.id, 'openai/o4-mini', ref);
    }
    const loose = write(cwd, 'experiments/try.yaml', 'model: x\n');
    for (const ref of ['experiments/try.yaml', './experiments/try.yaml', './experiments/try', 'experiments/try']) {
      const r = resolveConfigRef(ref, opts);
      assert.equal(r.file, loose, ref);
      assert.equal(r.origin, 'path', ref);
    }
    assert.equal(resolveConfigRef(loose, opts).id, loose, 'outside configs/models the id is the reference as given');
    // a path into some configs/models folder still gets a short id
    const other = write(tempDir(), 'configs/models/vllm/q.yaml', 'model: q\n');
    assert.equal(resolveConfigRef(other, opts).id, 'vllm/q');
  });

  test('not found: lists every place it looked and suggests qed config list', () => {
    const shippedRoot = shippedFake();
    const cwd = tempDir();
    assert.throws(
      () => resolveConfigRef('openai/o4-mnii', { cwd, shippedRoot }),
      (e: unknown) => {
        assert.ok(e instanceof QedError);
        assert.ok(e.message.includes(path.join(cwd, 'configs', 'models', 'openai', 'o4-mnii.yaml')), e.message);
        assert.ok(e.message.includes(path.join(shippedRoot, 'models', 'openai', 'o4-mnii.yaml')), e.message);
        assert.match(e.message, /qed config list/);
        assert.match(e.message, /did you mean 'openai\/o4-mini'/);
        return true;
      },
    );
    assert.throws(() => resolveConfigRef('', { cwd, shippedRoot }), QedError);
    assert.throws(() => resolveConfigRef('/no/such/file.yaml', { cwd, shippedRoot }), /looked for/);
  });

  test('loadConfig throws one QedError listing every error with file:line:column; warnings pass', async () => {
    const cwd = tempDir();
    const file = write(cwd, 'configs/models/bad/two.yaml', 'model: m\nmax_tokens: lots\napi: nope\n');
    await assert.rejects(loadConfig('bad/two', { cwd, shippedRoot: SHIPPED }), (e: unknown) => {
      assert.ok(e instanceof QedError);
      assert.deepEqual(e.location, { file, line: 2, column: 13, field: 'max_tokens' });
      assert.ok(e.message.startsWith(`${file}:2:13: 'max_tokens': `), e.message);
      assert.ok(e.message.includes(`${file}:3:6: error: 'api': unknown api 'nope'`), e.message);
      return true;
    });
    write(cwd, 'configs/models/ok/warn.yaml', 'model: m\nmax_token: 5\n');
    const c = (await loadConfig('ok/warn', { cwd, shippedRoot: SHIPPED })) as ModelConfig;
    assert.deepEqual(c.passthrough, { max_token: 5 });
  });
});

describe('listing', () => {
  test('workspace and shipped, shadowed by id, grouped and sorted', async () => {
    const cwd = tempDir();
    write(cwd, 'configs/models/openai/gpt-5-mini.yaml', 'model: gpt-5-mini\nhuman_readable_id: Mine\n');
    write(cwd, 'configs/models/zeta/broken.yaml', 'model: [\n');
    write(cwd, 'configs/models/acme/thing.yaml', 'model: thing\napi: nope\n');
    const all = await listConfigs({ cwd, shippedRoot: SHIPPED });
    const ids = all.map((c) => c.id);
    assert.equal(new Set(ids).size, ids.length, 'no duplicate ids');
    const mini = all.find((c) => c.id === 'openai/gpt-5-mini')!;
    assert.equal(mini.origin, 'workspace');
    assert.equal(mini.name, 'Mine');
    assert.equal(all.find((c) => c.id === 'openai/gpt-5')!.origin, 'shipped');
    const groups = all.map((c) => c.group);
    assert.deepEqual(
      groups,
      [...groups].sort((a, b) => a.localeCompare(b)),
      'sorted by group',
    );
    assert.ok(ids.indexOf('acme/thing') < ids.indexOf('openai/gpt-5'));
    const agent = all.find((c) => c.id === 'agents/nano-deepseek')!;
    assert.equal(agent.kind, 'agent');
    const thing = all.find((c) => c.id === 'acme/thing')!;
    assert.equal(thing.model, 'thing', 'api/model are shown even for a config with errors');
    assert.equal(errors(thing.diagnostics).length, 1);
    assert.equal(errors(all.find((c) => c.id === 'zeta/broken')!.diagnostics).length > 0, true);
  });
});

describe('JSON configs', () => {
  test('a .json model config is listed, resolved by id and read like YAML, with positions', async () => {
    const cwd = tempDir();
    write(
      cwd,
      'configs/models/lab/json-model.json',
      '{\n  "model": "m-1",\n  "api": "custom",\n  "base_url": "http://127.0.0.1:9/v1",\n  "read_cost": 1\n}\n',
    );
    write(cwd, 'configs/models/lab/bad.json', '{\n  "model": "m",\n  "api": "opnai"\n}\n');
    const all = await listConfigs({ cwd, shippedRoot: SHIPPED });
    assert.equal(all.find((c) => c.id === 'lab/json-model')?.model, 'm-1');
    assert.equal(
      all.find((c) => c.id === 'openai/gpt-5')?.keyEnv,
      'OPENAI_API_KEY',
      'the variable a config reads its key from',
    );
    const c = (await loadConfig('lab/json-model', { cwd, shippedRoot: SHIPPED })) as ModelConfig;
    assert.equal(c.model, 'm-1');
    assert.equal(c.api, 'custom');
    await assert.rejects(loadConfig('lab/bad', { cwd, shippedRoot: SHIPPED }), (e: Error) => {
      assert.match(e.message, /bad\.json:3:\d+: 'api': unknown api 'opnai'.*did you mean 'openai'/);
      return true;
    });
  });
});

describe('schema', () => {
  const schema = JSON.parse(fs.readFileSync(path.join(SHIPPED, 'schema/model-config.schema.json'), 'utf8'));
  const modelDef = schema.definitions.modelConfig;
  const agentDef = schema.definitions.agentConfig;

  test('the schema file and the README key table are what the build writes from the key table', () => {
    assert.equal(
      fs.readFileSync(path.join(SHIPPED, 'schema/model-config.schema.json'), 'utf8'),
      configSchemaText(),
      'run node esbuild.mjs',
    );
    const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
    assert.ok(readme.includes(keyTableMarkdown()), 'README key table is current (run node esbuild.mjs)');
    for (const k of MODEL_CONFIG_KEYS) assert.ok(keyTableMarkdown().includes(`| \`${k}\` |`), k);
  });

  test('knows exactly the keys the parser knows (no drift)', () => {
    assert.deepEqual(Object.keys(modelDef.properties).sort(), [...MODEL_CONFIG_KEYS].sort());
    assert.deepEqual(Object.keys(agentDef.properties).sort(), [...AGENT_CONFIG_KEYS].sort());
    assert.deepEqual(modelDef.properties.api.enum, [...KNOWN_APIS]);
  });

  test('is draft-07, documents every key, forwards unknown keys, and switches on type: agent', () => {
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    for (const def of [modelDef, agentDef]) {
      assert.equal(def.additionalProperties, true);
      for (const [k, v] of Object.entries(def.properties as Record<string, { description?: string }>)) {
        assert.ok(v.description && v.description.length > 10, `${k} has a description`);
      }
    }
    assert.deepEqual(modelDef.required, ['model']);
    assert.deepEqual(schema.if.properties.type, { const: 'agent' });
    assert.equal(schema.then.$ref, '#/definitions/agentConfig');
    assert.equal(schema.else.$ref, '#/definitions/modelConfig');
  });
});

describe('shipped configs', () => {
  const files = walkYamlFilesSync(path.join(SHIPPED, 'models'));

  test('every shipped config validates with no error and no warning', async () => {
    assert.ok(files.length >= 14, `found ${files.length}`);
    for (const f of [...files, ...walkYamlFilesSync(path.join(SHIPPED, 'agents'))]) {
      assert.deepEqual(await validateConfigFile(f, { shippedRoot: SHIPPED }), [], f);
    }
    for (const c of await listConfigs({ cwd: tempDir(), shippedRoot: SHIPPED })) {
      assert.deepEqual(c.diagnostics, [], c.id);
      assert.equal(c.origin, 'shipped');
    }
  });

  test('each model config states prices, a date and a display name; the required ones are there', async () => {
    const ids = new Set<string>();
    for (const f of files) {
      const c = await loadConfig(f, { cwd: tempDir(), shippedRoot: SHIPPED });
      ids.add(c.id);
      assert.equal(typeof c.raw.human_readable_id, 'string', f);
      assert.match(String(c.raw.date), /^\d{4}-\d{2}-\d{2}$/, f);
      if (c.kind === 'model') {
        assert.equal(typeof c.raw.read_cost, 'number', f);
        assert.equal(typeof c.raw.write_cost, 'number', f);
      }
    }
    for (const id of [
      'openai/gpt-5',
      'openai/gpt-5-mini',
      'openai/gpt-5-nano',
      'openai/o4-mini',
      'openai/gpt-5-pro',
      'google/gemini-2.5-pro',
      'google/gemini-2.5-flash',
      'google/gemini-3-pro',
      'together/deepseek-r1',
      'together/gpt-oss-120b',
      'openrouter/claude-sonnet-4.5',
      'openrouter/grok-4',
      'custom/vllm-example',
      'agents/nano-deepseek',
    ])
      assert.ok(ids.has(id), id);
    const nano = (await loadConfig('openai/gpt-5-nano', { cwd: tempDir(), shippedRoot: SHIPPED })) as ModelConfig;
    assert.deepEqual([nano.model, nano.reasoningEffort], ['gpt-5-nano', 'minimal']);
    const pro = (await loadConfig('openai/gpt-5-pro', { cwd: tempDir(), shippedRoot: SHIPPED })) as ModelConfig;
    assert.deepEqual([pro.useResponsesApi, pro.background, pro.reasoning], [true, true, { summary: 'auto' }]);
    const vllm = (await loadConfig('custom/vllm-example', { cwd: tempDir(), shippedRoot: SHIPPED })) as ModelConfig;
    assert.deepEqual(
      [vllm.baseUrl, vllm.apiKeyEnv, vllm.topK, vllm.delimiters, vllm.readCost, vllm.writeCost],
      ['http://localhost:8000/v1', 'VLLM_API_KEY', 20, ['</think>'], 0, 0],
    );
  });
});

describe('configIdentity', () => {
  const base = 'model: gpt-5-nano--minimal\nmax_tokens: 1000\ntemperature: 0.2\n';
  const id = (text: string) => configIdentity(model(text));

  test('is a stable sha256 hex digest', () => {
    assert.match(id(base), /^[0-9a-f]{64}$/);
    assert.equal(id(base), id(base));
  });

  test('ignores prices, concurrency, timeouts, retries, metadata and key order', () => {
    const same = [
      `${base}read_cost: 5\nwrite_cost: 50\n`,
      `${base}concurrent_requests: 2\ntimeout: 10\nmax_retries: 1\nsleep_on_error: 9\nsleep_after_request: 1\nthrow_error_on_failure: true\n`,
      `${base}human_readable_id: X\ndate: "2026-01-01"\nprompt_margin: 5\nmodel_revision: abc\n`,
      'temperature: 0.2\nmax_tokens: 1000\nmodel: gpt-5-nano\nreasoning_effort: minimal\n',
    ];
    for (const t of same) assert.equal(id(t), id(base), t);
    // id and file do not matter either
    const a = model(base);
    assert.equal(configIdentity({ ...a, id: 'other', file: '/elsewhere.yaml' }), configIdentity(a));
  });

  test('changes with anything that changes the output', () => {
    const different = [
      base.replace('0.2', '0.3'),
      base.replace('temperature: 0.2', 'temperature: null'),
      base.replace('temperature: 0.2\n', ''),
      base.replace('1000', '2000'),
      base.replace('--minimal', '--high'),
      `${base}top_p: 0.9\n`,
      `${base}seed: 3\n`,
      `${base}delimiters: </think>\n`,
      `${base}use_openai_responses_api: true\n`,
      `${base}extra_body: {a: 1}\n`,
      `${base}api: together\n`,
    ];
    const seen = new Set([id(base)]);
    for (const t of different) {
      const h = id(t);
      assert.ok(!seen.has(h), t);
      seen.add(h);
    }
  });
});

test('foreignKeyHost: a key bound for a host that is not the provider’s own is flagged; loopback and keyless are not', async () => {
  const { foreignKeyHost } = await import('../../src/core/config');
  assert.equal(foreignKeyHost({ api: 'openai', apiKeyEnv: 'OPENAI_API_KEY' }), undefined);
  assert.equal(
    foreignKeyHost({ api: 'openai', baseUrl: 'https://api.openai.com/v1', apiKeyEnv: 'OPENAI_API_KEY' }),
    undefined,
  );
  assert.equal(
    foreignKeyHost({ api: 'openai', baseUrl: 'https://gateway.example.org/v1', apiKeyEnv: 'OPENAI_API_KEY' }),
    'gateway.example.org',
  );
  assert.equal(
    foreignKeyHost({ api: 'together', baseUrl: 'https://api.together.xyz/v1', apiKeyEnv: 'TOGETHER_API_KEY' }),
    undefined,
  );
  assert.equal(
    foreignKeyHost({ api: 'custom', baseUrl: 'http://127.0.0.1:8000/v1', apiKeyEnv: 'VLLM_API_KEY' }),
    undefined,
  );
  assert.equal(
    foreignKeyHost({ api: 'custom', baseUrl: 'http://localhost:8000/v1', apiKeyEnv: 'VLLM_API_KEY' }),
    undefined,
  );
  assert.equal(
    foreignKeyHost({ api: 'custom', baseUrl: 'http://gpu-node-7:8000/v1', apiKeyEnv: 'VLLM_API_KEY' }),
    'gpu-node-7',
  );
  assert.equal(foreignKeyHost({ api: 'custom', baseUrl: 'http://gpu-node-7:8000/v1', apiKeyEnv: '' }), undefined);
});
