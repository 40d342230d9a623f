// The real IMO-Bench CSV files (kept outside the repository, read-only) must parse with the
// expected row counts and canonical columns. Skipped when the files are not present.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { readDataset } from '../../src/core/data';

const IMOBENCH = path.resolve(__dirname, '../../../shared/data/imobench');
const present = existsSync(IMOBENCH);

const PROOF_COLUMNS = [
  'problem_id',
  'problem',
  'solution',
  'grading_guidelines',
  'Category',
  'Level',
  'answer',
  'Source',
];
const ANSWER_COLUMNS = ['problem_id', 'problem', 'answer', 'Category', 'Subcategory', 'Source'];

const FILES: { name: string; rows: number; columns: string[]; idPrefix: string }[] = [
  { name: 'proofbench_v2.csv', rows: 60, columns: PROOF_COLUMNS, idPrefix: 'PB-' },
  { name: 'proofbench.csv', rows: 60, columns: PROOF_COLUMNS, idPrefix: 'PB-' },
  { name: 'lean_proof_bench.csv', rows: 60, columns: [...PROOF_COLUMNS, 'Lean Statement'], idPrefix: 'PB-' },
  { name: 'answerbench_v2.csv', rows: 400, columns: ANSWER_COLUMNS, idPrefix: 'imo-bench-' },
  { name: 'answerbench.csv', rows: 400, columns: ANSWER_COLUMNS, idPrefix: 'imo-bench-' },
  { name: 'answerbench_v2.pr18-algebra036-fix.csv', rows: 400, columns: ANSWER_COLUMNS, idPrefix: 'imo-bench-' },
];

describe('real IMO-Bench files', () => {
  for (const f of FILES) {
    test(`${f.name}: ${f.rows} rows, canonical columns`, async (t) => {
      if (!present) {
        t.skip(`${IMOBENCH} not found (…/shared/data/imobench)`);
        return;
      }
      const d = await readDataset(path.join(IMOBENCH, f.name));
      assert.equal(d.rows.length, f.rows);
      assert.deepEqual(d.columns, f.columns);
      const ids = new Set<unknown>();
      for (const row of d.rows) {
        assert.ok(String(row.problem_id).startsWith(f.idPrefix), String(row.problem_id));
        assert.ok(typeof row.problem === 'string' && row.problem.length > 10);
        ids.add(row.problem_id);
      }
      assert.equal(ids.size, f.rows, 'problem ids are unique');
      if (f.columns.includes('grading_guidelines')) {
        assert.ok(d.rows.every((r) => typeof r.grading_guidelines === 'string' && r.grading_guidelines !== ''));
        assert.ok(
          d.rows.some((r) => String(r.solution).includes('\n')),
          'multi-line quoted fields are kept whole',
        );
      }
    });
  }

  test('answerbench_v2.csv: the known algebra-036 quoting defect is kept and reported, the PR 18 fix is clean', async (t) => {
    if (!present) {
      t.skip(`${IMOBENCH} not found (…/shared/data/imobench)`);
      return;
    }
    const broken = await readDataset(path.join(IMOBENCH, 'answerbench_v2.csv'));
    assert.equal(broken.warnings?.length, 1);
    assert.match(
      broken.warnings![0],
      /answerbench_v2\.csv:150: the row starting 'imo-bench-algebra-036' has 5 of 6 columns because of a quoting error/,
    );
    const row = broken.rows.find((r) => r.problem_id === 'imo-bench-algebra-036');
    assert.equal(row?.answer, 'Algebra');

    const fixed = await readDataset(path.join(IMOBENCH, 'answerbench_v2.pr18-algebra036-fix.csv'));
    assert.equal(fixed.warnings, undefined);
    const counts: Record<string, number> = {};
    for (const r of fixed.rows) counts[String(r.Category)] = (counts[String(r.Category)] ?? 0) + 1;
    assert.deepEqual(counts, { Algebra: 100, Combinatorics: 100, Geometry: 100, 'Number theory': 100 });
    assert.equal(fixed.rows.find((r) => r.problem_id === 'imo-bench-algebra-036')?.answer, '$Y(x)=A+\\frac{B}{x}-x$');
  });
});
