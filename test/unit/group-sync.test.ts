import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs, { closeSync, mkdtempSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GroupSync } from '../../src/core/run/groupSync';

/** A file to sync, and every fdatasync held until the test lets it go. */
function setup(t: import('node:test').TestContext) {
  const fd = openSync(join(mkdtempSync(join(tmpdir(), 'qed-gsync-')), 'j'), 'a');
  t.after(() => closeSync(fd));
  const held: Array<() => void> = [];
  t.mock.method(fs, 'fdatasync', (_fd: number, cb: (e: NodeJS.ErrnoException | null) => void) =>
    held.push(() => cb(null)),
  );
  return { fd, held };
}

const flush = () => new Promise((r) => setImmediate(r));

test('lines written during the gathering wait share one sync; a line after it starts gets the next', async (t) => {
  const { fd, held } = setup(t);
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let started = 0;
  const gs = new GroupSync(
    () => fd,
    () => started++,
    20,
  );
  const done: number[] = [];
  const first = [1, 2, 3, 4, 5].map((i) => gs.after().then(() => done.push(i)));
  await flush();
  assert.equal(held.length, 0, 'no sync before the wait is over');
  t.mock.timers.tick(19);
  await flush();
  assert.equal(held.length, 0);
  t.mock.timers.tick(1);
  await flush();
  assert.equal(held.length, 1, 'five lines, one sync');
  assert.equal(started, 1);
  // Written while that sync is under way: covered by the next one, queued behind it.
  const late = gs.after().then(() => done.push(6));
  t.mock.timers.tick(20);
  await flush();
  assert.equal(held.length, 1, 'the next sync waits for the one under way');
  held.shift()!();
  await Promise.all(first);
  assert.deepEqual(done, [1, 2, 3, 4, 5]);
  await flush();
  assert.equal(held.length, 1);
  held.shift()!();
  await late;
  assert.deepEqual(done, [1, 2, 3, 4, 5, 6]);
});

test('a line with nothing more to come ends the gathering wait: its sync starts at once', async (t) => {
  const { fd, held } = setup(t);
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const gs = new GroupSync(() => fd, undefined, 20);
  const a = gs.after(true);
  await flush();
  assert.equal(held.length, 0, 'waiting for other lines');
  // The job's last row: nothing else is under way.
  const b = gs.after(false);
  assert.equal(a, b, 'one sync for both');
  await flush();
  assert.equal(held.length, 1, 'started without the rest of the wait');
  held.shift()!();
  await b;
  // Alone from the start: no wait at all.
  const c = gs.after(false);
  await flush();
  assert.equal(held.length, 1);
  held.shift()!();
  await c;
});

test('without a wait, a sync starts at once and a failed one rejects only its own lines', async (t) => {
  const fd = openSync(join(mkdtempSync(join(tmpdir(), 'qed-gsync-')), 'j'), 'a');
  t.after(() => closeSync(fd));
  const results: Array<NodeJS.ErrnoException | null> = [
    Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }),
    null,
  ];
  t.mock.method(fs, 'fdatasync', (_fd: number, cb: (e: NodeJS.ErrnoException | null) => void) =>
    setImmediate(() => cb(results.shift() ?? null)),
  );
  const gs = new GroupSync(() => fd);
  const a = gs.after();
  await assert.rejects(a, /EIO/);
  await gs.after();
});
