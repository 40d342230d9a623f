/** The viewer's host side without a browser: the line index, queries, text search and edits. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ResultsIndex } from '../../src/core/view/resultsIndex';
import { RowQueries } from '../../src/core/view/query';
import { replaceRow, rowForEdit, buildHumanGrade } from '../../src/core/view/edit';
import { ViewerHost } from '../../src/core/view/host';
import { summarizeRow } from '../../src/core/view/summary';
import { rowMarkdown } from '../../src/core/view/markdown';
import { ask, scratchDirs } from './view-helpers';

const dir = scratchDirs('qed-view-core-');
const line = (o: Record<string, unknown>) => JSON.stringify(o);

function rows(n: number, from = 0): string[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return line({
      problem_id: `P-${i + 1}`,
      problem: `Problem ${i + 1}: show $x_${i}$.`,
      model_solution: i % 5 === 4 ? '' : `proof of ${i + 1} uses \\frac{a}{b}`,
      schema_0: [{ title: 'Proof Grade', desc: 'g', points: 7 }],
      score: i % 3 === 2 ? null : i % 8,
      grade: i % 3 === 2 ? undefined : [{ points: i % 8, desc: 'ok' }],
      Category: i % 2 ? 'Algebra' : 'Geometry',
      cost_run: { cost: i / 100, output_tokens: 1000 - i },
    });
  });
}

test('summaries: status from error, grade_error, score against the scheme maximum', () => {
  const base = {
    schema_0: [
      { title: 'a', desc: '', points: 3 },
      { title: 'b', desc: '', points: 4 },
    ],
  };
  assert.equal(summarizeRow({ ...base, score: 7 }).status, 'full');
  assert.equal(summarizeRow({ ...base, score: 3 }).status, 'partial');
  assert.equal(summarizeRow({ ...base, score: 0 }).status, 'zero');
  assert.equal(summarizeRow({ ...base }).status, 'not_graded');
  assert.equal(summarizeRow({ ...base, score: 7, grade_error: 'x' }).status, 'parse_error');
  assert.equal(summarizeRow({ ...base, score: null, grade: [{ points: null, desc: 'raw' }] }).status, 'parse_error');
  assert.equal(summarizeRow({ ...base, score: 7, error: 'boom' }).status, 'run_error');
  assert.equal(summarizeRow({ score: 1, judge_method: 'llm' }).status, 'full');
  const s = summarizeRow({
    model_solution: '',
    cost_run: { cost: 0.5 },
    grade_cost: { cost: 0.25 },
    human_grade: { points: [1, 2] },
    Source: 'IMO 2020',
    qed_run: { config: 'openai/x' },
  });
  assert.equal(s.truncated, true);
  assert.equal(s.cost, 0.75);
  assert.equal(s.human, 3);
  assert.equal(s.source, 'IMO 2020');
  assert.equal(s.model, 'openai/x');
});

test('index: rows, bad lines, blank lines, CRLF and a last line without newline', async () => {
  const d = dir();
  const f = join(d, 'r.jsonl');
  writeFileSync(f, `${rows(2).join('\r\n')}\r\n\r\nnot json\n[1,2]\n${rows(1, 2)[0]}`);
  const idx = new ResultsIndex(f);
  await idx.open();
  assert.equal(idx.table.n, 3);
  assert.deepEqual(
    idx.badLines.map((b) => b.line),
    [4, 5],
  );
  assert.equal(idx.table.line[2], 6);
  assert.equal((await idx.readRow(1)).row.problem_id, 'P-2');
  assert.equal((await idx.readRow(2)).row.problem_id, 'P-3');
  // The unterminated last row is read again when the line is completed.
  appendFileSync(f, `\n${rows(1, 3)[0]}\n`);
  assert.deepEqual(await idx.refresh(), { change: 'appended', rows: 4 });
  assert.equal(idx.table.n, 4);
  assert.equal((await idx.readRow(3)).row.problem_id, 'P-4');
});

test('index: appended rows are read incrementally; a replaced or edited file is read again', async () => {
  const d = dir();
  const f = join(d, 'r.jsonl');
  writeFileSync(f, rows(50).join('\n') + '\n');
  const idx = new ResultsIndex(f);
  await idx.open();
  assert.equal(idx.table.n, 50);
  assert.equal(await idx.refresh(), null);
  appendFileSync(f, rows(10, 50).join('\n') + '\n');
  assert.deepEqual(await idx.refresh(), { change: 'appended', rows: 60 });
  assert.equal((await idx.readRow(59)).row.problem_id, 'P-60');
  // Replaced atomically (new inode) with fewer rows.
  writeFileSync(`${f}.tmp`, rows(5).join('\n') + '\n');
  renameSync(`${f}.tmp`, f);
  assert.deepEqual(await idx.refresh(), { change: 'rewritten', rows: 5 });
  // Edited in place so that it grew, earlier bytes changed: not mistaken for an append.
  const text = readFileSync(f, 'utf8').replace('Problem 2:', 'Problem two, longer:');
  writeFileSync(f, text + rows(1, 5)[0] + '\n');
  assert.deepEqual(await idx.refresh(), { change: 'rewritten', rows: 6 });
  assert.match(String((await idx.readRow(1)).row.problem), /two, longer/);
});

test('queries: filters, sorts, paging, metadata values', async () => {
  const d = dir();
  const f = join(d, 'r.jsonl');
  writeFileSync(f, rows(40).join('\n') + '\n');
  const idx = new ResultsIndex(f);
  await idx.open();
  const q = new RowQueries(idx);
  const all = await q.page({ filter: {}, sort: 'index' }, 0, 10);
  assert.equal(all.matched, 40);
  assert.deepEqual(
    all.rows.map((r) => r.index),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  const graded = await q.run({ filter: { hasGrade: true }, sort: 'index' });
  assert.equal(graded.order.length, 40 - 13);
  const range = await q.page({ filter: { scoreMin: 3, scoreMax: 5 }, sort: 'score', descending: true }, 0, 100);
  assert.ok(range.rows.every((r) => r.score! >= 3 && r.score! <= 5));
  assert.ok(range.rows.every((r, k) => k === 0 || range.rows[k - 1].score! >= r.score!));
  const byCost = await q.page({ filter: {}, sort: 'cost', descending: true }, 0, 3);
  assert.deepEqual(
    byCost.rows.map((r) => r.id),
    ['P-40', 'P-39', 'P-38'],
  );
  const byId = await q.page({ filter: {}, sort: 'id' }, 0, 3);
  assert.deepEqual(
    byId.rows.map((r) => r.id),
    ['P-1', 'P-2', 'P-3'],
  );
  const alg = await q.run({ filter: { column: { name: 'Category', value: 'Algebra' } }, sort: 'index' });
  assert.equal(alg.order.length, 20);
  const trunc = await q.run({ filter: { truncated: true }, sort: 'index' });
  assert.equal(trunc.order.length, 8);
  const statuses = await q.run({ filter: { statuses: ['not_graded'] }, sort: 'index' });
  assert.equal(statuses.order.length, 13);
  assert.equal(
    (await q.locate({ filter: { column: { name: 'Category', value: 'Algebra' } }, sort: 'index' }, 5)).position,
    2,
  );
  assert.equal(
    (await q.locate({ filter: { column: { name: 'Category', value: 'Algebra' } }, sort: 'index' }, 4)).position,
    -1,
  );
});

test('text search: a regular expression over the rows text, in a worker, with bounds', async () => {
  const d = dir();
  const f = join(d, 'r.jsonl');
  writeFileSync(f, rows(30).join('\n') + '\n');
  const idx = new ResultsIndex(f);
  await idx.open();
  const q = new RowQueries(idx);
  // JSON escapes are undone before matching: the text holds one backslash.
  const hits = await q.run({ filter: { text: '\\\\frac\\{a\\}' }, sort: 'index' });
  assert.equal(hits.order.length, 24);
  const one = await q.run({ filter: { text: '^problem 17:', textField: 'problem' }, sort: 'index' });
  assert.deepEqual([...one.order], [16]);
  const cs = await q.run({
    filter: { text: '^problem 17:', textField: 'problem', caseSensitive: true },
    sort: 'index',
  });
  assert.equal(cs.order.length, 0);
  await assert.rejects(q.run({ filter: { text: '(' }, sort: 'index' }), /not a valid regular expression/);
  // Rows appended later are searched on their own and joined to the earlier result.
  appendFileSync(f, rows(3, 30).join('\n') + '\n');
  await idx.refresh();
  q.invalidate();
  assert.equal((await q.run({ filter: { text: '\\\\frac\\{a\\}' }, sort: 'index' })).order.length, 27);
  // A catastrophic pattern is stopped by the time bound instead of hanging the host.
  const big = join(d, 'big.jsonl');
  writeFileSync(big, line({ problem_id: 'X', problem: 'a'.repeat(40) + '!' }) + '\n');
  const bidx = new ResultsIndex(big);
  await bidx.open();
  const bq = new RowQueries(bidx);
  bq.searchBudgetMs = 200;
  const t0 = Date.now();
  await assert.rejects(bq.run({ filter: { text: '^(a+)+$', textField: 'problem' }, sort: 'index' }), /takes too long/);
  assert.ok(Date.now() - t0 < 10_000);
});

test('edits: one line replaced, other bytes kept (CRLF too); refused on change or lock', async () => {
  const d = dir();
  const f = join(d, 'r.jsonl');
  const original = rows(4).join('\r\n') + '\r\n';
  writeFileSync(f, original);
  const idx = new ResultsIndex(f);
  await idx.open();
  const { row, rev } = await rowForEdit(idx, 1, (await idx.readRow(1)).rev);
  const human = buildHumanGrade(row, [5], 'fine ∑', 'ana', f, 2);
  await replaceRow(idx, 1, rev, { ...row, human_grade: human });
  const after = readFileSync(f, 'utf8').split('\r\n');
  const before = original.split('\r\n');
  assert.equal(after.length, before.length);
  assert.deepEqual(
    after.map((l, k) => l === before[k]),
    [true, false, true, true, true],
  );
  assert.deepEqual(JSON.parse(after[1]).human_grade.points, [5]);
  assert.equal(idx.table.human[1], 5);
  assert.equal((await idx.readRow(2)).row.problem_id, 'P-3');
  // The viewer's fingerprint is now stale.
  await assert.rejects(rowForEdit(idx, 1, rev), /changed on disk since it was shown/);
  assert.throws(() => buildHumanGrade(row, [8], '', 'a', f, 1), /at most 7 points/);
  assert.throws(() => buildHumanGrade(row, [1, 2], '', 'a', f, 1), /each of the 1 grading item/);
  writeFileSync(`${f}.lock`, JSON.stringify({ host: hostname(), pid: process.ppid, by: 'qed eval', job: 'grading' }));
  await assert.rejects(
    rowForEdit(idx, 0, (await idx.readRow(0)).rev),
    new RegExp(`qed eval \\(pid ${process.ppid}, grading\\) is writing this file`),
  );
});

test('host: protocol requests, cut long text, change events, override through the protocol', async () => {
  const d = dir();
  const f = join(d, 'r.jsonl');
  const long = line({ problem_id: 'L', problem: 'x'.repeat(5000), model_solution: 'y' });
  writeFileSync(f, [...rows(3), long].join('\n') + '\n');
  const host = new ViewerHost({ files: [f], host: 'stub', maxFieldChars: 1000 });
  const events: unknown[] = [];
  host.onMessage((m) => events.push(m));
  await host.open();
  const init = await host.handle({ kind: 'ready', protocol: 1 });
  assert.equal(init?.kind, 'init');
  const summary = await ask(host, 'summary', { file: 0 });
  assert.equal(summary.rows, 4);
  assert.deepEqual(
    summary.meta.find((m) => m.name === 'Category')?.values.map((v) => v.value),
    ['Geometry', 'Algebra'],
  );
  const row = await ask(host, 'row', { file: 0, index: 3 });
  assert.equal(String(row.row.problem).length, 1000);
  assert.deepEqual(row.cut, { problem: 5000 });
  const r1 = await ask(host, 'row', { file: 0, index: 0 });
  const res = await ask(host, 'override', { file: 0, index: 0, expect: r1.rev, points: [6], note: 'n' });
  assert.equal(res.row.summary.human, 6);
  assert.ok(events.some((e) => (e as { event?: { type?: string; change?: string } }).event?.change === 'row'));
  const cleared = await ask(host, 'clearOverride', { file: 0, index: 0, expect: res.row.rev });
  assert.equal(cleared.row.summary.human, null);
  await assert.rejects(
    ask(host, 'override', { file: 0, index: 0, expect: res.row.rev, points: [6], note: '' }),
    (e: Error & { code?: string }) => e.code === 'changed',
  );
  await assert.rejects(
    ask(host, 'regrade', { file: 0, index: 0, expect: cleared.row.rev }),
    (e: Error & { code?: string }) => e.code === 'unavailable',
  );
  await assert.rejects(
    ask(host, 'page', { file: 0, query: { filter: { text: '[' }, sort: 'index' }, offset: 0, limit: 5 }),
    (e: Error & { code?: string }) => e.code === 'invalid',
  );
  const md = await ask(host, 'export', { file: 0, index: 1 });
  assert.match(md.markdown, /^## P-2/);
  host.dispose();
});

test('agent rows: step count and agent cost are summarised, filtered and sorted on', async () => {
  const { deepseekRow, nomosRow, mathAgentRow, damagedRow, plainRow } = await import('../fixtures/agents/traces');
  const ds = deepseekRow();
  const s = summarizeRow(ds);
  const trace = ds.agent_trace as { steps: Array<{ cost?: number }> };
  assert.equal(s.steps, trace.steps.length);
  assert.equal(s.agentCost, (ds.cost_run as { cost: number }).cost);
  // The steps' costs add up to cost_run.cost (the contract the fixtures follow).
  assert.ok(Math.abs(trace.steps.reduce((a, x) => a + (x.cost ?? 0), 0) - s.agentCost!) < 1e-12);
  // Without cost_run the steps' own costs are summed; a trace without steps counts 0.
  assert.ok(Math.abs(summarizeRow({ ...ds, cost_run: undefined }).agentCost! - s.agentCost!) < 1e-12);
  assert.deepEqual(
    [
      summarizeRow({ agent_trace: { steps: 'nope' } }).steps,
      summarizeRow({ agent_trace: { steps: 'nope' } }).agentCost,
    ],
    [0, null],
  );
  assert.deepEqual([summarizeRow(plainRow(0)).steps, summarizeRow(plainRow(0)).agentCost], [null, null]);
  assert.deepEqual(
    [summarizeRow({ agent_trace: 'junk' }).steps, summarizeRow({ agent_trace: [1, 2] }).steps],
    [null, null],
  );
  // A damaged trace: the count of its entries, whatever they are; bad costs are skipped.
  const bad = summarizeRow({ ...damagedRow(40), cost_run: undefined });
  assert.equal(bad.steps, 40);
  assert.ok(bad.agentCost !== null && Number.isFinite(bad.agentCost));

  const d = dir();
  const f = join(d, 'agents.jsonl');
  const all = [plainRow(0), ds, nomosRow(), mathAgentRow(), plainRow(1), damagedRow(300)];
  writeFileSync(f, all.map((r) => line(r)).join('\n') + '\n');
  const idx = new ResultsIndex(f);
  await idx.open();
  const q = new RowQueries(idx);
  const page = await q.page({ filter: {}, sort: 'index' }, 0, 10);
  assert.deepEqual(
    page.rows.map((r) => r.steps),
    [undefined, 27, 12, 5, undefined, 300],
  );
  assert.equal(page.rows[1].agentCost, s.agentCost);
  assert.equal('agentCost' in page.rows[0], false);
  const ids = async (query: Parameters<typeof q.page>[0]) => (await q.page(query, 0, 10)).rows.map((r) => r.id);
  // Sorting: rows without a trace last in both directions.
  assert.deepEqual(await ids({ filter: {}, sort: 'steps' }), [
    'AG-MA-3',
    'AG-NO-2',
    'AG-DS-1',
    'AG-BAD-4',
    'PLAIN-1',
    'PLAIN-2',
  ]);
  assert.deepEqual(await ids({ filter: {}, sort: 'steps', descending: true }), [
    'AG-BAD-4',
    'AG-DS-1',
    'AG-NO-2',
    'AG-MA-3',
    'PLAIN-1',
    'PLAIN-2',
  ]);
  assert.deepEqual(await ids({ filter: {}, sort: 'agentCost', descending: true }), [
    'AG-BAD-4',
    'AG-DS-1',
    'AG-NO-2',
    'AG-MA-3',
    'PLAIN-1',
    'PLAIN-2',
  ]);
  // Filters: bounds keep only agent rows inside them; `agent` splits agent rows from the others.
  assert.deepEqual(await ids({ filter: { stepsMin: 10, stepsMax: 100 }, sort: 'index' }), ['AG-DS-1', 'AG-NO-2']);
  assert.deepEqual(await ids({ filter: { stepsMax: 10 }, sort: 'index' }), ['AG-MA-3']);
  assert.deepEqual(await ids({ filter: { agentCostMin: 0.003, agentCostMax: 0.01 }, sort: 'index' }), [
    'AG-DS-1',
    'AG-NO-2',
  ]);
  assert.deepEqual(await ids({ filter: { agent: false }, sort: 'index' }), ['PLAIN-1', 'PLAIN-2']);
  assert.equal((await q.run({ filter: { agent: true }, sort: 'index' })).order.length, 4);
  // The summaries live in the table's typed arrays (no row text kept).
  assert.equal(idx.table.steps[1], 27);
  assert.ok(Number.isNaN(idx.table.agentCost[0]));
  // The markdown export lists the steps and the final choice.
  const md = rowMarkdown(ds, page.rows[1]);
  assert.match(md, /- agent steps: 27, agent cost: \$0\.0088/);
  assert.match(md, /### Agent trace \(deepseek_agent\)\n\n1\. generate: Proof 1 · → p1 · \$0\.0004 · reused\n/);
  assert.match(
    md,
    /11\. verify: Verification 3 of proof 2 · reads p2 · score 0 \/ 1 · \(no score found in the reply: counted as 0\)/,
  );
  assert.match(md, /Final choice: p5 \(score 1\) — highest mean verification score/);
  const damaged = rowMarkdown(all[5], page.rows[5]);
  assert.match(damaged, /^2\. verify" onmouseover="window.__pwned=1: 42$/m);
  assert.match(damaged, /^300\. /m);
});

test('host: an agent row without its calls (lazyCalls), then its calls a few at a time', async () => {
  const { deepseekRow, plainRow } = await import('../fixtures/agents/traces');
  const d = dir();
  const f = join(d, 'agents.jsonl');
  const ds = deepseekRow();
  const history = JSON.parse(JSON.stringify(ds.history)) as unknown[];
  writeFileSync(f, [line(plainRow(0)), line(ds)].join('\n') + '\n');
  const host = new ViewerHost({ files: [f], host: 'stub' });
  await host.open();
  const lazy = await ask(host, 'row', { file: 0, index: 1, lazyCalls: true });
  assert.equal(lazy.calls, history.length);
  assert.equal('history' in lazy.row, false);
  assert.deepEqual(lazy.row.agent_trace, JSON.parse(JSON.stringify(ds.agent_trace)));
  // Without the option, or for a row that is not an agent's, the row comes whole.
  assert.equal(((await ask(host, 'row', { file: 0, index: 1 })).row.history as unknown[]).length, history.length);
  const plain = await ask(host, 'row', { file: 0, index: 0, lazyCalls: true });
  assert.equal(plain.calls, undefined);
  assert.ok(Array.isArray(plain.row.history));
  const some = await ask(host, 'calls', { file: 0, index: 1, rev: lazy.rev, from: 3, count: 2 });
  assert.deepEqual(some, { entries: history.slice(3, 5), total: history.length });
  assert.equal(
    (await ask(host, 'calls', { file: 0, index: 1, rev: lazy.rev, from: 0, count: 1000 })).entries.length,
    Math.min(50, history.length),
  );
  assert.deepEqual((await ask(host, 'calls', { file: 0, index: 1, rev: lazy.rev, from: 500, count: 5 })).entries, []);
  await assert.rejects(
    ask(host, 'calls', { file: 0, index: 1, rev: 'not-the-rev', from: 0, count: 1 }),
    (e: Error & { code?: string }) => e.code === 'changed',
  );
  // The row changed on disk: the page's rev no longer matches.
  writeFileSync(f, [line(plainRow(0)), line({ ...ds, problem: 'changed' })].join('\n') + '\n');
  await host.refresh(0);
  await assert.rejects(
    ask(host, 'calls', { file: 0, index: 1, rev: lazy.rev, from: 0, count: 1 }),
    (e: Error & { code?: string }) => e.code === 'changed',
  );
  host.dispose();
});
