import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs, { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBenchmark, type RunOptions } from '../../src/core/run/engine';
import type { Solver, SolveResult } from '../../src/core/run/solver';
import type { Dataset, Row } from '../../src/core/data/types';
import { LlmError } from '../../src/core/llm/errors';
import type { RunIdentity } from '../../src/core/run/store';

const dir = () => mkdtempSync(join(tmpdir(), 'qed-run-'));

function dataset(n: number, extra: (i: number) => Row = () => ({})): Dataset {
  const rows = Array.from({ length: n }, (_, i) => ({
    problem_id: `P-${i + 1}`,
    problem: `Prove ${i + 1} > 0.`,
    grading_guidelines: `guideline ${i + 1}`,
    ...extra(i),
  }));
  return { source: 'mem', file: 'mem.jsonl', rows, columns: Object.keys(rows[0] ?? {}), renamed: {} };
}

const identity: RunIdentity = {
  config: 'test/model',
  model: 'm',
  api: 'custom',
  config_hash: 'c1',
  prompt: 'p',
  prompt_hash: 'h1',
  mode: 'proof',
};

/** A solver that answers instantly, records what it was asked, and can fail chosen prompts. */
function fakeSolver(
  opts: { fail?: (prompt: string) => LlmError | undefined; delayMs?: number } = {},
): Solver & { calls: string[] } {
  const calls: string[] = [];
  return {
    label: 'fake',
    calls,
    async solve(prompt, o): Promise<SolveResult> {
      calls.push(prompt);
      if (opts.delayMs) {
        await new Promise<void>((res, rej) => {
          const t = setTimeout(res, opts.delayMs);
          o.signal?.addEventListener('abort', () => {
            clearTimeout(t);
            rej(new LlmError('request cancelled', 'cancelled'));
          });
        });
      }
      const err = opts.fail?.(prompt);
      if (err) throw err;
      return {
        answer: `proof of: ${prompt}`,
        history: [
          { role: 'user', content: prompt },
          { role: 'assistant', content: 'x' },
        ],
        cost: { cost: 0.001, input_tokens: 10, output_tokens: 20, time: 0.01 },
        finishReason: 'stop',
        attempts: 1,
      };
    },
  };
}

function options(out: string, ds: Dataset, solver: Solver, over: Partial<RunOptions> = {}): RunOptions {
  return {
    dataset: ds,
    outputPath: out,
    solver,
    identity,
    prompt: { source: 'p', text: 'Q: {problem_statement}', hash: 'h1' },
    mode: 'proof',
    n: 1,
    overwrite: false,
    problemColumn: 'problem',
    concurrency: 4,
    ...over,
  };
}

const readRows = (p: string) =>
  readFileSync(p, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Row);

test('writes every input column plus the result columns, in dataset order', async () => {
  const out = join(dir(), 'sub', 'res.jsonl');
  const solver = fakeSolver();
  const s = await runBenchmark(options(out, dataset(5), solver));
  assert.equal(s.done, 5);
  assert.equal(s.failed, 0);
  const rows = readRows(out);
  assert.deepEqual(
    rows.map((r) => r.problem_id),
    ['P-1', 'P-2', 'P-3', 'P-4', 'P-5'],
  );
  assert.equal(rows[0].model_solution, 'proof of: Q: Prove 1 > 0.');
  assert.deepEqual(rows[0].cost_run, { cost: 0.001, input_tokens: 10, output_tokens: 20, time: 0.01 });
  assert.deepEqual(rows[0].schema_0, [{ title: 'Proof Grade', desc: 'guideline 1', points: 7 }]);
  assert.equal(rows[0].grading_guidelines, 'guideline 1');
  assert.equal(rows[0].run_index, 0);
  assert.equal((rows[0].qed_run as Row).config_hash, 'c1');
  assert.ok(!existsSync(`${out}.partial`), 'journal removed after a clean finish');
  assert.ok(!existsSync(`${out}.lock`));
  assert.ok(Math.abs(s.cost.cost - 0.005) < 1e-12);
});

test('a rerun requests nothing that is finished', async () => {
  const out = join(dir(), 'res.jsonl');
  await runBenchmark(options(out, dataset(4), fakeSolver()));
  const again = fakeSolver();
  const s = await runBenchmark(options(out, dataset(4), again));
  assert.equal(again.calls.length, 0);
  assert.equal(s.reused, 4);
  assert.equal(readRows(out).length, 4);
});

test('after a crash the journal is merged and only missing rows are requested', async () => {
  const d = dir();
  const out = join(d, 'res.jsonl');
  // Simulate a run killed after two rows: a journal with two rows and a torn third line.
  const first = join(d, 'first.jsonl');
  await runBenchmark(options(first, dataset(2), fakeSolver()));
  const journal = readFileSync(first, 'utf8');
  writeFileSync(`${out}.partial`, journal + '{"problem_id":"P-3","mod');
  writeFileSync(`${out}.lock`, '999999999'); // a stale lock of a dead process
  const solver = fakeSolver();
  const logs: string[] = [];
  const s = await runBenchmark(options(out, dataset(5), solver, { onLog: (l) => logs.push(l) }));
  assert.equal(solver.calls.length, 3, 'P-3, P-4, P-5 only');
  assert.equal(s.reused, 2);
  assert.deepEqual(
    readRows(out).map((r) => r.problem_id),
    ['P-1', 'P-2', 'P-3', 'P-4', 'P-5'],
  );
  assert.ok(logs.some((l) => /unreadable journal line/.test(l)));
});

test('a failed row records an explicit error, counts as failed, and is retried next run', async () => {
  const out = join(dir(), 'res.jsonl');
  const failing = fakeSolver({
    fail: (p) =>
      p.includes('Prove 2 ') ? new LlmError('server error (after 7 attempts)', 'server', 500, undefined, 7) : undefined,
  });
  const s = await runBenchmark(options(out, dataset(3), failing));
  assert.equal(s.failed, 1);
  assert.equal(s.errors[0].key, 'P-2@0');
  const bad = readRows(out)[1];
  assert.match(String(bad.error), /server error/);
  assert.equal(bad.model_solution, '');
  assert.equal((bad.qed_run as Row).attempts, 7);

  const healed = fakeSolver();
  const s2 = await runBenchmark(options(out, dataset(3), healed));
  assert.equal(healed.calls.length, 1);
  assert.equal(s2.failed, 0);
  const fixed = readRows(out)[1];
  assert.equal(fixed.error, undefined, 'the error field is gone once the row succeeds');
  assert.match(String(fixed.model_solution), /Prove 2/);
});

test('throw_error_on_failure: the job stops at the first row that fails for good, keeping what is done', async () => {
  const out = join(dir(), 'res.jsonl');
  const logs: string[] = [];
  const failing = {
    ...fakeSolver({
      fail: (p) =>
        p.includes('Prove 3 ')
          ? new LlmError('server error (after 7 attempts)', 'server', 500, undefined, 7)
          : undefined,
    }),
    stopOnFailure: true,
  };
  const s = await runBenchmark(options(out, dataset(10), failing, { concurrency: 1, onLog: (l) => logs.push(l) }));
  assert.match(String(s.stopped), /P-3@0 failed for good.*throw_error_on_failure/);
  assert.equal(s.cancelled, false);
  assert.equal(failing.calls.length, 3, 'no row is started after the failure');
  assert.deepEqual(
    readRows(out).map((r) => [r.problem_id, r.error === undefined]),
    [
      ['P-1', true],
      ['P-2', true],
      ['P-3', false],
    ],
  );
  assert.ok(logs.some((l) => /^stopping: /.test(l)));

  // Without the setting the job goes on; the rerun does the failed row and the seven never started.
  const rest = fakeSolver();
  const s2 = await runBenchmark(options(out, dataset(10), rest));
  assert.equal(s2.stopped, undefined);
  assert.equal(rest.calls.length, 8);
  assert.equal(readRows(out).length, 10);
});

test('a row is counted only once its journal line is on disk; rows finishing together share one sync', async (t) => {
  const out = join(dir(), 'res.jsonl');
  // Hold every fdatasync until the test lets it go.
  const held: Array<() => void> = [];
  const real = fs.fdatasync;
  t.mock.method(fs, 'fdatasync', (fd: number, cb: (e: NodeJS.ErrnoException | null) => void) =>
    held.push(() => real(fd, cb)),
  );
  const seen: number[] = [];
  const job = runBenchmark(
    options(out, dataset(8), fakeSolver(), { concurrency: 8, onProgress: (p) => seen.push(p.done) }),
  );
  for (let i = 0; i < 1000 && held.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(held.length > 0, 'the journal is synced with fdatasync');
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(Math.max(...seen), 0, 'nothing is counted while its sync is pending');
  const journal = readFileSync(`${out}.partial`, 'utf8').trim().split('\n');
  assert.equal(journal.length, 8, 'the rows are written to the journal meanwhile');
  assert.ok(held.length <= 2, `8 rows finishing together need at most 2 syncs, took ${held.length}`);
  while (held.length) held.shift()!();
  // Later syncs (if any) are released as they come.
  const release = setInterval(() => held.splice(0).forEach((go) => go()), 2);
  try {
    const s = await job;
    assert.equal(s.done, 8);
    assert.equal(Math.max(...seen), 8);
  } finally {
    clearInterval(release);
  }
});

test('a journal that cannot be written (disk full) stops the job: no more rows are asked, the finished ones are kept', async (t) => {
  const out = join(dir(), 'res.jsonl');
  const real = fs.writeSync;
  t.mock.method(fs, 'writeSync', (fd: number, data: unknown, ...rest: unknown[]) => {
    if (typeof data === 'string' && data.includes('Prove 3 '))
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    return (real as (...a: unknown[]) => number)(fd, data, ...rest);
  });
  const solver = fakeSolver();
  await assert.rejects(runBenchmark(options(out, dataset(10), solver, { concurrency: 1 })), /ENOSPC/);
  assert.equal(solver.calls.length, 3, 'no row is asked after the journal failed');
  t.mock.restoreAll();
  assert.deepEqual(
    readRows(out).map((r) => r.problem_id),
    ['P-1', 'P-2'],
  );
});

test('a different config or prompt is refused instead of mixed in', async () => {
  const out = join(dir(), 'res.jsonl');
  await runBenchmark(options(out, dataset(2), fakeSolver()));
  await assert.rejects(
    runBenchmark(
      options(out, dataset(2), fakeSolver(), { identity: { ...identity, config: 'other', config_hash: 'c2' } }),
    ),
    /different run.*'test\/model'.*--overwrite/s,
  );
  await assert.rejects(
    runBenchmark(options(out, dataset(2), fakeSolver(), { identity: { ...identity, prompt_hash: 'h2' } })),
    /prompt/,
  );
  const s = await runBenchmark(
    options(out, dataset(2), fakeSolver(), { identity: { ...identity, config_hash: 'c2' }, overwrite: true }),
  );
  assert.equal(s.reused, 0);
  assert.ok(readRows(out).every((r) => (r.qed_run as Row).config_hash === 'c2'));
});

test('rows of another dataset are refused', async () => {
  const out = join(dir(), 'res.jsonl');
  await runBenchmark(
    options(
      out,
      dataset(2, (i) => ({ problem_id: `X-${i}` })),
      fakeSolver(),
    ),
  );
  await assert.rejects(runBenchmark(options(out, dataset(2), fakeSolver())), /not in this dataset/);
});

test('--n runs each problem n times with run_index, runs of a problem together', async () => {
  const out = join(dir(), 'res.jsonl');
  const solver = fakeSolver();
  await runBenchmark(options(out, dataset(2), solver, { n: 3 }));
  assert.equal(solver.calls.length, 6);
  assert.deepEqual(
    readRows(out).map((r) => `${r.problem_id}#${r.run_index}`),
    ['P-1#0', 'P-1#1', 'P-1#2', 'P-2#0', 'P-2#1', 'P-2#2'],
  );
  // Asking for fewer runs later keeps the extra ones (paid work is never dropped).
  await runBenchmark(options(out, dataset(2), fakeSolver(), { n: 1 }));
  assert.equal(readRows(out).length, 6);
});

test('cancelling keeps finished rows and writes no unfinished one', async () => {
  const out = join(dir(), 'res.jsonl');
  const ac = new AbortController();
  let seen = 0;
  const s = await runBenchmark(
    options(out, dataset(20), fakeSolver({ delayMs: 20 }), {
      concurrency: 2,
      signal: ac.signal,
      onProgress: (p) => {
        seen = p.done;
        if (p.done >= 4) ac.abort();
      },
    }),
  );
  assert.ok(s.cancelled);
  const rows = readRows(out);
  assert.equal(rows.length, seen);
  assert.ok(rows.length >= 4 && rows.length < 20);
  assert.ok(rows.every((r) => typeof r.model_solution === 'string' && (r.model_solution as string).length > 0));
  const rest = fakeSolver();
  await runBenchmark(options(out, dataset(20), rest));
  assert.equal(rest.calls.length, 20 - rows.length);
});

test('--problem-column may name a column as the file has it, before the IMO-Bench renaming', async () => {
  const out = join(dir(), 'res.jsonl');
  const solver = fakeSolver();
  const ds = { ...dataset(2), renamed: { Problem: 'problem', 'Problem ID': 'problem_id' } };
  await runBenchmark(options(out, ds, solver, { problemColumn: 'Problem' }));
  assert.deepEqual(solver.calls, ['Q: Prove 1 > 0.', 'Q: Prove 2 > 0.']);
});

test('a missing problem column is reported with the columns that exist, before any request', async () => {
  const out = join(dir(), 'res.jsonl');
  const solver = fakeSolver();
  await assert.rejects(
    runBenchmark(options(out, dataset(2), solver, { problemColumn: 'question' })),
    (e: Error) =>
      /row 1 has no column 'question'/.test(e.message) && /problem_id, problem, grading_guidelines/.test(e.message),
  );
  assert.equal(solver.calls.length, 0);
});

test('an existing output that is not JSONL is not overwritten silently', async () => {
  const out = join(dir(), 'res.jsonl');
  writeFileSync(out, '{"problem_id":"P-1"}\nnot json\n');
  await assert.rejects(runBenchmark(options(out, dataset(2), fakeSolver())), /res\.jsonl:2/);
  assert.equal(readFileSync(out, 'utf8'), '{"problem_id":"P-1"}\nnot json\n');
});

test('final-answer mode writes the answer schema', async () => {
  const out = join(dir(), 'res.jsonl');
  await runBenchmark(
    options(
      out,
      dataset(1, () => ({ answer: '42' })),
      fakeSolver(),
      { mode: 'final-answer', identity: { ...identity, mode: 'final-answer' } },
    ),
  );
  assert.deepEqual(readRows(out)[0].schema_0, [{ title: 'Answer Correctness', desc: '42', points: 1 }]);
});

test('a second run on the same output while one is active is refused', async () => {
  const out = join(dir(), 'res.jsonl');
  const ac = new AbortController();
  const first = runBenchmark(
    options(out, dataset(10), fakeSolver({ delayMs: 50 }), { signal: ac.signal, concurrency: 1 }),
  );
  await new Promise((r) => setTimeout(r, 10));
  // The lock names this very process; simulate another live process of this host holding it…
  writeFileSync(`${out}.lock`, JSON.stringify({ host: hostname(), pid: process.ppid }));
  await assert.rejects(
    runBenchmark(options(out, dataset(10), fakeSolver())),
    /another process \(pid \d+\) is writing this output/,
  );
  // …and a run on another node of a cluster sharing the filesystem.
  writeFileSync(`${out}.lock`, JSON.stringify({ host: 'node-042', pid: 7, started: '2026-11-27T10:00:00Z' }));
  await assert.rejects(runBenchmark(options(out, dataset(10), fakeSolver())), /pid 7 on host node-042/);
  ac.abort();
  await first;
});
