/**
 * The original's prompt files work with `--prompt`: for each prompt file of the Python stack, a
 * prompt with exactly its placeholder names (read from the original's repository when it is
 * beside us, else from the list below) is accepted by the command that step belongs to, and the
 * request seen at the fake server holds every value in its place, with `{{ }}` read as braces.
 * The original's texts are never copied: only their placeholder names are used.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { templateFields } from '../../src/core/agents/pyformat';
import { FakeLlmServer, type FakeStep, type RecordedRequest } from '../fake-llm/server';
import { qed, workspace } from './helpers';

/** The original's repository (a bare git mirror); QED_ORIGINAL_REPO overrides. */
const MIRROR = process.env.QED_ORIGINAL_REPO ?? '/work/.mirror/CMU-AIRe+QED-Nano/repo';
const HAVE_MIRROR = existsSync(MIRROR);

/** The placeholder names of an original prompt file, from the mirror; undefined without it. */
function mirrorNames(file: string): string[] | undefined {
  if (!HAVE_MIRROR) return undefined;
  const r = spawnSync('git', ['-C', MIRROR, 'show', `HEAD:eval/configs/prompts/${file}`], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  return templateFields(r.stdout).sort();
}

const V = {
  problem: 'PROBLEM: show 1 + 1 = 2.',
  reference: 'REFERENCE: by definition.',
  candidate: 'CANDIDATE: since 1 + 1 = 2 holds.',
  guidelines: 'GUIDELINES: full marks for the definition.',
  scheme: 'SCHEME: 7 points for the definition.',
  answer: 'I think it is seven',
  gold: '42',
  path: 'Olympiads > Algebra',
};

/** How one original prompt file is run here, and what each of its names must be filled with. */
interface Case {
  file: string;
  args: string[];
  data: Record<string, unknown>;
  /** name → the text it must be replaced by. */
  expect: Record<string, string>;
  reply: FakeStep;
}

const proofRow = {
  problem_id: 'PB-1',
  problem: V.problem,
  solution: V.reference,
  grading_guidelines: V.guidelines,
  model_solution: V.candidate,
};
const benchRow = {
  grading_id: 'GB-1',
  problem_id: 'PB-1',
  problem: V.problem,
  solution: V.reference,
  grading_guidelines: V.guidelines,
  model_solution: V.candidate,
  points: 7,
};
const points = { text: '<points>7 out of 7</points>' };

const markingScheme = (gt: boolean) => ({
  problem: V.problem,
  solution: V.candidate,
  marking_scheme: V.guidelines,
  max_points: '7',
  ...(gt ? { reference_solution: V.reference } : {}),
});

const CASES: Case[] = [
  {
    file: 'proofbench_run.txt',
    args: ['run', '--output-path', 'out.jsonl'],
    data: { problem_id: 'PB-1', problem: V.problem },
    expect: { problem_statement: V.problem },
    reply: { text: 'a proof' },
  },
  {
    file: 'answerbench_run.txt',
    args: ['run', '--final-answer', '--output-path', 'out.jsonl'],
    data: { problem_id: 'AB-1', problem: V.problem, answer: V.gold },
    expect: { problem_statement: V.problem },
    reply: { text: '\\boxed{42}' },
  },
  {
    file: 'proofbench.txt',
    args: ['eval'],
    data: proofRow,
    expect: {
      problem_statement: V.problem,
      student_answer: V.candidate,
      solution: V.reference,
      guidelines: V.guidelines,
    },
    reply: points,
  },
  {
    file: 'proofbench_proofbench.txt',
    args: ['eval', '--proofbench'],
    data: { problem_id: 'PB-1', problem: V.problem, grading_scheme: V.scheme, model_solution: V.candidate },
    expect: { problem_statement: V.problem, student_answer: V.candidate, guidelines: V.scheme },
    reply: points,
  },
  {
    file: 'answerbench.txt',
    args: ['eval', '--final-answer'],
    data: { problem_id: 'AB-1', problem: V.problem, answer: V.gold, model_solution: V.answer },
    expect: { problem_statement: V.problem, student_answer: V.answer, gold_answer: V.gold },
    reply: { text: '\\boxed{Incorrect}' },
  },
  {
    file: 'schema_generation.txt',
    args: ['schemes'],
    data: { problem: V.problem, solution: V.reference },
    expect: { problem: V.problem, solution: V.reference },
    reply: { text: 'no scheme' },
  },
  {
    file: 'filtering.txt',
    args: ['filter'],
    data: { problem: V.problem, solution: V.reference, path: V.path, candidates: ['first', 'second'] },
    expect: {
      problem: V.problem,
      solution: V.reference,
      path: V.path,
      comments: 'Comment:\nfirst\n\nComment:\nsecond',
    },
    reply: {
      text: '{"incomplete": false, "difficulty": 3, "gaps": false, "wrong": false, "disagreement": false, "computational": false}',
    },
  },
  {
    file: 'gradingbench.txt',
    args: ['grader-bench'],
    data: benchRow,
    expect: { problem_statement: V.problem, student_answer: V.candidate },
    reply: points,
  },
  {
    file: 'gradingbench_gt.txt',
    args: ['grader-bench', '--ground-truth'],
    data: benchRow,
    expect: {
      problem_statement: V.problem,
      student_answer: V.candidate,
      solution: V.reference,
      guidelines: V.guidelines,
    },
    reply: points,
  },
  ...['general', 'gimo', 'opc', 'original', 'proofbench', 'proofbench-strict'].flatMap((kind): Case[] =>
    [true, false].map((gt) => {
      const expect: Record<string, string> = markingScheme(gt);
      // Only the "original" pair shows the maximum.
      if (kind !== 'original') delete expect.max_points;
      return {
        file: `gradingbench/${kind}-${gt ? 'gt' : 'no-gt'}.txt`,
        args: ['grader-bench', ...(gt ? ['--ground-truth'] : [])],
        data: benchRow,
        expect,
        reply: points,
      };
    }),
  ),
];

let server: FakeLlmServer;
let reply: FakeStep = { text: '' };
before(async () => {
  server = await FakeLlmServer.start({ reply: () => reply });
});
after(async () => {
  await server.close();
});

const lastUser = (r: RecordedRequest): string => (r.body?.messages?.at(-1)?.content as string) ?? '';
const modelYaml = (url: string) =>
  `model: fake\napi: custom\nbase_url: ${url}/v1\napi_key_env: FAKE_KEY\nread_cost: 1\nwrite_cost: 1\nconcurrent_requests: 2\nmax_retries: 1\nsleep_on_error: 0.01\n`;

/** A prompt of our own that uses exactly `names`, with Python's brace escapes around them. */
function promptWith(names: string[]): string {
  return [
    'A test prompt; the answer goes in \\boxed{{}} and JSON looks like {{"a": 1}}.',
    ...names.map((n) => `<<${n}>> {${n}} <</${n}>>`),
    'End.',
  ].join('\n');
}

describe('the original prompt files are accepted and filled', () => {
  for (const c of CASES) {
    test(`${c.file}: qed ${c.args[0]}${c.args.includes('--final-answer') ? ' --final-answer' : ''}${c.args.includes('--proofbench') ? ' --proofbench' : ''}${c.args.includes('--ground-truth') ? ' --ground-truth' : ''}`, async (t) => {
      const ours = Object.keys(c.expect).sort();
      const theirs = mirrorNames(c.file);
      if (theirs) assert.deepEqual(ours, theirs, `the names this test fills are those of the original's ${c.file}`);
      else
        t.diagnostic(
          `${MIRROR} not found: the original's ${c.file} is not read; its names are taken from this test's list`,
        );
      const dir = workspace({ 'configs/models/t/m.yaml': modelYaml(server.url), 'p.txt': promptWith(ours) });
      writeFileSync(join(dir, 'data.jsonl'), JSON.stringify(c.data) + '\n');
      reply = c.reply;
      server.clearRequests();
      const r = await qed(
        [
          ...c.args,
          '--model-config',
          't/m',
          '--data-path',
          'data.jsonl',
          '--prompt',
          'p.txt',
          ...(c.args[0] === 'grader-bench' ? ['--output-path', 'gb.jsonl'] : []),
        ],
        { cwd: dir, env: { FAKE_KEY: 'sk-test-0123456789' } },
      );
      assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
      const sent = server.requestsOf('chat').map(lastUser);
      assert.equal(sent.length, 1, r.stderr);
      const prompt = sent[0];
      assert.ok(
        prompt.startsWith('A test prompt; the answer goes in \\boxed{} and JSON looks like {"a": 1}.'),
        `{{ }} are read as braces: ${prompt.slice(0, 120)}`,
      );
      for (const [name, value] of Object.entries(c.expect)) {
        assert.ok(
          prompt.includes(`<<${name}>> ${value} <</${name}>>`),
          `{${name}} is filled with ${JSON.stringify(value)}:\n${prompt}`,
        );
      }
    });
  }

  test('every prompt file of the original has a case here', (t) => {
    if (!HAVE_MIRROR) return t.skip(`${MIRROR} not found: the list of the original's prompt files cannot be read`);
    const r = spawnSync('git', ['-C', MIRROR, 'ls-tree', '-r', '--name-only', 'HEAD', 'eval/configs/prompts/'], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const files = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace('eval/configs/prompts/', ''));
    // dict-to-string.txt is not a --prompt file: it writes one item of a list-valued marking scheme
    // (grader-bench's --dict-prompt), not a request.
    const missing = files.filter((f) => f !== 'gradingbench/dict-to-string.txt' && !CASES.some((c) => c.file === f));
    assert.deepEqual(missing, []);
  });

  test('a name neither side fills is refused with the file, line, placeholder and the accepted names (exit 2)', async () => {
    const dir = workspace({
      'configs/models/t/m.yaml': modelYaml(server.url),
      'p.txt': 'Grade {{carefully}}.\n{problem_statement}\n{student_answer}\n{answer_key}\n',
      'data.jsonl': JSON.stringify(proofRow) + '\n',
    });
    server.clearRequests();
    const r = await qed(['eval', '--model-config', 't/m', '--data-path', 'data.jsonl', '--prompt', 'p.txt'], {
      cwd: dir,
      env: { FAKE_KEY: 'sk-test-0123456789' },
    });
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /p\.txt:4: '\{answer_key\}': the prompt has a placeholder \{answer_key\} that this command does not fill/,
    );
    assert.match(r.stderr, /\{student_answer\}/);
    assert.match(r.stderr, /\{candidate_solution\}/);
    assert.equal(server.requestsOf('chat').length, 0);
  });

  test('our plain prompts keep LaTeX braces as written; a name another command fills is refused', async () => {
    const row = { problem_id: 'AB-1', problem: V.problem, answer: V.gold, model_solution: V.answer };
    const dir = workspace({
      'configs/models/t/m.yaml': modelYaml(server.url),
      'ok.txt': 'Reply \\boxed{Correct} or $\\frac{1}{2}$.\nGold {golden_answer}; candidate {candidate_answer}.',
      'bad.txt': 'Gold {golden_answer}\nCandidate {candidate_answer}\nSee {marking_scheme}',
      'data.jsonl': JSON.stringify(row) + '\n',
    });
    reply = { text: '\\boxed{Incorrect}' };
    server.clearRequests();
    const ok = await qed(
      ['eval', '--final-answer', '--model-config', 't/m', '--data-path', 'data.jsonl', '--prompt', 'ok.txt'],
      { cwd: dir, env: { FAKE_KEY: 'sk-test-0123456789' } },
    );
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(server.requestsOf('chat').map(lastUser), [
      `Reply \\boxed{Correct} or $\\frac{1}{2}$.\nGold ${V.gold}; candidate ${V.answer}.`,
    ]);
    const bad = await qed(
      [
        'eval',
        '--final-answer',
        '--model-config',
        't/m',
        '--data-path',
        'data.jsonl',
        '--prompt',
        'bad.txt',
        '--overwrite',
      ],
      { cwd: dir, env: { FAKE_KEY: 'sk-test-0123456789' } },
    );
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /bad\.txt:3: '\{marking_scheme\}'/);
  });
});
