// The grading glue that lives once in src/core: the grader built from a config (refusing an
// agent), the grading mode of a row, and the cost estimate behind VS Code's confirmation and
// `qed run --max-cost`.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadConfig } from '../../src/core/config';
import type { ModelConfig } from '../../src/core/config/types';
import { QedError } from '../../src/core/errors';
import { buildGrader, graderPlan, requireModelConfig } from '../../src/core/grade/grader';
import { gradingModeOf } from '../../src/core/grade/regrade';
import { describeEstimate, estimateRunCost } from '../../src/core/run/estimate';
import { estimateTokens } from '../../src/core/stats/rows';
import type { BoundClient } from '../../src/core/llm';
import { maxCostOf } from '../../src/cli/run';

const REPO = path.resolve(__dirname, '../..');
const SHIPPED = path.join(REPO, 'configs');
const opts = { cwd: REPO, shippedRoot: SHIPPED };
const fakeClient = {} as BoundClient;

describe('requireModelConfig: the one "agents cannot do this" check', () => {
  test('a model config passes; an agent config is refused with its file and what to use instead', async () => {
    const model = await loadConfig('openai/gpt-5-mini', opts);
    assert.equal(requireModelConfig(model, 'grading'), model);
    const agent = await loadConfig('agents/nano-rsa', opts);
    assert.throws(
      () => requireModelConfig(agent, 'grading'),
      (e: unknown) =>
        e instanceof QedError &&
        /agents\/nano-rsa' is an agent config; grading needs a model config/.test(e.message) &&
        /model_config/.test(e.hint ?? '') &&
        e.message.includes('nano-rsa.yaml'),
    );
  });
});

describe('buildGrader', () => {
  test('stamps the config, mode and shipped prompt; column overrides replace only what is given', async () => {
    const cfg = await loadConfig('openai/gpt-5', opts);
    const g = await buildGrader(
      cfg,
      { mode: 'final-answer', shippedRoot: SHIPPED, columns: { answer: 'gold', problem: undefined } },
      async () => fakeClient,
    );
    assert.ok(g);
    assert.equal(g.client, fakeClient);
    assert.equal(g.mode, 'final-answer');
    assert.equal(g.identity.config, 'openai/gpt-5');
    assert.equal(g.identity.mode, 'final-answer');
    assert.match(g.identity.prompt, /^configs\/prompts\//);
    assert.equal(g.columns.answer, 'gold');
    assert.equal(g.columns.problem, 'problem');
  });
  test('an agent is refused before a client is asked for; no client (the user gave up) gives undefined', async () => {
    let asked = 0;
    const agent = await loadConfig('agents/nano-deepseek', opts);
    await assert.rejects(
      buildGrader(agent, { mode: 'proof', shippedRoot: SHIPPED }, async () => (asked++, fakeClient)),
      /an agent config; grading needs a model config/,
    );
    assert.equal(asked, 0);
    const cfg = await loadConfig('openai/gpt-5', opts);
    assert.equal(await buildGrader(cfg, { mode: 'proof', shippedRoot: SHIPPED }, async () => undefined), undefined);
  });
  test('the identity is known before the client (regrade compares it with the row first)', async () => {
    const cfg = await loadConfig('openai/gpt-5', opts);
    const plan = await graderPlan(cfg, { mode: 'proofbench', shippedRoot: SHIPPED });
    assert.equal(plan.identity.mode, 'proofbench');
    assert.equal(plan.make(fakeClient).columns.grading, 'grading_scheme');
  });
});

describe('gradingModeOf: the one mode rule', () => {
  test('stamp first, then the columns', () => {
    assert.equal(gradingModeOf({ qed_grade: { mode: 'proofbench' }, judge_method: 'x' }), 'proofbench');
    assert.equal(gradingModeOf({ judge_method: 'deterministic' }), 'final-answer');
    assert.equal(gradingModeOf({ schema_0: [{ title: 'Answer Correctness' }] }), 'final-answer');
    assert.equal(gradingModeOf({ grading_scheme: '[]' }), 'proofbench');
    assert.equal(gradingModeOf({ grading_scheme: '[]', grading_guidelines: 'g' }), 'proof');
    assert.equal(gradingModeOf(undefined), 'proof');
  });
});

describe('estimateRunCost', () => {
  const cfg = { id: 'x/priced', maxTokens: 1000, readCost: 2, writeCost: 10 } as Pick<
    ModelConfig,
    'id' | 'maxTokens' | 'readCost' | 'writeCost'
  >;
  test('input tokens are counted as qed stats counts text (code points / 4); output = max_tokens', () => {
    const problems = ['Prove that 1 + 1 = 2.', 'Find all $x$ with $x^2 = 𝔸$.'];
    const template = 'Solve: {problem_statement}';
    const e = estimateRunCost(cfg, problems, template);
    const input = problems.reduce((s, p) => s + estimateTokens(template) + estimateTokens(p), 0);
    assert.equal(e.inputTokensPerRequest, input / 2);
    assert.equal(e.outputTokensPerRequest, 1000);
    assert.equal(e.usd, (input * 2 + 2 * 1000 * 10) / 1e6);
  });
  test('runs, agent calls per problem and an output-token setting scale it; max_tokens is capped at 32k', () => {
    const one = estimateRunCost(cfg, ['p'], 't');
    const e = estimateRunCost(cfg, ['p'], 't', { n: 4, callsPerProblem: 3 });
    assert.ok(Math.abs(e.usd - 12 * one.usd) < 1e-12);
    assert.equal(estimateRunCost(cfg, ['p'], 't', { outputTokens: 50 }).outputTokensPerRequest, 50);
    assert.equal(estimateRunCost({ ...cfg, maxTokens: 200_000 }, ['p'], 't').outputTokensPerRequest, 32_000);
    assert.equal(estimateRunCost({ ...cfg, maxTokens: undefined }, ['p'], 't').outputTokensPerRequest, 8000);
    assert.match(
      describeEstimate(e),
      /^1 problems × 4 run\(s\) × up to 3 agent calls, about \d+ input and up to 1000 output tokens each, at \$2 \/ \$10 per million tokens \(x\/priced\)$/,
    );
  });
  test('the CLI estimate: --max-cost takes an amount in USD and nothing else', () => {
    assert.equal(maxCostOf(undefined), undefined);
    assert.equal(maxCostOf('0.5'), 0.5);
    assert.equal(maxCostOf('0'), 0);
    for (const bad of ['', '-1', 'five', true]) assert.throws(() => maxCostOf(bad), /--max-cost|amount in USD/);
  });
});
