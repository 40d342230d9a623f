/**
 * The pure parts of the agent scaffolds: Python's str.format and random.Random as scaffold files
 * rely on them, the readers of model replies, and the step journal.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pyFormat, templateFields, TemplateError } from '../../src/core/agents/pyformat';
import { PyRandom } from '../../src/core/agents/pyrandom';
import { extractProof, verificationScore } from '../../src/core/agents/deepseek';
import { keepList, nomosScore, pairVerdict } from '../../src/core/agents/nomos';
import { selectorChoice, splitApproaches } from '../../src/core/agents/mathCore';
import { substring } from '../../src/core/agents/selfcheck';
import { sampleBlocks } from '../../src/core/agents/staticGraph';
import { StepJournal } from '../../src/core/agents/journal';
import { maxCalls } from '../../src/core/agents';
import { Params } from '../../src/core/agents/params';

describe('Python str.format', () => {
  test('named fields are filled, doubled braces are literal', () => {
    assert.equal(pyFormat('Score: \\boxed{{...}} for {proof}', { proof: 'P' }), 'Score: \\boxed{...} for P');
    assert.equal(pyFormat('{a}{b}{a}', { a: 1, b: 'x' }), '1x1');
    assert.deepEqual(templateFields('{question} {{not}} {proof} {question}'), ['question', 'proof']);
  });
  test('an unknown field, a lone brace or a non-name is an error naming it', () => {
    assert.throws(
      () => pyFormat('{answer}', { proof: 'p' }),
      (e: unknown) => e instanceof TemplateError && e.field === 'answer' && /\{proof\}/.test(e.message),
    );
    assert.throws(() => templateFields('a { b'), /never closed/);
    assert.throws(() => templateFields('a } b'), /single '\}'/);
    assert.throws(() => templateFields('\\boxed{0.5}'), /not a placeholder name/);
  });
});

describe("Python's random.Random", () => {
  test('random(), shuffle and sample match CPython for the same seed', () => {
    // Values printed by CPython 3: random.Random(0).random() twice; Random(1): shuffle(range(8)) then sample(range(8), 3).
    const r = new PyRandom(0);
    assert.equal(r.random(), 0.8444218515250481);
    assert.equal(r.random(), 0.7579544029403025);
    const r1 = new PyRandom(1);
    assert.deepEqual(r1.shuffle([0, 1, 2, 3, 4, 5, 6, 7]), [3, 6, 1, 5, 7, 0, 4, 2]);
    assert.deepEqual(r1.sample([0, 1, 2, 3, 4, 5, 6, 7], 3), [7, 5, 3]);
    assert.equal(new PyRandom(2 ** 40 + 5).random(), 0.5043802970418443);
  });
  test("rsa's blocks: every item in block_size blocks, as CPython draws them", () => {
    const blocks = sampleBlocks(['s1', 's2', 's3', 's4'], 2, new PyRandom(0));
    assert.deepEqual(blocks, [
      ['s2', 's4'],
      ['s4', 's3'],
      ['s3', 's1'],
      ['s1', 's2'],
    ]);
  });
});

describe('reading scaffold replies', () => {
  test('deepseek: the proof between the headings, the first 0 / 0.5 / 1 box', () => {
    assert.equal(extractProof('intro\n## Solution\nThe proof.\n## Self Evaluation\n\\boxed{1}'), 'The proof.');
    assert.equal(extractProof('The proof.\nself evaluation: fine'), 'The proof.');
    assert.equal(extractProof('## Solution\n'), '[Empty proof -> model error should be given 0 score]');
    assert.equal(verificationScore('a \\boxed{ 0.5 } then \\boxed{1}'), 0.5);
    assert.equal(verificationScore('\\boxed{0.75}'), undefined);
  });
  test('nomos: score, keep list, verdict with and without tags', () => {
    assert.equal(nomosScore('so \\boxed{6}'), 6);
    assert.equal(nomosScore('no score'), undefined);
    assert.deepEqual(keepList('<keep>[1, 3 ,4]</keep>'), [1, 3, 4]);
    assert.equal(keepList('keep all'), undefined);
    assert.deepEqual(pairVerdict('<verdict>TIE</verdict>'), { verdict: 'tie', tagged: true });
    assert.deepEqual(pairVerdict('My verdict: submission 2 is better'), { verdict: '2', tagged: false });
    assert.deepEqual(pairVerdict('verdict: 1 or 2?'), { verdict: 'tie', tagged: false });
  });
  test('core components: approaches under headings, the selector letter', () => {
    assert.deepEqual(splitApproaches('### Suggested Approach 1\nInduct. ##\n### Suggested Approach\n## Parity'), [
      '1\nInduct.',
      'Parity',
    ]);
    assert.deepEqual(selectorChoice('\\boxed{b}', 3), { index: 1 });
    assert.deepEqual(selectorChoice('\\boxed{equal}', 3), { index: 2, equal: true });
    assert.deepEqual(selectorChoice('\\boxed{D}', 3), { index: 2, invalid: true });
    assert.deepEqual(selectorChoice('none', 2), { index: 1, invalid: true });
  });
  test('selfcheck: text after / before markers, in turn', () => {
    assert.equal(substring('a</think> b </summary> c', ['</think>', '</summary>'], 'after'), 'c');
    assert.equal(substring('report\nDetailed Verification Log\nlog', 'Detailed Verification', 'before'), 'report');
    assert.equal(substring('no marker', 'Detailed Solution', 'after'), 'no marker');
  });
  test('calls per problem follow the parameters (for cost estimates)', () => {
    assert.equal(
      maxCalls('deepseek_agent', new Params({ pool_size: 4, verification_pool_size: 4, max_iterations: 2 })),
      60,
    );
    assert.equal(
      maxCalls(
        'static_math_agent',
        new Params({
          n_no_approach_solutions: 4,
          use_no_approach: true,
          n_solutions_per_approach: 2,
          n_verifications_per_solution: 1,
        }),
      ),
      29,
    );
    assert.equal(maxCalls('rsa', new Params({ n_solutions: 8, n_rounds: 3 })), 39);
  });
});

describe('step journal', () => {
  const reply = (text: string) => ({
    text,
    usage: { inputTokens: 1, outputTokens: 2 },
    cost: 0.5,
    time: 1,
    attempts: 1,
  });
  test('replays a call only with the same request; keeps unfinished rows, drops finished ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qed-steps-'));
    const path = join(dir, 'out.jsonl.steps');
    const j = new StepJournal(path);
    j.open(false);
    await j.append('A@0', 'gen/0', 'h1', reply('a'));
    await j.append('B@0', 'gen/0', 'h1', reply('b'));
    await j.finish((row) => row === 'A@0');
    assert.equal(readFileSync(path, 'utf8').trim().split('\n').length, 1);
    const again = new StepJournal(path);
    again.open(false);
    assert.equal(again.get('B@0', 'gen/0', 'h1')?.text, 'b');
    assert.equal(again.get('B@0', 'gen/0', 'other request'), undefined);
    assert.equal(again.get('A@0', 'gen/0', 'h1'), undefined);
    await again.finish(() => true);
    assert.equal(existsSync(path), false);
  });
  test('a torn last line is skipped with a warning; --overwrite starts empty', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qed-steps-'));
    const path = join(dir, 'out.jsonl.steps');
    writeFileSync(path, JSON.stringify({ row: 'A@0', call: 'c', hash: 'h', reply: reply('x') }) + '\n{"row":"A@0","ca');
    const j = new StepJournal(path);
    j.open(false);
    assert.equal(j.count('A@0'), 1);
    assert.match(j.warnings[0], /:2: skipped an unreadable step/);
    await j.finish(() => false);
    const fresh = new StepJournal(path);
    fresh.open(true);
    assert.equal(fresh.count('A@0'), 0);
    await fresh.finish(() => true);
  });
});

describe('scaffold files checked as written (editor, qed config validate)', () => {
  test('every problem of a scaffold file, each at its line; the component set checked as such', async () => {
    const { scaffoldDiagnostics } = await import('../../src/core/agents/validate');
    const bad =
      'scaffold_name: deepseek_agent\ngeneration_prompt: "x {question}"\nverifier_prompt: "check {proof"\nrefinement_prompt: "r {proof} {analysis}"\n';
    const d = scaffoldDiagnostics(bad, '/w/configs/agents/bad.yaml');
    assert.deepEqual(
      d.map((x) => [x.line, x.key]),
      [
        [3, 'verifier_prompt'],
        [4, 'refinement_prompt'],
        [4, 'refinement_prompt'],
      ],
    );
    assert.match(d[1].message, /no \{proof_analysis\} placeholder/);
    assert.match(
      scaffoldDiagnostics('scaffold_name: deepseek\n', 'f.yaml')[0].message,
      /unknown scaffold_name 'deepseek'; the scaffolds are deepseek_agent, nomos/,
    );
    const core = scaffoldDiagnostics('solver:\n  sysprompt: s\n  prompt: "solve"\n', 'core.yaml');
    assert.ok(core.some((x) => x.key === 'solver.prompt' && /\{problem_statement\}/.test(x.message)));
    assert.ok(core.some((x) => x.key === 'verifier.sysprompt' && /needs the prompt/.test(x.message)));
    for (const f of [
      'deepseek_math',
      'nomos',
      'reasoning_cache',
      'selfcheck',
      'math_agent',
      'math_core_components',
      'rsa_agent',
      'math_static_agent',
    ]) {
      const file = join(__dirname, '..', '..', 'configs', 'agents', `${f}.yaml`);
      assert.deepEqual(scaffoldDiagnostics(readFileSync(file, 'utf8'), file), [], f);
    }
  });
});
