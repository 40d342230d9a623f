/**
 * What a user sees of a job on stderr: the progress line (rows, failures, tokens, cost, ETA), a
 * redrawn bar on a terminal, plain lines on a pipe or a log file, and the closing summary line.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ProgressReporter, progressLine, summaryLine } from '../../src/cli/progress';
import type { RunProgress, RunSummary } from '../../src/core/run/engine';

function progress(over: Partial<RunProgress> = {}): RunProgress {
  return {
    total: 60,
    done: 30,
    reused: 0,
    failed: 0,
    inFlight: 4,
    cost: { cost: 0.1234, input_tokens: 12_345, output_tokens: 2_000_000, time: 100 },
    elapsedSec: 65,
    etaSec: 3725,
    flags: {},
    ...over,
  };
}

function summary(over: Partial<RunSummary> = {}): RunSummary {
  return {
    ...progress({ done: 60, etaSec: 0, elapsedSec: 130 }),
    outputPath: '/runs/out.jsonl',
    cancelled: false,
    reusedCost: { cost: 0, input_tokens: 0, output_tokens: 0, time: 0 },
    written: 60,
    errors: [],
    warnings: [],
    ...over,
  };
}

/** A stand-in for process.stderr: records what is written; a terminal when `columns` is given. */
function fakeStream(columns?: number): NodeJS.WriteStream & { text: () => string; chunks: string[] } {
  const chunks: string[] = [];
  const s = {
    isTTY: columns !== undefined,
    columns,
    chunks,
    write: (c: string) => (chunks.push(String(c)), true),
    text: () => chunks.join(''),
  };
  return s as unknown as NodeJS.WriteStream & { text: () => string; chunks: string[] };
}

describe('progressLine', () => {
  test('rows done / total with the percentage, tokens, cost so far, elapsed time and ETA', () => {
    const line = progressLine(progress());
    assert.match(line, /^30\/60 rows \(50%\)/);
    assert.ok(line.includes('12.3k in / 2.00M out'), line);
    assert.ok(line.includes('$0.1234'), line);
    assert.ok(line.includes('elapsed 01:05'), line);
    assert.ok(line.includes('ETA 1:02:05'), line);
    assert.doesNotMatch(line, /failed/, 'no failure count while nothing failed');
  });

  test('failures are shown and count towards the percentage', () => {
    const line = progressLine(progress({ done: 27, failed: 3 }));
    assert.match(line, /^27\/60 rows \(50%\) · 3 failed · /);
  });

  test('before the first row finishes the ETA is unknown; small counts are not abbreviated; costs of $1+ in cents', () => {
    const line = progressLine(
      progress({ done: 0, etaSec: undefined, cost: { cost: 12.345, input_tokens: 999, output_tokens: 0, time: 0 } }),
    );
    assert.ok(line.includes('0/60 rows (0%)'), line);
    assert.ok(line.includes('999 in / 0 out'), line);
    assert.ok(line.includes('$12.35'), line);
    assert.ok(line.endsWith('ETA --:--'), line);
  });

  test('an empty job reads 100%', () => {
    assert.match(progressLine(progress({ total: 0, done: 0 })), /^0\/0 rows \(100%\)/);
  });
});

describe('ProgressReporter', () => {
  test('not a terminal: plain "progress:" lines, no escape codes, and not one line per update', () => {
    const s = fakeStream();
    const r = new ProgressReporter(s);
    r.update(progress({ done: 1 }));
    r.update(progress({ done: 2 })); // within the interval (10 s on a pipe): not printed
    r.update(progress({ done: 3 }), true);
    r.done();
    assert.deepEqual(s.text().split('\n'), [
      `progress: ${progressLine(progress({ done: 1 }))}`,
      `progress: ${progressLine(progress({ done: 3 }))}`,
      '',
    ]);
    assert.ok(!s.text().includes('\x1b') && !s.text().includes('\r') && !s.text().includes('█'));
  });

  test('not a terminal: a log line is printed as is, and the next figures follow at once', () => {
    const s = fakeStream();
    const r = new ProgressReporter(s);
    r.update(progress({ done: 1 }));
    r.log('row 7: failed for good: 503');
    r.update(progress({ done: 2 }));
    assert.deepEqual(s.text().split('\n'), [
      `progress: ${progressLine(progress({ done: 1 }))}`,
      'row 7: failed for good: 503',
      `progress: ${progressLine(progress({ done: 2 }))}`,
      '',
    ]);
  });

  test('a terminal: a bar redrawn in place, as wide as the terminal allows, cleared for log lines, ended with a newline', () => {
    const s = fakeStream(120);
    const r = new ProgressReporter(s);
    r.update(progress({ done: 30 }));
    assert.equal(s.chunks.length, 1);
    assert.equal(s.chunks[0], `\r\x1b[2K${'█'.repeat(15)}${'░'.repeat(15)} ${progressLine(progress({ done: 30 }))}`);
    assert.ok(!s.chunks[0].includes('\n'), 'the bar stays on one line');
    r.log('warning: something');
    assert.equal(s.chunks.slice(1).join(''), '\r\x1b[2Kwarning: something\n', 'the bar is wiped before the log line');
    r.update(progress({ done: 60, etaSec: 0 }), true);
    assert.ok(s.chunks.at(-1)!.startsWith(`\r\x1b[2K${'█'.repeat(30)} 60/60 rows (100%)`));
    r.done();
    assert.equal(s.chunks.at(-1), '\n', 'the finished bar is kept and the cursor moves on');
  });

  test('a narrow terminal still gets a 10-cell bar; failures fill it too', () => {
    const s = fakeStream(60);
    new ProgressReporter(s).update(progress({ done: 4, failed: 1, total: 10 }));
    assert.ok(
      s.text().startsWith(`\r\x1b[2K${'█'.repeat(5)}${'░'.repeat(5)} 4/10 rows (50%) · 1 failed`),
      JSON.stringify(s.text()),
    );
  });

  test('done() without a bar drawn writes nothing', () => {
    const s = fakeStream(120);
    new ProgressReporter(s).done();
    assert.equal(s.text(), '');
  });
});

describe('summaryLine', () => {
  test('a clean run: rows done, reused, failed, tokens, cost, time and where the file is', () => {
    assert.equal(
      summaryLine(summary({ reused: 20 })),
      'finished: 60/60 rows done, 20 reused, 0 failed, 12.3k input + 2.00M output tokens, cost $0.1234, in 02:10, → /runs/out.jsonl',
    );
  });

  test('reused rows: what they cost in the sessions that made them is named beside them', () => {
    const line = summaryLine(
      summary({ reused: 28, reusedCost: { cost: 0.0038, input_tokens: 5000, output_tokens: 300, time: 9 } }),
    );
    assert.match(line, /, 28 reused \(\$0\.0038 spent on them earlier\), 0 failed, .*cost \$0\.1234,/);
  });

  test('failures and cancellation are said first', () => {
    assert.match(
      summaryLine(summary({ done: 58, failed: 2 })),
      /^finished with failures: 58\/60 rows done, 0 reused, 2 failed, /,
    );
    assert.match(summaryLine(summary({ done: 10, cancelled: true })), /^cancelled: 10\/60 rows done, /);
  });
});
