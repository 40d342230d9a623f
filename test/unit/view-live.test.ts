/**
 * The viewer follows a running job: rows a job has finished are in its journal (`<file>.partial`)
 * until it ends, and the index shows them as they come, in place of the rows they finish.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ResultsIndex } from '../../src/core/view/resultsIndex';
import { RowQueries } from '../../src/core/view/query';
import { rowForEdit } from '../../src/core/view/edit';
import { ViewerHost } from '../../src/core/view/host';
import { ResultStore, type RunIdentity } from '../../src/core/run/store';
import { ask, scratchDirs } from './view-helpers';

const dir = scratchDirs('qed-view-live-');
const line = (o: Record<string, unknown>) => JSON.stringify(o) + '\n';
const row = (id: string, extra: Record<string, unknown> = {}) => ({
  problem_id: id,
  problem: `Problem ${id}`,
  model_solution: `proof of ${id}`,
  ...extra,
});

test('a first run: the journal alone is shown and followed; the finished file replaces it', async () => {
  const d = dir();
  const f = join(d, 'run.jsonl');
  const j = `${f}.partial`;
  writeFileSync(j, line(row('A')));
  const idx = new ResultsIndex(f);
  await idx.open();
  assert.equal(idx.table.n, 1);
  assert.equal(idx.table.summary(0).live, true);
  assert.equal(idx.liveRows, 1);

  // A row being written (no newline yet) waits for its newline.
  appendFileSync(j, line(row('B')) + '{"problem_id": "C", "prob');
  assert.deepEqual(await idx.refresh(), { change: 'appended', rows: 2 });
  appendFileSync(j, 'lem": "Problem C", "model_solution": "the needle"}\n');
  assert.deepEqual(await idx.refresh(), { change: 'appended', rows: 3 });
  assert.equal((await idx.readRow(2)).row.model_solution, 'the needle');
  assert.equal(idx.table.summary(2).line, 3, 'a journal row is numbered by its line in the journal');
  assert.deepEqual(idx.badLines, []);

  // Text search reads journal rows from the journal.
  const q = new RowQueries(idx);
  const page = await q.page({ sort: 'index', filter: { text: 'needle' } }, 0, 10);
  assert.deepEqual(
    page.rows.map((r) => r.id),
    ['C'],
  );

  // The job ends: the file is written in order, the journal removed.
  writeFileSync(f, [row('A'), row('B'), row('C')].map(line).join(''));
  rmSync(j);
  assert.deepEqual(await idx.refresh(), { change: 'rewritten', rows: 3 });
  assert.equal(idx.table.summary(2).live, undefined);
  assert.equal(idx.journalBase, undefined);
});

test('grading in place: a journal row takes the place of the row it grades; edits wait for the job', async () => {
  const d = dir();
  const f = join(d, 'graded.jsonl');
  const j = `${f}.partial`;
  // The last line lacks its newline: the journal's rows must not be glued to it.
  writeFileSync(f, line(row('P-1')) + line(row('P-2')) + JSON.stringify(row('P-3')));
  const idx = new ResultsIndex(f);
  await idx.open();
  assert.equal(idx.table.n, 3);
  const q = new RowQueries(idx);
  assert.equal((await q.page({ sort: 'index', filter: { text: 'splendid' } }, 0, 10)).matched, 0);

  writeFileSync(
    j,
    line(
      row('P-2', {
        score: 7,
        grade: [{ points: 7, desc: 'splendid' }],
        schema_0: [{ title: 'Proof', desc: '', points: 7 }],
      }),
    ),
  );
  const change = await idx.refresh();
  assert.deepEqual(change, { change: 'rewritten', rows: 3 }, 'a row changed in place');
  q.reset();
  assert.equal(idx.table.n, 3);
  assert.equal(idx.table.summary(1).score, 7);
  assert.equal(idx.table.summary(1).live, true);
  assert.equal(idx.table.summary(1).line, 1, 'line 1 of the journal');
  assert.equal(idx.table.summary(0).live, undefined);
  assert.equal((await idx.readRow(2)).row.problem_id, 'P-3');
  assert.deepEqual(
    (await q.page({ sort: 'index', filter: { text: 'splendid' } }, 0, 10)).rows.map((r) => r.id),
    ['P-2'],
  );
  // A row of another run of the same problem is a new row, not a replacement.
  appendFileSync(j, line(row('P-1', { run_index: 1, score: 3 })));
  assert.deepEqual(await idx.refresh(), { change: 'appended', rows: 4 });

  // Nothing is written while the journal holds rows the file does not have.
  await assert.rejects(rowForEdit(idx, 0, (await idx.readRow(0)).rev), /unfinished job left rows/);

  const host = new ViewerHost({ files: [f], host: 'stub' });
  await host.open();
  const s = await ask(host, 'summary', { file: 0 });
  assert.deepEqual(s.live, { rows: 2, journal: 'graded.jsonl.partial' });
  const full = await ask(host, 'row', { file: 0, index: 1 });
  assert.equal(full.summary.live, true);
  assert.equal(full.row.score, 7);
  host.dispose();
});

test('the real job store: rows appear as the store appends them, then the final file', async () => {
  const d = dir();
  const f = join(d, 'out.jsonl');
  const identity: RunIdentity = {
    config: 'local/fake',
    model: 'fake',
    api: 'openai',
    config_hash: 'h',
    prompt: 'p',
    prompt_hash: 'ph',
    mode: 'proof',
  };
  const store = ResultStore.open(f, {
    identity,
    stampColumn: 'qed_run',
    overwrite: false,
    isDone: () => true,
    isValidKey: () => true,
    keyOf: (r) => String(r.problem_id),
  });
  const idx = new ResultsIndex(f);
  try {
    await idx.open();
    assert.equal(idx.table.n, 0);
    store.append('X@0', row('X', { qed_run: { ...identity, key: 'X@0' } }));
    assert.equal((await idx.refresh())?.rows, 1);
    store.append('Y@0', row('Y', { qed_run: { ...identity, key: 'Y@0' } }));
    assert.deepEqual(await idx.refresh(), { change: 'appended', rows: 2 });
    assert.equal(idx.table.summary(1).live, true);
  } finally {
    await store.finalize([{ key: 'X@0' }, { key: 'Y@0' }]);
  }
  assert.ok(!existsSync(`${f}.partial`));
  assert.deepEqual(await idx.refresh(), { change: 'rewritten', rows: 2 });
  assert.equal(idx.table.summary(1).live, undefined);
  assert.equal(readFileSync(f, 'utf8').trim().split('\n').length, 2);
});

test('two views of one file (a panel and a compare view) both hear of every change', async () => {
  const d = dir();
  const f = join(d, 'shared.jsonl');
  writeFileSync(f, line(row('S-1', { score: 3, schema_0: [{ title: 'Proof', desc: '', points: 7 }] })));
  const a = new ViewerHost({ files: [f], host: 'stub' });
  const b = new ViewerHost({ files: [f], host: 'stub' });
  await Promise.all([a.open(), b.open()]);
  const heard = { a: [] as string[], b: [] as string[] };
  a.onMessage((m) => m.kind === 'event' && m.event.type === 'changed' && heard.a.push(m.event.change));
  b.onMessage((m) => m.kind === 'event' && m.event.type === 'changed' && heard.b.push(m.event.change));
  appendFileSync(f, line(row('S-2')));
  // A notices first (its watcher fired); B's own refresh then finds nothing new, yet B was told.
  assert.deepEqual(await a.refresh(0), { change: 'appended', rows: 2 });
  assert.equal(await b.refresh(0), null);
  assert.deepEqual(heard, { a: ['appended'], b: ['appended'] });
  // An override through A is a row change for B too.
  const full = await ask(a, 'row', { file: 0, index: 0 });
  await ask(a, 'override', { file: 0, index: 0, expect: full.rev, points: [5], note: '' });
  assert.deepEqual(heard.b, ['appended', 'row']);
  a.dispose();
  b.dispose();
});
