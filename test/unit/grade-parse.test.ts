import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseItems,
  parsePoints,
  parseVerdict,
  proofBenchExplanation,
  stripSelfEvaluation,
} from '../../src/core/grade/parse';

test('the last <points> block decides, as a whole number', () => {
  assert.deepEqual(parsePoints('The format is <points>N out of 7</points>. … <points>6 out of 7</points>', 7), {
    ok: true,
    value: 6,
  });
  assert.deepEqual(parsePoints('<points>1</points> then <points>7</points>', 7), { ok: true, value: 7 });
  assert.deepEqual(parsePoints('<points>7/7</points>', 7), { ok: true, value: 7 });
  assert.deepEqual(parsePoints('<points>**0** out of 7</points>', 7), { ok: true, value: 0 });
  assert.deepEqual(parsePoints('<points>Points: 6</points>', 7), { ok: true, value: 6 });
  // The original read only the first character: "10" would have been 1.
  assert.deepEqual(parsePoints('<points>10</points>', 10), { ok: true, value: 10 });
});

test('unreadable or impossible points are errors, never a quiet 0', () => {
  for (const [reply, why] of [
    ['<points>seven</points>', /no number/],
    ['I would give it full marks.', /no <points> block/],
    ['<points>8 out of 7</points>', /8 points is outside 0\.\.7/],
    ['<points>-1</points>', /outside/],
    ['<points>6.5</points>', /not a whole number/],
    ['<points>7', /not closed/],
  ] as const) {
    const r = parsePoints(reply, 7);
    assert.equal(r.ok, false, reply);
    if (!r.ok) assert.match(r.error, why);
  }
});

test('per-item points for a several-item scheme', () => {
  const reply =
    'Intro.\n<item id="1">Lemma proved.<points>2</points></item>\n<item id="2">Gap in case 2.<points>1 out of 3</points></item>';
  assert.deepEqual(parseItems(reply, [2, 3]), {
    ok: true,
    value: [
      { points: 2, desc: 'Lemma proved.' },
      { points: 1, desc: 'Gap in case 2.' },
    ],
  });
  const missing = parseItems(reply, [2, 3, 2]);
  assert.equal(missing.ok, false);
  const over = parseItems(reply, [1, 3]);
  assert.ok(!over.ok && /item 1: 2 points is outside 0\.\.1/.test(over.error));
});

test('the self-evaluation is cut where the original cuts it', () => {
  const proof = 'Proof. Clearly true.\n\n## Self Evaluation\nI am confident: 7/7.';
  assert.equal(stripSelfEvaluation(proof), 'Proof. Clearly true.');
  assert.equal(stripSelfEvaluation('Step 1.\n# Evaluation:\nfine'), 'Step 1.');
  assert.equal(stripSelfEvaluation('Step 1.\n### **Final Evaluation**\nLooks right.'), 'Step 1.');
  assert.equal(
    stripSelfEvaluation('Step 1.\n#\n* Self Final Evaluation\nfine'),
    'Step 1.',
    'spaces, line breaks and * may stand between the # and the words',
  );
  // From the first such heading, even one that is part of the proof (as the original does).
  assert.equal(stripSelfEvaluation('Step 1.\n## Evaluation of the sum\nS = 3\n## Self Evaluation\nok'), 'Step 1.');
  // Not cut: the word inside a sentence, a heading in other case, with a hyphen, or without #.
  for (const text of [
    'An evaluation of f at 0 gives 1.',
    'Step 1.\n## self evaluation\nfine',
    'Step 1.\n#### Self-Evaluation\nfine',
    'Step 1.\n**Final Evaluation**\nLooks right.',
    'Step 1.\n  # Evaluation\nindented',
    'Step 1.\n# Evaluations\nplural',
  ]) {
    assert.equal(stripSelfEvaluation(text), text, text);
  }
  // The text is trimmed, as the original strips it, with or without a cut.
  assert.equal(stripSelfEvaluation('\n  Proof.  \n'), 'Proof.');
  // No slow backtracking on a long run of blanks after a #.
  assert.equal(stripSelfEvaluation(`#${' '.repeat(200_000)}x`), `#${' '.repeat(200_000)}x`);
});

test('judge verdicts', () => {
  assert.deepEqual(parseVerdict('Equal after simplifying. \\boxed{Correct}'), { ok: true, value: true });
  assert.deepEqual(parseVerdict('Not \\boxed{Correct}: \\boxed{\\text{Incorrect}}'), { ok: true, value: false });
  assert.equal(parseVerdict('They match.').ok, false);
});

test('ProofBench explanation combines assessment and errors', () => {
  assert.equal(proofBenchExplanation('<assessment>Good.</assessment><errors>none</errors><points>7</points>'), 'Good.');
  assert.equal(
    proofBenchExplanation('<assessment>Gap.</assessment><errors>Case n=2 missing</errors><points>3</points>'),
    'Gap.\n\nErrors:\nCase n=2 missing',
  );
});
