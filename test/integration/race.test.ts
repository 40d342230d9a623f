/**
 * Races on one results file (issue 11, item 2): overrides and regrades saved from the viewer
 * while `qed eval` starts on the same file and while another program appends a line about every
 * 20 ms. Every trial checks, by counting: no confirmed override or regrade is lost, no appended
 * line is lost or duplicated, and lines nobody changed keep their exact bytes. Timing only paces
 * the actions; it never decides a verdict.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeLlmServer } from '../fake-llm/server';
import { loadConfig } from '../../src/core/config';
import type { ModelConfig } from '../../src/core/config/types';
import { createClient } from '../../src/core/llm';
import { defaultColumns, type Grader } from '../../src/core/grade/eval';
import { loadGradePrompts } from '../../src/core/grade/prompts';
import { runIdentity } from '../../src/core/run/identity';
import { shippedConfigsRoot } from '../../src/core/paths';
import { ViewerHost } from '../../src/core/view/host';
import { ask } from '../unit/view-helpers';
import { qed, workspace, type CliResult } from './helpers';

const TRIALS = 20;
const PARALLEL = 4;
let server: FakeLlmServer;
let replies = 0;
before(async () => {
  // Every reply is unique, so a regrade's grade can be told from any other.
  server = await FakeLlmServer.start({
    latencyMs: 5,
    reply: () => ({ text: `Careful check #${++replies}. <points>6 out of 7</points>` }),
  });
});
after(() => server.close());

const ROWS = 8;
function originalRows(): string[] {
  return Array.from({ length: ROWS }, (_, i) => {
    const base = {
      problem_id: `P-${i}`,
      problem: `Problem ${i}`,
      solution: 'S',
      grading_guidelines: 'G',
      model_solution: `proof ${i}`,
    };
    // Half were graded by another tool (kept by qed eval), half are not graded yet.
    return JSON.stringify(i < ROWS / 2 ? { ...base, score: 5, grade: [{ points: 5, desc: 'other tool' }] } : base);
  });
}

/** Another program: appends one line about every 20 ms until its stdin closes, then says how many. */
const APPENDER = `
const fs = require('fs');
const [file, tag] = process.argv.slice(1);
let n = 0;
const tick = setInterval(() => {
  fs.appendFileSync(file, JSON.stringify({ tag, seq: n, error: 'appended by another program' }) + '\\n');
  n++;
  if (n === 1) process.stdout.write('started\\n');
}, 20);
process.stdin.on('end', () => { clearInterval(tick); process.stdout.write('count ' + n + '\\n'); });
process.stdin.resume();
`;

function startAppender(file: string, tag: string) {
  const p = spawn(process.execPath, ['-e', APPENDER, file, tag], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  const started = new Promise<void>((res) =>
    p.stdout.on('data', (d: Buffer) => ((out += d.toString()), out.includes('started') && res())),
  );
  const closed = new Promise<number>((res) => p.on('close', () => res(Number(/count (\d+)/.exec(out)?.[1] ?? NaN))));
  return { started, stop: () => (p.stdin.end(), closed) };
}

/** Resolves once the file has at least `n` more bytes than now (paces actions by the appender's lines). */
async function afterMoreLines(file: string, lines: number): Promise<void> {
  const count = () => readFileSync(file, 'utf8').split('\n').length;
  const start = count();
  while (count() < start + lines) await new Promise((r) => setTimeout(r, 5));
}

test(
  `race: overrides and regrades while qed eval starts and another program appends (${TRIALS} trials)`,
  { timeout: 240_000 },
  async (t) => {
    const totals = {
      trials: 0,
      overrides: 0,
      regrades: 0,
      refused: 0,
      lostOverrides: 0,
      lostRegrades: 0,
      appended: 0,
      lostLines: 0,
      duplicated: 0,
      changedUntouched: 0,
      evalRan: 0,
      evalRefused: 0,
    };
    const yaml = `model: g\napi: custom\nbase_url: ${server.url}/v1\nconcurrent_requests: 2\nmax_retries: 1\nsleep_on_error: 0.01\n`;
    const trial = async (trial: number) => {
      const dir = workspace({ 'g.yaml': yaml });
      const file = join(dir, 'r.jsonl');
      const original = originalRows();
      const { writeFileSync } = await import('node:fs');
      writeFileSync(file, original.join('\n') + '\n');
      // The grader qed eval will use: a regrade with it keeps the file one run.
      const cfg = (await loadConfig('g.yaml', { cwd: dir, shippedRoot: shippedConfigsRoot() })) as ModelConfig;
      const { prompts, source, hash } = await loadGradePrompts('proof', shippedConfigsRoot());
      const grader: Grader = {
        client: await createClient(cfg, { getKey: () => undefined }),
        identity: runIdentity(cfg, { source, hash }, 'proof'),
        mode: 'proof',
        columns: defaultColumns('proof'),
        prompts,
      };
      const host = new ViewerHost({
        files: [file],
        host: 'stub',
        grader: async () => grader,
        graders: async () => ({ graders: [], hostPicker: true }),
      });
      await host.open();
      const tag = `trial-${trial}`;
      const appender = startAppender(file, tag);
      await appender.started;

      const lastOverride = new Map<number, string>();
      const lastRegrade = new Map<number, string>();
      let k = 0;
      const act = async () => {
        const i = k % ROWS;
        const regrade = k % 3 === 2;
        k++;
        try {
          // As the viewer does: it looks at the file (polling or a watcher) before showing a row.
          await host.refresh(0);
          const { rev } = await ask(host, 'row', { file: 0, index: i });
          if (regrade) {
            const r = await ask(host, 'regrade', { file: 0, index: i, expect: rev, mode: 'proof' });
            lastRegrade.set(i, String((r.row.row.grade as Array<{ desc: string }>)[0].desc));
            totals.regrades++;
          } else {
            const note = `${tag}-o${k}`;
            await ask(host, 'override', { file: 0, index: i, expect: rev, points: [k % 8], note });
            lastOverride.set(i, note);
            totals.overrides++;
          }
        } catch (e) {
          const code = (e as { code?: string }).code;
          // Refused (a job holds the file, or the row moved under it): the user is told; nothing is saved.
          const moved = code === 'failed' && /changed on disk/.test((e as Error).message);
          if (code !== 'locked' && code !== 'changed' && !moved) throw e;
          totals.refused++;
        }
      };

      await act();
      // qed eval refused because an edit held the file is what a user sees; like a user, start it
      // again (a few times) so that most trials also have an eval that ran while edits came in.
      const pace = trial % 2 ? 2 : 5;
      for (let attempt = 0; attempt < 4; attempt++) {
        let done = false;
        const evalRun: Promise<CliResult> = qed(
          ['eval', '--model-config', 'g.yaml', '--data-path', 'r.jsonl', '--quiet'],
          { cwd: dir },
        ).then((r) => ((done = true), r));
        while (!done) {
          await act();
          await afterMoreLines(file, pace);
        }
        const ev = await evalRun;
        if (ev.code === 0) {
          totals.evalRan++;
          break;
        }
        assert.equal(ev.code, 2, ev.stderr);
        assert.match(ev.stderr, /is writing this output/);
        totals.evalRefused++;
      }
      await act(); // and once more after eval
      const count = await appender.stop();
      host.dispose();

      const lines = readFileSync(file, 'utf8').split('\n');
      assert.equal(lines.pop(), '', 'the file ends with a newline');
      const rows = lines.map((l) => ({ line: l, row: JSON.parse(l) as Record<string, unknown> }));
      // Appended lines: each exactly once, byte for byte.
      const seen = new Map<number, number>();
      for (const { line, row } of rows.filter((r) => r.row.tag === tag)) {
        const seq = Number(row.seq);
        seen.set(seq, (seen.get(seq) ?? 0) + 1);
        assert.equal(line, JSON.stringify({ tag, seq, error: 'appended by another program' }));
      }
      totals.appended += count;
      for (let s = 0; s < count; s++) if (!seen.has(s)) totals.lostLines++;
      for (const n of seen.values()) if (n > 1) totals.duplicated += n - 1;
      // The original rows: each once, with its last confirmed override and regrade.
      for (let i = 0; i < ROWS; i++) {
        const mine = rows.filter((r) => r.row.problem_id === `P-${i}`);
        assert.equal(mine.length, 1, `row P-${i} once`);
        const row = mine[0].row;
        if (lastOverride.has(i) && (row.human_grade as { note?: string } | undefined)?.note !== lastOverride.get(i))
          totals.lostOverrides++;
        if (lastRegrade.has(i) && (row.grade as Array<{ desc: string }>)[0].desc !== lastRegrade.get(i))
          totals.lostRegrades++;
        // Rows nobody touched (graded by the other tool, no action landed): the exact bytes.
        if (i < ROWS / 2 && !lastOverride.has(i) && !lastRegrade.has(i) && mine[0].line !== original[i])
          totals.changedUntouched++;
      }
      totals.trials++;
    };
    // A few trials at once: each has its own file, appender and qed eval; the machine's load only
    // changes how the actions interleave, which is the point.
    for (let first = 0; first < TRIALS; first += PARALLEL) {
      await Promise.all(Array.from({ length: Math.min(PARALLEL, TRIALS - first) }, (_, j) => trial(first + j)));
    }
    t.diagnostic(JSON.stringify(totals));
    assert.equal(totals.lostOverrides, 0);
    assert.equal(totals.lostRegrades, 0);
    assert.equal(totals.lostLines, 0);
    assert.equal(totals.duplicated, 0);
    assert.equal(totals.changedUntouched, 0);
    assert.ok(totals.overrides > 0 && totals.regrades > 0 && totals.appended > 0);
  },
);
