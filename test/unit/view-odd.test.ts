/**
 * Odd files and odd requests on the viewer's host side: a byte order mark, a row nested far too
 * deep, a column named `__proto__`, and requests named after Object.prototype members.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ResultsIndex } from '../../src/core/view/resultsIndex';
import { ViewerHost } from '../../src/core/view/host';
import { startViewServer } from '../../src/cli/viewServer';
import { stringifyJson, deeperThan, MAX_ROW_DEPTH } from '../../src/core/data/depth';
import type { AnyRequest, HostMessage } from '../../src/protocol';
import { ask, scratchDirs } from './view-helpers';

const dir = scratchDirs('qed-view-odd-');
const row = (id: string) =>
  JSON.stringify({
    problem_id: id,
    problem: `Problem ${id}`,
    model_solution: 'proof',
    score: 7,
    schema_0: [{ title: 't', desc: '', points: 7 }],
  });
const deepLine = (id: string, levels: number) =>
  `{"problem_id":"${id}","problem":"p","a":${'['.repeat(levels)}${']'.repeat(levels)}}`;

test('a UTF-8 BOM before the first row: read as by the CLI, row 1 readable and searchable', async () => {
  const f = join(dir(), 'bom.jsonl');
  writeFileSync(f, `\ufeff${row('P-1')}\n${row('P-2')}\n`);
  const idx = new ResultsIndex(f);
  await idx.open();
  assert.equal(idx.table.n, 2);
  assert.deepEqual(idx.badLines, []);
  assert.equal((await idx.readRow(0)).row.problem_id, 'P-1');
  const host = new ViewerHost({ files: [f], host: 'stub' });
  await host.open();
  const page = await ask(host, 'page', {
    file: 0,
    query: { filter: { text: 'Problem P-1' }, sort: 'index' },
    offset: 0,
    limit: 5,
  });
  assert.deepEqual(
    page.rows.map((r) => r.id),
    ['P-1'],
  );
  // A human grade on row 1 rewrites its line (the mark goes with it); row 2 is untouched.
  const r = await ask(host, 'row', { file: 0, index: 0 });
  const saved = await ask(host, 'override', { file: 0, index: 0, expect: r.rev, points: [5], note: 'checked' });
  assert.equal(saved.row.summary.human, 5);
  assert.equal(readFileSync(f, 'utf8').split('\n')[1], row('P-2'));
  assert.equal((await ask(host, 'row', { file: 0, index: 1 })).row.problem_id, 'P-2');
  host.dispose();
});

test('a row nested 100 000 levels deep is an unreadable line with a reason; the rows around it are shown', async () => {
  const f = join(dir(), 'deep.jsonl');
  writeFileSync(f, `${row('P-1')}\n${deepLine('D', 100_000)}\n${row('P-3')}\n`);
  const host = new ViewerHost({ files: [f], host: 'stub' });
  await host.open();
  const summary = await ask(host, 'summary', { file: 0 });
  assert.equal(summary.rows, 2);
  assert.deepEqual(summary.badLines, [
    { line: 2, message: `nested more than ${MAX_ROW_DEPTH} levels deep, too deep to read safely` },
  ]);
  const r = await ask(host, 'row', { file: 0, index: 1 });
  assert.equal(r.row.problem_id, 'P-3');
  assert.equal(r.line, 3);
  host.dispose();
});

test('a row just within the depth limit is an ordinary row', async () => {
  const f = join(dir(), 'deepish.jsonl');
  // The row object is level 1, so its column can hold MAX_ROW_DEPTH - 1 levels.
  writeFileSync(f, `${deepLine('OK', MAX_ROW_DEPTH - 1)}\n${deepLine('NO', MAX_ROW_DEPTH)}\n`);
  const host = new ViewerHost({ files: [f], host: 'stub' });
  await host.open();
  const summary = await ask(host, 'summary', { file: 0 });
  assert.equal(summary.rows, 1);
  assert.equal(summary.badLines[0]?.line, 2);
  const r = await ask(host, 'row', { file: 0, index: 0 });
  assert.equal(r.row.problem_id, 'OK');
  JSON.stringify(r);
  host.dispose();
});

test('deep values: detected without recursion, and written without overflowing the stack', () => {
  const text = deepLine('D', 100_000);
  const value = JSON.parse(text) as unknown;
  assert.equal(deeperThan(value), true);
  assert.equal(deeperThan(JSON.parse(row('P-1'))), false);
  assert.throws(() => JSON.stringify(value), RangeError);
  assert.equal(stringifyJson(value), text);
  // The same text as JSON.stringify for shallow values, undefined members included.
  const plain = { a: [1, undefined, 'x', { b: null, c: undefined, d: [true] }], e: 'q"\n' };
  assert.equal(stringifyJson(plain), JSON.stringify(plain));
});

test('a column named __proto__ or constructor stays a column', async () => {
  const f = join(dir(), 'proto.jsonl');
  writeFileSync(
    f,
    `{"problem_id":"P-1","__proto__":{"polluted":"x".repeat},"constructor":"${'c'.repeat(3000)}"}\n`.replace(
      '"x".repeat',
      '"yes"',
    ),
  );
  const host = new ViewerHost({ files: [f], host: 'stub', maxFieldChars: 1000 });
  await host.open();
  const r = await ask(host, 'row', { file: 0, index: 0 });
  assert.ok(Object.hasOwn(r.row, '__proto__'));
  assert.deepEqual(Object.getPrototypeOf(r.row), Object.prototype);
  assert.equal(String(r.row.constructor).length, 1000);
  assert.equal(r.cut?.constructor, 3000);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  host.dispose();
});

const PROTOTYPE_NAMES = [
  'constructor',
  'toString',
  '__proto__',
  'hasOwnProperty',
  'valueOf',
  'isPrototypeOf',
  '__defineGetter__',
  'toLocaleString',
];

test('the host answers only its own request types: prototype names are unknown requests', async () => {
  const f = join(dir(), 'r.jsonl');
  writeFileSync(f, `${row('P-1')}\n`);
  const host = new ViewerHost({ files: [f], host: 'stub' });
  await host.open();
  for (const type of [...PROTOTYPE_NAMES, 42, null]) {
    const reply = (await host.handle({
      kind: 'request',
      id: 7,
      type,
      params: { file: 0 },
    } as unknown as AnyRequest)) as Extract<HostMessage, { kind: 'response' }>;
    assert.equal(reply.kind, 'response', String(type));
    assert.equal(reply.ok, false, String(type));
    assert.ok(
      !reply.ok && reply.error.code === 'invalid' && /^unknown request/.test(reply.error.message),
      `${String(type)}: ${JSON.stringify(reply)}`,
    );
  }
  // Still working afterwards.
  assert.equal((await ask(host, 'summary', { file: 0 })).rows, 1);
  host.dispose();
});

test('qed view over HTTP: prototype names get "unknown request", the server keeps serving', async () => {
  const f = join(dir(), 'r.jsonl');
  writeFileSync(f, `${row('P-1')}\n`);
  const server = await startViewServer({ files: [f], pollMs: 60_000 });
  try {
    const post = async (body: unknown) => {
      const res = await fetch(`${server.url}api`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Extract<HostMessage, { kind: 'response' }> };
    };
    for (const type of PROTOTYPE_NAMES) {
      const r = await post({ kind: 'request', id: 1, type, params: { file: 0 } });
      assert.equal(r.status, 200, type);
      assert.ok(
        !r.body.ok && r.body.error.message === `unknown request '${type}'`,
        `${type}: ${JSON.stringify(r.body)}`,
      );
    }
    const ok = await post({ kind: 'request', id: 2, type: 'summary', params: { file: 0 } });
    assert.ok(ok.body.ok);
  } finally {
    await server.close();
  }
});
