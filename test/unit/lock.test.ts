/** Locks that heal (issue 11, item 4): no lock left by a failed write, stale and empty locks taken over, holders named. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdtempSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { QedError } from '../../src/core/errors';
import { JobLock, liveLockHolder, type LockFs } from '../../src/core/run/lock';
import { ResultStore } from '../../src/core/run/store';

const dir = () => mkdtempSync(join(tmpdir(), 'qed-lock-'));
const fail = (code: string) => Object.assign(new Error(`${code}: simulated`), { code });
const deadPid = () =>
  Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);

test('a lock that cannot be written leaves nothing behind (disk full, read-only folder)', () => {
  for (const [code, words] of [
    ['ENOSPC', /the disk is full/],
    ['EROFS', /read-only file system/],
    ['EDQUOT', /the disk is full/],
  ] as const) {
    const d = dir();
    const file = join(d, 'r.jsonl');
    // The file is created, then its bytes do not fit: what a full disk does to a write.
    const fs: LockFs = {
      writeFileSync: (p, _data, o) => {
        writeFileSync(p, '', o);
        throw fail(code);
      },
      linkSync,
      unlinkSync,
    };
    const lock = new JobLock(`${file}.lock`, file, 'grading', fs);
    assert.throws(
      () => lock.acquire(),
      (e: unknown) => e instanceof QedError && words.test(e.message) && /nothing was written/.test(e.message),
      code,
    );
    assert.deepEqual(readdirSync(d), [], `${code}: no lock, no temporary file`);
    // Space is back: the file can be locked.
    const again = new JobLock(`${file}.lock`, file);
    again.acquire();
    again.release();
    assert.ok(!existsSync(`${file}.lock`));
  }
});

test('a failure when linking the lock into place leaves nothing behind either', () => {
  const d = dir();
  const file = join(d, 'r.jsonl');
  const lock = new JobLock(`${file}.lock`, file, undefined, {
    writeFileSync,
    unlinkSync,
    linkSync: () => {
      throw fail('ENOSPC');
    },
  });
  assert.throws(() => lock.acquire(), /disk is full/);
  assert.deepEqual(readdirSync(d), []);
});

test("an empty, unreadable or dead holder's lock is taken over with a note", () => {
  const cases: Array<[string, string, RegExp]> = [
    ['empty', '', /was empty/],
    ['unreadable', '{"pid": "x"', /could not be read/],
    ['no pid', '{}', /could not be read/],
    [
      'dead',
      JSON.stringify({ host: hostname(), pid: deadPid(), by: 'qed eval', job: 'grading' }),
      /qed eval \(pid \d+, grading\), is not running any more/,
    ],
  ];
  for (const [name, content, note] of cases) {
    const d = dir();
    const file = join(d, 'r.jsonl');
    writeFileSync(`${file}.lock`, content);
    assert.equal(liveLockHolder(`${file}.lock`), undefined, name);
    const lock = new JobLock(`${file}.lock`, file, 'a run');
    lock.acquire();
    assert.match(String(lock.note), note, name);
    const mine = JSON.parse(readFileSync(`${file}.lock`, 'utf8'));
    assert.equal(mine.pid, process.pid);
    assert.equal(mine.job, 'a run');
    lock.release();
    assert.deepEqual(readdirSync(d), [], name);
  }
});

test('the refusal names the holder: which program, what it does, its pid', () => {
  const d = dir();
  const file = join(d, 'r.jsonl');
  for (const [by, job] of [
    ['qed view', 'saving one row'],
    ['a VS Code window', 'grading'],
    ['qed run', 'a run'],
  ]) {
    writeFileSync(
      `${file}.lock`,
      JSON.stringify({ host: hostname(), pid: process.ppid, by, job, started: '2026-12-03T10:00:00.000Z' }),
    );
    assert.throws(
      () => new JobLock(`${file}.lock`, file).acquire(),
      (e: unknown) =>
        e instanceof QedError &&
        e.message.includes(
          `: ${by} (pid ${process.ppid}, ${job}, since 2026-12-03T10:00:00.000Z) is writing this output`,
        ),
    );
  }
});

test('opening a results file removes the temporary files of a killed rewrite, and says so', () => {
  const d = dir();
  const file = join(d, 'r.jsonl');
  writeFileSync(file, '');
  const pid = deadPid();
  writeFileSync(join(d, `.r.jsonl.${pid}.a1b2c3d4e5f6.tmp`), '{"half":');
  writeFileSync(join(d, `.r.jsonl.lock.${pid}.a1b2c3d4e5f6.tmp`), '{}');
  const store = ResultStore.open(file, {
    identity: { config: 'c', model: 'm', api: 'a', config_hash: 'h', prompt: 'p', prompt_hash: 'ph', mode: 'proof' },
    stampColumn: 'qed_run',
    overwrite: false,
    isDone: () => true,
    isValidKey: () => true,
    keyOf: (_r, i) => String(i),
  });
  store.close();
  assert.deepEqual(
    readdirSync(d).filter((n) => n.endsWith('.tmp')),
    [],
  );
  assert.equal(store.warnings.filter((w) => /left by a rewrite of .* that was killed/.test(w)).length, 2);
});

/**
 * Several processes find the same stale lock at once: exactly one of them may end up holding the
 * file. Contenders are long-lived processes told to race by a line on stdin; each trial counts
 * the winners.
 */
test(
  'race: contenders for one stale or empty lock — exactly one wins, every trial',
  { timeout: 120_000 },
  async (t) => {
    const d = dir();
    const bundle = join(d, 'lock.cjs');
    buildSync({
      entryPoints: [resolve(__dirname, '../../src/core/run/lock.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: bundle,
      logLevel: 'silent',
    });
    const CONTENDERS = 4;
    const TRIALS = 20;
    const script = `
    const { JobLock, setLockOwner } = require(${JSON.stringify(bundle)});
    setLockOwner('contender');
    const held = new Map();
    require('readline').createInterface({ input: process.stdin }).on('line', (line) => {
      const [cmd, file] = line.split(' ');
      if (cmd === 'try') {
        const lock = new JobLock(file + '.lock', file, 'race');
        try { lock.acquire(); held.set(file, lock); process.stdout.write('won ' + file + '\\n'); }
        catch (e) { process.stdout.write((/is writing this output/.test(e.message) ? 'lost ' : 'error ' + e.message.replace(/\\s+/g, '_') + ' ') + file + '\\n'); }
      } else if (cmd === 'release') { held.get(file)?.release(); held.delete(file); process.stdout.write('released ' + file + '\\n'); }
    });`;
    const kids = Array.from({ length: CONTENDERS }, () =>
      spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] }),
    );
    const inbox: string[][] = kids.map(() => []);
    const waiters: Array<() => void> = [];
    kids.forEach((k, i) => {
      let buf = '';
      k.stdout.on('data', (b: Buffer) => {
        buf += b.toString();
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          inbox[i].push(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
          waiters.splice(0).forEach((w) => w());
        }
      });
    });
    const next = async (i: number): Promise<string> => {
      while (!inbox[i].length) await new Promise<void>((r) => waiters.push(r));
      return inbox[i].shift()!;
    };
    const stale = [
      () => '',
      () => JSON.stringify({ host: hostname(), pid: deadPid(), by: 'qed eval' }),
      () => 'garbage',
      () => undefined,
    ];
    let wrong = 0;
    try {
      for (let trial = 0; trial < TRIALS; trial++) {
        const file = join(d, `r${trial}.jsonl`);
        const content = stale[trial % stale.length]();
        if (content !== undefined) writeFileSync(`${file}.lock`, content);
        kids.forEach((k) => k.stdin.write(`try ${file}\n`));
        const answers = await Promise.all(kids.map((_, i) => next(i)));
        const winners = answers.flatMap((a, i) => (a.startsWith('won ') ? [i] : []));
        assert.deepEqual(
          answers.filter((a) => !/^(won|lost) /.test(a)),
          [],
          'every contender won or was refused',
        );
        if (winners.length !== 1) wrong++;
        const holder = JSON.parse(readFileSync(`${file}.lock`, 'utf8'));
        assert.equal(holder.by, 'contender');
        for (const w of winners) {
          kids[w].stdin.write(`release ${file}\n`);
          assert.match(await next(w), /^released /);
        }
        assert.ok(!existsSync(`${file}.lock`));
      }
    } finally {
      for (const k of kids) k.stdin.end();
    }
    t.diagnostic(`${TRIALS} trials, ${CONTENDERS} contenders each: ${wrong} trials without exactly one winner`);
    assert.equal(wrong, 0);
    assert.deepEqual(
      readdirSync(d).filter((n) => n.endsWith('.tmp') || n.endsWith('.takeover')),
      [],
    );
  },
);
