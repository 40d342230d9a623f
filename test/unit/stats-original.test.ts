/**
 * `qed stats` figures under the original's names (its eval/scripts/stats.py), one test per figure,
 * on the small files of test/fixtures/stats/original/. Every expected value is worked out by hand
 * from the original's definitions in the comment above it (not from our code).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import {
  expandStatsPaths,
  loadStatsFiles,
  npSum,
  pyFixed,
  quickSummary,
  pyInt,
  pyRepr,
  renderJson,
  renderMarkdown,
  renderText,
  summarizeGrader,
  summarizeResults,
  type GraderReport,
  type MergeMethod,
  type OriginalFigure,
  type ResultsReport,
} from '../../src/core/stats';

const DIR = path.resolve(__dirname, '../fixtures/stats/original');
const fx = (name: string) => path.join(DIR, name);

async function results(names: string[], mergeMethod?: MergeMethod): Promise<ResultsReport> {
  return summarizeResults(await loadStatsFiles(await expandStatsPaths(names.map(fx))), { mergeMethod });
}
async function grader(names: string[], mergeMethod?: MergeMethod): Promise<GraderReport> {
  return summarizeGrader(await loadStatsFiles(names.map(fx)), { mergeMethod });
}
/** The original's column by name: [printed text, value]. */
function col(figures: readonly OriginalFigure[], name: string): [string, number | null] {
  const f = figures.find((c) => c.name === name);
  assert.ok(f, `no column ${name} among ${figures.map((c) => c.name).join(', ')}`);
  return [f.text, f.value];
}
const cols = (r: ResultsReport, name: string) => col(r.original.columns, name);
const near = (actual: number | null, expected: number, eps = 1e-9) =>
  assert.ok(actual !== null && Math.abs(actual - expected) <= eps, `expected ${expected}, got ${actual}`);

/*
 * one.jsonl — one run (ids with 'Basic' → Basic / Advanced):
 *   line  id               score             cost_run.output_tokens  grade_cost.input_tokens  model_solution
 *   1     PB-Basic-001     7                 1000                    400                      "proof"
 *   2     PB-Basic-002     6                 300                     500                      "proof"
 *   3     PB-Basic-003     null (grade_error) 800                    450                      "proof"
 *   4     PB-Advanced-001  2                 2001                    600                      ""  (empty)
 *   5     PB-Advanced-002  0                 (no cost_run)           700                      "proof"
 *   6     PB-Advanced-003  5                 1500                    650                      "x"
 *   7     PB-Basic-004     1 + grade_error   100                     300                      "proof"
 * Our own figures: graded rows 1, 2, 4, 5, 6 (lines 3 and 7 are unreadable grades).
 */
describe("one run (one.jsonl): the original's single-run table", () => {
  test("columns and title, in the original's order", async () => {
    const r = await results(['one.jsonl']);
    assert.equal(r.original.kind, 'single run');
    assert.equal(r.original.title, 'Summary Table (single run)');
    assert.deepEqual(
      r.original.columns.map((c) => c.name),
      [
        'Overall',
        'Basic',
        'Advanced',
        'CoT Min',
        'CoT Mean',
        'CoT Max',
        'Sol Min',
        'Sol Mean',
        'Sol Max',
        'Tok Mean',
        'Tok Sum/Run',
        'TokC Min',
        'TokC Mean',
        'TokC Max',
        'TokI Min',
        'TokI Mean',
        'TokI Max',
        'Truncated Frac',
      ],
    );
  });

  test('Overall: rows without a score are left out, a stale score with grade_error counts', async () => {
    // pandas mean skips NaN: (7 + 6 + 2 + 0 + 5 + 1) / 6 = 21/6 = 3.5 (line 3 out, line 7's 1 in).
    // Ours, "Overall (graded rows only)": (7 + 6 + 2 + 0 + 5) / 5 = 4, with 2 unreadable grades.
    const r = await results(['one.jsonl']);
    assert.deepEqual(cols(r, 'Overall'), ['3.5000', 3.5]);
    assert.equal(r.overall, 4);
    assert.equal(r.parse_failures, 2);
  });

  test('Basic / Advanced', async () => {
    // Basic: 7, 6, 1 (line 3 NaN skipped) → 14/3 = 4.6667; Advanced: 2, 0, 5 → 7/3 = 2.3333.
    const r = await results(['one.jsonl']);
    const [basic, basicValue] = cols(r, 'Basic');
    assert.equal(basic, '4.6667');
    near(basicValue, 14 / 3);
    assert.equal(cols(r, 'Advanced')[0], '2.3333');
  });

  test('CoT = generation output tokens − grader input tokens; int() truncates', async () => {
    // 1000−400 = 600, 300−500 = −200, 800−450 = 350, 2001−600 = 1401, (no output) NaN, 1500−650 = 850,
    // 100−300 = −200 → min −200, mean 2801/6 = 466.83 → int → 466, max 1401. Negative on 2 of 6 rows.
    const r = await results(['one.jsonl']);
    assert.deepEqual(cols(r, 'CoT Min'), ['-200', -200]);
    assert.equal(cols(r, 'CoT Mean')[0], '466');
    near(cols(r, 'CoT Mean')[1], 2801 / 6);
    assert.deepEqual(cols(r, 'CoT Max'), ['1401', 1401]);
    assert.equal(r.original.cot_negative_rows, 2);
    assert.equal(r.original.cot_rows, 6);
    assert.ok(
      r.original.notes.some((n) => /^CoT is below zero on 2 of 6 rows: .*not a count of reasoning tokens/.test(n)),
      r.original.notes.join('\n'),
    );
  });

  test('Sol = grader input tokens', async () => {
    // 400, 500, 450, 600, 700, 650, 300 → min 300, mean 3600/7 = 514.29 → 514, max 700.
    const r = await results(['one.jsonl']);
    assert.deepEqual([cols(r, 'Sol Min')[0], cols(r, 'Sol Mean')[0], cols(r, 'Sol Max')[0]], ['300', '514', '700']);
  });

  test('Tok Mean and Tok Sum/Run', async () => {
    // Output tokens 1000, 300, 800, 2001, 1500, 100 (line 5 has none): sum 5701, mean 5701/6 = 950.17 → 950.
    const r = await results(['one.jsonl']);
    assert.equal(cols(r, 'Tok Mean')[0], '950');
    assert.deepEqual(cols(r, 'Tok Sum/Run'), ['5701', 5701]);
  });

  test('TokC / TokI: score ≥ 6 for one run, a missing score counting 0', async () => {
    // Correct (≥ 6): lines 1, 2 → 1000, 300 → min 300, mean 650, max 1000.
    // Incorrect: lines 3 (null → 0), 4, 5, 6, 7 → 800, 2001, NaN, 1500, 100 → min 100, mean 4401/4 = 1100.25 → 1100, max 2001.
    const r = await results(['one.jsonl']);
    assert.equal(r.original.correct_from, 6);
    assert.deepEqual(
      ['TokC Min', 'TokC Mean', 'TokC Max'].map((n) => cols(r, n)[0]),
      ['300', '650', '1000'],
    );
    assert.deepEqual(
      ['TokI Min', 'TokI Mean', 'TokI Max'].map((n) => cols(r, n)[0]),
      ['100', '1100', '2001'],
    );
    // Ours, "output tokens, full marks": score = 7 → line 1 only.
    assert.equal(r.tokens.output_correct.mean, 1000);
  });

  test('Truncated Frac: empty model_solution over all rows', async () => {
    // Line 4 is "" → 1/7 = 0.142857 → 0.1429 (ours also counts finish_reason 'length'; none here).
    const r = await results(['one.jsonl']);
    assert.equal(cols(r, 'Truncated Frac')[0], '0.1429');
  });

  test("the table prints the original's values with ours beside, named", async () => {
    const text = renderText(await results(['one.jsonl']));
    assert.match(text, /^The original's figures \(stats\.py, --merge-method mean\): Summary Table \(single run\)$/m);
    assert.match(
      text,
      /^Overall\s+3\.5000\s+Overall \(graded rows only\) 4\.0000; unreadable grades 2, run errors 0, not graded 0$/m,
    );
    assert.match(text, /^CoT Min\s+-200\s+below zero on 2 of 6 rows: not a token count \(see the note\)$/m);
    assert.match(text, /^TokC Mean\s+650\s+output tokens, full marks 1000 over 1 row \(score = max\)$/m);
    assert.match(text, /^· TokC \/ TokI: score ≥ 6 \/ below/m);
    // Our own table follows, under our own names.
    assert.match(text, /^Overall \(graded rows only, points \/ 7\)\s+4\.00\s/m);
    assert.match(text, /^unreadable grades\s+2\s/m);
    assert.doesNotMatch(text, /^CoT tokens/m);
    // JSON: both, ours at the top level and the original's under `original`.
    const j = JSON.parse(renderJson(await results(['one.jsonl']))) as ResultsReport;
    assert.equal(j.overall, 4);
    assert.equal(j.labels.overall, 'Overall (graded rows only, points)');
    assert.equal(j.labels.parse_failures, 'unreadable grades');
    assert.equal(j.original.columns[0].text, '3.5000');
  });
});

/*
 * runs/r1..r3.jsonl — three runs of four rows (question_id, no 'Basic' → 2024/2025 vs Others):
 *   id               r1 score / output   r2 score / output    r3 score / output
 *   ISL-2024-A1      7 / 500             6 / 600              7 / 900
 *   USAMO-2025-2     5 / 400             4 / 100              7 / 1000
 *   IMO-2019-3       null / 300          0 / 700              3 / 50
 *   Putnam-2001-B1   2 / 200             0 / 800 (solution "") null / null
 * grade_cost.input_tokens is 100 on every row.
 */
describe("several runs (runs/): the original's merged table", () => {
  test('Overall: per-run means with missing scores as 0, merged by --merge-method', async () => {
    // Run means: r1 (7+5+0+2)/4 = 3.5, r2 (6+4+0+0)/4 = 2.5, r3 (7+7+3+0)/4 = 4.25.
    // mean 10.25/3 = 3.41667 → 3.4167; max 4.2500; min 2.5000.
    const byMethod = { mean: '3.4167', max: '4.2500', min: '2.5000' } as const;
    for (const [method, text] of Object.entries(byMethod)) {
      const r = await results(['runs'], method as MergeMethod);
      assert.equal(r.original.title, `Summary Table (${method}@3 runs)`);
      assert.equal(cols(r, 'Overall')[0], text, method);
    }
    // Ours, graded rows only, per run: 14/3, 10/4, 17/3 → mean 77/18 = 4.2778.
    const r = await results(['runs']);
    near(r.merged?.overall.mean ?? null, 77 / 18);
    assert.ok(r.original.notes.some((n) => /^2 rows without a score count as 0 in Overall/.test(n)));
  });

  test('Std: sample standard deviation of the run means', async () => {
    // Deviations from 41/12: 1/12, −11/12, 10/12 → Σ² = 222/144; /(3 − 1) → √(111)/12 = 0.87797 → 0.8780.
    const r = await results(['runs']);
    assert.equal(cols(r, 'Std')[0], '0.8780');
    near(cols(r, 'Std')[1], Math.sqrt(111) / 12);
  });

  test('2024/2025 and Others: per-run means (missing as 0), averaged', async () => {
    // 2024/2025 (rows 1, 2): r1 6, r2 5, r3 7 → 6.0000. Others (rows 3, 4): r1 1, r2 0, r3 1.5 → 2.5/3 = 0.8333.
    const r = await results(['runs']);
    assert.deepEqual(
      r.original.columns.slice(0, 4).map((c) => c.name),
      ['Overall', 'Std', '2024/2025', 'Others'],
    );
    assert.equal(cols(r, '2024/2025')[0], '6.0000');
    assert.equal(cols(r, 'Others')[0], '0.8333');
  });

  test('CoT, Sol, Tok Mean and Tok Sum/Run over all runs', async () => {
    // Eleven output counts (r3 row 4 has none), sum 5550: Tok Mean 504.5 → 504.
    // CoT = output − 100: min −50, mean 4450/11 = 404.5 → 404, max 900. Sol: 100 everywhere.
    // Tok Sum/Run: sums 1400, 2200, 1950 → mean 1850.
    const r = await results(['runs']);
    assert.deepEqual(
      ['CoT Min', 'CoT Mean', 'CoT Max', 'Sol Min', 'Sol Mean', 'Sol Max', 'Tok Mean', 'Tok Sum/Run'].map(
        (n) => cols(r, n)[0],
      ),
      ['-50', '404', '900', '100', '100', '100', '504', '1850'],
    );
  });

  test('TokC / TokI: score ≥ 5 across runs', async () => {
    // ≥ 5: r1 7, 5 (500, 400); r2 6 (600); r3 7, 7 (900, 1000) → min 400, mean 3400/5 = 680, max 1000.
    // < 5: 300, 200, 100, 700, 800, 50 and one without tokens → min 50, mean 2150/6 = 358.3 → 358, max 800.
    const r = await results(['runs']);
    assert.equal(r.original.correct_from, 5);
    assert.deepEqual(
      ['TokC Min', 'TokC Mean', 'TokC Max', 'TokI Min', 'TokI Mean', 'TokI Max'].map((n) => cols(r, n)[0]),
      ['400', '680', '1000', '50', '358', '800'],
    );
  });

  test('Truncated Frac over all runs', async () => {
    // One empty solution of 12 rows → 0.08333 → 0.0833.
    const r = await results(['runs']);
    assert.equal(cols(r, 'Truncated Frac')[0], '0.0833');
  });

  test('the markdown (the VS Code summary) carries both, named', async () => {
    const md = renderMarkdown(await results(['runs'], 'max'));
    assert.match(
      md,
      /^\*\*The original's figures \(stats\.py, --merge-method max\): Summary Table \(max@3 runs\)\*\*$/m,
    );
    assert.match(md, /^\| Std \| 0\.8780 \| std of Overall \(graded rows only\) /m);
    assert.match(md, /^\| Overall \(graded rows only, points \/ 7\) \|/m);
  });
});

describe('a file with graded_score and no score column, without --grader', () => {
  /*
   * graded-only.jsonl: IMO-2024-1 graded_score 7 (output 900, grader input 1000), IMO-2023-2 3 (500, 400),
   * IMO-2025-3 null (300, 200); no model_solution column.
   */
  test('the original reads graded_score: Overall, groups, tokens; Truncated Frac N/A', async () => {
    // Overall (7 + 3)/2 = 5.0000; 2024/2025: 7 (the null is skipped) → 7.0000; Others: 3.0000.
    // CoT −100, 100, 100 → min −100, mean 33.3 → 33, max 100; Sol 200 / 533 / 1000; Tok Mean 1700/3 → 566.
    // TokC (≥ 6): 900; TokI: 500, 300 → min 300, mean 400, max 500. No model_solution column → N/A.
    const r = await results(['graded-only.jsonl']);
    assert.equal(r.original.score_column, 'graded_score');
    assert.deepEqual(
      r.original.columns.map((c) => c.text),
      [
        '5.0000',
        '7.0000',
        '3.0000',
        '-100',
        '33',
        '100',
        '200',
        '533',
        '1000',
        '566',
        '1700',
        '900',
        '900',
        '900',
        '300',
        '400',
        '500',
        'N/A',
      ],
    );
  });

  test('our figures read graded_score too, and say so', async () => {
    const r = await results(['graded-only.jsonl']);
    assert.equal(r.graded, 2);
    assert.equal(r.overall, 5);
    assert.equal(r.not_graded, 1);
    assert.deepEqual(r.graded_score_files, [fx('graded-only.jsonl')]);
    assert.ok(
      r.warnings.some((w) => /no score column in graded-only\.jsonl: graded_score is read as the score/.test(w)),
    );
  });

  test("the QED view's list reads its mean from graded_score too", async () => {
    // (7 + 3)/2 = 5 over 2 rows with a grader score, of 3.
    const q = await quickSummary(fx('graded-only.jsonl'));
    assert.deepEqual([q.rows, q.graded, q.meanScore, q.meanMax], [3, 2, 5, 7]);
  });
});

/*
 * g1.jsonl / g2.jsonl — six rows each, the same human points:
 *   row  problem  points  g1 graded_score  g2 graded_score  grader input  grader output  cost_run output
 *   1    P1       7       7                6                1000          100            3000
 *   2    P1       6       5                5                1200          200            1000
 *   3    P1       2       5                3                800           300            2000
 *   4    P2       4       0                1                900           400            500
 *   5    P2       3       null             2                1100          500            4000
 *   6    P3       2       2                null             1000          600            1500
 * g1 alone, missing → 0: g = 7, 5, 5, 0, 0, 2.
 */
describe("--grader: the original's figures", () => {
  test('MAE: missing grader scores count as 0', async () => {
    // |7−7| + |5−6| + |5−2| + |0−4| + |0−3| + |2−2| = 0 + 1 + 3 + 4 + 3 + 0 = 11 → 11/6 = 1.8333.
    // Ours over the 5 compared rows: 8/5 = 1.6.
    const r = await grader(['g1.jsonl']);
    assert.ok(r.original);
    assert.deepEqual(col(r.original.figures, 'MAE')[0], '1.8333');
    assert.equal(r.mae, 1.6);
  });

  test('Accuracy: same bucket {0} {1–3} {4–6} {7} over all rows', async () => {
    // (7,7) ✓, (5,6) ✓, (5,2) ✗, (0,4) ✗, (0,3) ✗, (2,2) ✓ → 3/6 = 0.5000. Ours over compared rows: 3/5.
    const r = await grader(['g1.jsonl']);
    assert.ok(r.original);
    assert.deepEqual(col(r.original.figures, 'Accuracy'), ['0.5000', 0.5]);
    assert.equal(r.bucket_accuracy, 3 / 5);
  });

  test('Local Consistency: (g_a ≤ g_b) = (p_a ≤ p_b) over every pair of a problem, a tie counting as ≤', async () => {
    // P1: (1,2) 7≤5 F, 7≤6 F ✓; (1,3) F, F ✓; (2,3) 5≤5 T (grader tie), 6≤2 F ✗ → 2/3.
    // P2: (4,5) 0≤0 T (the missing grade as 0: a tie), 4≤3 F ✗ → 0. P3 has one row: no pairs.
    // (2/3 + 0)/2 = 1/3, printed as Python prints a float: 0.3333333333333333.
    // Ours ("pairwise agreement", ties ½, missing grades left out): P1 (1 + 1 + ½)/3 = 5/6.
    const r = await grader(['g1.jsonl']);
    assert.ok(r.original);
    assert.deepEqual(col(r.original.figures, 'Local Consistency'), ['0.3333333333333333', 1 / 3]);
    assert.equal(r.pairwise.per_problem_mean, 5 / 6);
  });

  test('Advantage Diff: mean |(g − mean g) − (p − mean p)| per problem, averaged', async () => {
    // P1: g − 17/3 = (4/3, −2/3, −2/3); p − 5 = (2, 1, −3); |diff| = 2/3, 5/3, 7/3 → 14/9.
    // P2: g − 0 = (0, 0); p − 3.5 = (0.5, −0.5); |diff| = 0.5, 0.5 → 0.5.
    // (14/9 + 1/2)/2 = 37/36 = 1.0277777777777777 (Python's repr).
    const r = await grader(['g1.jsonl']);
    assert.ok(r.original);
    assert.deepEqual(col(r.original.figures, 'Advantage Diff'), ['1.0277777777777777', 37 / 36]);
  });

  test('token figures: CoT, Solution and Grade tokens', async () => {
    // CoT = cost_run output − grader input: 2000, −200, 1200, −400, 2900, 500 → −400.0 / 1000.0 / 2900.0.
    // Solution = grader input: 800.0 / 1000.0 / 1200.0. Grade = grader output 100..600: mean 350.0,
    // 95%: position 0.95·5 = 4.75 → 500 + 0.75·100 = 575.0, max 600.0.
    const r = await grader(['g1.jsonl']);
    assert.ok(r.original);
    assert.deepEqual(
      r.original.figures.slice(4).map((f) => [f.name, f.text]),
      [
        ['CoT Tokens (Min)', '-400.0'],
        ['CoT Tokens (Mean)', '1000.0'],
        ['CoT Tokens (Max)', '2900.0'],
        ['Solution Tokens (Min)', '800.0'],
        ['Solution Tokens (Mean)', '1000.0'],
        ['Solution Tokens (Max)', '1200.0'],
        ['Grade Tokens (Mean)', '350.0'],
        ['Grade Tokens (95%)', '575.0'],
        ['Grade Tokens (Max)', '600.0'],
      ],
    );
  });

  test('Score Distribution', async () => {
    // g = 7, 5, 5, 0, 0, 2 (a float column: it had a null) → 0.0: 2, 2.0: 1, 5.0: 2, 7.0: 1.
    const r = await grader(['g1.jsonl']);
    assert.deepEqual(
      r.original?.distribution.map((d) => [d.text, d.count]),
      [
        ['0.0', 2],
        ['2.0', 1],
        ['5.0', 2],
        ['7.0', 1],
      ],
    );
  });

  test("--merge-method across files: each row's graded_score merged (missing as 0), the first file's points", async () => {
    /*
     * mean: g = 6.5, 5, 4, 0.5, 1, 1
     *   MAE (0.5 + 1 + 2 + 3.5 + 2 + 1)/6 = 10/6 = 1.6667; Accuracy: 6.5 is in no bucket ✗, (5,6) ✓, (4,2) ✗,
     *   (0.5,4) ✗, (1,3) ✓, (1,2) ✓ → 0.5000; LC: P1 all three pairs ✓ → 1, P2 0.5≤1 T vs 4≤3 F → 0 → 0.5;
     *   Adv: P1 g − 31/6 = (4/3, −1/6, −7/6), p − 5 = (2, 1, −3) → |diff| 2/3, 7/6, 11/6 → 11/9;
     *        P2 g − 0.75 = (−0.25, 0.25), p − 3.5 = (0.5, −0.5) → 0.75 → (11/9 + 3/4)/2 = 71/72.
     * max: g = 7, 5, 5, 1, 2, 2 → MAE (0+1+3+3+1+0)/6 = 1.3333; Accuracy 4/6 = 0.6667.
     * min: g = 6, 5, 3, 0, 0, 0 → MAE (1+1+1+4+3+2)/6 = 2.0000; Accuracy (5,6) (3,2) → 2/6 = 0.3333.
     */
    const mean = await grader(['g1.jsonl', 'g2.jsonl']);
    assert.ok(mean.original);
    assert.deepEqual(
      mean.original.figures.slice(0, 4).map((f) => f.text),
      ['1.6667', '0.5000', '0.5', pyRepr(71 / 72)],
    );
    assert.equal(pyRepr(71 / 72), '0.9861111111111112');
    assert.deepEqual(
      mean.original.distribution.map((d) => [d.text, d.count]),
      [
        ['0.5', 1],
        ['1.0', 2],
        ['4.0', 1],
        ['5.0', 1],
        ['6.5', 1],
      ],
    );
    const max = await grader(['g1.jsonl', 'g2.jsonl'], 'max');
    assert.deepEqual(
      max.original?.figures.slice(0, 2).map((f) => f.text),
      ['1.3333', '0.6667'],
    );
    const min = await grader(['g1.jsonl', 'g2.jsonl'], 'min');
    assert.deepEqual(
      min.original?.figures.slice(0, 2).map((f) => f.text),
      ['2.0000', '0.3333'],
    );
    assert.equal(min.merge_method, 'min');
    assert.ok(mean.original.notes.some((n) => /merged row by row across the 2 files \(mean\)/.test(n)));
  });

  test('files of different lengths: the original refuses them, so its figures are absent and a warning says why', async () => {
    const r = summarizeGrader([
      ...(await loadStatsFiles([fx('g1.jsonl')])),
      { file: 'short.jsonl', rows: [{ row: { problem_id: 'P1', graded_score: 7, points: 7 }, line: 1 }] },
    ]);
    assert.equal(r.original, null);
    assert.ok(r.warnings.some((w) => /the original refuses them/.test(w)));
  });

  test("originalPerFile (grader-bench: one file per prompt): the original's figures of each file alone", async () => {
    // g1 alone: MAE 1.8333 (above). g2 alone, missing → 0: g = 6, 5, 3, 1, 2, 0 against 7, 6, 2, 4, 3, 2:
    // |−1| + |−1| + 1 + |−3| + |−1| + |−2| = 9 → 9/6 = 1.5000.
    const r = summarizeGrader(await loadStatsFiles([fx('g1.jsonl'), fx('g2.jsonl')]), { originalPerFile: true });
    assert.equal(r.original, null);
    assert.deepEqual(
      r.files.map((f) => f.original?.figures[0].text),
      ['1.8333', '1.5000'],
    );
    assert.match(
      renderText(r),
      /^g2\.jsonl: The original's figures \(stats\.py --grader, --merge-method mean, 1 file\): Summary Table$/m,
    );
  });

  test('the table prints them with ours beside, named', async () => {
    const text = renderText(await grader(['g1.jsonl']));
    assert.match(text, /^MAE\s+1\.8333\s+MAE \(compared rows only\) 1\.6000; grader missing 1, human missing 0$/m);
    assert.match(
      text,
      /^Local Consistency\s+0\.3333333333333333\s+pairwise agreement \(pairs with different human points, ties ½\) 83\.3%$/m,
    );
    assert.match(text, /^Advantage Diff\s+1\.0277777777777777$/m);
    assert.match(text, /^MAE \(compared rows only\)\s+1\.60\s/m);
  });
});

describe('printing numbers as Python does', () => {
  test('four decimals round an exact tie to even; int() truncates toward zero', () => {
    // 0.03125 is exact in binary: Python prints 0.0312 where JS toFixed gives 0.0313.
    assert.equal(pyFixed(0.03125, 4), '0.0312');
    assert.equal(pyFixed(0.03135, 4), '0.0314'); // not exact in binary: plain rounding
    assert.equal(pyFixed(2.5, 0), '2');
    assert.equal(pyFixed(NaN, 4), 'nan');
    assert.equal(pyInt(418.9), '418');
    assert.equal(pyInt(-13557.7), '-13557');
    assert.equal(pyInt(-0.4), '0');
  });

  test('repr of a float', () => {
    assert.deepEqual([1 / 3, 0.5, 1, 1e-5, 1.5e16, 123.456, -2].map(pyRepr), [
      '0.3333333333333333',
      '0.5',
      '1.0',
      '1e-05',
      '1.5e+16',
      '123.456',
      '-2.0',
    ]);
  });

  test("numpy's pairwise sum (its last bit can differ from a plain loop)", () => {
    // Under 8 values: left to right. From 8 on: eight accumulators, combined as ((0+1)+(2+3))+((4+5)+(6+7)).
    assert.equal(npSum([0.1, 0.2, 0.3]), 0.1 + 0.2 + 0.3);
    const xs = [1e16, 1, 1, 1, 1, 1, 1, 1, 1];
    // Plain loop: each +1 to 1e16 is lost → 1e16. Pairwise: r0 = 1e16 + 1 (lost), r1..r7 = 1, then + the 9th 1:
    // ((1e16 + 1) + (1 + 1)) + ((1 + 1) + (1 + 1)) + 1 = 1e16 + 2 + 4 + 1 → rounds to 1e16 + 8 (ulp 2).
    let loop = 0;
    for (const x of xs) loop += x;
    assert.equal(loop, 1e16);
    assert.equal(npSum(xs), 1e16 + 8);
  });
});
