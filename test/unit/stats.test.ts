import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import {
  aggregate,
  bucketOf,
  detectSplit,
  estimateTokens,
  expandStatsPaths,
  loadStatsFiles,
  renderJson,
  renderMarkdown,
  renderText,
  rowFacts,
  sampleStd,
  summarizeGrader,
  summarizeResults,
  tableText,
  type GraderReport,
  type ResultsReport,
  type StatsInput,
} from '../../src/core/stats';
import { QedError } from '../../src/core/errors';
import type { Row } from '../../src/core/data';

const REPO = path.resolve(__dirname, '../..');
const DIR = path.join(REPO, 'test/fixtures/stats');
const fx = (name: string) => path.join(DIR, name);

async function results(...names: string[]): Promise<ResultsReport> {
  const files = await expandStatsPaths(names.map(fx));
  return summarizeResults(await loadStatsFiles(files));
}
async function grader(...names: string[]): Promise<GraderReport> {
  return summarizeGrader(await loadStatsFiles(names.map(fx)));
}
const input = (rows: Row[], file = 'inline.jsonl'): StatsInput => ({
  file,
  rows: rows.map((row, i) => ({ row, line: i + 1 })),
});
const near = (actual: number | null, expected: number, eps = 1e-12) => {
  assert.ok(actual !== null && Math.abs(actual - expected) <= eps, `expected ${expected}, got ${actual}`);
};
const SCHEMA = [{ title: 'Proof Grade', desc: 'g', points: 7 }];

describe('one result file (small.jsonl), every figure by hand', () => {
  /*
   * small.jsonl, every row with schema_0 worth 7 points:
   *   line id               status          score  solution chars  cot chars (recorded)  output  gen $    grade $   other
   *   1    PB-Basic-001     graded          7      40 → 10 tok     80 → 20               300     0.25     0.0625
   *   2    PB-Basic-002     graded          1      20 → 5 (4 of    40 → 10               200     0.5      0.0625    human 3/7
   *                                                them astral 𝔽, 2 UTF-16 units each)
   *   3    PB-Advanced-001  graded          0      '' → 0          400 → 100             500     0.125    0.03125   finish length
   *   4    PB-Advanced-002  parse failure   null   12 → 3          none → 0              100     0.125    0.125     grade_error
   *   5    PB-Advanced-003  run error       —      ''              none                  0       0        —         error
   *   6    PB-Advanced-004  graded          6      8 → 2           100 chars, but 50     400     1        0.0625    human [7]/7
   *                                                                recorded → 50
   *   7    PB-Basic-003     not graded      —      16 → 4          none → 0              100     0.25     —
   *
   * rows 7 = graded 4 + parse failures 1 + run errors 1 + not graded 1
   * Overall = (7 + 1 + 0 + 6) / 4 = 3.5 points; percent = 14 / (4·7) = 50 %
   * Split (some id has 'Basic'): Basic = lines 1, 2, 7 → graded 7, 1 → mean 4, 8/14 = 57.142…%
   *                              Advanced = lines 3–6 → graded 0, 6 → mean 3, 6/14 = 42.857…%; 1 parse failure, 1 run error
   * Rows without run error: 1, 2, 3, 4, 6, 7 (six)
   *   CoT tokens 20 + 10 + 100 + 0 + 50 + 0 = 180, mean 30; estimated on 5 rows (line 6 is recorded)
   *   solution tokens 10 + 5 + 0 + 3 + 2 + 4 = 24, mean 4
   *   output tokens 300 + 200 + 500 + 100 + 400 + 100 = 1600, mean 1600/6
   *   correct (score = 7): line 1 → 300 ; incorrect: lines 2, 3, 6 → (200 + 500 + 400)/3 = 1100/3
   *   truncated: line 3 (empty and 'length') → 1/6
   * Cost: generation 0.25 + 0.5 + 0.125 + 0.125 + 0 + 1 + 0.25 = 2.25
   *       grading 0.0625 + 0.0625 + 0.03125 + 0.125 + 0.0625 = 0.34375; total 2.59375 (all exact in binary)
   * Human overrides: lines 2 (3) and 6 (7) → count 2, mean 5, 10/14 = 71.428…%
   */
  test('counts, overall, splits, tokens, truncation, cost, human', async () => {
    const r = await results('small.jsonl');
    assert.equal(r.mode, 'results');
    assert.equal(r.run_count, 1);
    assert.equal(r.merged, null);
    assert.deepEqual(r.warnings, []);
    assert.equal(r.rows, 7);
    assert.equal(r.graded, 4);
    assert.equal(r.parse_failures, 1);
    assert.equal(r.run_errors, 1);
    assert.equal(r.not_graded, 1);
    assert.equal(r.max_points, 7);
    assert.equal(r.overall, 3.5);
    assert.equal(r.overall_percent, 50);

    assert.equal(r.splits.kind, 'basic-advanced');
    const [basic, adv] = r.splits.groups;
    assert.deepEqual(
      { ...basic, percent: 0 },
      { name: 'Basic', rows: 3, graded: 2, parse_failures: 0, run_errors: 0, mean: 4, percent: 0 },
    );
    near(basic.percent, (100 * 8) / 14);
    assert.deepEqual(
      { ...adv, percent: 0 },
      { name: 'Advanced', rows: 4, graded: 2, parse_failures: 1, run_errors: 1, mean: 3, percent: 0 },
    );
    near(adv.percent, (100 * 6) / 14);

    assert.deepEqual(r.tokens.cot, {
      mean: 30,
      sum: 180,
      rows: 6,
      estimated_rows: 5,
      label: 'reasoning tokens (est. chars/4 for 5 of 6 rows)',
    });
    assert.deepEqual(r.tokens.solution, {
      mean: 4,
      sum: 24,
      rows: 6,
      estimated_rows: 6,
      label: 'model_solution tokens (est. chars/4)',
    });
    assert.deepEqual(r.tokens.output, { mean: 1600 / 6, sum: 1600, rows: 6 });
    assert.deepEqual(r.tokens.output_correct, { mean: 300, sum: 300, rows: 1 });
    assert.deepEqual(r.tokens.output_incorrect, { mean: 1100 / 3, sum: 1100, rows: 3 });
    assert.equal(r.truncated, 1);
    assert.equal(r.truncated_fraction, 1 / 6);
    assert.deepEqual(r.cost, { generation: 2.25, grading: 0.34375, total: 2.59375 });
    assert.equal(r.human.count, 2);
    assert.equal(r.human.mean, 5);
    near(r.human.percent, (100 * 10) / 14);

    // One file, one run: the run and the file are the same figures as the top level.
    assert.equal(r.runs.length, 1);
    assert.equal(r.files.length, 1);
    assert.equal(r.runs[0].overall, 3.5);
    assert.equal(r.files[0].label, 'small.jsonl');
  });

  test('parse failures and run errors are shown beside the mean, never folded into it', async () => {
    const r = await results('small.jsonl');
    // Folding the parse failure in as 0 would give 14/5 = 2.8; folding the run error too, 14/6.
    assert.notEqual(r.overall, 14 / 5);
    assert.equal(r.overall, 14 / 4);
    const text = renderText(r);
    assert.match(text, /^unreadable grades\s+1\s+grader reply not parsed; not in the mean$/m);
    assert.match(text, /^run errors\s+1\s+generation failed; not in the mean$/m);
    assert.match(
      text,
      /^Overall \(graded rows only, points \/ 7\)\s+3\.50\s+mean over 4 graded rows \(1 unreadable grade, 1 run error not in the mean\)$/m,
    );
  });

  test('row status: precedence of error, grade_error, score, a grade without score', () => {
    const at = { file: 'x.jsonl', line: 1 };
    const f = (row: Row) => rowFacts({ schema_0: SCHEMA, ...row }, at).status;
    assert.equal(f({ score: 5 }), 'graded');
    assert.equal(f({ score: null, grade: [{ points: 0, desc: 'unparsed' }] }), 'parse_failure');
    assert.equal(f({ score: 3, grade_error: 'no <points>' }), 'parse_failure'); // a stale score does not count
    assert.equal(f({ score: 3, error: 'HTTP 500' }), 'run_error');
    assert.equal(f({ score: null }), 'not_graded');
    assert.equal(f({}), 'not_graded');
    const r = summarizeResults([
      input([
        { problem_id: 'A-2024', score: 4, schema_0: SCHEMA },
        { problem_id: 'B-2024', score: null, grade: [{ points: 0, desc: '' }], schema_0: SCHEMA },
      ]),
    ]);
    assert.equal(r.overall, 4);
    assert.equal(r.parse_failures, 1);
  });

  test('token estimates count characters (code points), not UTF-16 units', () => {
    assert.equal(estimateTokens('abcd'), 1);
    assert.equal(estimateTokens('𝔽𝔽𝔽𝔽'), 1);
    assert.equal(estimateTokens(''), 0);
    assert.equal(estimateTokens('abcdef'), 1.5);
  });
});

describe('splits', () => {
  test('ids with Basic → Basic / Advanced; otherwise 2024-2025 / Others', () => {
    assert.equal(detectSplit(['PB-Basic-001', 'PB-Advanced-003']), 'basic-advanced');
    assert.equal(detectSplit(['PB-Advanced-003', 'ISL-2024-A1']), 'years');
    assert.equal(detectSplit([undefined]), 'years');
  });

  test('years.jsonl: question_id wins over problem_id; 2024 and 2025 vs the rest', async () => {
    /*
     * question_id ISL-2024-A1 7, USAMO-2025-3 3, IMO-2019-2 1, Putnam-1999-B2 0, and a row whose
     * question_id AB-2024-5 (score 2) beats its problem_id PB-Basic-009 — so no id reads 'Basic'.
     * 2024-2025: 7, 3, 2 → mean 4, 12/21 = 57.142…%; Others: 1, 0 → mean 0.5, 1/14 = 7.142…%
     * Overall (7+3+1+0+2)/5 = 2.6, 13/35.
     */
    const r = await results('years.jsonl');
    assert.equal(r.splits.kind, 'years');
    const [recent, others] = r.splits.groups;
    assert.equal(recent.name, '2024-2025');
    assert.equal(recent.rows, 3);
    assert.equal(recent.mean, 4);
    near(recent.percent, (100 * 12) / 21);
    assert.equal(others.name, 'Others');
    assert.equal(others.rows, 2);
    assert.equal(others.mean, 0.5);
    near(others.percent, (100 * 1) / 14);
    near(r.overall, 2.6);
    near(r.overall_percent, (100 * 13) / 35);
    // No cost_run at all: token figures are empty, not zero.
    assert.equal(r.tokens.output.mean, null);
    assert.equal(r.tokens.output.rows, 0);
  });
});

describe('several runs', () => {
  test('a folder of three files: merged by mean, sample std, min, max', async () => {
    /*
     * runs/ → run-a, run-b, run-c (notes.txt is skipped), two rows each (PB-Basic-001, PB-Advanced-001):
     *   run  scores  overall  Basic  gen $ (per row)  output tokens
     *   a    3, 5    4        3      0.5 → 1          100, 300 → mean 200, sum 400
     *   b    7, 5    6        7      1   → 2          200, 200 → mean 200, sum 400
     *   c    1, 3    2        1      1.5 → 3          600, 200 → mean 400, sum 800
     * overall: mean 4, min 2, max 6, sample std √((0² + 2² + 2²)/2) = 2 (population std would be √(8/3))
     * Basic: mean 11/3, min 1, max 7, deviations −2/3, 10/3, −8/3 → Σ² = 168/9 → std √(84/9) = √(28/3)
     * generation cost: mean 2, std √((1 + 0 + 1)/2) = 1, min 1, max 3
     * output mean: (200 + 200 + 400)/3 = 800/3; output sum: (400 + 400 + 800)/3 = 1600/3
     * pooled over all six rows: overall 24/6 = 4
     */
    const r = await results('runs');
    assert.deepEqual(
      r.files.map((f) => f.label),
      ['run-a.jsonl', 'run-b.jsonl', 'run-c.jsonl'],
    );
    assert.equal(r.run_count, 3);
    assert.deepEqual(r.warnings, []);
    const m = r.merged;
    assert.ok(m);
    assert.equal(m.runs, 3);
    assert.equal(m.std_kind, 'sample');
    assert.deepEqual(m.overall, { mean: 4, std: 2, min: 2, max: 6, n: 3 });
    const basic = m.splits.groups[0];
    assert.equal(basic.name, 'Basic');
    near(basic.mean.mean, 11 / 3);
    near(basic.mean.std, Math.sqrt(28 / 3));
    assert.equal(basic.mean.min, 1);
    assert.equal(basic.mean.max, 7);
    assert.deepEqual(m.cost.generation, { mean: 2, std: 1, min: 1, max: 3, n: 3 });
    near(m.tokens.output_mean.mean, 800 / 3);
    near(m.tokens.output_sum.mean, 1600 / 3);
    assert.deepEqual(m.rows, { mean: 2, std: 0, min: 2, max: 2, n: 3 });
    assert.equal(r.overall, 4);
    assert.equal(r.rows, 6);
    assert.equal(r.cost.generation, 6);
  });

  test('one file with run_index 0..2 is three runs', async () => {
    // run 0: 7, 0 → 3.5; run 1: 7, 7 → 7; run 2: 0, 0 → 0. Mean 3.5, std √((0 + 3.5² + 3.5²)/2) = 3.5.
    const r = await results('multi-run.jsonl');
    assert.equal(r.files.length, 1);
    assert.equal(r.run_count, 3);
    assert.deepEqual(
      r.runs.map((x) => [x.label, x.run_index, x.overall]),
      [
        ['multi-run.jsonl (run 0)', 0, 3.5],
        ['multi-run.jsonl (run 1)', 1, 7],
        ['multi-run.jsonl (run 2)', 2, 0],
      ],
    );
    assert.deepEqual(r.merged?.overall, { mean: 3.5, std: 3.5, min: 0, max: 7, n: 3 });
  });

  test('files of different lengths: a warning naming files and row counts, merged per run', async () => {
    // run-a: 3, 5 → 4 (2 rows); run-short: 7 → 7 (1 row). Per run: mean 5.5, std √(1.5² · 2) = √4.5.
    // Pooled would be (3 + 5 + 7)/3 = 5 — the merge weighs each run once instead.
    const r = await results('runs/run-a.jsonl', 'run-short.jsonl');
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0], /run-a\.jsonl: 2 rows/);
    assert.match(r.warnings[0], /run-short\.jsonl: 1 row\b/);
    assert.equal(r.merged?.overall.mean, 5.5);
    near(r.merged?.overall.std ?? null, Math.sqrt(4.5));
    assert.equal(r.overall, 5);
  });

  test('sample std and aggregate', () => {
    assert.equal(sampleStd([2, 4, 6]), 2);
    assert.equal(sampleStd([5]), null);
    assert.deepEqual(aggregate([null, 1, 3]), { mean: 2, std: Math.SQRT2, min: 1, max: 3, n: 2 });
    assert.deepEqual(aggregate([null]), { mean: null, std: null, min: null, max: null, n: 0 });
  });
});

describe('--grader', () => {
  test('grader.jsonl: MAE, buckets, pairwise agreement, distribution', async () => {
    /*
     * (graded_score, points) per problem:
     *   P1: (7,7) (6,1) (0,0) (2,3)    P2: (3,5) (3,2) (5,0) (null,4 + grade_error)    P3: (4,4)    P4: (5, no points)
     * compared 8, grader missing 1 (P2's null), human missing 1 (P4)
     * MAE = (0 + 5 + 0 + 1 + 2 + 1 + 5 + 0)/8 = 14/8 = 1.75
     * buckets 7|7 ✓, 4-6|1-3 ✗, 0|0 ✓, 1-3|1-3 ✓, 1-3|4-6 ✗, 1-3|1-3 ✓, 4-6|0 ✗, 4-6|4-6 ✓ → 5/8
     * exact: (7,7) (0,0) (4,4) → 3/8
     * pairwise P1: 6 pairs, all human points differ; only (6,1)–(2,3) is ordered the other way → 5/6
     *          P2: (3,5)–(3,2) grader tie → ½; (3,5)–(5,0) and (3,2)–(5,0) reversed → 0 → 0.5/3 = 1/6
     *          P3 has one row, P4 none compared → no pairs
     * per-problem mean (5/6 + 1/6)/2 = 0.5; pooled (5 + 0.5)/9 = 11/18
     * grader histogram 7,6,0,2,3,3,5,4 → [1,0,1,2,1,1,1,1]; human 7,1,0,3,5,2,0,4 → [2,1,1,1,1,1,0,1]
     */
    const r = await grader('grader.jsonl');
    assert.equal(r.mode, 'grader');
    assert.equal(r.rows, 10);
    assert.equal(r.compared, 8);
    assert.equal(r.grader_missing, 1);
    assert.equal(r.human_missing, 1);
    assert.equal(r.mae, 1.75);
    assert.equal(r.bucket_accuracy, 5 / 8);
    assert.equal(r.exact_accuracy, 3 / 8);
    assert.equal(r.pairwise.pairs, 9);
    assert.equal(r.pairwise.problems, 2);
    assert.equal(r.pairwise.ties, 'half');
    near(r.pairwise.per_problem_mean, 0.5);
    near(r.pairwise.pooled, 11 / 18);
    assert.deepEqual(r.distribution.grader, [1, 0, 1, 2, 1, 1, 1, 1]);
    assert.deepEqual(r.distribution.human, [2, 1, 1, 1, 1, 1, 0, 1]);
    assert.deepEqual(r.bucket_confusion, [
      [1, 0, 1, 0],
      [0, 2, 1, 0],
      [0, 1, 1, 0],
      [0, 0, 0, 1],
    ]);
    assert.deepEqual(r.warnings, []);
  });

  test('several grader files: pairs stay within a file', async () => {
    /*
     * grader-b.jsonl: P1 (7,7) (1,0) → MAE 0.5, one pair, agreed.
     * Pooled with grader.jsonl: MAE (14 + 1)/10 = 1.5; pairs 9 + 1 = 10 (not more: P1 of the two files
     * are not paired), agreement (5.5 + 1)/10 = 0.65; per-problem (5/6 + 1/6 + 1)/3 = 2/3.
     */
    const r = await grader('grader.jsonl', 'grader-b.jsonl');
    assert.deepEqual(
      r.files.map((f) => [f.label, f.mae]),
      [
        ['grader.jsonl', 1.75],
        ['grader-b.jsonl', 0.5],
      ],
    );
    assert.equal(r.mae, 1.5);
    assert.equal(r.pairwise.pairs, 10);
    near(r.pairwise.pooled, 0.65);
    near(r.pairwise.per_problem_mean, 2 / 3);
  });

  test('buckets round to whole points', () => {
    assert.deepEqual([0, 0.4, 1, 3, 3.4, 3.6, 6, 6.6, 7, 9].map(bucketOf), [
      '0',
      '0',
      '1-3',
      '1-3',
      '1-3',
      '4-6',
      '4-6',
      '7',
      '7',
      '7',
    ]);
  });
});

describe('rendering', () => {
  test('JSON shape', async () => {
    const one = JSON.parse(renderJson(await results('small.jsonl'))) as Record<string, unknown>;
    for (const k of [
      'rows',
      'graded',
      'parse_failures',
      'run_errors',
      'overall',
      'overall_percent',
      'splits',
      'tokens',
      'truncated_fraction',
      'cost',
      'human',
      'runs',
      'files',
      'warnings',
    ]) {
      assert.ok(k in one, `missing ${k}`);
    }
    assert.deepEqual(Object.keys(one.cost as object).sort(), ['generation', 'grading', 'total']);
    const many = JSON.parse(renderJson(await results('runs', 'run-short.jsonl'))) as ResultsReport;
    assert.equal(many.files.length, 4);
    assert.equal(many.files[3].label, 'run-short.jsonl');
    assert.ok(many.merged);
    assert.equal(many.merged.std_kind, 'sample');
    assert.equal(many.warnings.length, 1);
  });

  test('markdown tables', async () => {
    const md = renderMarkdown(await results('runs'));
    const lines = md.trimEnd().split('\n');
    const tables = md
      .trimEnd()
      .split('\n\n')
      .filter((b) => b.startsWith('|'));
    assert.equal(tables.length, 4); // the original's figures, our merged figures, all rows together, per file
    for (const t of tables) {
      const rows = t.split('\n');
      const cols = rows[0].split(' | ').length;
      assert.match(rows[1], /^\|( ---:? \|)+$/);
      for (const row of rows) assert.equal(row.split(' | ').length, cols, row);
    }
    assert.ok(lines.includes('| Overall (graded rows only, points / 7) | 4.00 | 2.00 | 2.00 | 6.00 | 3 |'), md);
    assert.ok(
      lines.includes(
        '| Overall | 4.0000 | Overall (graded rows only, mean of runs) 4.0000; unreadable grades 0, run errors 0, not graded 0 |',
      ),
      md,
    );
    assert.ok(
      lines.includes('| run-b.jsonl | 2 | 2 | 0 | 0 | 6.00 | 85.7% | 7.00 | 5.00 | 0 | 200 | 0.0% | $2.0000 |'),
      md,
    );
    // A pipe in a label is escaped.
    assert.match(renderMarkdown(await grader('grader.jsonl')), /mean \\\|graded_score − points\\\|/);
  });

  test('aligned text', () => {
    const t = tableText({
      headers: ['name', 'n'],
      align: ['l', 'r'],
      rows: [
        ['a', '1'],
        ['long name', '100'],
      ],
    });
    assert.equal(t, ['name         n', '─────────  ───', 'a            1', 'long name  100'].join('\n'));
  });
});

describe('bad input', () => {
  test('a file that does not exist', async () => {
    await assert.rejects(
      expandStatsPaths([fx('nope.jsonl')]),
      (e: unknown) => e instanceof QedError && /nope\.jsonl: file not found/.test(e.message),
    );
    await assert.rejects(
      loadStatsFiles([fx('nope.jsonl')]),
      (e: unknown) => e instanceof QedError && /nope\.jsonl: file not found/.test(e.message),
    );
  });

  test('a malformed line names file:line', async () => {
    await assert.rejects(
      results('bad-line.jsonl'),
      (e: unknown) => e instanceof QedError && /bad-line\.jsonl:2(:\d+)?: invalid JSON/.test(e.message),
    );
  });

  test('a non-numeric score names file:line and the field', async () => {
    await assert.rejects(results('bad-score.jsonl'), (e: unknown) => {
      assert.ok(e instanceof QedError);
      assert.match(e.message, /bad-score\.jsonl:3: 'score': expected a number or null, found the string "7"/);
      assert.equal(e.location.field, 'score');
      assert.equal(e.location.line, 3);
      return true;
    });
    assert.throws(
      () => summarizeGrader([input([{ problem_id: 'P', graded_score: 'seven', points: 7 }], 'g.jsonl')]),
      /g\.jsonl:1: 'graded_score'/,
    );
    assert.throws(
      () =>
        summarizeResults([input([{ problem_id: 'P', score: 1, human_grade: { points: 'x', total: 7 } }], 'h.jsonl')]),
      /h\.jsonl:1: 'human_grade\.points'/,
    );
    assert.throws(
      () => summarizeResults([input([{ problem_id: 'P', run_index: -1 }], 'r.jsonl')]),
      /r\.jsonl:1: 'run_index'/,
    );
  });

  test('an empty file, a folder without result files, no files', async () => {
    await assert.rejects(
      results('empty.jsonl'),
      (e: unknown) => e instanceof QedError && /empty\.jsonl: the file holds no rows/.test(e.message),
    );
    await assert.rejects(
      expandStatsPaths([path.join(REPO, 'test/fixtures/configs')]),
      (e: unknown) => e instanceof QedError && /holds no \.jsonl files/.test(e.message),
    );
    assert.throws(() => summarizeResults([]), QedError);
  });

  test('--grader on a file without human points', async () => {
    await assert.rejects(
      grader('small.jsonl'),
      (e: unknown) => e instanceof QedError && /'points': no row has human 'points'/.test(e.message),
    );
  });
});
