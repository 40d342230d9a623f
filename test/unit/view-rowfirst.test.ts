/**
 * The row page before the list: when a viewer asks for a row (already indexed) and for the list's
 * first page at once — what it does on opening with a deep link — the host answers the row first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ViewerHost } from '../../src/core/view/host';
import { ask, scratchDirs } from './view-helpers';

const dir = scratchDirs('qed-view-rowfirst-');

test('a row asked for together with the list page and the summary is answered first', async () => {
  const f = join(dir(), 'r.jsonl');
  const rows = Array.from({ length: 400 }, (_, i) => ({
    problem_id: `P-${i}`,
    problem: `Problem ${i}`,
    model_solution: i === 7 ? 'w '.repeat(1_500_000) : `proof ${i}`,
    score: i % 8,
  }));
  writeFileSync(f, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const host = new ViewerHost({ files: [f], host: 'stub' });
  await host.open();
  for (let k = 0; k < 3; k++) {
    const order: string[] = [];
    const note = (name: string) => (v: unknown) => (order.push(name), v);
    // As the page sends them: the summary and the row at once, the first page after the summary.
    const summary = ask(host, 'summary', { file: 0 }).then(note('summary'));
    const row = ask(host, 'row', { file: 0, index: 7 }).then(note('row'));
    const page = summary
      .then(() =>
        ask(host, 'page', { file: 0, query: { filter: {}, sort: 'score', descending: true }, offset: 0, limit: 200 }),
      )
      .then(note('page'));
    await Promise.all([summary, row, page]);
    assert.ok(order.indexOf('row') < order.indexOf('page'), `answered in the order ${order.join(', ')}`);
  }
  // A row the indexing has not reached does not hold the list up (nothing waits for it).
  const far = ask(host, 'row', { file: 0, index: 10_000 }).catch(() => 'no such row');
  const page = await ask(host, 'page', { file: 0, query: { filter: {}, sort: 'index' }, offset: 0, limit: 10 });
  assert.equal(page.rows.length, 10);
  await far;
  host.dispose();
});

test('a row asked for in the same moment as the file is opened is served (not "the file has 0 rows")', async () => {
  // What `qed view` does with a deep link it is asked for at once: the page's first request (and
  // the server's first screen) may come before the index has started reading.
  const f = join(dir(), 'early.jsonl');
  writeFileSync(
    f,
    Array.from({ length: 50 }, (_, i) => JSON.stringify({ problem_id: `E-${i}`, problem: 'p', score: 1 })).join('\n') +
      '\n',
  );
  for (let k = 0; k < 5; k++) {
    const host = new ViewerHost({ files: [f], host: 'stub' });
    const opened = host.open();
    const row = await ask(host, 'row', { file: 0, index: 30 });
    assert.equal(row.summary.id, 'E-30');
    await opened;
    host.dispose();
  }
});
