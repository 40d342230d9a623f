/**
 * The rubric tools end to end — `qed schemes`, `qed filter`, `qed grader-bench` — through the built
 * CLI and the real openai SDK against the loopback fake server, whose replies are scripted from
 * the prompt each request carries.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FakeLlmServer, defaultReply, type FakeStep, type RecordedRequest } from '../fake-llm/server';
import { qed, readJsonl, stopAfter, workspace } from './helpers';

const FIXTURES = resolve(__dirname, '..', 'fixtures', 'rubric');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const env = { FAKE_KEY: 'sk-rubric-SECRET-0123456789abcdef' };
const READ = 3;
const WRITE = 15;

let server: FakeLlmServer;
/** How the model answers a prompt; tests swap it. */
let answer: (prompt: string) => FakeStep = () => ({ text: 'unset' });

before(async () => {
  server = await FakeLlmServer.start({ reply: (req) => answer(lastUser(req)) });
});
after(async () => {
  await server.close();
});

const lastUser = (r: RecordedRequest): string => (r.body?.messages?.at(-1)?.content as string) ?? '';
const prompts = () => server.requestsOf('chat').map(lastUser);

function modelYaml(url: string, extra = ''): string {
  return `model: fake\napi: custom\nbase_url: ${url}/v1\napi_key_env: FAKE_KEY\nread_cost: ${READ}\nwrite_cost: ${WRITE}\nconcurrent_requests: 4\nmax_retries: 2\nsleep_on_error: 0.01\n${extra}`;
}

function ws(files: Record<string, string> = {}): string {
  return workspace({ 'configs/models/t/m.yaml': modelYaml(server.url), ...files });
}

/** The exact cost record of one request whose reply was `text`, at the test prices. */
function costOf(prompt: string, text: string): { cost: number; input_tokens: number; output_tokens: number } {
  const d = defaultReply('chat', { messages: [{ role: 'user', content: prompt }] }, { text });
  return {
    cost: (d.promptTokens * READ + d.completionTokens * WRITE) / 1e6,
    input_tokens: d.promptTokens,
    output_tokens: d.completionTokens,
  };
}

function assertCost(
  actual: unknown,
  expected: { cost: number; input_tokens: number; output_tokens: number },
  what: string,
): void {
  const a = actual as { cost: number; input_tokens: number; output_tokens: number; time: number };
  assert.ok(Math.abs(a.cost - expected.cost) < 1e-12, `${what}: cost ${a.cost} vs ${expected.cost}`);
  assert.equal(a.input_tokens, expected.input_tokens, `${what}: input tokens`);
  assert.equal(a.output_tokens, expected.output_tokens, `${what}: output tokens`);
  assert.ok(typeof a.time === 'number' && a.time >= 0);
}

const sum = (a: { cost: number; input_tokens: number; output_tokens: number }, b: typeof a) => ({
  cost: a.cost + b.cost,
  input_tokens: a.input_tokens + b.input_tokens,
  output_tokens: a.output_tokens + b.output_tokens,
});

/** Stops the child with `signal` once the output's journal holds `rows` rows. */
// ---------------------------------------------------------------------------------------------
// qed schemes
// ---------------------------------------------------------------------------------------------

const PROBLEMS = fixture('problems.jsonl')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as { problem_id: string; problem: string; solution: string });
const problemIn = (prompt: string) => PROBLEMS.find((p) => prompt.includes(p.problem))!;

const schemeFor = (id: string, total = 7) =>
  `Checkpoints (7 points in total)\n1. [3 pts] The key step of ${id}.\n2. [${total - 3} pts] The conclusion.\n\nZero-credit items\n- Small cases.\n\nDeductions\n- [-1 pts] A missing case.`;
/** S-3 gets a scheme whose points add up to 6 (unusable); the others a good one after a preamble. */
const schemeReply = (prompt: string): FakeStep => {
  const p = problemIn(prompt);
  return {
    text: `Here is a marking scheme for this problem.\n\n<scheme>\n${schemeFor(p.problem_id, p.problem_id === 'S-3' ? 6 : 7)}\n</scheme>`,
  };
};

describe('qed schemes', () => {
  test('a scheme per problem without the preamble, exact costs; an unusable reply is surfaced, then re-asked alone', async () => {
    const dir = ws({ 'p.jsonl': fixture('problems.jsonl') });
    answer = schemeReply;
    server.clearRequests();
    const r = await qed(['schemes', '--model-config', 't/m', '--data-path', 'p.jsonl'], { cwd: dir, env });
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /finished with problems: 3\/4 rows with a scheme, 0 reused, 1 unreadable replies \(asked again on the next run\), 0 failed requests/,
    );
    assert.match(r.stderr, /S-3: could not read the model's reply: the checkpoints add up to 6 points, not 7/);
    const out = join(dir, 'outputs', 'grading_schemes.jsonl');
    const rows = readJsonl(out);
    assert.deepEqual(
      rows.map((x) => x.problem_id),
      ['S-1', 'S-2', 'S-3', 'S-4'],
    );
    const sent = new Map(prompts().map((p) => [problemIn(p).problem_id, p]));
    assert.equal(sent.size, 4);
    for (const row of rows) {
      const id = String(row.problem_id);
      const prompt = sent.get(id)!;
      const src = PROBLEMS.find((p) => p.problem_id === id)!;
      assert.ok(
        prompt.includes(src.problem) && prompt.includes(src.solution),
        'problem and reference solution are in the prompt',
      );
      assertCost(row.scheme_cost, costOf(prompt, (schemeReply(prompt) as { text: string }).text), id);
      const stamp = row.qed_scheme as Record<string, unknown>;
      assert.equal(stamp.key, id);
      assert.equal(stamp.mode, 'scheme');
      assert.equal(stamp.prompt, 'configs/prompts/scheme_generation.txt');
      assert.equal(row.problem, src.problem, 'the input columns travel along');
      if (id === 'S-3') {
        assert.equal(row.grading_scheme, null);
        assert.match(String(row.scheme_error), /add up to 6 points, not 7 \(3 \+ 3\)/);
        assert.match(String(row.scheme_reply), /^Here is a marking scheme/);
      } else {
        assert.equal(row.grading_scheme, schemeFor(id));
        assert.equal(row.scheme_error, undefined);
        assert.equal(row.scheme_reply, undefined);
        assert.deepEqual(Object.keys(row).sort(), [
          'grading_scheme',
          'problem',
          'problem_id',
          'qed_scheme',
          'scheme_cost',
          'solution',
        ]);
      }
    }

    // The model now answers well: only S-3 is asked again, and its cost adds both requests.
    answer = (prompt) => ({ text: `<scheme>\n${schemeFor(problemIn(prompt).problem_id)}\n</scheme>` });
    server.clearRequests();
    const again = await qed(['schemes', '--model-config', 't/m', '--data-path', 'p.jsonl'], { cwd: dir, env });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(prompts().length, 1);
    const healed = readJsonl(out);
    // The three reused rows' costs from the first session are named beside them.
    const earlier = healed
      .filter((x) => x.problem_id !== 'S-3')
      .reduce((sum, x) => sum + (x.scheme_cost as { cost: number }).cost, 0);
    assert.ok(
      again.stderr.includes(
        `finished: 4/4 rows with a scheme, 3 reused ($${earlier.toFixed(4)} spent on them earlier), 0 unreadable`,
      ),
      again.stderr,
    );
    assert.equal(healed[2].grading_scheme, schemeFor('S-3'));
    assert.equal(healed[2].scheme_error, undefined);
    assert.equal(healed[2].scheme_reply, undefined);
    const first = costOf(sent.get('S-3')!, (schemeReply(sent.get('S-3')!) as { text: string }).text);
    assertCost(
      healed[2].scheme_cost,
      sum(first, costOf(prompts()[0], (answer(prompts()[0]) as { text: string }).text)),
      'S-3 after the re-ask',
    );
    for (const i of [0, 1, 3]) assert.deepEqual(healed[i], rows[i], 'finished rows are kept as they were');

    // The output feeds `qed eval --proofbench` (grading_scheme is its marking-scheme column).
    assert.ok(healed.every((x) => typeof x.grading_scheme === 'string'));
  });

  test('kill -9 mid-run, then rerun: finished schemes are not requested again', async () => {
    const slow = await FakeLlmServer.start({
      latencyMs: 120,
      reply: (req) => ({ text: `<scheme>\n${schemeFor(lastUser(req).slice(0, 8))}\n</scheme>` }),
    });
    try {
      const many =
        Array.from({ length: 10 }, (_, i) =>
          JSON.stringify({ problem: `Prove statement number ${i + 1}.`, solution: `Proof ${i + 1}.` }),
        ).join('\n') + '\n';
      const dir = workspace({
        'configs/models/t/m.yaml': modelYaml(slow.url).replace('concurrent_requests: 4', 'concurrent_requests: 2'),
        'many.jsonl': many,
      });
      const out = join(dir, 's.jsonl');
      const killed = await qed(
        ['schemes', '--model-config', 't/m', '--data-path', 'many.jsonl', '--output-path', 's.jsonl'],
        { cwd: dir, env, onSpawn: stopAfter(`${out}.partial`, 3, 'SIGKILL') },
      );
      assert.equal(killed.signal, 'SIGKILL');
      const saved = readJsonl(`${out}.partial`);
      assert.ok(saved.length >= 3 && saved.length < 10, `journal rows: ${saved.length}`);
      const done = new Set(saved.map((x) => String(x.problem)));
      slow.clearRequests();
      const r = await qed(
        ['schemes', '--model-config', 't/m', '--data-path', 'many.jsonl', '--output-path', 's.jsonl'],
        { cwd: dir, env },
      );
      assert.equal(r.code, 0, r.stderr);
      const asked = slow.requestsOf('chat').map(lastUser);
      assert.equal(asked.length, 10 - saved.length);
      assert.ok(
        asked.every((p) => ![...done].some((d) => p.includes(`${d}\n`))),
        'no finished row was asked again',
      );
      const rows = readJsonl(out);
      assert.deepEqual(
        rows.map((x) => x.problem),
        Array.from({ length: 10 }, (_, i) => `Prove statement number ${i + 1}.`),
      );
      assert.ok(
        rows.every(
          (x) =>
            typeof x.grading_scheme === 'string' &&
            /^#\d+:[0-9a-f]{10}$/.test(String((x.qed_scheme as { key: string }).key)),
        ),
      );
      assert.ok(!existsSync(`${out}.partial`) && !existsSync(`${out}.lock`));
    } finally {
      await slow.close();
    }
  });

  test('bad input: a missing solution column is refused before any request, listing the columns', async () => {
    const dir = ws({ 'nosol.jsonl': JSON.stringify({ problem_id: 'A', problem: 'P', answer: '3' }) + '\n' });
    server.clearRequests();
    const r = await qed(['schemes', '--model-config', 't/m', '--data-path', 'nosol.jsonl'], { cwd: dir, env });
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /'solution': row 1 has no column 'solution' \(the reference solution the scheme is built from\)/,
    );
    assert.match(r.stderr, /columns present: problem_id, problem, answer; name another column with --solution-column/);
    answer = () => ({ text: `<scheme>\n${schemeFor('A')}\n</scheme>` });
    const ok = await qed(
      [
        'schemes',
        '--model-config',
        't/m',
        '--data-path',
        'nosol.jsonl',
        '--solution-column',
        'answer',
        '--output-path',
        'o.jsonl',
        '--quiet',
      ],
      { cwd: dir, env },
    );
    assert.equal(server.requestsOf('chat').length, 1, 'with the right column it runs');
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(readJsonl(join(dir, 'o.jsonl'))[0].grading_scheme, schemeFor('A'));
  });
});

// ---------------------------------------------------------------------------------------------
// qed filter
// ---------------------------------------------------------------------------------------------

const VERDICTS = [
  { incomplete: false, difficulty: 2, gaps: false, wrong: false, disagreement: true, computational: true },
  { incomplete: true, difficulty: 3, gaps: true, wrong: false, disagreement: false, computational: true },
];

describe('qed filter', () => {
  test('the verdict as filter_* columns (fenced or in prose), exact costs; an invalid verdict is surfaced, then re-asked alone', async () => {
    const dir = ws({ 'aops.jsonl': fixture('aops.jsonl') });
    const reply = (prompt: string): FakeStep => {
      if (prompt.includes('x^2 = 4'))
        return { text: `The candidates disagree.\n\n\`\`\`json\n${JSON.stringify(VERDICTS[0])}\n\`\`\`` };
      if (prompt.includes('in the figure'))
        return { text: `The figure is missing. Verdict: ${JSON.stringify(VERDICTS[1])} Done.` };
      return {
        text: '```json\n{"incomplete": false, "difficulty": 12, "gaps": false, "wrong": false, "disagreement": false, "computational": false}\n```',
      };
    };
    answer = reply;
    server.clearRequests();
    const r = await qed(['filter', '--model-config', 't/m', '--data-path', 'aops.jsonl'], { cwd: dir, env });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /2\/3 rows judged, 0 reused, 1 unreadable replies/);
    const out = join(dir, 'outputs', 'filtered_data.jsonl');
    const rows = readJsonl(out);
    assert.equal(rows.length, 3);
    const sent = prompts();
    const promptOf = (needle: string) => sent.find((p) => p.includes(needle))!;
    // What the model was shown: the forum path, the numbered candidates, or that there are none.
    assert.match(
      promptOf('x^2 = 4'),
      /High School Olympiads > Algebra[\s\S]*Candidate 1:\nx = 2 or x = -2\n\nCandidate 2:\nonly x = 2/,
    );
    assert.match(
      promptOf('in the figure'),
      /Forum category:\nMiddle School Math[\s\S]*Other answers posted in the thread:\n\(none given\)/,
    );
    assert.match(promptOf('a^2 + b^2'), /Forum category:\n\(unknown\)/);
    VERDICTS.forEach((v, i) => {
      const row = rows[i];
      for (const [k, val] of Object.entries(v)) assert.equal(row[`filter_${k}`], val, `row ${i} ${k}`);
      assert.equal(row.filter_error, undefined);
      const prompt = promptOf(i === 0 ? 'x^2 = 4' : 'in the figure');
      assertCost(row.filter_cost, costOf(prompt, (reply(prompt) as { text: string }).text), `row ${i}`);
      assert.equal((row.qed_filter as { mode: string }).mode, 'filter');
      // The original's columns: the verdict object in extra_cols, the cost in USD in cost_model.
      assert.deepEqual(row.extra_cols, v);
      assert.equal(row.cost_model, (row.filter_cost as { cost: number }).cost);
    });
    assert.deepEqual(Object.keys(rows[0]).sort(), [
      'candidates',
      'cost_model',
      'extra_cols',
      'filter_computational',
      'filter_cost',
      'filter_difficulty',
      'filter_disagreement',
      'filter_gaps',
      'filter_incomplete',
      'filter_wrong',
      'path',
      'problem',
      'qed_filter',
      'solution',
    ]);
    const bad = rows[2];
    assert.equal(bad.extra_cols, null);
    assert.ok((bad.cost_model as number) > 0, 'an unreadable reply was paid for too');
    for (const k of Object.keys(VERDICTS[0])) assert.equal(bad[`filter_${k}`], null, `no stale or guessed ${k}`);
    assert.match(String(bad.filter_error), /difficulty must be a whole number 1\.\.10, got 12/);
    assert.match(String(bad.filter_reply), /"difficulty": 12/);

    const firstAsk = promptOf('a^2 + b^2');
    answer = () => ({ text: JSON.stringify({ ...VERDICTS[0], difficulty: 4 }) });
    server.clearRequests();
    const again = await qed(['filter', '--model-config', 't/m', '--data-path', 'aops.jsonl'], { cwd: dir, env });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(prompts().length, 1);
    assert.ok(prompts()[0].includes('a^2 + b^2'));
    const healed = readJsonl(out);
    assert.equal(healed[2].filter_difficulty, 4);
    assert.deepEqual(healed[2].extra_cols, { ...VERDICTS[0], difficulty: 4 });
    assert.equal(healed[2].cost_model, (healed[2].filter_cost as { cost: number }).cost);
    assert.equal(healed[2].filter_error, undefined);
    assert.equal(healed[2].filter_reply, undefined);
    assertCost(
      healed[2].filter_cost,
      sum(
        costOf(firstAsk, (reply(firstAsk) as { text: string }).text),
        costOf(prompts()[0], JSON.stringify({ ...VERDICTS[0], difficulty: 4 })),
      ),
      'both requests',
    );
    assert.deepEqual(healed.slice(0, 2), rows.slice(0, 2));
  });

  test('Ctrl-C mid-run, then rerun: the verdicts already written are reused', async () => {
    const slow = await FakeLlmServer.start({ latencyMs: 120, reply: () => ({ text: JSON.stringify(VERDICTS[0]) }) });
    try {
      const many =
        Array.from({ length: 12 }, (_, i) =>
          JSON.stringify({ id: i + 1, problem: `Find x number ${i + 1}.`, solution: `x = ${i}` }),
        ).join('\n') + '\n';
      const dir = workspace({
        'configs/models/t/m.yaml': modelYaml(slow.url).replace('concurrent_requests: 4', 'concurrent_requests: 2'),
        'many.jsonl': many,
      });
      const out = join(dir, 'f.jsonl');
      const cancelled = await qed(
        ['filter', '--model-config', 't/m', '--data-path', 'many.jsonl', '--output-path', 'f.jsonl'],
        { cwd: dir, env, onSpawn: stopAfter(`${out}.partial`, 3, 'SIGINT') },
      );
      assert.equal(cancelled.code, 130, cancelled.stderr);
      const partial = readJsonl(out);
      assert.ok(partial.length >= 3 && partial.length < 12, `rows: ${partial.length}`);
      slow.clearRequests();
      const r = await qed(
        ['filter', '--model-config', 't/m', '--data-path', 'many.jsonl', '--output-path', 'f.jsonl'],
        { cwd: dir, env },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.equal(slow.requestsOf('chat').length, 12 - partial.length);
      assert.match(r.stderr, new RegExp(`${partial.length} reused`));
      const rows = readJsonl(out);
      assert.deepEqual(
        rows.map((x) => x.id),
        Array.from({ length: 12 }, (_, i) => i + 1),
      );
      assert.deepEqual(
        rows.map((x) => (x.qed_filter as { key: string }).key),
        Array.from({ length: 12 }, (_, i) => String(i + 1)),
        'keyed by the id column',
      );
    } finally {
      await slow.close();
    }
  });

  test('bad input: no problem column is refused before any request, listing the columns', async () => {
    const dir = ws({ 'raw.jsonl': JSON.stringify({ question: 'Q', solution: 'S', path: 'x' }) + '\n' });
    server.clearRequests();
    const r = await qed(['filter', '--model-config', 't/m', '--data-path', 'raw.jsonl'], { cwd: dir, env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /row 1 has no column 'problem' \(the problem statement\)/);
    assert.match(r.stderr, /columns present: question, solution, path; name another column with --problem-column/);
    assert.equal(server.requestsOf('chat').length, 0);
  });
});

// ---------------------------------------------------------------------------------------------
// qed grader-bench
// ---------------------------------------------------------------------------------------------

const PROMPT_A =
  'Grade this.\nProblem: {problem_statement}\nReference: {reference_solution}\nGuidelines: {grading_guidelines}\nCandidate solution:\n{candidate_solution}\nEnd with <points>N out of 7</points>.';
const PROMPT_B =
  'Be strict.\nProblem: {problem_statement}\nReference: {reference_solution}\nCandidate solution:\n{candidate_solution}';

/** The human points of the GradingBench fixture, by a phrase of each response. */
const HUMAN: Array<[string, number, string]> = [
  ['Of two consecutive integers one is even', 7, 'GB-001'],
  ['Hence the claim.', 1, 'GB-002'],
  ['both even. So it is always even', 0, 'GB-003'],
  ['leaves remainder 1 on division', 7, 'GB-004'],
  ['it is prime, so it is a new prime', 6, 'GB-005'],
];
const humanOf = (prompt: string) => HUMAN.find(([phrase]) => prompt.includes(phrase));

describe('qed grader-bench', () => {
  test('two prompts with the reference: one file per prompt, graded_score vs points, exact costs, stats --grader per prompt', async () => {
    const dir = ws({
      'gb.csv': fixture('gradingbench-sample.csv'),
      'prompts/a.txt': PROMPT_A,
      'prompts/b.txt': PROMPT_B,
    });
    // Prompt A reproduces the human points; prompt B says 7 for everything, except one reply in words.
    const reply = (prompt: string): FakeStep => {
      const h = humanOf(prompt);
      if (!h) return { text: 'no response found' };
      if (prompt.startsWith('Grade this.'))
        return { text: `Assessment of ${h[2]}.\n<points>${h[1]} out of 7</points>` };
      return h[2] === 'GB-003' ? { text: 'Looks convincing to me, full marks.' } : { text: `Fine. <points>7</points>` };
    };
    answer = reply;
    server.clearRequests();
    const r = await qed(
      [
        'grader-bench',
        '--model-config',
        't/m',
        '--data-path',
        'gb.csv',
        '--prompt',
        'prompts/a.txt',
        '--prompt',
        'prompts/b.txt',
        '--ground-truth',
        '--output-path',
        'bench/',
      ],
      { cwd: dir, env },
    );
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /prompts\/a\.txt: finished: 6\/6 rows graded, 0 reused, 0 unreadable/);
    assert.match(r.stderr, /prompts\/b\.txt: finished with problems: 5\/6 rows graded, 0 reused, 1 unreadable/);
    // GB-006 has an empty response: graded 0 without a request.
    assert.equal(server.requestsOf('chat').length, 10);
    const sent = prompts();
    for (const p of sent) assert.ok(p.includes('Reference: '), 'the reference solution is shown');
    assert.ok(sent.some((p) => p.includes('$n^2+n=n(n+1)$ is a product of two consecutive integers')));
    const [a, b] = ['a', 'b'].map((n) => readJsonl(join(dir, 'bench', `${n}.jsonl`)));
    for (const [rows, label] of [
      [a, 'prompts/a.txt'],
      [b, 'prompts/b.txt'],
    ] as const) {
      assert.deepEqual(
        rows.map((x) => x.grading_id),
        ['GB-001', 'GB-002', 'GB-003', 'GB-004', 'GB-005', 'GB-006'],
      );
      assert.deepEqual(
        rows.map((x) => x.points),
        [7, 1, 0, 7, 6, 0],
        'human points as numbers',
      );
      assert.ok(
        rows.every(
          (x) => x.grader_prompt === label && x.score === undefined && x.problem_id && x.model_solution !== undefined,
        ),
      );
      assert.equal(rows[5].graded_score, 0);
      assert.match(String((rows[5].grade as Array<{ desc: string }>)[0].desc), /empty/);
      assert.deepEqual(rows[5].grade_cost, { cost: 0, input_tokens: 0, output_tokens: 0, time: 0 });
    }
    assert.deepEqual(
      a.map((x) => x.graded_score),
      [7, 1, 0, 7, 6, 0],
    );
    assert.deepEqual(
      b.map((x) => x.graded_score),
      [7, 7, null, 7, 7, 0],
    );
    assert.match(String(b[2].grade_error), /no <points> block/);
    assert.match(String((b[2].grade as Array<{ desc: string }>)[0].desc), /full marks/, 'the raw reply is kept');
    for (const [rows, start] of [
      [a, 'Grade this.'],
      [b, 'Be strict.'],
    ] as const) {
      rows.slice(0, 5).forEach((row, i) => {
        const prompt = sent.find((p) => p.startsWith(start) && humanOf(p)?.[2] === row.grading_id)!;
        assert.ok(prompt, `${start} ${i}`);
        assertCost(row.grade_cost, costOf(prompt, (reply(prompt) as { text: string }).text), `${start} row ${i}`);
      });
    }
    // The closing comparison is `qed stats --grader` over the two files.
    assert.match(r.stdout, /grader vs human: 2 files/);
    const stats = await qed(['stats', '--grader', 'bench', '--json'], { cwd: dir, env });
    assert.equal(stats.code, 0, stats.stderr);
    const report = JSON.parse(stats.stdout) as {
      files: Array<{ mae: number; compared: number; grader_missing: number; bucket_accuracy: number }>;
    };
    assert.equal(report.files[0].mae, 0);
    assert.equal(report.files[0].bucket_accuracy, 1);
    // Prompt B: |7-7| + |7-1| + |7-7| + |7-6| + |0-0| over 5 compared rows; one missing.
    assert.equal(report.files[1].compared, 5);
    assert.equal(report.files[1].grader_missing, 1);
    assert.ok(Math.abs(report.files[1].mae - 7 / 5) < 1e-12);
    const json = await qed(
      [
        'grader-bench',
        '--model-config',
        't/m',
        '--data-path',
        'gb.csv',
        '--prompt',
        'prompts/a.txt',
        '--prompt',
        'prompts/b.txt',
        '--ground-truth',
        '--output-path',
        'bench',
        '--json',
        '--quiet',
      ],
      { cwd: dir, env },
    );
    assert.deepEqual(
      (JSON.parse(json.stdout) as typeof report).files.map((f) => f.mae),
      report.files.map((f) => f.mae),
      'the same figures as qed stats --grader',
    );
  });

  test('a rerun re-asks only unreadable grades (cost carried), and a partial run resumes', async () => {
    const dir = ws({ 'gb.csv': fixture('gradingbench-sample.csv'), 'b.txt': PROMPT_B });
    answer = (p) =>
      humanOf(p)?.[2] === 'GB-004' ? { text: 'I cannot decide.' } : { text: '<points>6 out of 7</points>' };
    server.clearRequests();
    const first = await qed(
      [
        'grader-bench',
        '--model-config',
        't/m',
        '--data-path',
        'gb.csv',
        '--prompt',
        'b.txt',
        '--ground-truth',
        '--output-path',
        'g.jsonl',
      ],
      { cwd: dir, env },
    );
    assert.equal(first.code, 1, first.stderr);
    const firstRows = readJsonl(join(dir, 'g.jsonl'));
    assert.equal(firstRows[3].graded_score, null);
    const firstPrompt = prompts().find((p) => humanOf(p)?.[2] === 'GB-004')!;
    answer = () => ({ text: '<points>7 out of 7</points>' });
    server.clearRequests();
    const again = await qed(
      [
        'grader-bench',
        '--model-config',
        't/m',
        '--data-path',
        'gb.csv',
        '--prompt',
        'b.txt',
        '--ground-truth',
        '--output-path',
        'g.jsonl',
      ],
      { cwd: dir, env },
    );
    assert.equal(again.code, 0, again.stderr);
    assert.equal(prompts().length, 1);
    assert.match(again.stderr, /5 reused/);
    const rows = readJsonl(join(dir, 'g.jsonl'));
    assert.deepEqual(
      rows.map((x) => x.graded_score),
      [6, 6, 6, 7, 6, 0],
    );
    assert.equal(rows[3].grade_error, undefined);
    assertCost(
      rows[3].grade_cost,
      sum(costOf(firstPrompt, 'I cannot decide.'), costOf(prompts()[0], '<points>7 out of 7</points>')),
      'both requests',
    );

    // A partial run (cancelled after 2 rows) resumes where it stopped.
    const slow = await FakeLlmServer.start({ latencyMs: 150, reply: () => ({ text: '<points>1 out of 7</points>' }) });
    try {
      const d2 = workspace({
        'configs/models/t/m.yaml': modelYaml(slow.url).replace('concurrent_requests: 4', 'concurrent_requests: 1'),
        'gb.csv': fixture('gradingbench-sample.csv'),
      });
      const out = join(d2, 'nr.jsonl');
      const cancelled = await qed(
        ['grader-bench', '--model-config', 't/m', '--data-path', 'gb.csv', '--output-path', 'nr.jsonl'],
        { cwd: d2, env, onSpawn: stopAfter(`${out}.partial`, 2, 'SIGINT') },
      );
      assert.equal(cancelled.code, 130, cancelled.stderr);
      const partial = readJsonl(out);
      assert.ok(partial.length >= 2 && partial.length < 6, `rows: ${partial.length}`);
      const calls = slow.requestsOf('chat').length;
      slow.clearRequests();
      const r = await qed(
        ['grader-bench', '--model-config', 't/m', '--data-path', 'gb.csv', '--output-path', 'nr.jsonl'],
        { cwd: d2, env },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.equal(slow.requestsOf('chat').length, 5 - partial.length, `calls before: ${calls}`);
      // Without --ground-truth the shipped no-reference prompt is used: the reference never appears.
      assert.ok(
        slow
          .requestsOf('chat')
          .map(lastUser)
          .every((p) => !p.includes('one of which is even.') && !p.includes('has a prime factor not in the list')),
      );
      const rows2 = readJsonl(out);
      assert.deepEqual(
        rows2.map((x) => x.graded_score),
        [1, 1, 1, 1, 1, 0],
      );
      assert.ok(rows2.every((x) => x.grader_prompt === 'configs/prompts/grade_imoproofbench_noref.txt'));
      assert.match(r.stdout, /grader vs human/);
    } finally {
      await slow.close();
    }
  });

  test('bad input: missing columns list what exists; a reference prompt without --ground-truth; several prompts into one file', async () => {
    const dir = ws({
      'nopoints.jsonl': JSON.stringify({ problem_id: 'A', problem: 'P', response: 'R', grade: 3 }) + '\n',
      'ok.jsonl': JSON.stringify({ problem_id: 'A', problem: 'P', response: 'R', points: 3 }) + '\n',
      'full.jsonl': JSON.stringify({ problem_id: 'A', problem: 'P', solution: 'S', response: 'R', points: 3 }) + '\n',
      'a.txt': PROMPT_A,
      'b.txt': PROMPT_B,
    });
    server.clearRequests();
    const noPoints = await qed(
      ['grader-bench', '--model-config', 't/m', '--data-path', 'nopoints.jsonl', '--output-path', 'o.jsonl'],
      { cwd: dir, env },
    );
    assert.equal(noPoints.code, 2);
    assert.match(noPoints.stderr, /row 1 has no column 'points' \(the human grade\)/);
    assert.match(noPoints.stderr, /columns present: problem_id, problem, model_solution, grade/);
    const noRef = await qed(
      [
        'grader-bench',
        '--model-config',
        't/m',
        '--data-path',
        'ok.jsonl',
        '--output-path',
        'o.jsonl',
        '--ground-truth',
      ],
      { cwd: dir, env },
    );
    assert.equal(noRef.code, 2);
    assert.match(noRef.stderr, /row 1 has no column 'solution' \(the reference solution, needed with --ground-truth\)/);
    const leak = await qed(
      [
        'grader-bench',
        '--model-config',
        't/m',
        '--data-path',
        'ok.jsonl',
        '--output-path',
        'o.jsonl',
        '--prompt',
        'a.txt',
      ],
      { cwd: dir, env },
    );
    assert.equal(leak.code, 2);
    assert.match(leak.stderr, /shows the reference solution .* --ground-truth is not set/);
    const oneFile = await qed(
      [
        'grader-bench',
        '--model-config',
        't/m',
        '--data-path',
        'full.jsonl',
        '--output-path',
        'o.jsonl',
        '--prompt',
        'a.txt',
        '--prompt',
        'b.txt',
        '--ground-truth',
      ],
      { cwd: dir, env },
    );
    assert.equal(oneFile.code, 2);
    assert.match(oneFile.stderr, /2 prompts write one file each, so --output-path must be a folder/);
    assert.equal(server.requestsOf('chat').length, 0, 'nothing was spent');
  });
});

describe("qed grader-bench: the original's sets, list-valued schemes and column options", () => {
  const SHA = 'feedfacefeedfacefeedfacefeedfacefeedface';
  /** A dataset as the Python tools leave it in the hub cache under HOME (the workspace). */
  const cached = (id: string, rows: object[]): Record<string, string> => {
    const repo = `.cache/huggingface/hub/datasets--${id.replace('/', '--')}`;
    return {
      [`${repo}/refs/main`]: SHA,
      [`${repo}/snapshots/${SHA}/data/train.jsonl`]: rows.map((r) => JSON.stringify(r)).join('\n') + '\n',
    };
  };
  const offline = { ...env, HF_HUB_OFFLINE: '1' };
  const SCHEME_PROMPT =
    'Grade.\nProblem: {problem_statement}\nScheme:\n{grading_guidelines}\nCandidate:\n{candidate_solution}';

  test('no --data-path: the olympiads graderbench from the hub cache, problem in text, its schema_0 list written item by item with --dict-prompt', async () => {
    const schema = [
      { title: 'Setup', desc: 'Define $f$.', points: 2 },
      { title: 'Finish', desc: 'Conclude.', points: 5 },
    ];
    const dir = ws({
      ...cached('lm-provers/olympiads-proof-graderbench', [
        { text: 'Prove $P$.', model_solution: 'Proof of P.', points: 5, schema_0: schema },
        { text: 'Prove $Q$.', model_solution: 'Proof of Q.', points: 0, schema_0: schema.slice(1) },
      ]),
      'p.txt': SCHEME_PROMPT,
      'item.txt': '* {title} [{points}]: {description}',
    });
    answer = (p) => ({ text: p.includes('$P$') ? '<points>5 out of 7</points>' : '<points>1 out of 7</points>' });
    server.clearRequests();
    const r = await qed(
      [
        'grader-bench',
        '--model-config',
        't/m',
        '--prompt',
        'p.txt',
        '--dict-prompt',
        'item.txt',
        '--output-path',
        'o.jsonl',
      ],
      { cwd: dir, env: offline },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /hf:lm-provers\/olympiads-proof-graderbench@train/);
    const sent = prompts().sort();
    assert.equal(
      sent[0],
      'Grade.\nProblem: Prove $P$.\nScheme:\n* Setup [2]: Define $f$.\n\n* Finish [5]: Conclude.\nCandidate:\nProof of P.',
    );
    assert.ok(sent[1].includes('Scheme:\n* Finish [5]: Conclude.\nCandidate:'));
    const rows = readJsonl(join(dir, 'o.jsonl'));
    assert.deepEqual(
      rows.map((x) => x.graded_score),
      [5, 1],
    );
    assert.deepEqual(
      rows.map((x) => x.text),
      ['Prove $P$.', 'Prove $Q$.'],
      'the input columns are kept under their names',
    );
    assert.deepEqual(rows[0].schema_0, [
      { title: 'Proof Grade', desc: '* Setup [2]: Define $f$.\n\n* Finish [5]: Conclude.', points: 7 },
    ]);
    assert.ok(rows.every((x) => x.problem === undefined && x.grading_guidelines === undefined));
  });

  test('--matharena: its set and columns (answer, details with max_points), no reference; the shipped item template; --ground-truth refused', async () => {
    const details = [
      { title: 'Bound', grading_scheme_desc: 'Show $n \\le 3$.', max_points: 3 },
      { title: 'Example', grading_scheme_desc: 'Give $n=3$.', max_points: 4 },
    ];
    const dir = ws({
      ...cached('lm-provers/matharena-gradingbench', [
        { problem: 'Find the largest $n$.', answer: 'It is 3.', solution: 'SECRET REFERENCE', details, points: 7 },
      ]),
      'p.txt': SCHEME_PROMPT,
    });
    answer = () => ({ text: '<points>7 out of 7</points>' });
    server.clearRequests();
    const r = await qed(
      ['grader-bench', '--model-config', 't/m', '--matharena', '--prompt', 'p.txt', '--output-path', 'o.jsonl'],
      { cwd: dir, env: offline },
    );
    assert.equal(r.code, 0, r.stderr);
    const [sent] = prompts();
    assert.ok(sent.includes('Candidate:\nIt is 3.'), sent);
    const item = readFileSync(
      join(resolve(__dirname, '..', '..'), 'configs', 'prompts', 'grading_scheme_item.txt'),
      'utf8',
    );
    const fill = (d: (typeof details)[number]) =>
      item
        .replace('{title}', d.title)
        .replace('{points}', String(d.max_points))
        .replace('{description}', d.grading_scheme_desc);
    assert.ok(sent.includes(`Scheme:\n${details.map(fill).join('\n\n')}\nCandidate:`), sent);
    assert.ok(!sent.includes('SECRET REFERENCE'));
    const [row] = readJsonl(join(dir, 'o.jsonl'));
    assert.equal(row.graded_score, 7);
    assert.deepEqual(row.details, details, 'the scheme column stays as it was');
    const both = await qed(
      ['grader-bench', '--model-config', 't/m', '--matharena', '--ground-truth', '--output-path', 'o2.jsonl'],
      { cwd: dir, env: offline },
    );
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--matharena grades without the reference solution/);
  });

  test("column options name the columns of any file; --dict-prompt '' shows a list as JSON", async () => {
    const dir = ws({
      'h.jsonl':
        JSON.stringify({
          id: 'H1',
          question: 'Prove $R$.',
          resp: 'Proof of R.',
          ref: 'Reference of R.',
          rubric: [{ title: 'All', desc: 'Everything.', points: 7 }],
          points: 6,
        }) + '\n',
      'p.txt':
        'Problem: {problem_statement}\nReference: {reference_solution}\nScheme: {grading_guidelines}\nCandidate: {candidate_solution}',
    });
    answer = () => ({ text: '<points>6 out of 7</points>' });
    server.clearRequests();
    const args = [
      'grader-bench',
      '--model-config',
      't/m',
      '--data-path',
      'h.jsonl',
      '--prompt',
      'p.txt',
      '--ground-truth',
      '--output-path',
      'o.jsonl',
    ];
    const cols = [
      '--problem-column',
      'question',
      '--model-solution-column',
      'resp',
      '--solution-column',
      'ref',
      '--grading-column',
      'rubric',
      '--answer-column',
      'unused',
    ];
    const r = await qed([...args, ...cols, '--dict-prompt', ''], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    const [sent] = prompts();
    assert.ok(
      sent.startsWith('Problem: Prove $R$.\nReference: Reference of R.\nScheme: [\n {\n  "title": "All"'),
      sent,
    );
    assert.ok(sent.endsWith('Candidate: Proof of R.'));
    const [row] = readJsonl(join(dir, 'o.jsonl'));
    assert.equal(row.graded_score, 6);
    assert.deepEqual(
      Object.keys(row)
        .filter((k) => ['question', 'resp', 'ref', 'rubric'].includes(k))
        .sort(),
      ['question', 'ref', 'resp', 'rubric'],
    );
    // Without the options the same file is refused, naming the option to use.
    const bad = await qed(args, { cwd: dir, env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /row 1 has no column 'problem'.*name another column with --problem-column/s);
  });
});
