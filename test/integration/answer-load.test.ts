// The final-answer checker gives the same verdicts on an idle machine and on a saturated one: the
// 400 IMO-AnswerBench golden answers and their rewrites (bench/answer-cases.ts) are checked once
// here, then again in a child process while CPU hogs run beside it and the child is repeatedly
// paused (SIGSTOP / SIGCONT). Nothing here measures time: only the verdicts and reasons are compared.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { allCases, FILE, goldenAnswers, runCase } from '../../bench/answer-cases';
import { ROOT } from './helpers';

const data = goldenAnswers();
const NO_DATA = `${FILE} not found: the determinism test on the IMO-AnswerBench answers is skipped`;
/** Signals to pause a process exist on POSIX systems only. */
const CAN_PAUSE = process.platform !== 'win32';

/** Runs every case in a fresh node process: one `verdict: reason` line per case, and how often it was paused. */
function verdictsInChild(opts: { pause: boolean }): Promise<{ lines: string[]; pauses: number }> {
  const script = `
    const { allCases, goldenAnswers, runCase } = require(${JSON.stringify(join(ROOT, 'bench', 'answer-cases.ts'))});
    const out = [];
    for (const c of allCases(goldenAnswers().rows)) {
      const r = runCase(c);
      out.push(r.verdict + ': ' + r.reason);
    }
    process.stdout.write(out.join('\\n') + '\\n');
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Pause the child for 1.1 s out of every 3 s while it works: longer than the wall-clock deadline
    // the checker had before version 2, under which a check caught by a pause gave up.
    let resume: NodeJS.Timeout | undefined;
    let pauses = 0;
    const pauser = opts.pause
      ? setInterval(() => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill('SIGSTOP');
          pauses++;
          resume = setTimeout(() => child.kill('SIGCONT'), 1100);
        }, 3000)
      : undefined;
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(pauser);
      clearTimeout(resume);
      if (code !== 0) reject(new Error(`the checker child exited with ${code}: ${stderr.slice(-2000)}`));
      else resolve({ lines: stdout.trimEnd().split('\n'), pauses });
    });
  });
}

describe('answer checker under load', { skip: data ? false : NO_DATA }, () => {
  const hogs: ChildProcess[] = [];
  const stopHogs = (): void => {
    for (const h of hogs.splice(0)) if (h.exitCode === null && h.signalCode === null) h.kill('SIGKILL');
  };
  after(stopHogs);

  test('the 400 golden answers and their rewrites: identical verdicts idle and with the CPU saturated and the process paused', async () => {
    const cases = allCases(data!.rows);
    assert.ok(cases.length > 3000, `${cases.length} cases`);
    const first = cases.map((c) => {
      const r = runCase(c);
      return `${r.verdict}: ${r.reason}`;
    });
    // One busy loop per core, beside the second run (and beside whatever else the machine runs).
    for (let i = 0; i < Math.max(2, availableParallelism()); i++)
      hogs.push(spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
    let second: string[];
    try {
      const child = await verdictsInChild({ pause: CAN_PAUSE });
      second = child.lines;
      if (CAN_PAUSE) assert.ok(child.pauses >= 1, `the child was paused ${child.pauses} times`);
    } finally {
      stopHogs();
    }
    assert.equal(second.length, first.length);
    const changed = cases.flatMap((c, i) =>
      first[i] === second[i]
        ? []
        : [`${c.id} ${c.kind} ${JSON.stringify(c.candidate).slice(0, 60)}: ${first[i]} -> ${second[i]}`],
    );
    assert.deepEqual(changed, [], `verdicts changed under load:\n${changed.join('\n')}`);
    assert.ok(!first.some((v) => /too slow/.test(v)), 'the safety net never fires on these answers');
  });
});
