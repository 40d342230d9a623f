import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bareObjects,
  formatCandidates,
  parseFilterObject,
  parseFilterVerdict,
  parseScheme,
  verdictColumns,
} from '../../src/core/rubric';

const SCHEME = `Checkpoints (7 points in total)
1. [2 pts] Prove that the sequence is bounded.
2. [3 pts] Show that it is eventually periodic.
   - partial: 1 pt if periodicity is claimed for a special case only
3. [2 pts] Conclude.

Zero-credit items
- Checking n = 1, 2, 3.

Deductions
- [-1 pts] Missing the case n = 0.`;

test('scheme: the <scheme> block without preamble; checkpoints add up to 7', () => {
  const r = parseScheme(
    `Sure! Here is a scheme.\n\n<scheme>\n${SCHEME}\n</scheme>\n\nLet me know if you need changes.`,
  );
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.equal(r.value.text, SCHEME);
  assert.deepEqual(
    r.value.checkpoints.map((c) => c.points),
    [2, 3, 2],
    'a deeper-indented partial-credit note is not a checkpoint',
  );
});

test('scheme: the last closed block wins (a quoted template before it does not count)', () => {
  const r = parseScheme(
    `The layout is <scheme>Checkpoints\n1. [N pts] …</scheme>. Here it is:\n<scheme>\n${SCHEME}\n</scheme>`,
  );
  assert.ok(r.ok);
  assert.equal(r.value.text, SCHEME);
});

test('scheme: without tags, from the first Checkpoints heading on; fences and markdown headings are fine', () => {
  const md =
    '```markdown\n## Checkpoints (7 points)\n**Checkpoint 1 (3 points):** the key lemma.\n**Checkpoint 2 (4 points):** the finish.\n\n## Zero-credit items\nNone\n\n## Deductions: -1 for an arithmetic slip\n```';
  const r = parseScheme(`Here is my proposal.\n\n${md}`);
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.ok(
    r.value.text.startsWith('## Checkpoints (7 points)') && r.value.text.endsWith('arithmetic slip'),
    r.value.text,
  );
  assert.deepEqual(
    r.value.checkpoints.map((c) => c.points),
    [3, 4],
  );
});

test('scheme: points written before the text or at the end of the line; "Total" lines are not items', () => {
  const r = parseScheme(
    'Checkpoints:\n- 4 points: reduce to a quadratic\n- Solve it — 3 pts\nTotal: 7 points\nZero-credit items: restating the problem\nDeductions: none',
  );
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.deepEqual(
    r.value.checkpoints.map((c) => c.points),
    [4, 3],
  );
});

test('scheme: a bracketed points marker wins over a number of points in the text', () => {
  const r = parseScheme(
    'Checkpoints\n1. Show that 3 points are collinear [5 pts]\n2. Finish [2 pts]\nZero-credit items\nNone\nDeductions\nNone',
  );
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.deepEqual(
    r.value.checkpoints.map((c) => c.points),
    [5, 2],
  );
});

test('scheme: replies without a usable scheme are errors that say why', () => {
  for (const [reply, why] of [
    ['I cannot write a scheme for this problem.', /no <scheme> block and no Checkpoints section/],
    ['<scheme>\nCheckpoints\n1. [2 pts] a\n', /not closed/],
    ['<scheme>Zero-credit items\nNone\nDeductions\nNone</scheme>', /no Checkpoints section/],
    [
      '<scheme>Checkpoints\n1. prove it\nZero-credit items\nNone\nDeductions\nNone</scheme>',
      /no checkpoint states its points/,
    ],
    [
      '<scheme>Checkpoints\n1. [2 pts] a\n2. [3 pts] b\nZero-credit items\nNone\nDeductions\nNone</scheme>',
      /add up to 5 points, not 7 \(2 \+ 3\)/,
    ],
    [
      '<scheme>Checkpoints\n1. [3.5 pts] a\n2. [3.5 pts] b\nZero-credit items\nNone\nDeductions\nNone</scheme>',
      /3\.5 points, not a whole number/,
    ],
    ['<scheme>Checkpoints\n1. [7 pts] all\nDeductions\nNone</scheme>', /no Zero-credit section/],
    ['<scheme>Checkpoints\n1. [7 pts] all\nZero-credit items\nNone</scheme>', /no Deductions section/],
    ['', /no <scheme> block/],
  ] as const) {
    const r = parseScheme(reply);
    assert.equal(r.ok, false, reply);
    if (!r.ok) assert.match(r.error, why, reply);
  }
});

test('scheme: "Checkpoint 1 (2 pts): …" is an item, not a section heading', () => {
  const r = parseScheme(
    'Checkpoints\nCheckpoint 1 (2 pts): a\nCheckpoint 2 (5 pts): b\nZero-credit items\nNone\nDeductions\nNone',
  );
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.deepEqual(
    r.value.checkpoints.map((c) => c.points),
    [2, 5],
  );
});

const VERDICT = {
  incomplete: false,
  difficulty: 6,
  gaps: true,
  wrong: false,
  disagreement: false,
  computational: true,
};

test('filter: a fenced json block, a bare object in prose, or the whole reply', () => {
  const json = JSON.stringify(VERDICT);
  for (const reply of [
    `The solution skips the base case.\n\n\`\`\`json\n${json}\n\`\`\``,
    `Verdict: ${json} — that is all.`,
    json,
    `\`\`\`\n${JSON.stringify(VERDICT, null, 2)}\n\`\`\``,
    `Consider the set \\{x : x > 0. Unbalanced brace in the prose.\n${json}`,
  ]) {
    assert.deepEqual(parseFilterVerdict(reply), { ok: true, value: VERDICT }, reply);
  }
});

test('filter: the last object with verdict fields counts; other keys are ignored', () => {
  const early = { ...VERDICT, difficulty: 2 };
  const r = parseFilterVerdict(
    `First guess: ${JSON.stringify(early)}. On reflection: ${JSON.stringify({ ...VERDICT, reason: 'gap in step 2' })}`,
  );
  assert.deepEqual(r, { ok: true, value: VERDICT });
  // A fenced json block is preferred to a bare object after it (e.g. an echo of the example).
  const f = parseFilterVerdict(
    `\`\`\`json\n${JSON.stringify(VERDICT)}\n\`\`\`\nFor reference the format was {"incomplete": false, "difficulty": 5}`,
  );
  assert.deepEqual(f, { ok: true, value: VERDICT });
  // extra_cols (the original's column) keeps the object as the model wrote it, other keys included.
  const whole = parseFilterObject(`On reflection: ${JSON.stringify({ ...VERDICT, reason: 'gap in step 2' })}`);
  assert.ok(whole.ok);
  assert.deepEqual(verdictColumns(whole.value.verdict, whole.value.object).extra_cols, {
    ...VERDICT,
    reason: 'gap in step 2',
  });
});

test('filter: wrong types, ranges or missing fields are errors naming the field', () => {
  for (const [value, why] of [
    [{ ...VERDICT, difficulty: 11 }, /difficulty must be a whole number 1\.\.10, got 11/],
    [{ ...VERDICT, difficulty: 0 }, /difficulty/],
    [{ ...VERDICT, difficulty: 6.5 }, /difficulty/],
    [{ ...VERDICT, difficulty: '6' }, /difficulty .*"6" \(string\)/],
    [{ ...VERDICT, gaps: 'yes' }, /gaps must be true or false, got "yes"/],
    [{ ...VERDICT, wrong: 1 }, /wrong must be true or false/],
    [{ incomplete: false, difficulty: 3 }, /gaps must be true or false, got missing/],
  ] as const) {
    const r = parseFilterVerdict('```json\n' + JSON.stringify(value) + '\n```');
    assert.equal(r.ok, false, JSON.stringify(value));
    if (!r.ok) assert.match(r.error, why);
  }
  for (const [reply, why] of [
    ['The problem looks fine and hard.', /no JSON object/],
    ['```json\n{"incomplete": false, "difficulty": 6,}\n```', /no JSON object/],
    ['```json\n{"verdict": "ok"}\n```', /no object with the verdict fields/],
  ] as const) {
    const r = parseFilterVerdict(reply);
    assert.equal(r.ok, false, reply);
    if (!r.ok) assert.match(r.error, why);
  }
});

test('bareObjects: braces inside strings and LaTeX braces do not confuse it', () => {
  assert.deepEqual(bareObjects('a {"k": "}{"} b \\frac{1}{2} {"n": {"m": 1}}'), [
    '{"k": "}{"}',
    '{"n": {"m": 1}}',
    '{"m": 1}',
  ]);
});

test('candidates: a list is numbered, text as is, objects as JSON, none said so', () => {
  assert.equal(formatCandidates(['42', 'It is 41.']), 'Candidate 1:\n42\n\nCandidate 2:\nIt is 41.');
  assert.equal(formatCandidates('only one'), 'only one');
  assert.equal(formatCandidates(undefined), '(none given)');
  assert.equal(formatCandidates([]), '(none given)');
  assert.match(formatCandidates([{ answer: 3 }]), /Candidate 1:\n\{\n "answer": 3\n\}/);
});
