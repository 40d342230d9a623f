/** Rewriting a results file that another program may append to: nothing appended is lost. */
import assert from 'node:assert/strict';
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  FileChangedError,
  readForRewrite,
  removeStaleTemps,
  rewriteFileAtomic,
  writeAll,
} from '../../src/core/data/atomic';

const dir = () => mkdtempSync(join(tmpdir(), 'qed-rewrite-'));
const lines = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `{"${tag}":${i}}\n`).join('');

test('lines appended after the read are kept at the end of the new file', async () => {
  const file = join(dir(), 'r.jsonl');
  writeFileSync(file, lines(3, 'a'));
  const r = readForRewrite(file)!;
  const res = await rewriteFileAtomic(file, r.snapshot, async (fh) => {
    appendFileSync(file, lines(2, 'late'));
    await writeAll(fh, lines(3, 'b'));
  });
  assert.equal(readFileSync(file, 'utf8'), lines(3, 'b') + lines(2, 'late'));
  assert.equal(res.carried, Buffer.byteLength(lines(2, 'late')));
});

test('lines written to the old file after the rename are carried over to the new one', async () => {
  const file = join(dir(), 'r.jsonl');
  writeFileSync(file, lines(2, 'a'));
  const r = readForRewrite(file)!;
  // A writer that opened the file before the rename and writes after it.
  const fd = openSync(file, 'a');
  const res = await rewriteFileAtomic(file, r.snapshot, (fh) => writeAll(fh, lines(2, 'b')), {
    afterRename: () => {
      writeSync(fd, '{"late":1}\n');
      closeSync(fd);
      appendFileSync(file, '{"new":1}\n'); // by path: lands in the new file directly
    },
  });
  const text = readFileSync(file, 'utf8');
  assert.ok(text.startsWith(lines(2, 'b')));
  assert.deepEqual(
    text
      .slice(Buffer.byteLength(lines(2, 'b')))
      .split('\n')
      .filter(Boolean)
      .sort(),
    ['{"late":1}', '{"new":1}'],
  );
  assert.equal(res.late, Buffer.byteLength('{"late":1}\n'));
});

test('a file replaced, cut or edited in place since the read is not overwritten', async () => {
  const d = dir();
  const file = join(d, 'r.jsonl');
  const cases: Array<[string, () => void, RegExp]> = [
    [
      'replaced',
      () => (writeFileSync(`${file}.x`, lines(3, 'z')), renameSync(`${file}.x`, file)),
      /replaced by another program/,
    ],
    ['cut', () => writeFileSync(file, lines(1, 'a')), /got shorter/],
    [
      'edited',
      () => (writeFileSync(file, lines(3, 'c')), utimesSync(file, new Date(), new Date(Date.now() + 5000))),
      /edited in place/,
    ],
  ];
  for (const [name, change, msg] of cases) {
    writeFileSync(file, lines(3, 'a'));
    const r = readForRewrite(file)!;
    change();
    const before = readFileSync(file, 'utf8');
    await assert.rejects(
      rewriteFileAtomic(file, r.snapshot, (fh) => writeAll(fh, 'new\n')),
      (e: unknown) => e instanceof FileChangedError && msg.test(e.message),
      name,
    );
    assert.equal(readFileSync(file, 'utf8'), before, name);
    assert.deepEqual(
      readdirSync(d).filter((n) => n.endsWith('.tmp')),
      [],
      `${name}: no temp file left`,
    );
  }
});

test('a torn last line is not taken as read: it is carried over once whole', async () => {
  const file = join(dir(), 'r.jsonl');
  writeFileSync(file, lines(2, 'a') + '{"half":');
  const r = readForRewrite(file)!;
  assert.equal(r.bytes.toString(), lines(2, 'a'));
  appendFileSync(file, '1}\n');
  await rewriteFileAtomic(file, r.snapshot, (fh) => writeAll(fh, lines(2, 'b')));
  assert.equal(readFileSync(file, 'utf8'), lines(2, 'b') + '{"half":1}\n');
});

test('a file that did not exist when read: one created meanwhile is kept', async () => {
  const file = join(dir(), 'r.jsonl');
  assert.equal(readForRewrite(file), undefined);
  await rewriteFileAtomic(file, undefined, async (fh) => {
    writeFileSync(file, '{"other":1}\n');
    await writeAll(fh, lines(1, 'b'));
  });
  assert.equal(readFileSync(file, 'utf8'), lines(1, 'b') + '{"other":1}\n');
});

test('temporary files of a killed rewrite are removed, those of live processes are not', () => {
  const d = dir();
  const file = join(d, 'r.jsonl');
  writeFileSync(file, '');
  const dead = join(d, '.r.jsonl.999999.0a1b2c.tmp');
  const live = join(d, `.r.jsonl.${process.pid}.0a1b2d.tmp`);
  const other = join(d, '.s.jsonl.999999.0a1b2c.tmp');
  for (const f of [dead, live, other]) writeFileSync(f, 'x');
  assert.deepEqual(
    removeStaleTemps(file, (pid) => pid !== 999999),
    ['.r.jsonl.999999.0a1b2c.tmp'],
  );
  assert.ok(!existsSync(dead));
  assert.ok(existsSync(live) && existsSync(other));
});
