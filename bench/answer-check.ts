/**
 * bench/answer-check — the deterministic final-answer check on the 400 IMO-AnswerBench golden
 * answers, their rewritten forms that mean the same and their wrong forms (see answer-cases.ts).
 * Prints, per kind, how many were decided, how many decisions were wrong (target: none), and the
 * time per check (p50, p99); then the overall p50 / p99 / max and the number of undecided checks.
 *
 * Run: node --import tsx bench/answer-check.ts [--verbose] [--verdicts FILE]   (needs ../shared/data/imobench)
 *   --verdicts FILE  also writes every case's verdict and reason, one JSON line per case, so that
 *                    two versions of the checker (or two runs under different load) can be diffed.
 */
import { writeFileSync } from 'node:fs';
import { checkAnswer } from '../src/core/grade/answer';
import { allCases, FILE, goldenAnswers, runCase, type Case } from './answer-cases';
import { figure } from './figure';

const verbose = process.argv.includes('--verbose');
const verdictsAt = process.argv.indexOf('--verdicts');
const verdictsFile = verdictsAt >= 0 ? process.argv[verdictsAt + 1] : undefined;

function pct(n: number, d: number): string {
  return d === 0 ? '   -  ' : `${((100 * n) / d).toFixed(1).padStart(5)}%`;
}

function quantile(xs: number[], q: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

function main(): void {
  const data = goldenAnswers();
  if (!data) {
    console.log(`skipped: ${FILE} not found (the IMO-Bench data lives in ../shared/data/imobench)`);
    return;
  }
  const golden = data.rows;
  console.log(
    `IMO-AnswerBench golden answers: ${golden.length} (algebra-036 ${data.fixed ? 'from the PR 18 fix' : 'left out'})`,
  );

  // Warm-up: the LaTeX parser builds its dictionary on first use, and the first inexact equality
  // loads the arbitrary-precision numbers (dist/cas.js in the bundles).
  checkAnswer('1', '2');
  checkAnswer('\\sqrt{2}', '2^{1/2}');

  const cases = allCases(golden);

  interface Tally {
    n: number;
    decided: number;
    /** Decided by the string normalisation alone (no parsing). */
    byNormalising: number;
    right: number;
    wrong: Case[];
    times: number[];
  }
  const byKind = new Map<string, Tally>();
  const times: number[] = [];
  // CPU time per check too: on a machine shared with other work, wall time measures the others.
  const cpuTimes: number[] = [];
  const cpu = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const undecidedSamples: string[] = [];
  const dump: string[] = [];
  let undecided = 0;
  for (const c of cases) {
    const c0 = cpu();
    const t0 = performance.now();
    const verdict = runCase(c);
    const ms = performance.now() - t0;
    cpuTimes.push(cpu() - c0);
    times.push(ms);
    if (verdictsFile)
      dump.push(
        JSON.stringify({
          id: c.id,
          kind: c.kind,
          candidate: c.candidate,
          verdict: verdict.verdict,
          reason: verdict.reason,
        }),
      );
    const key = `${c.expect === 'equivalent' ? 'EQUIV' : 'WRONG'} ${c.kind}`;
    const t = byKind.get(key) ?? { n: 0, decided: 0, byNormalising: 0, right: 0, wrong: [], times: [] };
    t.n++;
    t.times.push(ms);
    if (verdict.verdict !== 'undecided') {
      t.decided++;
      if (/identical after normalising/.test(verdict.reason)) t.byNormalising++;
      if (verdict.verdict === c.expect) t.right++;
      else t.wrong.push({ ...c, kind: `${c.kind}: ${verdict.reason}` });
    } else undecided++;
    if (verdict.verdict === 'undecided' && verbose)
      undecidedSamples.push(
        `${key.padEnd(24)} ${c.id.padEnd(28)} ${JSON.stringify(c.candidate).slice(0, 70)} -> ${verdict.reason}`,
      );
    byKind.set(key, t);
  }

  const line = '-'.repeat(96);
  console.log(line);
  console.log(
    `${'kind'.padEnd(26)}${'cases'.padStart(7)}${'decided'.padStart(10)}${'share'.padStart(9)}${'right'.padStart(8)}${'wrong'.padStart(8)}${'by norm'.padStart(10)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}`,
  );
  console.log(line);
  const totals = { EQUIV: { n: 0, d: 0, w: 0 }, WRONG: { n: 0, d: 0, w: 0 } };
  for (const [k, t] of [...byKind.entries()].sort()) {
    const side = k.startsWith('EQUIV') ? totals.EQUIV : totals.WRONG;
    side.n += t.n;
    side.d += t.decided;
    side.w += t.wrong.length;
    console.log(
      `${k.padEnd(26)}${String(t.n).padStart(7)}${String(t.decided).padStart(10)}${pct(t.decided, t.n).padStart(9)}${String(t.right).padStart(8)}${String(t.wrong.length).padStart(8)}${String(t.byNormalising).padStart(10)}${quantile(t.times, 0.5).toFixed(2).padStart(9)}${quantile(t.times, 0.99).toFixed(2).padStart(9)}`,
    );
  }
  console.log(line);
  for (const [name, s] of Object.entries(totals)) {
    console.log(
      `${`${name === 'EQUIV' ? 'all equivalent forms' : 'all wrong forms'}`.padEnd(26)}${String(s.n).padStart(7)}${String(s.d).padStart(10)}${pct(s.d, s.n).padStart(9)}${String(s.d - s.w).padStart(8)}${String(s.w).padStart(8)}`,
    );
  }
  console.log(line);
  console.log('by norm = decided by string normalisation alone (no parsing or arithmetic)');
  console.log(
    `checks: ${times.length}; time per check p50 ${quantile(times, 0.5).toFixed(2)} ms, p99 ${quantile(times, 0.99).toFixed(2)} ms, max ${Math.max(...times).toFixed(1)} ms`,
  );
  console.log(
    `CPU time per check p50 ${quantile(cpuTimes, 0.5).toFixed(2)} ms, p99 ${quantile(cpuTimes, 0.99).toFixed(2)} ms, max ${Math.max(...cpuTimes).toFixed(1)} ms`,
  );
  console.log(`undecided checks: ${undecided} of ${times.length}`);
  if (verdictsFile) {
    writeFileSync(verdictsFile, `${dump.join('\n')}\n`);
    console.log(`verdicts written to ${verdictsFile}`);
  }
  const wrong = [...byKind.values()].flatMap((t) => t.wrong);
  console.log(`wrong decisions: ${wrong.length}${wrong.length ? '' : ' (target: 0)'}`);
  figure({
    name: 'answer check: wrong decisions on the IMO-AnswerBench cases',
    value: wrong.length,
    unit: 'cases',
    target: '0',
    met: wrong.length === 0,
    note: `p99 ${quantile(times, 0.99).toFixed(2)} ms per check, ${undecided} undecided`,
  });
  for (const w of wrong)
    console.log(
      `  WRONG ${w.id} [${w.kind}] expected ${w.expect}: ${JSON.stringify(w.candidate).slice(0, 120)} vs ${JSON.stringify(w.golden).slice(0, 80)}`,
    );
  if (verbose) for (const u of undecidedSamples) console.log(`  undecided ${u}`);
  if (wrong.length) process.exitCode = 1;
}

main();
