/**
 * Agent scaffolds end to end: `qed run` with an agent config, the real openai SDK, and the
 * loopback fake LLM server answering by the prompt it receives. For each scaffold the number and
 * kinds of calls match its algorithm for the parameters given, the answer is the one the scores
 * imply, and the trace says so. Then resume after kill -9, the shared request budget, bad input,
 * and grading an agent's results.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeLlmServer, type FakeStep, type RecordedRequest } from '../fake-llm/server';
import { qed, readJsonl, stopAfter, workspace } from './helpers';

let server: FakeLlmServer;
let answer: ((r: RecordedRequest) => FakeStep | undefined) | undefined;

before(async () => {
  server = await FakeLlmServer.start({ reply: (r) => answer?.(r) });
});
after(async () => {
  await server.close();
});

const model = (over = ''): string =>
  `model: fake-model\napi: custom\nbase_url: ${server.url}/v1\nread_cost: 1\nwrite_cost: 2\nconcurrent_requests: 16\nmax_retries: 2\nsleep_on_error: 0.01\n${over}`;
const problems = (n: number): string =>
  Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      problem_id: `P${i + 1}`,
      problem: `Problem number ${i + 1}.`,
      solution: 'A reference proof.',
      grading_guidelines: 'any proof',
    }),
  ).join('\n') + '\n';
const lastUser = (r: RecordedRequest): string => {
  const msgs = (r.body?.messages ?? []) as Array<{ role: string; content: string | null }>;
  return [...msgs].reverse().find((m) => m.role === 'user')?.content ?? '';
};
const chat = () => server.requestsOf('chat');

interface Step {
  kind: string;
  label: string;
  candidate?: string;
  of?: string[];
  score?: number;
  verdict?: string;
  note?: string;
  h?: number;
  cost?: number;
  reused?: boolean;
}
interface Trace {
  scaffold: string;
  steps: Step[];
  final?: { candidate?: string; score?: number; note: string };
}
const traceOf = (row: Record<string, unknown>) => row.agent_trace as Trace;
const kinds = (t: Trace): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const s of t.steps) out[s.kind] = (out[s.kind] ?? 0) + 1;
  return out;
};
const calls = (t: Trace) => t.steps.filter((s) => s.h !== undefined);

/** Runs one agent over `n` problems in a fresh workspace holding the given scaffold files. */
async function runAgent(files: Record<string, string>, agent: string, n = 1, extra: string[] = []) {
  const ws = workspace({ 'configs/models/test/fake.yaml': model(), 'data.jsonl': problems(n), ...files });
  server.clearRequests();
  const r = await qed(
    [
      'run',
      '--model-config',
      agent,
      '--data-path',
      'data.jsonl',
      '--output-path',
      'out/run.jsonl',
      '--quiet',
      ...extra,
    ],
    { cwd: ws },
  );
  return { ws, r, rows: existsSync(join(ws, 'out/run.jsonl')) ? readJsonl(join(ws, 'out/run.jsonl')) : [] };
}

/** Every row: costs of the steps add up to cost_run, each call has its history entry. */
function checkBookkeeping(row: Record<string, unknown>): void {
  const t = traceOf(row);
  const cost = row.cost_run as { cost: number; input_tokens: number };
  const sum = t.steps.reduce((a, s) => a + (s.cost ?? 0), 0);
  assert.ok(Math.abs(sum - cost.cost) < 1e-12, `steps ${sum} vs cost_run ${cost.cost}`);
  const history = row.history as Array<{ step: string; messages: Array<{ role: string; content: string }> }>;
  assert.equal(history.length, calls(t).length);
  for (const s of calls(t)) assert.equal(history[s.h!].messages.at(-1)?.role, 'assistant');
}

const agentCfg = (scaffold: string, over = '') =>
  `type: agent\nmodel_config: models/test/fake\nscaffold_config: agents/${scaffold}\n${over}`;

describe('agent scaffolds', () => {
  test('deepseek_math: early stop when a proof averages 1; the call counts follow the parameters', async () => {
    const scaffold = `scaffold_name: deepseek_agent\npool_size: 3\nverification_pool_size: 2\nverifications_per_refinement: 1\nmax_iterations: 2\ngeneration_prompt: "GEN {question}"\nverifier_prompt: "VERIFY {proof} FOR {question} as \\\\boxed{{score}}"\nrefinement_prompt: "REFINE {proof} WITH {proof_analysis} AFTER {proof_generation_prompt}"\n`;
    let gen = 0;
    answer = (r) => {
      const u = lastUser(r);
      if (u.startsWith('GEN')) return { text: `## Solution\nProof G${++gen} body.\n## Self Evaluation\nfine` };
      if (u.startsWith('VERIFY'))
        return {
          text: u.includes('G2')
            ? 'solid. \\boxed{1}'
            : u.includes('G3')
              ? 'I cannot score this.'
              : 'gaps. \\boxed{0.5}',
        };
      return undefined;
    };
    const { r, rows } = await runAgent(
      { 'configs/agents/ds.yaml': scaffold, 'configs/models/agents/ds.yaml': agentCfg('ds') },
      'agents/ds',
    );
    assert.equal(r.code, 0, r.stderr);
    const t = traceOf(rows[0]);
    assert.equal(t.scaffold, 'deepseek_agent');
    assert.deepEqual(kinds(t), { generate: 3, verify: 6, filter: 1, select: 1 });
    assert.equal(chat().length, 9);
    assert.equal(rows[0].model_solution, 'Proof G2 body.');
    const winner = t.steps.find((s) => s.kind === 'generate' && s.candidate === t.final?.candidate)!;
    assert.equal(
      (rows[0].history as Array<{ messages: Array<{ content: string }> }>)[winner.h!].messages
        .at(-1)
        ?.content.includes('G2'),
      true,
    );
    assert.equal(t.final?.score, 1);
    const unscored = t.steps.filter((s) => s.kind === 'verify' && s.note?.includes('counted as 0'));
    assert.equal(unscored.length, 2, 'the two verifications without a score are marked');
    checkBookkeeping(rows[0]);
  });

  test('deepseek_math: refinement with the lowest-scoring verification, new proofs verified, best mean wins', async () => {
    const scaffold = `scaffold_name: deepseek_agent\npool_size: 2\nverification_pool_size: 2\nverifications_per_refinement: 1\nmax_iterations: 2\ngeneration_prompt: "GEN {question}"\nverifier_prompt: "VERIFY {proof}"\nrefinement_prompt: "REFINE {proof} WITH {proof_analysis}"\n`;
    let gen = 0;
    let ver = 0;
    answer = (r) => {
      const u = lastUser(r);
      if (u.startsWith('GEN')) return { text: `## Solution\nDraft D${++gen}.` };
      if (u.startsWith('REFINE')) return { text: `## Solution\nRefined from ${u.includes('D1') ? 'D1' : 'D2'}.` };
      if (u.startsWith('VERIFY')) {
        if (u.includes('Refined from D1')) return { text: 'now right \\boxed{1}' };
        if (u.includes('Refined')) return { text: 'still wrong \\boxed{0}' };
        // Each draft gets one 0.5 and one 0 (LOW marks the lowest), in arrival order.
        return { text: ++ver % 2 ? `meh \\boxed{0.5}` : `LOW-${u.includes('D1') ? 'D1' : 'D2'} \\boxed{0}` };
      }
      return undefined;
    };
    const { r, rows } = await runAgent(
      { 'configs/agents/ds.yaml': scaffold, 'configs/models/agents/ds.yaml': agentCfg('ds') },
      'agents/ds',
    );
    assert.equal(r.code, 0, r.stderr);
    const t = traceOf(rows[0]);
    // 2 drafts + 4 verifications, then round 1: 2 refinements + 4 verifications; the refined D1 scores 1: stop.
    assert.deepEqual(kinds(t), { generate: 2, verify: 8, select: 2, refine: 2, filter: 1 });
    assert.equal(chat().length, 12);
    assert.equal(rows[0].model_solution, 'Refined from D1.');
    assert.equal(t.final?.score, 1);
    for (const req of chat().filter((q) => lastUser(q).startsWith('REFINE'))) {
      const u = lastUser(req);
      assert.match(u, /### Verification 1 ###\nLOW-D[12]/, 'each refinement is given its lowest-scoring verification');
      assert.equal(u.includes(u.includes('Draft D1') ? 'LOW-D1' : 'LOW-D2'), true);
    }
    checkBookkeeping(rows[0]);
  });

  test('nomos: scores out of 7, best kept, consolidation, a pairwise knockout picks the winner', async () => {
    const scaffold = `scaffold_name: nomos\nn_solutions_to_generate: 4\nmax_kept_solutions: 3\ntarget_perfect_scores: 2\nscore_prompt: "SCORE {answer}"\nconsolidation_prompt: "GROUP {submissions}"\npairwise_prompt: "PAIR A<<{submission1}>> B<<{submission2}>>"\n`;
    let n = 0;
    answer = (r) => {
      const u = lastUser(r);
      if (u.startsWith('SCORE'))
        return {
          text: u.includes('S1')
            ? '\\boxed{7}'
            : u.includes('S2')
              ? '\\boxed{3}'
              : u.includes('S4')
                ? '\\boxed{5}'
                : 'no idea',
        };
      if (u.startsWith('GROUP')) return { text: 'two agree <keep>[1, 2]</keep>' };
      if (u.startsWith('PAIR')) return { text: `<verdict>${/A<<[^>]*S4/.test(u) ? 1 : 2}</verdict>` };
      return { text: `Solution S${++n}.` };
    };
    const { r, rows } = await runAgent(
      { 'configs/agents/nm.yaml': scaffold, 'configs/models/agents/nm.yaml': agentCfg('nm') },
      'agents/nm',
    );
    assert.equal(r.code, 0, r.stderr);
    const t = traceOf(rows[0]);
    assert.deepEqual(kinds(t), { generate: 4, score: 4, filter: 1, consolidate: 1, compare: 1, select: 1 });
    assert.equal(chat().length, 10);
    // Kept by score: S1 (7), S4 (5), S2 (3); the grouping keeps submissions 1 and 2 = S1, S4; S4 wins.
    assert.equal(rows[0].model_solution, 'Solution S4.');
    const group = chat().find((q) => lastUser(q).startsWith('GROUP'))!;
    assert.ok(
      lastUser(group).indexOf('S1') < lastUser(group).indexOf('S4') &&
        lastUser(group).indexOf('S4') < lastUser(group).indexOf('S2'),
    );
    assert.equal(t.steps.filter((s) => s.kind === 'score' && s.note).length, 1, 'the grade without a score is marked');
    assert.equal(t.final?.score, 5);
    checkBookkeeping(rows[0]);
  });

  test('reasoning_cache: solve → summarise → solve from the summary; the chain of thought is what gets summarised', async () => {
    const scaffold = `scaffold_name: rc\nn_iterations: 3\nsolve_prompt: "SOLVE {problem} SUMMARY[{curr_summary}]"\nsummarization_prompt: "SUMMARISE {reasoning} AFTER {existing_summary}"\n`;
    let k = 0;
    answer = (r) => {
      const u = lastUser(r);
      if (u.startsWith('SUMMARISE')) return { text: `summary of (${u.slice(10, 22)})` };
      k++;
      return { text: `Attempt ${k}.`, reasoning: `thinking ${k}` };
    };
    const { r, rows } = await runAgent(
      {
        'configs/agents/rc.yaml': scaffold,
        'configs/models/agents/rc.yaml': agentCfg('rc', 'reasoning_effort: high\n'),
      },
      'agents/rc',
    );
    assert.equal(r.code, 0, r.stderr);
    const t = traceOf(rows[0]);
    assert.deepEqual(kinds(t), { generate: 3, summarize: 2, select: 1 });
    const seen = chat().map(lastUser);
    assert.match(seen[0], /SUMMARY\[\[No previous summary\]\]/);
    assert.match(seen[1], /^SUMMARISE thinking 1/);
    assert.match(seen[2], /SUMMARY\[summary of \(thinking 1/);
    assert.equal(rows[0].model_solution, 'Attempt 3.');
    checkBookkeeping(rows[0]);
  });

  test('selfcheck: verify → yes/no → correct with the bug report, stops after enough passes in a row', async () => {
    const scaffold = `scaffold_name: selfcheck\ncorrect_count: 2\nerror_count: 3\nmax_iterations: 10\nreturn_if_not_found: false\nprompts:\n  system: SYSTEM\n  self_improvement: IMPROVE\n  correction: CORRECT\n  verification_system: VERIFIER\n  verification_reminder: REMIND\n`;
    let checks = 0;
    answer = (r) => {
      const msgs = r.body.messages as Array<{ role: string; content: string }>;
      const u = lastUser(r);
      if (msgs[0].content === 'VERIFIER') return { text: `Summary: a gap.\nDetailed Verification Log\nstep by step` };
      if (/yes|no/.test(u) && u.includes('Detailed Verification Log')) return { text: ++checks === 1 ? 'no' : 'yes' };
      if (u === 'IMPROVE') return { text: 'Summary\nDetailed Solution\nImproved v1.' };
      if (u.startsWith('CORRECT'))
        return {
          text: `<think>hmm</think>Summary\nDetailed Solution\nCorrected v2 (${u.includes('a gap') ? 'saw report' : 'no report'}).`,
        };
      return { text: 'First v0.' };
    };
    const { r, rows } = await runAgent(
      { 'configs/agents/sc.yaml': scaffold, 'configs/models/agents/sc.yaml': agentCfg('sc') },
      'agents/sc',
    );
    assert.equal(r.code, 0, r.stderr);
    const t = traceOf(rows[0]);
    // init (2 calls); round 1 verify+check (no) + correction; rounds 2, 3 verify+check (yes, yes).
    assert.deepEqual(kinds(t), { generate: 1, improve: 1, verify: 3, check: 3, correct: 1, select: 1 });
    assert.equal(chat().length, 9);
    assert.equal(rows[0].model_solution, 'Summary\nDetailed Solution\nCorrected v2 (saw report).');
    assert.deepEqual(
      t.steps.filter((s) => s.kind === 'check').map((s) => s.verdict),
      ['no', 'yes', 'yes'],
    );
    // The verifier sees only the part after "Detailed Solution".
    const lastVerify = chat()
      .filter((q) => (q.body.messages as Array<{ content: string }>)[0].content === 'VERIFIER')
      .at(-1)!;
    assert.ok(
      !lastUser(lastVerify).includes('Summary\nDetailed Solution') && lastUser(lastVerify).includes('Corrected v2'),
    );
    checkBookkeeping(rows[0]);
  });
});

/** A small core-components file with markers the fake answers by. */
const CORE = `solver:
  sysprompt: SOLVER
  prompt: "SOLVE {problem_statement}"
  output_format: "Solution {solution_id}: {solution} ({tool_calls} left)"
  name: solver_agent
  description: writes a solution
verifier:
  sysprompt: VERIFIER
  prompt: "CHECK {solution}"
  output_format: "Report {verification_id}: {verification}"
  name: verification_agent
  description: checks a solution
  properties:
    solution_id: {type: string}
improver:
  prompt: "FIX {bug_report}"
  output_format: "Solution {solution_id}: {solution}"
  name: improver_agent
  description: improves
  properties:
    solution_id: {type: string}
    verification_id: {type: string}
selector:
  sysprompt: SELECTOR
  solution_format: "[{index}] {solution}"
  prompt: "PICK {solutions}"
  output_format: "Chosen {solution_id}"
  name: selector_agent
  description: selects
  properties:
    solution_ids: {type: array, items: {type: string}}
merger:
  sysprompt: MERGER
  solution_format: "[{index}] {solution}"
  prompt: "MERGE {solutions}"
  output_format: "Solution {solution_id}: {solution}"
  name: merger_agent
  description: merges
  properties:
    solution_ids: {type: array, items: {type: string}}
`;

const sys = (r: RecordedRequest) => (r.body.messages as Array<{ content: string }>)[0].content;

describe('agent scaffolds on the core components', () => {
  test('static_math_agent: branches of solve → verify → improve, merged, then one selection', async () => {
    const scaffold = `scaffold_name: static_math_agent\ncore_components: configs/agents/core.yaml\nmax_concurrent_calls: 3\nn_approach_solutions: 0\nn_no_approach_solutions: 2\nmerge_solutions: true\nuse_no_approach: true\nn_solutions_per_approach: 2\nn_verifications_per_solution: 1\n`;
    let n = 0;
    answer = (r) => {
      const s = sys(r);
      if (s === 'SELECTOR') return { text: 'the second \\boxed{B}' };
      if (s === 'MERGER') return { text: `Merged ${++n}` };
      return { text: `${s} reply ${lastUser(r).length}` };
    };
    const { r, rows } = await runAgent(
      {
        'configs/agents/core.yaml': CORE,
        'configs/agents/st.yaml': scaffold,
        'configs/models/agents/st.yaml': agentCfg('st'),
      },
      'agents/st',
    );
    assert.equal(r.code, 0, r.stderr);
    const t = traceOf(rows[0]);
    assert.deepEqual(kinds(t), { generate: 4, verify: 4, improve: 4, merge: 2, select: 2 });
    assert.equal(chat().length, 15);
    const pick = t.steps.find((s) => s.kind === 'select' && s.h !== undefined)!;
    const merges = t.steps.filter((s) => s.kind === 'merge');
    assert.equal(pick.verdict, merges[1].candidate, 'B is the second branch');
    const history = rows[0].history as Array<{ messages: Array<{ content: string }> }>;
    assert.equal(rows[0].model_solution, history[merges[1].h!].messages.at(-1)?.content);
    // The improver sees the solver's conversation and the verification as the bug report.
    const fix = chat().find((q) => lastUser(q).startsWith('FIX'))!;
    assert.deepEqual(
      (fix.body.messages as Array<{ role: string }>).map((m) => m.role),
      ['system', 'user', 'assistant', 'user'],
    );
    checkBookkeeping(rows[0]);
  });

  test("rsa: merge rounds over blocks drawn exactly as Python's random.Random(round) draws them, then a pairwise knockout", async () => {
    const scaffold = `scaffold_name: rsa\ncore_components: configs/agents/core.yaml\nmax_concurrent_calls: 8\nselect_pairwise: true\nn_solutions: 4\nn_rounds: 2\nblock_size: 2\n`;
    answer = (r) => (sys(r) === 'SELECTOR' ? { text: '\\boxed{A}' } : undefined);
    const { r, rows } = await runAgent(
      {
        'configs/agents/core.yaml': CORE,
        'configs/agents/rsa.yaml': scaffold,
        'configs/models/agents/rsa.yaml': agentCfg('rsa'),
      },
      'agents/rsa',
    );
    assert.equal(r.code, 0, r.stderr);
    const t = traceOf(rows[0]);
    assert.deepEqual(kinds(t), { generate: 4, merge: 8, select: 4 });
    assert.equal(chat().length, 15);
    // CPython: random.Random(0) and Random(1) shuffle + sample(range(4), 2) give these blocks.
    assert.deepEqual(
      t.steps.filter((s) => s.kind === 'merge').map((s) => s.of),
      [
        ['solution_2', 'solution_4'],
        ['solution_4', 'solution_3'],
        ['solution_3', 'solution_1'],
        ['solution_1', 'solution_2'],
        ['solution_7', 'solution_8'],
        ['solution_6', 'solution_5'],
        ['solution_8', 'solution_7'],
        ['solution_5', 'solution_6'],
      ],
    );
    checkBookkeeping(rows[0]);
  });

  test('math_agent: the planner calls tools (ids without prefix accepted), the budget runs out, the submitted solution is the answer', async () => {
    const scaffold = `scaffold_name: math_agent\ncore_components: configs/agents/core.yaml\nmax_calls: 3\nno_tools_message: NO CALLS LEFT\nmain:\n  sysprompt: PLANNER\n  prompt: "PLAN {problem_statement} in {max_calls}"\n  reminder_submit: SUBMIT NOW\nsubmit:\n  output_format: "Submitted {solution_id}"\n  name: submit\n  description: submit\n  properties:\n    solution_id: {type: string}\n`;
    const turns: FakeStep[] = [
      {
        text: '',
        toolCalls: [
          { name: 'solver_agent', arguments: {} },
          { name: 'solver_agent', arguments: {} },
        ],
      },
      { text: '', toolCalls: [{ name: 'verification_agent', arguments: { solution_id: '1' } }] },
      {
        text: '',
        toolCalls: [
          { name: 'selector_agent', arguments: { solution_ids: ['1', 'solution_2'] } },
          { name: 'no_such_tool', arguments: {} },
        ],
      },
      { text: 'I am done.' },
      { text: '', toolCalls: [{ name: 'submit', arguments: { solution_id: 'solution_2' } }] },
      { text: 'Submitted.' },
    ];
    let turn = 0;
    let solves = 0;
    answer = (r) => {
      if (sys(r) === 'PLANNER') return turns[turn++];
      if (sys(r) === 'SOLVER') return { text: `Solution text ${++solves}` };
      return undefined;
    };
    const { r, rows } = await runAgent(
      {
        'configs/agents/core.yaml': CORE,
        'configs/agents/ma.yaml': scaffold,
        'configs/models/agents/ma.yaml': agentCfg('ma'),
      },
      'agents/ma',
    );
    assert.equal(r.code, 0, r.stderr);
    const t = traceOf(rows[0]);
    // 6 planner turns; 3 component calls (2 solves, 1 verification), the selection over budget made no call.
    assert.deepEqual(kinds(t), { plan: 6, generate: 2, verify: 1, select: 1 });
    assert.equal(chat().length, 9);
    assert.equal(rows[0].model_solution, 'Solution text 2');
    const planner = chat().filter((q) => sys(q) === 'PLANNER');
    assert.ok(
      Array.isArray(planner[0].body.tools) && planner[0].body.tools.length === 6,
      'submit + the 5 components of the file offered',
    );
    const afterTurn3 = planner[3].body.messages as Array<{ role: string; content: string; tool_call_id?: string }>;
    const toolMsgs = afterTurn3.filter((m) => m.role === 'tool').map((m) => m.content);
    assert.match(toolMsgs[0], /^Solution solution_1: Solution text 1 \(2 left\)$/);
    assert.match(toolMsgs[2], /^Report verification_1: /);
    assert.equal(toolMsgs[3], 'NO CALLS LEFT');
    assert.match(toolMsgs[4], /no tool named no_such_tool/);
    assert.equal((planner[4].body.messages as Array<{ content: string }>).at(-1)?.content, 'SUBMIT NOW');
    assert.equal(t.final?.candidate, 'solution_2');
    checkBookkeeping(rows[0]);
  });
});

describe('math_agent through the Responses API (as the Python stack runs gpt-5-nano)', () => {
  test('function tools in the flat Responses shape; calls and their outputs sent back as input items', async () => {
    const scaffold = `scaffold_name: math_agent\ncore_components: configs/agents/core.yaml\nmax_calls: 3\nmain:\n  sysprompt: PLANNER\n  prompt: "PLAN {problem_statement} in {max_calls}"\n  reminder_submit: SUBMIT NOW\nsubmit:\n  output_format: "Submitted {solution_id}"\n  name: submit\n  description: submit\n  properties:\n    solution_id: {type: string}\n`;
    const first = (r: RecordedRequest) => String((r.body.input as Array<{ content?: string }>)[0]?.content ?? '');
    const turns: FakeStep[] = [
      { text: '', toolCalls: [{ id: 'call_a', name: 'solver_agent', arguments: {} }] },
      { text: '', toolCalls: [{ id: 'call_b', name: 'submit', arguments: { solution_id: '1' } }] },
      { text: 'Done.' },
    ];
    let turn = 0;
    answer = (r) =>
      first(r) === 'PLANNER' ? turns[turn++] : first(r) === 'SOLVER' ? { text: 'The solution text.' } : undefined;
    const responsesModel = model('use_openai_responses_api: true\nreasoning:\n  summary: auto\n');
    const { r, rows } = await runAgent(
      {
        'configs/models/test/fake.yaml': responsesModel,
        'configs/agents/core.yaml': CORE,
        'configs/agents/ma.yaml': scaffold,
        'configs/models/agents/ma.yaml': agentCfg('ma'),
      },
      'agents/ma',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(rows[0].model_solution, 'The solution text.');
    const planner = server.requestsOf('responses').filter((q) => first(q) === 'PLANNER');
    assert.equal(planner.length, 3);
    const tools = planner[0].body.tools as Array<{ type: string; name?: string; function?: unknown }>;
    assert.ok(
      tools.every((t) => t.type === 'function' && typeof t.name === 'string' && t.function === undefined),
      JSON.stringify(tools[0]),
    );
    const input = planner[1].body.input as Array<{ type?: string; call_id?: string; output?: string; id?: string }>;
    const call = input.find((i) => i.type === 'function_call');
    const output = input.find((i) => i.type === 'function_call_output');
    assert.equal(call?.call_id, 'call_a');
    assert.equal(call?.id, undefined, 'sent without its item id');
    assert.equal(output?.call_id, 'call_a');
    assert.match(output?.output ?? '', /^Solution solution_1: The solution text\./);
    assert.deepEqual(kinds(traceOf(rows[0])), { plan: 3, generate: 1, select: 1 });
  });
});

describe('agent runs: resume, budget, bad input, grading', () => {
  const DEEPSEEK = `scaffold_name: deepseek_agent\nn_threads: 3\npool_size: 4\nverification_pool_size: 4\nverifications_per_refinement: 2\nmax_iterations: 2\ngeneration_prompt: "GEN {question}"\nverifier_prompt: "VERIFY {proof}"\nrefinement_prompt: "REFINE {proof} WITH {proof_analysis}"\n`;
  // Default replies score nothing, so every problem takes the full 4 + 16 + 2 × (4 + 16) = 60 calls.
  const PER_PROBLEM = 60;

  test('kill -9 in the middle of a deepseek_math run of 3 problems: the rerun makes exactly the calls that had not finished', async () => {
    answer = undefined;
    server.setLatency(40);
    try {
      const ws = workspace({
        'configs/models/test/fake.yaml': model(),
        'data.jsonl': problems(3),
        'configs/agents/ds.yaml': DEEPSEEK,
        'configs/models/agents/ds.yaml': agentCfg('ds'),
      });
      const args = [
        'run',
        '--model-config',
        'agents/ds',
        '--data-path',
        'data.jsonl',
        '--output-path',
        'out/run.jsonl',
        '--quiet',
      ];
      const steps = join(ws, 'out/run.jsonl.steps');
      server.clearRequests();
      const first = await qed(args, { cwd: ws, onSpawn: stopAfter(steps, 40, 'SIGKILL') });
      assert.equal(first.signal, 'SIGKILL');
      // What the killed run left: finished rows in the journal, finished calls in the step journal.
      const partial = join(ws, 'out/run.jsonl.partial');
      const done = new Set(
        existsSync(partial) ? readJsonl(partial).map((r) => (r.qed_run as { key: string }).key) : [],
      );
      const stored = new Map<string, number>();
      for (const line of readFileSync(steps, 'utf8').split('\n')) {
        try {
          const rec = JSON.parse(line) as { row: string };
          stored.set(rec.row, (stored.get(rec.row) ?? 0) + 1);
        } catch {
          /* a torn last line: that call is made again */
        }
      }
      const keys = ['P1@0', 'P2@0', 'P3@0'];
      const owed = keys.filter((k) => !done.has(k)).reduce((a, k) => a + PER_PROBLEM - (stored.get(k) ?? 0), 0);
      assert.ok(owed > 0 && owed < 3 * PER_PROBLEM, `killed mid-run (owed ${owed})`);

      server.clearRequests();
      const second = await qed(args, { cwd: ws });
      assert.equal(second.code, 0, second.stderr);
      assert.equal(chat().length, owed, 'no finished call is paid twice');
      const rows = readJsonl(join(ws, 'out/run.jsonl'));
      assert.equal(rows.length, 3);
      for (const row of rows) {
        assert.equal(calls(traceOf(row)).length, PER_PROBLEM);
        checkBookkeeping(row);
      }
      assert.ok(
        rows.some((row) => traceOf(row).steps.some((s) => s.reused)),
        'replayed steps are marked',
      );
      assert.equal(existsSync(steps), false, 'the step journal is gone once every row is finished');
    } finally {
      server.setLatency(0);
    }
  });

  test('one budget: rows and the scaffold share concurrent_requests; never more requests in flight', async () => {
    answer = undefined;
    server.setLatency(15);
    try {
      const ws = workspace({
        'configs/models/test/fake.yaml': model().replace('concurrent_requests: 16', 'concurrent_requests: 5'),
        'data.jsonl': problems(3),
        'configs/agents/ds.yaml': DEEPSEEK,
        'configs/models/agents/ds.yaml': agentCfg('ds', 'max_iterations: 0\n'),
      });
      server.stats.maxInFlight = 0;
      server.clearRequests();
      const r = await qed(
        [
          'run',
          '--model-config',
          'agents/ds',
          '--data-path',
          'data.jsonl',
          '--output-path',
          'out/run.jsonl',
          '--quiet',
        ],
        { cwd: ws },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.equal(chat().length, 3 * 20);
      assert.ok(server.stats.maxInFlight <= 5, `max in flight ${server.stats.maxInFlight}`);
      assert.ok(server.stats.maxInFlight >= 3, 'the budget is used');
    } finally {
      server.setLatency(0);
    }
  });

  test('a rerun with a changed scaffold parameter is refused and says which', async () => {
    answer = undefined;
    const files = {
      'configs/agents/ds.yaml': DEEPSEEK,
      'configs/models/agents/ds.yaml': agentCfg('ds', 'max_iterations: 0\n'),
    };
    const { ws, r } = await runAgent(files, 'agents/ds');
    assert.equal(r.code, 0, r.stderr);
    writeFileSync(join(ws, 'configs/models/agents/ds.yaml'), agentCfg('ds', 'max_iterations: 0\npool_size: 3\n'));
    const again = await qed(
      ['run', '--model-config', 'agents/ds', '--data-path', 'data.jsonl', '--output-path', 'out/run.jsonl'],
      { cwd: ws },
    );
    assert.equal(again.code, 2);
    assert.match(again.stderr, /different run.*pool_size 4 → 3/s);
  });

  test('an agent config where a model config is expected (as the Python stack allows): each generation is a whole reasoning_cache run', async () => {
    answer = (r) => {
      const u = lastUser(r);
      if (u.startsWith('SUMMARISE')) return { text: 'a summary' };
      if (u.startsWith('SOLVE'))
        return { text: `## Solution\nFrom ${/SUMMARY\[a summary\]/.test(u) ? 'summary' : 'scratch'}.` };
      if (u.startsWith('VERIFY')) return { text: '\\boxed{1}' };
      return undefined;
    };
    const files = {
      'configs/agents/rc.yaml': `scaffold_name: rc\nn_iterations: 2\nsolve_prompt: "SOLVE {problem} SUMMARY[{curr_summary}]"\nsummarization_prompt: "SUMMARISE {reasoning}"\n`,
      'configs/models/agents/inner.yaml': agentCfg('rc'),
      'configs/agents/ds.yaml': DEEPSEEK.replace('pool_size: 4', 'pool_size: 2').replace(
        'verification_pool_size: 4',
        'verification_pool_size: 1',
      ),
      'configs/models/agents/outer.yaml':
        'type: agent\nmodel_config: models/agents/inner\nverifier_model: models/test/fake\nscaffold_config: agents/ds\n',
    };
    const { r, rows } = await runAgent(files, 'agents/outer');
    assert.equal(r.code, 0, r.stderr);
    // 2 generations × (solve, summarise, solve) + 2 verifications; both proofs average 1: no refinement.
    assert.equal(chat().length, 8);
    const t = traceOf(rows[0]);
    const gens = t.steps.filter((s) => s.kind === 'generate' && s.label.startsWith('Proof'));
    assert.equal(gens.length, 2);
    assert.ok(gens.every((s) => /answered by the agent agents\/inner/.test(s.note ?? '')));
    assert.equal(
      t.steps.filter((s) => s.label.startsWith('p1 › ')).length,
      4,
      'the inner run of p1: 2 attempts, 1 summary, its answer',
    );
    assert.equal(rows[0].model_solution, 'From summary.');
    checkBookkeeping(rows[0]);
    // The generation prompt reached the inner agent as its problem.
    const inner = lastUser(chat().find((q) => lastUser(q).startsWith('SOLVE'))!);
    assert.ok(inner.startsWith('SOLVE GEN ') && inner.includes('Problem number 1.'), inner.slice(0, 80));
  });

  test('every shipped scaffold runs as shipped (their prompts pass the checks) with a workspace model', async () => {
    answer = undefined;
    const shipped: Array<[string, string]> = [
      ['deepseek_math', 'deepseek_agent'],
      ['nomos', 'nomos'],
      ['reasoning_cache', 'rc'],
      ['reasoning_cache_with_instructions', 'rc'],
      ['selfcheck', 'selfcheck'],
      ['math_static_agent', 'static_math_agent'],
      ['rsa_agent', 'rsa'],
      ['math_agent', 'math_agent'],
    ];
    const files: Record<string, string> = {};
    // Small overrides keep the trial cheap; the prompts are the shipped ones.
    const over: Record<string, string> = {
      deepseek_math: 'max_iterations: 0\n',
      nomos: 'n_solutions_to_generate: 3\n',
      selfcheck: 'max_iterations: 2\n',
      rsa_agent: 'n_rounds: 1\n',
    };
    for (const [file] of shipped) files[`configs/models/agents/${file}.yaml`] = agentCfg(file, over[file] ?? '');
    const ws = workspace({ 'configs/models/test/fake.yaml': model(), 'data.jsonl': problems(1), ...files });
    for (const [file, name] of shipped) {
      const r = await qed(
        [
          'run',
          '--model-config',
          `agents/${file}`,
          '--data-path',
          'data.jsonl',
          '--output-path',
          `out/${file}.jsonl`,
          '--quiet',
        ],
        { cwd: ws },
      );
      assert.equal(r.code, 0, `${file}: ${r.stderr}`);
      const [row] = readJsonl(join(ws, `out/${file}.jsonl`));
      assert.equal(traceOf(row).scaffold, name);
      checkBookkeeping(row);
    }
  });

  test('bad input: unknown scaffold_name, a prompt without a placeholder it needs, the component set named as a scaffold, a missing model config', async () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [
        {
          'configs/agents/x.yaml': 'n_threads: 2\nscaffold_name: deepseek\n',
          'configs/models/agents/x.yaml': agentCfg('x'),
        },
        /agents[/\\]x\.yaml:2:\d+: 'scaffold_name': unknown scaffold_name 'deepseek'[\s\S]*deepseek_agent, nomos, rc, selfcheck, static_math_agent, rsa, math_agent/,
      ],
      [
        {
          'configs/agents/x.yaml': DEEPSEEK.replace('"VERIFY {proof}"', '"VERIFY the proof"'),
          'configs/models/agents/x.yaml': agentCfg('x'),
        },
        /agents[/\\]x\.yaml:\d+:\d+: 'verifier_prompt': the prompt 'verifier_prompt' has no \{proof\} placeholder/,
      ],
      [
        {
          'configs/agents/x.yaml': DEEPSEEK.replace('"GEN {question}"', '"GEN {question} {answer}"'),
          'configs/models/agents/x.yaml': agentCfg('x'),
        },
        /'generation_prompt' uses \{answer\}, which scaffold 'deepseek_agent' does not fill/,
      ],
      [
        { 'configs/agents/x.yaml': CORE, 'configs/models/agents/x.yaml': agentCfg('x') },
        /is the component set that math_agent, static_math_agent and rsa use/,
      ],
      [
        {
          'configs/agents/x.yaml': DEEPSEEK,
          'configs/models/agents/x.yaml': 'type: agent\nmodel_config: models/test/nope\nscaffold_config: agents/x\n',
        },
        /'model_config': 'models\/test\/nope' not found/,
      ],
      [
        {
          'configs/agents/x.yaml': DEEPSEEK,
          'configs/models/agents/x.yaml': 'type: agent\nmodel_config: models/agents/x\nscaffold_config: agents/x\n',
        },
        /agent configs name each other in a loop/,
      ],
    ];
    for (const [files, want] of cases) {
      const { r } = await runAgent(files, 'agents/x');
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, want);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
  });

  test('an agent results file is graded like any other', async () => {
    answer = undefined;
    const { ws, r } = await runAgent(
      {
        'configs/agents/ds.yaml': DEEPSEEK,
        'configs/models/agents/ds.yaml': agentCfg('ds', 'max_iterations: 0\npool_size: 1\nverification_pool_size: 1\n'),
      },
      'agents/ds',
      2,
    );
    assert.equal(r.code, 0, r.stderr);
    answer = () => ({ text: 'Fine. <points>6 out of 7</points>' });
    const g = await qed(['eval', '--model-config', 'test/fake', '--data-path', 'out/run.jsonl', '--quiet'], {
      cwd: ws,
    });
    assert.equal(g.code, 0, g.stderr);
    const rows = readJsonl(join(ws, 'out/run.jsonl'));
    assert.deepEqual(
      rows.map((x) => x.score),
      [6, 6],
    );
    assert.ok(
      rows.every((x) => traceOf(x).steps.length > 0),
      'the trace is kept',
    );
  });
});
