/**
 * `qed eval` end to end: the built CLI grades result files through the real openai SDK against
 * the loopback fake server, whose grader replies are scripted from the candidate's text.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDataset } from '../../src/core/data';
import { FakeLlmServer, defaultReply, type FakeStep, type RecordedRequest } from '../fake-llm/server';
import { HAVE_IMOBENCH, IMOBENCH, NO_IMOBENCH, qed, readJsonl, stopAfter, workspace } from './helpers';

const KEY = 'sk-grader-SECRET-abcdef0123456789';
const env = { FAKE_KEY: KEY };
let gen: FakeLlmServer;
let grader: FakeLlmServer;
/** How the grader answers; tests swap it. */
let graderReply: (prompt: string) => FakeStep | undefined = () => undefined;

before(async () => {
  gen = await FakeLlmServer.start();
  grader = await FakeLlmServer.start({ reply: (req) => graderReply(lastUser(req)) });
});
after(async () => {
  await gen.close();
  await grader.close();
});

const lastUser = (r: RecordedRequest): string => (r.body?.messages?.at(-1)?.content as string) ?? '';

function modelYaml(url: string, read: number, write: number): string {
  return `model: fake\napi: custom\nbase_url: ${url}/v1\napi_key_env: FAKE_KEY\nread_cost: ${read}\nwrite_cost: ${write}\nconcurrent_requests: 8\nmax_retries: 2\nsleep_on_error: 0.01\n`;
}

function ws(extra: Record<string, string> = {}): string {
  return workspace({
    'configs/models/t/gen.yaml': modelYaml(gen.url, 1, 1),
    'configs/models/t/grader.yaml': modelYaml(grader.url, 3, 15),
    ...extra,
  });
}

/** The hash the fake generator put in a solution: "Fake reply <h>.". */
const hashIn = (text: string) => /Fake reply ([0-9a-f]{8})/.exec(text)?.[1];
/** The grade our scripted grader gives a solution, from its hash; every 7th cannot be parsed. */
function scripted(h: string): number | 'unparsable' {
  const n = parseInt(h, 16);
  return n % 7 === 0 ? 'unparsable' : [7, 6, 1, 0][n % 4];
}
function proofGrader(prompt: string): FakeStep {
  const h = hashIn(prompt.slice(prompt.lastIndexOf('Candidate solution:')));
  if (!h) return { text: 'no candidate found <points>0 out of 7</points>' };
  const g = scripted(h);
  // The format is quoted first, as real graders do: only the last block counts.
  return {
    text:
      g === 'unparsable'
        ? 'A fine effort; I would award most of the marks.'
        : `The reply format is <points>N out of 7</points>.\nAssessment… <points>${g} out of 7</points>`,
  };
}

/** The cost of a grader request, given the reply text the script gave it. */
function costOf(r: RecordedRequest, read: number, write: number, text: string): number {
  const d = defaultReply('chat', r.body, { text });
  return (d.promptTokens * read + (d.completionTokens + d.reasoningTokens) * write) / 1e6;
}

describe('qed eval', () => {
  test(
    'IMO-ProofBench: 60 rows graded with exact scores, surfaced parse failures, exact costs; a rerun re-asks only the failures',
    { skip: HAVE_IMOBENCH ? false : NO_IMOBENCH },
    async () => {
      const dir = ws();
      const run = await qed(
        [
          'run',
          '--model-config',
          't/gen',
          '--data-path',
          join(IMOBENCH, 'proofbench_v2.csv'),
          '--output-path',
          'r.jsonl',
        ],
        { cwd: dir, env },
      );
      assert.equal(run.code, 0, run.stderr);
      graderReply = proofGrader;
      grader.clearRequests();
      const r = await qed(['eval', '--model-config', 't/grader', '--data-path', 'r.jsonl'], { cwd: dir, env });
      const rows = readJsonl(join(dir, 'r.jsonl'));
      assert.equal(rows.length, 60);
      const expected = rows.map((row) => scripted(hashIn(String(row.model_solution))!));
      const unparsable = expected.filter((e) => e === 'unparsable').length;
      assert.ok(unparsable > 0 && unparsable < 60, `the script yields some parse failures (${unparsable})`);
      assert.equal(r.code, 1, 'parse failures make the exit status 1');
      assert.match(
        r.stderr,
        new RegExp(`${60 - unparsable}/60 rows graded, 0 reused, ${unparsable} unreadable grader replies`),
      );
      const byPrompt = new Map(
        grader
          .requestsOf('chat')
          .map((q) => [hashIn(lastUser(q).slice(lastUser(q).lastIndexOf('Candidate solution:'))), q]),
      );
      assert.equal(grader.requestsOf('chat').length, 60);
      rows.forEach((row, i) => {
        const want = expected[i];
        const req = byPrompt.get(hashIn(String(row.model_solution)))!;
        const prompt = lastUser(req);
        assert.ok(
          prompt.includes(String(row.grading_guidelines)) &&
            prompt.includes(String(row.solution)) &&
            prompt.includes(String(row.problem)),
        );
        const gc = row.grade_cost as { cost: number };
        assert.ok(
          Math.abs(gc.cost - costOf(req, 3, 15, (proofGrader(prompt) as { text: string }).text)) < 1e-12,
          'grade_cost at the grader prices',
        );
        assert.deepEqual(row.schema_0, [{ title: 'Proof Grade', desc: row.grading_guidelines, points: 7 }]);
        const grade = row.grade as Array<{ points: number | null; desc: string }>;
        if (want === 'unparsable') {
          assert.equal(row.score, null);
          assert.match(String(row.grade_error), /no <points> block/);
          assert.equal(grade[0].points, null);
          assert.match(grade[0].desc, /fine effort/, 'the raw reply is kept');
        } else {
          assert.equal(row.score, want);
          assert.equal(grade[0].points, want);
          assert.equal(row.grade_error, undefined);
        }
      });
      // qed stats --json against a hand computation from the script (not from the file's scores).
      const st = await qed(['stats', '--json', 'r.jsonl'], { cwd: dir });
      assert.equal(st.code, 0, st.stderr);
      const j = JSON.parse(st.stdout) as {
        rows: number;
        graded: number;
        parse_failures: number;
        overall: number;
        splits: { groups: Array<{ name: string; mean: number; graded: number }> };
        cost: { generation: number; grading: number; total: number };
      };
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const gradedOf = (prefix: string) =>
        rows.flatMap((row, i) =>
          String(row.problem_id).startsWith(prefix) && expected[i] !== 'unparsable' ? [expected[i] as number] : [],
        );
      assert.deepEqual([j.rows, j.graded, j.parse_failures], [60, 60 - unparsable, unparsable]);
      assert.ok(
        Math.abs(j.overall - mean(expected.filter((e): e is number => e !== 'unparsable'))) < 1e-9,
        `overall ${j.overall}`,
      );
      for (const [name, prefix] of [
        ['Basic', 'PB-Basic'],
        ['Advanced', 'PB-Advanced'],
      ]) {
        const g = j.splits.groups.find((x) => x.name === name)!;
        assert.equal(g.graded, gradedOf(prefix).length);
        assert.ok(Math.abs(g.mean - mean(gradedOf(prefix))) < 1e-9, `${name} mean ${g.mean}`);
      }
      // Under the original's names (its stats.py): one file, so the unreadable grades are left out of its
      // Overall too; Sol = grader input tokens; CoT = generation output tokens − grader input tokens;
      // TokC = output tokens of rows with score ≥ 6, an unreadable grade counting 0.
      const orig = (
        JSON.parse(st.stdout) as { original: { columns: Array<{ name: string; value: number | null; text: string }> } }
      ).original;
      const col = (name: string) => orig.columns.find((c) => c.name === name)!;
      const scored = expected.filter((e): e is number => e !== 'unparsable');
      assert.ok(Math.abs(col('Overall').value! - mean(scored)) < 1e-9, `original Overall ${col('Overall').text}`);
      const solIn = rows.map((row) => (row.grade_cost as { input_tokens: number }).input_tokens);
      const outTok = rows.map((row) => (row.cost_run as { output_tokens: number }).output_tokens);
      assert.equal(col('Sol Max').value, Math.max(...solIn));
      assert.equal(col('CoT Min').value, Math.min(...outTok.map((o, i) => o - solIn[i])));
      const correct = outTok.filter((_, i) => expected[i] !== 'unparsable' && (expected[i] as number) >= 6);
      assert.equal(col('TokC Max').value, correct.length ? Math.max(...correct) : null);
      const gradingCost = grader
        .requestsOf('chat')
        .reduce((sum, q) => sum + costOf(q, 3, 15, (proofGrader(lastUser(q)) as { text: string }).text), 0);
      assert.ok(Math.abs(j.cost.grading - gradingCost) < 1e-9, `grading cost ${j.cost.grading} vs ${gradingCost}`);
      assert.ok(Math.abs(j.cost.total - j.cost.generation - gradingCost) < 1e-9);

      // The grader now answers every row: only the failures are asked again.
      graderReply = (p) => ({
        text: `<points>${hashIn(p.slice(p.lastIndexOf('Candidate solution:'))) ? 1 : 0} out of 7</points>`,
      });
      grader.clearRequests();
      const again = await qed(['eval', '--model-config', 't/grader', '--data-path', 'r.jsonl'], { cwd: dir, env });
      assert.equal(again.code, 0, again.stderr);
      assert.equal(grader.requestsOf('chat').length, unparsable);
      const healed = readJsonl(join(dir, 'r.jsonl'));
      healed.forEach((row, i) => {
        assert.equal(row.score, expected[i] === 'unparsable' ? 1 : expected[i]);
        assert.equal(row.grade_error, undefined);
      });
      // A re-asked row's grade_cost adds both requests.
      const k = expected.indexOf('unparsable');
      assert.ok((healed[k].grade_cost as { cost: number }).cost > (rows[k].grade_cost as { cost: number }).cost);
      // stats-relevant: the generation columns are untouched.
      assert.deepEqual(
        healed.map((x) => x.model_solution),
        rows.map((x) => x.model_solution),
      );
    },
  );

  test(
    'IMO-AnswerBench: 400 rows; deterministic check first, LLM judge only when undecided',
    { skip: HAVE_IMOBENCH ? false : NO_IMOBENCH },
    async () => {
      const csv = (await readDataset(join(IMOBENCH, 'answerbench_v2.csv'))).rows as Array<Record<string, string>>;
      const answerOf = new Map(csv.map((r) => [r.problem.trim(), r.answer]));
      // The "model" answers even-numbered problems with the golden answer (as `x = …` in a box), odd ones wrongly.
      const fake = await FakeLlmServer.start({
        reply: (req) => {
          const p = lastUser(req);
          const entry = [...answerOf.entries()].find(([problem]) => p.includes(problem));
          if (!entry) return { text: 'no idea' };
          const idx = csv.findIndex((r) => r.problem.trim() === entry[0]);
          const golden = entry[1].replace(/^\$|\$$/g, '');
          return {
            text:
              idx % 2 === 0 ? `Reasoning.\n\nSo the answer is \\boxed{${golden}}.` : 'Reasoning.\n\n\\boxed{-123457}',
          };
        },
      });
      try {
        const dir = ws({ 'configs/models/t/gen2.yaml': modelYaml(fake.url, 1, 1) });
        const run = await qed(
          [
            'run',
            '--model-config',
            't/gen2',
            '--final-answer',
            '--data-path',
            join(IMOBENCH, 'answerbench_v2.csv'),
            '--output-path',
            'a.jsonl',
          ],
          { cwd: dir, env },
        );
        assert.equal(run.code, 0, run.stderr);
        // The judge says Correct exactly when the candidate equals the golden answer as text.
        graderReply = (p) => {
          const golden = /Correct answer:\n([\s\S]*?)\n\nCandidate's final answer:/
            .exec(p)?.[1]
            ?.replace(/^\$|\$$/g, '')
            .trim();
          const cand = /Candidate's final answer:\n([\s\S]*?)\n\nThink briefly/.exec(p)?.[1]?.trim();
          return {
            text: golden !== undefined && cand === golden ? 'Same. \\boxed{Correct}' : 'Differs. \\boxed{Incorrect}',
          };
        };
        grader.clearRequests();
        const r = await qed(['eval', '--model-config', 't/grader', '--final-answer', '--data-path', 'a.jsonl'], {
          cwd: dir,
          env,
        });
        assert.equal(r.code, 0, r.stderr);
        const rows = readJsonl(join(dir, 'a.jsonl'));
        assert.equal(rows.length, 400);
        const llm = rows.filter((x) => x.judge_method === 'llm');
        const det = rows.filter((x) => x.judge_method === 'deterministic');
        assert.equal(llm.length + det.length, 400);
        assert.equal(
          grader.requestsOf('chat').length,
          llm.length,
          'one judge call per undecided row, none for decided ones',
        );
        assert.ok(det.length >= 300, `most rows decided without a judge (${det.length})`);
        rows.forEach((row, i) => {
          assert.equal(
            row.score,
            i % 2 === 0 ? 1 : 0,
            `row ${i} (${row.problem_id}): ${row.extracted_answer} vs ${row.answer} by ${row.judge_method}`,
          );
          assert.ok(typeof row.extracted_answer === 'string');
          if (row.judge_method === 'deterministic')
            assert.deepEqual(row.grade_cost, { cost: 0, input_tokens: 0, output_tokens: 0, time: 0 });
        });
      } finally {
        await fake.close();
      }
    },
  );

  test('final answers: irrational equalities and near misses decided without a judge; an unclosed box is flagged', async () => {
    const rows = [
      {
        problem_id: 'F-1',
        problem: 'Find tan(pi/8).',
        answer: '$\\sqrt{2}-1$',
        model_solution: 'Half-angle formula.\n\n\\boxed{\\tan\\frac{\\pi}{8}}',
      },
      { problem_id: 'F-2', problem: 'Find N.', answer: '$10^{15}$', model_solution: 'So \\boxed{\\sqrt{10^{30}+1}}' },
      { problem_id: 'F-3', problem: 'Find k.', answer: '42', model_solution: 'Therefore \\boxed{42' },
      {
        problem_id: 'F-4',
        problem: 'Name the shape.',
        answer: 'a regular hexagon',
        model_solution: '\\boxed{\\text{the hexagon with equal sides and angles}}',
      },
    ];
    const dir = ws({ 'f.jsonl': rows.map((x) => JSON.stringify(x)).join('\n') + '\n' });
    graderReply = () => ({ text: 'Same shape. \\boxed{Correct}' });
    grader.clearRequests();
    const r = await qed(['eval', '--model-config', 't/grader', '--final-answer', '--data-path', 'f.jsonl'], {
      cwd: dir,
      env,
    });
    assert.equal(r.code, 0, r.stderr);
    const out = readJsonl(join(dir, 'f.jsonl'));
    const desc = (x: Record<string, unknown>) => String((x.grade as Array<{ desc: string }>)[0].desc);
    assert.deepEqual(
      out.map((x) => [x.score, x.judge_method]),
      [
        [1, 'deterministic'],
        [0, 'deterministic'],
        [1, 'deterministic'],
        [1, 'llm'],
      ],
    );
    assert.match(desc(out[0]), /high precision/);
    assert.equal(out[1].extracted_answer, '\\sqrt{10^{30}+1}');
    assert.match(String(out[2].extraction_warning), /never closed|unclosed|not closed/i);
    assert.ok(out.every((x, i) => i === 2 || x.extraction_warning === undefined));
    assert.equal(grader.requestsOf('chat').length, 1, 'only the prose answer goes to the judge');
  });

  test('ProofBench marking scheme: grading_scheme column, XML reply, explanation kept', async () => {
    const dir = ws({
      'r.jsonl':
        JSON.stringify({
          problem_id: 'X-1',
          problem: 'Prove P.',
          grading_scheme: 'Checkpoint A: 3 points. Checkpoint B: 4 points.',
          model_solution: 'Proof of P.',
        }) + '\n',
    });
    graderReply = (p) => {
      assert.ok(p.includes('Checkpoint A: 3 points') && p.includes('Proof of P.'));
      return {
        text: '<assessment>A is shown; B has a gap.</assessment><errors>B: case 2 missing</errors><points>3</points>',
      };
    };
    const r = await qed(
      ['eval', '--model-config', 't/grader', '--proofbench', '--data-path', 'r.jsonl', '--output-path', 'g.jsonl'],
      { cwd: dir, env },
    );
    assert.equal(r.code, 0, r.stderr);
    const [row] = readJsonl(join(dir, 'g.jsonl'));
    assert.equal(row.score, 3);
    assert.deepEqual(row.grade, [{ points: 3, desc: 'A is shown; B has a gap.\n\nErrors:\nB: case 2 missing' }]);
    assert.equal(
      readJsonl(join(dir, 'r.jsonl'))[0].score,
      undefined,
      'the input is untouched when --output-path is given',
    );
  });

  test('a several-item scheme is graded per item; the score is their sum', async () => {
    const schema = [
      { title: 'Lemma', desc: 'Proves the lemma', points: 2 },
      { title: 'Finish', desc: 'Concludes', points: 5 },
    ];
    const dir = ws({
      'r.jsonl':
        JSON.stringify({
          problem_id: 'M-1',
          problem: 'Prove Q.',
          solution: 'Ref.',
          model_solution: 'My proof.',
          schema_0: schema,
        }) + '\n',
    });
    graderReply = (p) => {
      assert.ok(p.includes('Item 1 (at most 2 points): Lemma') && p.includes('Item 2 (at most 5 points): Finish'));
      return {
        text: '<item id="1">Lemma done.<points>2</points></item><item id="2">Partial.<points>3</points></item>',
      };
    };
    const r = await qed(['eval', '--model-config', 't/grader', '--data-path', 'r.jsonl'], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    const [row] = readJsonl(join(dir, 'r.jsonl'));
    assert.equal(row.score, 5);
    assert.deepEqual(row.grade, [
      { points: 2, desc: 'Lemma done.' },
      { points: 3, desc: 'Partial.' },
    ]);
    assert.deepEqual(row.schema_0, schema);
  });

  test('empty solutions get 0 without a call; self-evaluation is not shown to the grader; run errors are skipped', async () => {
    const rows = [
      { problem_id: 'E-1', problem: 'P1', solution: 'S', grading_guidelines: 'G', model_solution: '   ' },
      {
        problem_id: 'E-2',
        problem: 'P2',
        solution: 'S',
        grading_guidelines: 'G',
        model_solution: 'Real proof.\n\n## Self Evaluation\nI deserve 7/7.',
      },
      {
        problem_id: 'E-3',
        problem: 'P3',
        solution: 'S',
        grading_guidelines: 'G',
        model_solution: '',
        error: 'server error (after 7 attempts)',
      },
      {
        problem_id: 'E-4',
        problem: 'P4',
        solution: 'S',
        grading_guidelines: 'G',
        model_solution: '## Evaluation\nall good',
      },
    ];
    const dir = ws({ 'r.jsonl': rows.map((x) => JSON.stringify(x)).join('\n') + '\n' });
    graderReply = () => ({ text: '<points>6 out of 7</points>' });
    grader.clearRequests();
    const r = await qed(['eval', '--model-config', 't/grader', '--data-path', 'r.jsonl'], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(grader.requestsOf('chat').length, 1);
    const sent = lastUser(grader.requestsOf('chat')[0]);
    assert.ok(sent.includes('Real proof.') && !sent.includes('I deserve'));
    const out = readJsonl(join(dir, 'r.jsonl'));
    assert.equal(out[0].score, 0);
    assert.match(String((out[0].grade as Array<{ desc: string }>)[0].desc), /empty/);
    assert.equal(out[1].score, 6);
    assert.equal(out[2].score, undefined, 'a failed generation is left ungraded');
    assert.equal(out[2].error, 'server error (after 7 attempts)');
    assert.equal(out[3].score, 0, 'nothing left once the self-evaluation is cut');
    assert.match(r.stderr, /1 rows skipped \(their generation failed\)/);
  });

  test('a results file without model_solution or guidelines is refused before any call, listing its columns', async () => {
    const dir = ws({
      'nosol.jsonl':
        JSON.stringify({ problem_id: 'A', problem: 'P', solution: 'S', grading_guidelines: 'G', answer_text: 'x' }) +
        '\n',
      'noguide.jsonl': JSON.stringify({ problem_id: 'A', problem: 'P', solution: 'S', model_solution: 'M' }) + '\n',
    });
    grader.clearRequests();
    const a = await qed(['eval', '--model-config', 't/grader', '--data-path', 'nosol.jsonl'], { cwd: dir, env });
    assert.equal(a.code, 2);
    assert.match(a.stderr, /nosol\.jsonl:1: 'model_solution': row 1 has no column 'model_solution'/);
    assert.match(a.stderr, /columns present: problem_id, problem, solution, grading_guidelines, answer_text/);
    const b = await qed(['eval', '--model-config', 't/grader', '--data-path', 'noguide.jsonl'], { cwd: dir, env });
    assert.equal(b.code, 2);
    assert.match(b.stderr, /'grading_guidelines'/);
    const c = await qed(
      ['eval', '--model-config', 't/grader', '--data-path', 'noguide.jsonl', '--grading-column', 'solution'],
      { cwd: dir, env },
    );
    assert.equal(c.code, 0, c.stderr);
    assert.equal(grader.requestsOf('chat').length, 1);
  });

  test('a different grader is refused on a graded file unless --overwrite', async () => {
    const dir = ws({
      'r.jsonl':
        JSON.stringify({ problem_id: 'A', problem: 'P', solution: 'S', grading_guidelines: 'G', model_solution: 'M' }) +
        '\n',
    });
    graderReply = () => ({ text: '<points>7 out of 7</points>' });
    assert.equal(
      (await qed(['eval', '--model-config', 't/grader', '--data-path', 'r.jsonl'], { cwd: dir, env })).code,
      0,
    );
    writeFileSync(
      join(dir, 'configs/models/t/grader2.yaml'),
      modelYaml(grader.url, 3, 15).replace('model: fake', 'model: fake-strict'),
    );
    const r = await qed(['eval', '--model-config', 't/grader2', '--data-path', 'r.jsonl'], { cwd: dir, env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /different run.*model "fake" → "fake-strict"/s);
    graderReply = () => ({ text: '<points>1 out of 7</points>' });
    const o = await qed(['eval', '--model-config', 't/grader2', '--data-path', 'r.jsonl', '--overwrite'], {
      cwd: dir,
      env,
    });
    assert.equal(o.code, 0, o.stderr);
    assert.equal(readJsonl(join(dir, 'r.jsonl'))[0].score, 1);
  });

  test('--help lists the options of the original stack and the column names, on stdout, exit 0', async () => {
    const r = await qed(['eval', '--help'], { cwd: workspace() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const opts = [
      '--model-config',
      '--data-path',
      '--output-path',
      '--final-answer',
      '--proofbench',
      '--overwrite',
      '--prompt',
    ];
    const columns = [
      '--problem-column',
      '--model-solution-column',
      '--solution-column',
      '--answer-column',
      '--grading-column',
    ];
    for (const opt of [...opts, ...columns])
      assert.match(r.stdout, new RegExp(`^\\s+${opt}\\b`, 'm'), `${opt} is listed`);
  });

  test('--prompt FILE: the grader gets the user grading template with every placeholder filled', async () => {
    const template =
      'MY RUBRIC v2\n[P] {problem_statement}\n[R] {reference_solution}\n[G] {grading_guidelines}\n[C] {candidate_solution}\nAnswer as <points>N out of 7</points>.';
    const row = {
      problem_id: 'U-1',
      problem: 'Prove that 2 is even.',
      solution: '2 = 2 * 1.',
      grading_guidelines: '(full) mentions 2 = 2 * 1',
      model_solution: 'Two is 2 times 1, hence even.',
    };
    const dir = ws({ 'r.jsonl': JSON.stringify(row) + '\n', 'my-grader.txt': template });
    graderReply = () => ({ text: '<points>6 out of 7</points>' });
    grader.clearRequests();
    const r = await qed(['eval', '--model-config', 't/grader', '--data-path', 'r.jsonl', '--prompt', 'my-grader.txt'], {
      cwd: dir,
      env,
    });
    assert.equal(r.code, 0, r.stderr);
    const sent = grader.requestsOf('chat').map(lastUser);
    assert.deepEqual(sent, [
      `MY RUBRIC v2\n[P] ${row.problem}\n[R] ${row.solution}\n[G] ${row.grading_guidelines}\n[C] ${row.model_solution}\nAnswer as <points>N out of 7</points>.`,
    ]);
    assert.equal(readJsonl(join(dir, 'r.jsonl'))[0].score, 6);
  });

  test('renamed columns: --problem-column, --model-solution-column, --solution-column, --grading-column', async () => {
    const rows = [1, 2].map((i) => ({
      id: `R-${i}`,
      question: `Question text ${i}.`,
      attempt: `Attempt text ${i}.`,
      reference: `Reference text ${i}.`,
      rubric: `Rubric text ${i}.`,
    }));
    const dir = ws({ 'r.jsonl': rows.map((x) => JSON.stringify(x)).join('\n') + '\n' });
    graderReply = (p) => ({ text: `<points>${p.includes('Attempt text 1.') ? 7 : 1} out of 7</points>` });
    grader.clearRequests();
    const r = await qed(
      [
        'eval',
        '--model-config',
        't/grader',
        '--data-path',
        'r.jsonl',
        '--problem-column',
        'question',
        '--model-solution-column',
        'attempt',
        '--solution-column',
        'reference',
        '--grading-column',
        'rubric',
      ],
      { cwd: dir, env },
    );
    assert.equal(r.code, 0, r.stderr);
    const sent = grader.requestsOf('chat').map(lastUser);
    assert.equal(sent.length, 2);
    for (const i of [1, 2]) {
      const p = sent.find((x) => x.includes(`Attempt text ${i}.`));
      assert.ok(p, `row ${i} was sent`);
      for (const t of [`Question text ${i}.`, `Reference text ${i}.`, `Rubric text ${i}.`])
        assert.ok(p.includes(t), `the prompt of row ${i} holds "${t}"`);
    }
    const out = readJsonl(join(dir, 'r.jsonl'));
    assert.deepEqual(
      out.map((x) => x.score),
      [7, 1],
    );
    assert.deepEqual(out[0].schema_0, [{ title: 'Proof Grade', desc: 'Rubric text 1.', points: 7 }]);
    assert.deepEqual(
      out.map((x) => x.attempt),
      ['Attempt text 1.', 'Attempt text 2.'],
      'the input columns are kept',
    );
  });

  test('kill -9 mid-eval, then rerun: only the rows not graded yet are asked', async () => {
    // The grader gives "Attempt k." k % 8 points, slowly enough for the kill to land mid-run.
    const slow = await FakeLlmServer.start({
      latencyMs: 150,
      reply: (req) => ({
        text: `<points>${Number(/Attempt (\d+)\./.exec(lastUser(req))?.[1] ?? 0) % 8} out of 7</points>`,
      }),
    });
    try {
      const rows = Array.from({ length: 12 }, (_, i) => ({
        problem_id: `K-${i + 1}`,
        problem: `P${i + 1}`,
        solution: 'S',
        grading_guidelines: 'G',
        model_solution: `Attempt ${i + 1}.`,
      }));
      const dir = ws({
        'configs/models/t/slow.yaml': modelYaml(slow.url, 3, 15).replace(
          'concurrent_requests: 8',
          'concurrent_requests: 2',
        ),
        'r.jsonl': rows.map((x) => JSON.stringify(x)).join('\n') + '\n',
      });
      const journal = join(dir, 'r.jsonl.partial');
      const args = ['eval', '--model-config', 't/slow', '--data-path', 'r.jsonl'];
      const killed = await qed(args, { cwd: dir, env, onSpawn: stopAfter(journal, 4, 'SIGKILL') });
      assert.equal(killed.signal, 'SIGKILL');
      const saved = readJsonl(journal);
      assert.ok(saved.length >= 4 && saved.length < 12, `journal rows: ${saved.length}`);
      const attemptOf = (text: string) => Number(/Attempt (\d+)\./.exec(text)?.[1]);
      const savedAttempts = saved.map((x) => attemptOf(String(x.model_solution)));
      assert.deepEqual(readJsonl(join(dir, 'r.jsonl')), rows, 'the results file itself is untouched by the killed run');

      slow.clearRequests();
      const r = await qed(args, { cwd: dir, env });
      assert.equal(r.code, 0, r.stderr);
      const asked = slow.requestsOf('chat').map((q) => attemptOf(lastUser(q)));
      assert.equal(asked.length, 12 - saved.length, 'one request per row not graded yet');
      assert.deepEqual(
        [...asked, ...savedAttempts].sort((a, b) => a - b),
        rows.map((_, i) => i + 1),
        'no graded row was asked again, no ungraded row left out',
      );
      assert.match(r.stderr, new RegExp(`${saved.length} reused`));
      const out = readJsonl(join(dir, 'r.jsonl'));
      assert.deepEqual(
        out.map((x) => x.problem_id),
        rows.map((x) => x.problem_id),
      );
      assert.deepEqual(
        out.map((x) => x.score),
        rows.map((_, i) => (i + 1) % 8),
      );
      assert.ok(out.every((x) => x.grade_error === undefined));
      assert.ok(!existsSync(journal) && !existsSync(join(dir, 'r.jsonl.lock')));
    } finally {
      await slow.close();
    }
  });

  test('the last progress line is printed once before the summary', async () => {
    const dir = ws({
      'r.jsonl':
        JSON.stringify({
          problem_id: 'D-1',
          problem: 'P',
          solution: 'S',
          grading_guidelines: 'G',
          model_solution: 'M',
        }) + '\n',
    });
    graderReply = () => ({ text: 'No verdict here.' }); // an unreadable reply logs a line, and the next figures follow at once
    const r = await qed(['eval', '--model-config', 't/grader', '--data-path', 'r.jsonl'], { cwd: dir, env });
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('progress: 1/1 rows (100%)'));
    assert.equal(lines.length, 1, r.stderr);
  });
});
