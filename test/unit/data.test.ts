// Unit tests for the data layer: local dataset formats, column mapping and the JSONL helpers.
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isQedError, QedError } from '../../src/core/errors';
import {
  applyColumnMapping,
  parseJsonlText,
  readDataset,
  readJsonlRows,
  serializeRow,
  writeJsonlAtomic,
  type Row,
} from '../../src/core/data';

const FIXTURES = path.resolve(__dirname, '../fixtures/data');
const fx = (name: string) => path.join(FIXTURES, name);

let tmp: string;
before(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'qed-data-test-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Writes `content` to a fresh file in the temp folder and returns its path. */
async function temp(name: string, content: string | Uint8Array): Promise<string> {
  const p = path.join(tmp, name);
  await mkdir(path.dirname(p), { recursive: true });
  await writeFile(p, content);
  return p;
}

/** Asserts that `p` rejects with a QedError and returns it. */
async function rejectsQed(p: Promise<unknown>): Promise<QedError> {
  try {
    await p;
  } catch (e) {
    assert.ok(isQedError(e), `expected a QedError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the promise to reject');
}

const BOM = '\uFEFF';

describe('readDataset: JSONL', () => {
  test('reads objects line by line, skipping blank lines and accepting CRLF', async () => {
    const d = await readDataset(fx('rows.jsonl'));
    assert.equal(d.rows.length, 3);
    assert.deepEqual(d.columns, ['problem_id', 'problem', 'answer', 'extra']);
    assert.equal(d.rows[1].problem, 'Line\nbreak and \u2028 separator');
    assert.deepEqual(d.rows[1].extra, { k: [1, 2] });
    assert.equal(d.file, fx('rows.jsonl'));
    assert.deepEqual(d.renamed, {});
    assert.equal(d.warnings, undefined);
  });

  test('a malformed line is an error naming the file and :N', async () => {
    const e = await rejectsQed(readDataset(fx('bad-line.jsonl')));
    assert.match(e.message, /bad-line\.jsonl:3(:\d+)?: /);
    assert.match(e.message, /invalid JSON/);
    assert.equal(e.location.line, 3);
    assert.equal(e.location.file, fx('bad-line.jsonl'));
  });

  test('a JSON value that is not an object is an error naming the line', async () => {
    const e = await rejectsQed(readDataset(fx('non-object.jsonl')));
    assert.match(e.message, /non-object\.jsonl:3: /);
    assert.match(e.message, /expected a JSON object.*found an array/);
  });

  test('IMO-Bench headers are mapped in JSONL too', async () => {
    const p = await temp('imo-headers.jsonl', '{"Problem ID":"x1","Problem":"P","Short Answer":"7","Source":"S"}\n');
    const d = await readDataset(p);
    assert.deepEqual(d.columns, ['problem_id', 'problem', 'answer', 'Source']);
    assert.deepEqual(d.rows[0], { problem_id: 'x1', problem: 'P', answer: '7', Source: 'S' });
    assert.deepEqual(d.renamed, { 'Problem ID': 'problem_id', Problem: 'problem', 'Short Answer': 'answer' });
  });

  test('a leading BOM is ignored', async () => {
    const p = await temp('bom.jsonl', `${BOM}{"problem":"with bom"}\n`);
    const d = await readDataset(p);
    assert.deepEqual(d.columns, ['problem']);
    assert.equal(d.rows[0].problem, 'with bom');
  });

  test('an empty file has no rows: error', async () => {
    const p = await temp('empty.jsonl', '');
    const e = await rejectsQed(readDataset(p));
    assert.match(e.message, /empty\.jsonl: .*no rows/);
    const blank = await temp('blank.jsonl', '\n  \n\r\n');
    await rejectsQed(readDataset(blank));
  });

  test('.ndjson is JSON Lines', async () => {
    const p = await temp('rows.ndjson', '{"problem":"a"}\n{"problem":"b"}\n');
    assert.equal((await readDataset(p)).rows.length, 2);
  });
});

describe('readDataset: JSON', () => {
  test('an array of objects; columns in first-seen order; IMO headers mapped', async () => {
    const d = await readDataset(fx('rows.json'));
    assert.equal(d.rows.length, 2);
    assert.deepEqual(d.columns, ['question_id', 'problem', 'answer', 'note']);
    assert.deepEqual(d.rows[1], { question_id: 'q2', problem: 'Compute $3^3$.', answer: '27', note: null });
    assert.deepEqual(d.renamed, { Problem: 'problem', 'Short Answer': 'answer' });
  });

  test('an object with a rows array, or a data array', async () => {
    const a = await readDataset(fx('rows-wrapped.json'));
    assert.deepEqual(a.rows, [{ problem: 'A' }, { problem: 'B' }]);
    const p = await temp('data-wrapped.json', JSON.stringify({ data: [{ problem: 'C' }] }));
    assert.deepEqual((await readDataset(p)).rows, [{ problem: 'C' }]);
  });

  test('JSON that is not an array (nor rows/data) is an error', async () => {
    const obj = await temp('object.json', '{"problems": [{"problem": "x"}]}');
    const e1 = await rejectsQed(readDataset(obj));
    assert.match(e1.message, /object\.json: expected an array of row objects.*'problems'/);
    const num = await temp('number.json', '42');
    const e2 = await rejectsQed(readDataset(num));
    assert.match(e2.message, /found a number/);
  });

  test('an array element that is not an object is an error naming its index', async () => {
    const p = await temp('mixed.json', '[{"problem":"a"}, "b"]');
    const e = await rejectsQed(readDataset(p));
    assert.match(e.message, /element 1 of the top-level array is a string/);
    assert.equal(e.location.field, '[1]');
  });

  test('a syntax error names line and column', async () => {
    const p = await temp('syntax.json', '[\n  {"problem": "a"},\n  {"problem" "b"}\n]\n');
    const e = await rejectsQed(readDataset(p));
    assert.match(e.message, /syntax\.json:3:\d+: invalid JSON/);
  });

  test('JSON Lines saved with a .json extension is read as JSON Lines', async () => {
    const p = await temp('lines.json', '{"problem":"a"}\n{"problem":"b"}\n');
    assert.deepEqual((await readDataset(p)).rows, [{ problem: 'a' }, { problem: 'b' }]);
  });

  test('BOM and empty file', async () => {
    const p = await temp('bom.json', `${BOM}[{"problem":"x"}]`);
    assert.deepEqual((await readDataset(p)).rows, [{ problem: 'x' }]);
    const e = await rejectsQed(readDataset(await temp('empty.json', '')));
    assert.match(e.message, /empty\.json: the file is empty/);
  });
});

describe('readDataset: CSV', () => {
  test('IMO-Bench headers are renamed; multi-line quoted fields; other columns kept', async () => {
    const d = await readDataset(fx('imobench-sample.csv'));
    assert.equal(d.rows.length, 3);
    assert.deepEqual(d.columns, [
      'problem_id',
      'problem',
      'solution',
      'grading_guidelines',
      'Category',
      'Level',
      'answer',
      'Source',
    ]);
    assert.deepEqual(d.renamed, {
      'Problem ID': 'problem_id',
      Problem: 'problem',
      Solution: 'solution',
      'Grading guidelines': 'grading_guidelines',
      'Short Answer': 'answer',
    });
    assert.equal(d.rows[0].grading_guidelines, '(Partial)\n 1. States the definition of 2.\n(Almost)\n 1. Minor slip.');
    assert.equal(d.rows[1].problem, 'Let $a, b > 0$. Show that\n$$a^2+b^2 \\ge 2ab.$$');
    assert.equal(d.rows[1].answer, '');
    assert.equal(d.rows[1].Source, 'Made up, "quoted" source');
    assert.equal(d.rows[2].problem_id, 'PB-Test-003');
    assert.deepEqual(Object.keys(d.rows[0]), d.columns);
  });

  test('a ragged row is an error naming its line and the expected vs found column count', async () => {
    const e = await rejectsQed(readDataset(fx('ragged.csv')));
    // Line 4: the header is line 1 and the row before spans lines 2-3.
    assert.match(e.message, /ragged\.csv:4: expected 3 columns \(as in the header\), found 4/);
    assert.equal(e.location.line, 4);
    const short = await temp('short.csv', 'a,b,c\n1,2,3\n4,5\n');
    const e2 = await rejectsQed(readDataset(short));
    assert.match(e2.message, /short\.csv:3: expected 3 columns \(as in the header\), found 2/);
  });

  test('a row cut short by a quoting defect is kept, padded, with a warning naming the line', async () => {
    // Same shape as the known IMO-AnswerBench defect: a quoted field whose closing quote is misplaced.
    const p = await temp('defect.csv', 'id,problem,answer,source\nx1,"fine",1,s\nx2,"broken\n,"2",cat\nx3,ok,3,s\n');
    const d = await readDataset(p);
    assert.equal(d.rows.length, 3);
    assert.equal(d.rows[1].id, 'x2');
    assert.equal(d.rows[1].answer, 'cat');
    assert.equal(d.rows[1].source, '');
    assert.equal(d.rows[2].id, 'x3');
    assert.equal(d.warnings?.length, 1);
    assert.match(d.warnings![0], /defect\.csv:3: the row starting 'x2' has 3 of 4 columns because of a quoting error/);
  });

  test('BOM is tolerated, CRLF too', async () => {
    const p = await temp('bom.csv', `${BOM}Problem ID,Problem\r\nid1,"two\r\nlines"\r\nid2,x\r\n`);
    const d = await readDataset(p);
    assert.deepEqual(d.columns, ['problem_id', 'problem']);
    assert.equal(d.rows[0].problem_id, 'id1');
    assert.equal(d.rows[0].problem, 'two\r\nlines');
  });

  test('empty file, header only', async () => {
    const e = await rejectsQed(readDataset(await temp('empty.csv', '')));
    assert.match(e.message, /empty\.csv: the CSV file is empty/);
    const e2 = await rejectsQed(readDataset(await temp('header-only.csv', 'a,b\n')));
    assert.match(e2.message, /no rows/);
  });

  test('duplicate header names and unclosed quotes are errors with a line', async () => {
    const e = await rejectsQed(readDataset(await temp('dup.csv', 'a,b,a\n1,2,3\n')));
    assert.match(e.message, /dup\.csv:1: 'a': the header names column 'a' twice/);
    const e2 = await rejectsQed(readDataset(await temp('unclosed.csv', 'a,b\n1,2\n3,"never closed\n4,5\n')));
    assert.match(e2.message, /unclosed\.csv:3: a quoted field .* never closed/);
  });

  test('lines with only spaces are skipped; an empty header cell gets a name', async () => {
    const d = await readDataset(await temp('spaces.csv', ',problem\n0,a\n   \n1,b\n'));
    assert.deepEqual(d.columns, ['column_1', 'problem']);
    assert.equal(d.rows.length, 2);
    assert.match(d.warnings![0], /column 1 has no name/);
  });

  test('TSV', async () => {
    const d = await readDataset(fx('rows.tsv'));
    assert.deepEqual(d.rows, [{ id: 't1', problem: 'Tab separated', answer: '5' }]);
  });
});

describe('readDataset: parquet (local)', () => {
  test('reads a parquet file; 64-bit integers become numbers', async () => {
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    const buf = parquetWriteBuffer({
      columnData: [
        { name: 'Problem ID', data: ['a', 'b'], type: 'STRING' },
        { name: 'Problem', data: ['first $x$', 'second'], type: 'STRING' },
        { name: 'points', data: [7n, 0n], type: 'INT64' },
      ],
    });
    const p = await temp('local.parquet', new Uint8Array(buf));
    const d = await readDataset(p);
    assert.deepEqual(d.rows, [
      { problem_id: 'a', problem: 'first $x$', points: 7 },
      { problem_id: 'b', problem: 'second', points: 0 },
    ]);
  });

  test('a zstd-compressed parquet file reads (the codec most datasets on the Hub use)', async () => {
    // test/fixtures/data/zstd.parquet was written by make-zstd-parquet.mjs beside it (with the zstd tool).
    const file = path.join(FIXTURES, 'zstd.parquet');
    const { asyncBufferFromFile, parquetMetadataAsync } = await import('hyparquet');
    const meta = await parquetMetadataAsync(await asyncBufferFromFile(file));
    assert.deepEqual([...new Set(meta.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data?.codec)))], ['ZSTD']);
    const d = await readDataset(file);
    assert.deepEqual(d.rows, [
      { problem_id: 'Z-1', problem: 'Show that $1+1=2$.', points: 7 },
      { problem_id: 'Z-2', problem: 'Prove that $\\sqrt{2}$ is irrational.', points: 0 },
    ]);
  });

  test('a file that is not parquet is a clear error', async () => {
    const p = await temp('fake.parquet', 'version https://git-lfs.github.com/spec/v1\noid sha256:abc\n');
    const e = await rejectsQed(readDataset(p));
    assert.match(e.message, /fake\.parquet: cannot read the parquet file/);
  });
});

describe('readDataset: paths', () => {
  test('a missing path that looks like a path is "file not found"', async () => {
    for (const p of ['./nope.jsonl', 'missing/data.csv', '/definitely/not/here.json', 'owner/name.parquet']) {
      const e = await rejectsQed(readDataset(p, { hfEndpoint: 'http://127.0.0.1:9', cacheDir: tmp }));
      assert.match(e.message, /file not found/, p);
      assert.equal(e.location.file, path.resolve(p));
    }
  });

  test('unsupported extension, folder, empty argument', async () => {
    const e = await rejectsQed(readDataset(await temp('data.xlsx', 'x')));
    assert.match(e.message, /unsupported file type '\.xlsx'/);
    const e2 = await rejectsQed(readDataset(FIXTURES));
    assert.match(e2.message, /folder/);
    await rejectsQed(readDataset('  '));
  });
});

describe('column mapping', () => {
  const rows: Row[] = [{ 'Problem ID': '1', Problem: 'p', Question: 'q', 'Short Answer': 'a' }];
  const cols = ['Problem ID', 'Problem', 'Question', 'Short Answer'];

  test('user overrides apply after the automatic mapping', () => {
    const m = applyColumnMapping(rows, cols, 'f', { 'Short Answer': 'gold', problem: 'statement' });
    assert.deepEqual(m.columns, ['problem_id', 'statement', 'Question', 'gold']);
    assert.deepEqual(m.renamed, { 'Problem ID': 'problem_id', Problem: 'statement', 'Short Answer': 'gold' });
    assert.deepEqual(m.rows[0], { problem_id: '1', statement: 'p', Question: 'q', gold: 'a' });
  });

  test('a column map on a plain file, through readDataset', async () => {
    const p = await temp('custom.jsonl', '{"Question":"What?","Gold":"42","id":"c1"}\n');
    const d = await readDataset(p, { columnMap: { Question: 'problem', Gold: 'answer' } });
    assert.deepEqual(d.rows[0], { problem: 'What?', answer: '42', id: 'c1' });
    assert.deepEqual(d.renamed, { Question: 'problem', Gold: 'answer' });
  });

  test('an unknown column or a name collision is an error', () => {
    assert.throws(
      () => applyColumnMapping(rows, cols, 'f', { Nope: 'problem' }),
      (e: unknown) => {
        assert.ok(isQedError(e));
        assert.match(
          e.message,
          /column 'Nope' is not in the dataset; its columns are 'problem_id' \(was 'Problem ID'\)/,
        );
        assert.equal(e.location.field, 'Nope');
        return true;
      },
    );
    assert.throws(
      () => applyColumnMapping(rows, cols, 'f', { Question: 'problem' }),
      /columns 'Problem' and 'Question' would both be named 'problem'/,
    );
  });

  test('an automatic rename that would clash with an existing column is skipped with a warning', () => {
    const m = applyColumnMapping([{ Problem: 'P', problem: 'p' }], ['Problem', 'problem'], 'f');
    assert.deepEqual(m.columns, ['Problem', 'problem']);
    assert.match(m.warnings[0], /'Problem' was not renamed to 'problem'/);
  });

  test('a column called __proto__ is an ordinary column', () => {
    const m = applyColumnMapping([JSON.parse('{"__proto__":"x","Problem":"p"}') as Row], ['__proto__', 'Problem'], 'f');
    assert.deepEqual(Object.keys(m.rows[0]), ['__proto__', 'problem']);
    assert.equal(Object.getPrototypeOf(m.rows[0]), Object.prototype);
  });
});

describe('JSONL helpers', () => {
  test('serializeRow: one line; U+2028/2029 escaped; round-trips', () => {
    const row = { a: 'x\u2028y\u2029z\u0085', b: 'line\nbreak', c: [1, { d: null }], e: 'é ∑ 😀' };
    const line = serializeRow(row);
    assert.ok(!/[\n\r\u2028\u2029\u0085]/.test(line));
    assert.ok(line.includes('\\u2028') && line.includes('\\u2029') && line.includes('\\u0085'));
    assert.deepEqual(JSON.parse(line), row);
  });

  test('serializeRow: BigInt values become numbers (or strings when too large)', () => {
    assert.equal(serializeRow({ n: 5n, big: 2n ** 70n }), '{"n":5,"big":"1180591620717411303424"}');
  });

  test('writeJsonlAtomic: creates parent folders, leaves no temp file, replaces the target', async () => {
    const target = path.join(tmp, 'out', 'nested', 'results.jsonl');
    const rows: Row[] = [
      { problem: 'a', score: 7 },
      { problem: 'b\u2028', score: null },
    ];
    await writeJsonlAtomic(target, rows);
    assert.equal(await readFile(target, 'utf8'), `${serializeRow(rows[0])}\n${serializeRow(rows[1])}\n`);
    await writeJsonlAtomic(
      target,
      (function* () {
        yield { only: 1 };
      })(),
    );
    assert.equal(await readFile(target, 'utf8'), '{"only":1}\n');
    assert.deepEqual(await readdir(path.dirname(target)), ['results.jsonl']);
  });

  test('writeJsonlAtomic: a failure mid-way keeps the old file and removes the temp file', async () => {
    const target = path.join(tmp, 'keep', 'results.jsonl');
    await writeJsonlAtomic(target, [{ v: 'old' }]);
    function* failing(): Generator<Row> {
      yield { v: 'new' };
      throw new Error('boom');
    }
    await assert.rejects(writeJsonlAtomic(target, failing()), /boom/);
    assert.equal(await readFile(target, 'utf8'), '{"v":"old"}\n');
    assert.deepEqual(await readdir(path.dirname(target)), ['results.jsonl']);
  });

  test('writeJsonlAtomic: zero rows gives an empty file', async () => {
    const target = path.join(tmp, 'zero.jsonl');
    await writeJsonlAtomic(target, []);
    assert.equal(await readFile(target, 'utf8'), '');
  });

  test('readJsonlRows: rows with their 1-based line numbers', async () => {
    const p = await temp('results.jsonl', '{"i":1}\n\n{"i":2}\r\n{"i":3}');
    const r = await readJsonlRows(p);
    assert.deepEqual(r.rows, [
      { line: 1, row: { i: 1 } },
      { line: 3, row: { i: 2 } },
      { line: 4, row: { i: 3 } },
    ]);
    assert.deepEqual(r.errors, []);
  });

  test('readJsonlRows: strict mode throws on a torn line; tolerant mode reports it', async () => {
    const p = await temp('torn.jsonl', '{"i":1}\n[2]\n{"i":3}\n{"i":4,"model_sol');
    const e = await rejectsQed(readJsonlRows(p));
    assert.match(e.message, /torn\.jsonl:2: /);
    const r = await readJsonlRows(p, { tolerant: true });
    assert.deepEqual(
      r.rows.map((x) => x.line),
      [1, 3],
    );
    assert.equal(r.errors.length, 2);
    assert.equal(r.errors[0].line, 2);
    assert.equal(r.errors[0].unterminated, false);
    assert.match(r.errors[0].message, /expected a JSON object/);
    assert.equal(r.errors[1].line, 4);
    assert.equal(r.errors[1].unterminated, true);
    assert.equal(r.errors[1].text, '{"i":4,"model_sol');
  });

  test('readJsonlRows: a missing file is an error, or empty with allowMissing', async () => {
    const p = path.join(tmp, 'not-yet.jsonl');
    const e = await rejectsQed(readJsonlRows(p));
    assert.match(e.message, /not-yet\.jsonl: file not found/);
    assert.deepEqual((await readJsonlRows(p, { allowMissing: true })).rows, []);
  });

  test('parseJsonlText: U+2028 inside a line does not split it', () => {
    const r = parseJsonlText('{"a":"x\u2028y"}\n{"a":"z\u2029"}\n', 'mem');
    assert.deepEqual(
      r.rows.map((x) => x.row.a),
      ['x\u2028y', 'z\u2029'],
    );
  });

  test('a written file reads back identically', async () => {
    const target = path.join(tmp, 'roundtrip.jsonl');
    const rows: Row[] = [
      { problem: 'α\u2028β', history: [{ role: 'user', content: 'hi\n' }], cost_run: { cost: 0.1 } },
    ];
    await writeJsonlAtomic(target, rows);
    const back = await readJsonlRows(target);
    assert.deepEqual(
      back.rows.map((r) => r.row),
      rows,
    );
  });
});
