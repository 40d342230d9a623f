/**
 * The index of a large file in two passes: the lines are found first (rows listed and openable at
 * once), their summaries read afterwards. Small files are indexed the same way here by lowering
 * the index's thresholds (`inlineSummaryBytes`, `readSize`), so lines straddle its reads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ResultsIndex, acquireIndex } from '../../src/core/view/resultsIndex';
import { RowQueries } from '../../src/core/view/query';
import { ViewerHost } from '../../src/core/view/host';
import { ask, scratchDirs } from './view-helpers';

const dir = scratchDirs('qed-view-scan-');

function row(i: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    problem_id: `P-${i + 1}`,
    problem: `Problem ${i + 1}`,
    model_solution: `proof ${'x'.repeat(i % 7)}`,
    schema_0: [{ title: 'g', desc: 'd', points: 7 }],
    score: i % 3 === 2 ? null : i % 8,
    Category: i % 2 ? 'Algebra' : 'Geometry',
    ...extra,
  });
}

/** Everything a user sees of the index: rows (place, line, summary), bad lines, columns. */
function snapshot(idx: ResultsIndex) {
  const t = idx.table;
  return {
    rows: Array.from({ length: t.n }, (_, i) => ({ start: t.start[i], len: t.len[i], ...t.summary(i) })),
    bad: idx.badLines,
    badCount: idx.badLineCount,
    columns: [...t.columns].sort(),
    category: Array.from({ length: t.n }, (_, i) => t.metaValueOf('Category', i)),
  };
}

/** Indexes `f` in two passes with reads of `readSize` bytes, and as a small file in one. */
async function both(f: string, readSize: number): Promise<{ twoPass: ResultsIndex; onePass: ResultsIndex }> {
  const twoPass = new ResultsIndex(f);
  twoPass.inlineSummaryBytes = 0;
  twoPass.readSize = readSize;
  await twoPass.open();
  const onePass = new ResultsIndex(f);
  await onePass.open();
  return { twoPass, onePass };
}

test('offset scan: CRLF, blank lines, no final newline, BOM, bad lines, lines across reads — the same index as one pass', async () => {
  const d = dir();
  const texts: Record<string, string> = {
    lf: `${[0, 1, 2, 3].map((i) => row(i)).join('\n')}\n`,
    crlf: `${[0, 1, 2].map((i) => row(i)).join('\r\n')}\r\n`,
    noFinalNewline: `${row(0)}\n${row(1)}`,
    blankLines: `\n\n${row(0)}\n   \n\r\n${row(1)}\n\n`,
    bom: `\ufeff${row(0)}\n${row(1)}\n`,
    bad: `${row(0)}\nnot json\n{"broken": \n[1,2]\n  ${row(1)}\n{"a":1} trailing\n${row(2)}\n`,
    long: `${row(0, { model_solution: 'y'.repeat(5000) })}\n${row(1)}\n${row(2, { model_solution: 'z'.repeat(3000) })}\n`,
  };
  for (const [name, text] of Object.entries(texts)) {
    const f = join(d, `${name}.jsonl`);
    writeFileSync(f, text);
    for (const readSize of [5, 64, 1000, 1 << 20]) {
      const { twoPass, onePass } = await both(f, readSize);
      assert.deepEqual(snapshot(twoPass), snapshot(onePass), `${name}, reads of ${readSize} bytes`);
      assert.equal(twoPass.summarized, twoPass.table.n);
      for (let i = 0; i < twoPass.table.n; i++)
        assert.deepEqual((await twoPass.readRow(i)).row, (await onePass.readRow(i)).row);
    }
  }
});

test('offset scan: rows are listed and openable before their summaries; summaries then complete', async () => {
  const d = dir();
  const f = join(d, 'r.jsonl');
  writeFileSync(f, `${Array.from({ length: 300 }, (_, i) => row(i)).join('\n')}\n`);
  const idx = new ResultsIndex(f);
  idx.inlineSummaryBytes = 0;
  idx.readSize = 512;
  const progress: Array<number | undefined> = [];
  idx.onProgress((p) => progress.push(p.summarized));
  await idx.offsets();
  assert.equal(idx.table.n, 300);
  assert.ok(idx.summarized < 300, 'summaries are read after the offsets');
  // Any row can be read at once, summary or not.
  assert.equal((await idx.readRow(250)).row.problem_id, 'P-251');
  await idx.summaries();
  assert.equal(idx.summarized, 300);
  assert.equal(idx.table.ids[299], 'P-300');
  assert.equal(idx.table.score[9], 1);
  assert.ok(
    progress.some((p) => p !== undefined && p < 300),
    'progress tells that summaries are being read',
  );
  assert.equal(progress.at(-1), 300, 'and when they are all read');
});

test('offset scan: when the last user releases the index, its background reading of summaries stops', async () => {
  const d = dir();
  const f = join(d, 'r.jsonl');
  writeFileSync(f, `${Array.from({ length: 3000 }, (_, i) => row(i)).join('\n')}\n`);
  const { index, release } = acquireIndex(f);
  index.inlineSummaryBytes = 0;
  index.readSize = 512;
  await index.offsets();
  assert.equal(index.table.n, 3000);
  release();
  await index.close(); // already closed by the release: waits for a slice under way to end
  const after = index.summarized;
  for (let k = 0; k < 200; k++) await new Promise((r) => setImmediate(r));
  assert.equal(index.summarized, after, 'no summary is read after the release');
  assert.ok(after < 3000, `the reading stopped early (${after} of 3000)`);
  await assert.rejects(index.summaries(), /was closed before its summaries were read/);
  // The next user gets a fresh index that reads everything.
  const again = acquireIndex(f);
  try {
    assert.notEqual(again.index, index);
    await again.index.offsets();
    await again.index.summaries();
    assert.equal(again.index.summarized, 3000);
  } finally {
    again.release();
  }
});

test('offset scan: a filter or sort before the summaries are read says it is partial, and is exact after', async () => {
  const d = dir();
  const f = join(d, 'r.jsonl');
  writeFileSync(f, `${Array.from({ length: 200 }, (_, i) => row(i)).join('\n')}\n`);
  const idx = new ResultsIndex(f);
  idx.inlineSummaryBytes = 0;
  idx.readSize = 256;
  const q = new RowQueries(idx);
  await idx.offsets();
  const query = { filter: { scoreMin: 7 }, sort: 'score' as const };
  const early = await q.page(query, 0, 500);
  assert.ok(early.incomplete, 'a partial answer says so');
  assert.match(early.incomplete.reason, /scores and flags/);
  // What it does list is right: only rows whose figures are known, all matching.
  for (const r of early.rows) assert.equal(r.score, 7);
  const plain = await q.page({ filter: {}, sort: 'index' }, 0, 500);
  assert.equal(plain.rows.length, 200, 'every row is listed before its summary');
  await idx.summaries();
  const done = await q.page(query, 0, 500);
  assert.equal(done.incomplete, undefined);
  const want = Array.from({ length: 200 }, (_, i) => i).filter((i) => i % 3 !== 2 && i % 8 === 7);
  assert.deepEqual(
    done.rows.map((r) => r.index).sort((a, b) => a - b),
    want,
  );
});

test('offset scan: a file growing while its summaries are read, and a bad line found late', async () => {
  const d = dir();
  const f = join(d, 'r.jsonl');
  // A line that looks like a row but is not JSON: found only when summaries are read.
  writeFileSync(f, `${Array.from({ length: 100 }, (_, i) => row(i)).join('\n')}\n{"oops": nope}\n`);
  const idx = new ResultsIndex(f);
  idx.inlineSummaryBytes = 0;
  idx.readSize = 300;
  const changes: string[] = [];
  idx.onChange((e) => changes.push(e.change));
  await idx.offsets();
  assert.equal(idx.table.n, 101, 'listed as a row until it is read');
  appendFileSync(f, `${Array.from({ length: 20 }, (_, i) => row(100 + i)).join('\n')}\n`);
  // The background reader may already have found the bad line (then 120 rows), or not yet (121).
  const grown = await idx.refresh();
  assert.equal(grown?.change, 'appended');
  assert.ok(grown.rows === 120 || grown.rows === 121, `rows: ${grown.rows}`);
  appendFileSync(f, `${row(120)}`);
  await idx.refresh();
  await idx.summaries();
  assert.equal(idx.table.n, 121);
  assert.deepEqual(
    idx.badLines.map((b) => b.line),
    [101],
  );
  assert.ok(changes.includes('rewritten'), 'the dropped line is told as a rewrite');
  assert.deepEqual([idx.table.ids[99], idx.table.ids[100], idx.table.ids[120]], ['P-100', 'P-101', 'P-121']);
  assert.equal((await idx.readRow(100)).row.problem_id, 'P-101');
  assert.equal(idx.table.line[100], 102);
  // The same as reading it in one pass.
  const ref = new ResultsIndex(f);
  await ref.open();
  assert.deepEqual(snapshot(idx), snapshot(ref));
});

test('offset scan: a job journal read after a large file waits for its summaries (rows take their place by id)', async () => {
  const d = dir();
  const f = join(d, 'r.jsonl');
  writeFileSync(f, `${Array.from({ length: 50 }, (_, i) => row(i, { run_index: 0 })).join('\n')}\n`);
  writeFileSync(
    `${f}.partial`,
    `${row(3, { run_index: 0, score: 7, note: 'regraded' })}\n${row(50, { run_index: 0 })}\n`,
  );
  const idx = new ResultsIndex(f);
  idx.inlineSummaryBytes = 0;
  idx.readSize = 200;
  await idx.open();
  assert.equal(idx.table.n, 51);
  assert.equal(idx.table.score[3], 7);
  assert.equal((await idx.readRow(3)).row.note, 'regraded');
  assert.equal(idx.liveRows, 2);
});

test('host: a row opened before its summary is read comes with its figures; the file summary says how far', async () => {
  const d = dir();
  const f = join(d, 'r.jsonl');
  writeFileSync(f, `${Array.from({ length: 400 }, (_, i) => row(i)).join('\n')}\n`);
  const host = new ViewerHost({ files: [f], host: 'stub' });
  const idx = (host as unknown as { files: Array<{ index: ResultsIndex }> }).files[0].index;
  idx.inlineSummaryBytes = 0;
  idx.readSize = 128;
  await idx.offsets();
  const r = await ask(host, 'row', { file: 0, index: 397 });
  assert.equal(r.summary.id, 'P-398');
  assert.equal(r.summary.score, 5);
  const s = await ask(host, 'summary', { file: 0 });
  assert.equal(s.rows, 400);
  if (s.summarized !== undefined) assert.ok(s.summarized < 400);
  await host.open();
  const s2 = await ask(host, 'summary', { file: 0 });
  assert.equal(s2.summarized, undefined);
  assert.equal(
    Object.values(s2.statusCounts).reduce((a, b) => a + b, 0),
    400,
  );
  host.dispose();
});

/** An index of 400 rows read 1,000 bytes at a time, as a large file is (offsets first). */
function readInSmallSteps(name: string): ResultsIndex {
  const f = join(dir(), name);
  writeFileSync(f, Array.from({ length: 400 }, (_, i) => row(i)).join('\n') + '\n');
  const idx = new ResultsIndex(f);
  idx.inlineSummaryBytes = 0;
  idx.readSize = 1000;
  return idx;
}

test('a row waited for as a large file opens is handed over after the read that brought it, not at the end', async () => {
  // What a deep link does: the page (or `qed view`'s first screen) asks for row 1 as the index
  // starts. The rows are known after the scan's first read; the request must not wait for more.
  const idx = readInSmallSteps('deep.jsonl');
  const built = idx.offsets();
  await idx.waitForRows(1);
  const listed = idx.table.n;
  assert.ok(listed >= 1 && listed < 20, `handed over with ${listed} of 400 rows listed`);
  await built;
  assert.equal(idx.table.n, 400);
  await idx.close();
});

test('an index closed while its file is read stops reading it', async () => {
  // A view closed while a large file is being indexed: the rest of the file is not read for nobody.
  const idx = readInSmallSteps('closed.jsonl');
  const built = idx.offsets();
  const waiting = idx.waitForRows(400);
  await idx.close();
  await built;
  await waiting; // released, not left hanging
  assert.ok(idx.table.n < 400, `${idx.table.n} of 400 rows read after the close`);
});
