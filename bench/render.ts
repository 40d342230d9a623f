/**
 * bench/render — speed of the viewer's rendering core (src/webview/render).
 *
 *  1. A realistic 30 KB proof with about 400 formulas, assembled from IMO-Bench reference
 *     solutions (paragraphs of proofbench_v2.csv, in file order, taken while they keep the
 *     formula density near 400 per 30 KB); without ../shared/data/imobench, the sample proof
 *     fixture repeated. renderRich and renderPlainMath, p50 / p90 over repeats, cold (formula
 *     cache emptied before each run: a proof seen for the first time) and warm (the same proof
 *     rendered again).
 *  2. 10 MB single lines of several shapes (prose, `$a` repeated, `[` repeated, `\\` repeated),
 *     renderRich, p50 over a few repeats (above MAX_MARKDOWN_CHARS: markdown is skipped), and
 *     markdown-it's slowest known shapes just under that limit.
 *
 * Run: node --import tsx bench/render.ts [--repeats N]
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { MAX_MARKDOWN_CHARS, renderPlainMath, renderRich } from '../src/webview/render';
import katex from 'katex';
import { BUILTIN_MACROS, clearMathCache } from '../src/webview/render/math';
import { scanMath } from '../src/webview/render/scan';
import type { RenderResult } from '../src/webview/render';
import { figure } from './figure';

const DATA = path.resolve(__dirname, '../../shared/data/imobench/proofbench_v2.csv');
const FIXTURE = path.resolve(__dirname, '../test/fixtures/render/sample-proof.md');
const TARGET_BYTES = 30 * 1024;
const TARGET_FORMULAS = 400;

const repeatsArg = process.argv.indexOf('--repeats');
const REPEATS = repeatsArg > 0 ? Number(process.argv[repeatsArg + 1]) : 40;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function time(fn: () => unknown, repeats: number): { p50: number; p90: number } {
  const t: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return { p50: quantile(t, 0.5), p90: quantile(t, 0.9) };
}

/** Paragraphs of real solutions, picked so that size and formula count reach the targets together. */
function proofFromImoBench(): { text: string; source: string } {
  if (!existsSync(DATA)) {
    const sample = readFileSync(FIXTURE, 'utf8');
    let text = '';
    while (Buffer.byteLength(text) < TARGET_BYTES) text += sample + '\n\n';
    return { text, source: `${path.relative(process.cwd(), FIXTURE)} repeated (IMO-Bench data not found)` };
  }
  const rows = parse(readFileSync(DATA), { columns: true, relax_column_count: true, relax_quotes: true }) as Record<
    string,
    string
  >[];
  const parts: string[] = [];
  let bytes = 0;
  let formulas = 0;
  for (const row of rows) {
    for (const para of (row.Solution ?? '').split(/\n\s*\n/)) {
      const p = para.trim();
      if (p === '') continue;
      const f = renderRich(p).mathCount;
      const b = Buffer.byteLength(p) + 2;
      // Keep formulas/bytes close to the target density as the proof grows.
      const wanted = ((bytes + b) * TARGET_FORMULAS) / TARGET_BYTES;
      if (Math.abs(formulas + f - wanted) > 12) continue;
      parts.push(p);
      bytes += b;
      formulas += f;
      if (bytes >= TARGET_BYTES) return { text: parts.join('\n\n'), source: 'proofbench_v2.csv solutions' };
    }
  }
  return { text: parts.join('\n\n'), source: 'proofbench_v2.csv solutions (all used)' };
}

function report(label: string, r: RenderResult, t: { p50: number; p90: number }, bytes: number): void {
  const mbPerS = bytes / 1e6 / (t.p50 / 1000);
  console.log(
    `${label.padEnd(34)} p50 ${t.p50.toFixed(1).padStart(8)} ms  p90 ${t.p90.toFixed(1).padStart(8)} ms  ` +
      `${mbPerS.toFixed(2).padStart(7)} MB/s in  out ${(r.html.length / 1e6).toFixed(2)} MB  math ${r.mathCount} (errors ${r.mathErrors})`,
  );
}

const { text, source } = proofFromImoBench();
const bytes = Buffer.byteLength(text);
const first = renderRich(text);
console.log(
  `proof: ${(bytes / 1024).toFixed(1)} KB, ${first.mathCount} formulas, from ${source}; ${REPEATS} repeats after 5 warm-up runs`,
);
for (let i = 0; i < 5; i++) renderRich(text);
const cold = (fn: () => RenderResult) => () => {
  clearMathCache();
  return fn();
};
const richCold = time(
  cold(() => renderRich(text)),
  REPEATS,
);
report('30 KB proof, renderRich, cold', first, richCold, bytes);
figure({
  name: `render a 30 KB proof (${first.mathCount} formulas), cold, p50`,
  value: richCold.p50,
  unit: 'ms',
  note: 'render core in node',
});
report(
  '30 KB proof, renderRich, warm',
  first,
  time(() => renderRich(text), REPEATS),
  bytes,
);
report(
  '30 KB proof, renderPlainMath, cold',
  renderPlainMath(text),
  time(
    cold(() => renderPlainMath(text)),
    REPEATS,
  ),
  bytes,
);
console.log(
  `  cold: ≈ ${((richCold.p50 * 1000) / Math.max(1, first.mathCount)).toFixed(0)} µs per formula (markdown included)`,
);
// The same formulas through bare KaTeX (default options, no wrapper, no markdown), output kept
// and joined as a page would: the floor.
const spans = scanMath(text, true).flatMap((p) => (p.kind === 'math' ? [p] : []));
const bare = time(() => {
  const out: string[] = [];
  for (const m of spans) {
    try {
      out.push(
        katex.renderToString(m.tex, { displayMode: m.display, strict: 'ignore', macros: { ...BUILTIN_MACROS } }),
      );
    } catch {
      // counted the same either way
    }
  }
  return out.join('');
}, REPEATS);
console.log(
  `  bare KaTeX on the same ${spans.length} formulas: p50 ${bare.p50.toFixed(1)} ms; renderRich cold / bare KaTeX = ${(richCold.p50 / bare.p50).toFixed(2)}`,
);

const MB10 = 10 * 1024 * 1024;
for (const [name, unit] of [
  ['prose', 'lorem ipsum dolor sit amet '],
  ['`$a` repeated', '$a'],
  ['`[` repeated', '['],
  ['`\\` repeated', '\\'],
] as const) {
  const line = unit.repeat(Math.ceil(MB10 / unit.length)).slice(0, MB10);
  const r = renderRich(line);
  report(
    `10 MB line: ${name}`,
    r,
    time(
      cold(() => renderRich(line)),
      3,
    ),
    MB10,
  );
}

for (const unit of ['[', '*a_', '**_']) {
  const s = unit.repeat(Math.floor(MAX_MARKDOWN_CHARS / unit.length));
  report(
    `${(s.length / 1e6).toFixed(2)} MB of ${JSON.stringify(unit)} (markdown)`,
    renderRich(s),
    time(() => renderRich(s), 3),
    s.length,
  );
}
