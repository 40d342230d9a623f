/**
 * The viewer on a large results file: generates ~1 GB / 100k realistic rows (long proofs with
 * LaTeX, chain of thought in the history) in a temp folder, then measures
 *   - the line-offset index build (offsets + summaries) against `wc -l` on the same file,
 *   - time to the first page and first row served while the index is still being built,
 *   - host memory (RSS, heap) with the file open,
 *   - a sorted page, a filtered page, a regex search over the whole file, a one-row override,
 *   - render time of a 30 KB proof with 400 formulas (render core, and the row page in Chromium),
 *   - time to the first rendered row page in Chromium through `qed view` (when /usr/bin/chromium exists).
 * The file is deleted at the end.
 *
 *   node --expose-gc --import tsx bench/view.ts [--rows 100000] [--keep] [--file FILE] [--browser-only]
 *
 * --file measures an existing file (kept) instead of generating one; --browser-only measures only
 * the Chromium figures (with --file: while looking at the page side alone).
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ViewerHost } from '../src/core/view/host';
import { ResultsIndex } from '../src/core/view/resultsIndex';
import { renderRich } from '../src/webview/render';
import type { AnyRequest, HostMessage, RequestParams, RequestResult, RequestType } from '../src/protocol';
import { figure } from './figure';

const args = process.argv.slice(2);
const ROWS = Number(args[args.indexOf('--rows') + 1]) || 100_000;
const KEEP = args.includes('--keep');
const GIVEN = args.includes('--file') ? args[args.indexOf('--file') + 1] : undefined;
const BROWSER_ONLY = args.includes('--browser-only');
const gc = (globalThis as { gc?: () => void }).gc;

let seed = 12345;
const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];

const FORMULAS = [
  '$x_{n+1} = x_n^2 + c$',
  '$\\frac{a+b}{2} \\ge \\sqrt{ab}$',
  '$\\sum_{k=1}^{n} k^2 = \\frac{n(n+1)(2n+1)}{6}$',
  '$\\gcd(a, b) = 1$',
  '$f(x+y) = f(x) + f(y)$',
  '$\\angle ABC = 90^\\circ$',
  '$p \\mid n^2 + 1$',
  '$\\binom{2n}{n}$',
];
const WORDS =
  'we prove that the claim holds for every positive integer since by induction assume otherwise then hence therefore contradiction lemma follows consider the sequence bound triangle circle prime divisor'.split(
    ' ',
  );

function prose(chars: number): string {
  let s = '';
  while (s.length < chars) {
    s += rand() < 0.18 ? ` ${pick(FORMULAS)}` : ` ${pick(WORDS)}`;
    if (rand() < 0.02) s += '.\n\n';
    if (rand() < 0.01) s += `\n$$${pick(FORMULAS).slice(1, -1)}$$\n`;
  }
  return s.trim();
}

function row(i: number): string {
  const score = pick([0, 0, 1, 6, 7, 7, null]);
  const solution = `**Step 1.** ${prose(3000)}\n\n**Step 2.** ${prose(900)}`;
  const cot = prose(2200);
  const problem = `Let $n$ be a positive integer. ${prose(450)}`;
  return JSON.stringify({
    problem_id: `GEN-${String(i).padStart(6, '0')}`,
    problem,
    solution: prose(1200),
    grading_guidelines: `(Partial) ${prose(200)}\n(Almost) ${prose(150)}`,
    Category: pick(['Algebra', 'Combinatorics', 'Geometry', 'Number theory']),
    Level: pick(['IMO-easy', 'IMO-medium', 'IMO-hard', 'pre-IMO']),
    Source: `Olympiad ${1990 + (i % 35)}`,
    model_solution: solution,
    cost_run: {
      cost: rand() * 0.2,
      input_tokens: 400,
      output_tokens: Math.round(2000 + rand() * 30000),
      time: rand() * 300,
    },
    history: [
      { role: 'user', content: `Prove rigorously:\n${problem}` },
      { role: 'assistant', type: 'cot', content: cot },
    ],
    schema_0: [{ title: 'Proof Grade', desc: 'see the guidelines', points: 7 }],
    run_index: 0,
    finish_reason: rand() < 0.03 ? 'length' : 'stop',
    qed_run: { config: pick(['openai/gpt-5-mini', 'google/gemini-2.5-pro']), model: 'm', api: 'openai', mode: 'proof' },
    grade: score === null ? undefined : [{ points: score, desc: prose(500) }],
    score,
    grade_cost: { cost: rand() * 0.02, input_tokens: 3000, output_tokens: 400, time: 20 },
  });
}

async function generate(file: string): Promise<void> {
  const out = createWriteStream(file);
  let buf = '';
  for (let i = 0; i < ROWS; i++) {
    buf += row(i) + '\n';
    if (buf.length > 8 << 20) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = '';
    }
  }
  out.write(buf);
  await new Promise<void>((r) => out.end(() => r()));
}

function time<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const v = fn();
  return [v, performance.now() - t0];
}
async function timeAsync<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await fn();
  return [v, performance.now() - t0];
}

const mb = (n: number) => `${(n / 2 ** 20).toFixed(0)} MB`;
const ms = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${n.toFixed(0)} ms`);

async function ask<K extends RequestType>(
  host: ViewerHost,
  type: K,
  params: RequestParams<K>,
): Promise<RequestResult<K>> {
  const reply = (await host.handle({ kind: 'request', id: 1, type, params } as AnyRequest)) as Extract<
    HostMessage,
    { kind: 'response' }
  >;
  if (!reply.ok) throw new Error(reply.error.message);
  return reply.result as RequestResult<K>;
}

async function newlineScan(file: string): Promise<number> {
  const fh = await open(file, 'r');
  const buf = Buffer.allocUnsafe(4 << 20);
  let n = 0;
  let pos = 0;
  for (;;) {
    const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
    if (!bytesRead) break;
    let p = 0;
    while ((p = buf.indexOf(10, p)) !== -1 && p < bytesRead) {
      n++;
      p++;
    }
    pos += bytesRead;
  }
  await fh.close();
  return n;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'qed-bench-view-'));
  const file = GIVEN ?? join(dir, 'big.jsonl');
  try {
    if (BROWSER_ONLY) {
      if (!GIVEN) await generate(file);
      if (existsSync('/usr/bin/chromium')) await browserFigures(file, testProof());
      return;
    }
    console.log(`generating ${ROWS.toLocaleString('en-US')} rows…`);
    const [, genMs] = GIVEN ? [undefined, 0] : await timeAsync(() => generate(file));
    const size = statSync(file).size;
    console.log(`  ${mb(size)} in ${ms(genMs)} (${(size / ROWS / 1024).toFixed(1)} kB per row)\n`);

    // Warm the page cache so every reader below reads from memory alike.
    execFileSync('wc', ['-l', file]);
    const wc = [0, 1, 2].map(() => time(() => execFileSync('wc', ['-l', file]).toString())[1]).sort((a, b) => a - b)[0];
    const [lines, scanMs] = await timeAsync(() => newlineScan(file));
    gc?.();
    const base = process.memoryUsage();
    // The offsets (rows listable and openable) come first; the summaries are read after them.
    // Best of three builds, each a fresh index, like wc -l's best of three.
    let offsetsMs = Infinity;
    let buildMs = Infinity;
    let idx = new ResultsIndex(file);
    for (let k = 0; k < 3; k++) {
      idx = new ResultsIndex(file);
      const t0 = performance.now();
      await idx.offsets();
      offsetsMs = Math.min(offsetsMs, performance.now() - t0);
      await idx.summaries();
      buildMs = Math.min(buildMs, performance.now() - t0);
      if (k < 2) gc?.();
    }
    gc?.();
    const built = process.memoryUsage();
    console.log('index build');
    console.log(`  wc -l                      ${ms(wc)}  (${(size / 2 ** 20 / (wc / 1000)).toFixed(0)} MB/s)`);
    console.log(`  newline scan in node       ${ms(scanMs)}  (${lines} lines)`);
    console.log(
      `  index: offsets             ${ms(offsetsMs)}  (${(size / 2 ** 20 / (offsetsMs / 1000)).toFixed(0)} MB/s): every row listed and openable`,
    );
    console.log(
      `  index: + summaries         ${ms(buildMs)}  (${(size / 2 ** 20 / (buildMs / 1000)).toFixed(0)} MB/s, ${Math.round(idx.table.n / (buildMs / 1000)).toLocaleString('en-US')} rows/s), read in the background after the offsets`,
    );
    figure({
      name: 'index offsets of a 1 GB / 100k-row file vs wc -l',
      value: offsetsMs / wc,
      unit: '×',
      target: '≤ 2',
      met: offsetsMs / wc <= 2,
      note: `${ms(offsetsMs)} vs ${ms(wc)}, best of 3, page cache warm; summaries done ${ms(buildMs)} after opening`,
    });
    console.log(
      `  index memory               ${mb(built.heapUsed - base.heapUsed + built.arrayBuffers - base.arrayBuffers)} (heap + typed arrays; the arrays alone ${mb(idx.table.bytes)}) for ${idx.table.n.toLocaleString('en-US')} rows`,
    );
    const child = JSON.parse(
      execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', __filename, '--child-host', file], {
        encoding: 'utf8',
      }),
    ) as Record<string, number>;
    console.log(
      `  a fresh host process       ${mb(child.before)} RSS before opening, ${mb(child.open)} with the file open and indexed (+${mb(child.open - child.before)}), ${mb(child.peak)} peak while indexing\n`,
    );

    // A fresh host (new index): time to first page / first row while the index is being built.
    const t0 = performance.now();
    const host = new ViewerHost({ files: [file], host: 'stub' });
    const all = host.open();
    await ask(host, 'page', { file: 0, query: { filter: {}, sort: 'index' }, offset: 0, limit: 200 });
    const firstPage = performance.now() - t0;
    const first = await ask(host, 'row', { file: 0, index: 0 });
    const firstRow = performance.now() - t0;
    await all;
    const complete = performance.now() - t0;
    gc?.();
    const open1 = process.memoryUsage();
    console.log('serving (host side)');
    console.log(`  first page of 200 rows     ${ms(firstPage)} after opening`);
    console.log(`  first full row (${(first.bytes / 1024).toFixed(1)} kB)  ${ms(firstRow)} after opening`);
    console.log(`  whole file indexed         ${ms(complete)} after opening`);
    console.log(`  this (bench) process       ${mb(open1.rss)} RSS with two indexes of the file`);
    const [, sortMs] = await timeAsync(() =>
      ask(host, 'page', {
        file: 0,
        query: { filter: {}, sort: 'score', descending: true },
        offset: 50_000,
        limit: 200,
      }),
    );
    const [, filterMs] = await timeAsync(() =>
      ask(host, 'page', {
        file: 0,
        query: {
          filter: { scoreMin: 1, scoreMax: 6, column: { name: 'Category', value: 'Geometry' } },
          sort: 'tokens',
        },
        offset: 0,
        limit: 200,
      }),
    );
    const [res, searchMs] = await timeAsync(() =>
      ask(host, 'page', {
        file: 0,
        query: { filter: { text: 'GEN-0(12|99)\\d{3}' }, sort: 'index' },
        offset: 0,
        limit: 200,
      }),
    );
    const randomRows = await timeAsync(async () => {
      for (let k = 0; k < 100; k++) await ask(host, 'row', { file: 0, index: Math.floor(rand() * ROWS) });
    });
    console.log(`  page 250 of sort by score  ${ms(sortMs)}`);
    console.log(`  filtered + sorted page     ${ms(filterMs)}`);
    console.log(
      `  regex over every row       ${ms(searchMs)} (${res.matched} matches${res.incomplete ? `, stopped: ${res.incomplete.reason}` : ''})`,
    );
    console.log(`  100 random full rows       ${ms(randomRows[1])} (${ms(randomRows[1] / 100)} each)`);
    const target = Math.floor(ROWS / 2);
    const r = await ask(host, 'row', { file: 0, index: target });
    const [, overrideMs] = await timeAsync(() =>
      ask(host, 'override', { file: 0, index: target, expect: r.rev, points: [5], note: 'bench' }),
    );
    console.log(`  override of row ${target}     ${ms(overrideMs)} (the ${mb(size)} file rewritten around one line)\n`);
    host.dispose();

    // Rendering a 30 KB proof with 400 formulas.
    const proof = testProof();
    renderRich(proof);
    const renders = [0, 1, 2, 3, 4].map(() => time(() => renderRich(proof))[1]).sort((a, b) => a - b);
    const out = renderRich(proof);
    console.log('rendering');
    console.log(
      `  30 KB proof, ${out.mathCount} formulas: ${ms(renders[2])} median in node (render core; ${out.mathErrors} errors, ${(out.html.length / 1024).toFixed(0)} kB of HTML)`,
    );

    if (existsSync('/usr/bin/chromium')) await browserFigures(file, proof);
    else console.log('  (no /usr/bin/chromium: the browser figures are skipped)');
  } finally {
    if (!KEEP) rmSync(dir, { recursive: true, force: true });
    else if (!GIVEN) console.log(`kept ${file}`);
  }
}

/** A 30 KB proof with 400 distinct formulas (a renderer may cache repeated ones). */
function testProof(): string {
  let proof = '';
  let f = 0;
  while (proof.length < 30_000 || f < 400) {
    if (f < 400 && proof.length / 30_000 >= f / 400) {
      const tex = `${pick(FORMULAS).slice(1, -1)} + a_{${f}}`;
      proof += ` ${f % 25 === 0 ? `\n$$${tex}$$\n` : `$${tex}$`}`;
      f++;
    } else proof += ` ${pick(WORDS)}${rand() < 0.03 ? '.\n\n' : ''}`;
  }
  return proof;
}

/** qed view on the big file in Chromium: first row page rendered, and the 30 KB proof's row page. */
async function browserFigures(file: string, proof: string): Promise<void> {
  const { startViewServer } = await import('../src/cli/viewServer');
  const { launch, watchPage, writeJsonl, proofRow, openRow } = await import('../test/webview/helpers');
  const browser = await launch();
  let server = await startViewServer({ files: [file] });
  try {
    const page = await browser.newPage({ width: 1400, height: 900 });
    await watchPage(page);
    // Five fresh servers (a new index each: the row is asked for while the file is being
    // indexed); the median is the figure. The first run is a fresh browser's first page, and the
    // next one is usually slower than the later ones too (the browser is still starting: traces
    // show it loading its own omnibox pages in the background); with three runs the median was
    // nearly always that second run. Each run also says where the page's time went, from its
    // resource timings and the marks the viewer sets (qed:boot, qed:init, qed:row, qed:built).
    // The row page is painted twice: first the first screen `qed view` sends with the page
    // (firstScreen.ts, timed by the Element Timing API), then the viewer's own, when its script
    // has run and takes over (data-painted-at).
    const runs: Array<{
      shown: number;
      painted: number;
      driver: number;
      renderMs: number;
      load: number;
      parts: string;
    }> = [];
    const RUNS = 5;
    for (let k = 0; k < RUNS; k++) {
      if (k > 0) {
        await page.goto('about:blank');
        await server.host.open().catch(() => undefined);
        await server.close();
        server = await startViewServer({ files: [file] });
      }
      const load = loadavg()[0];
      const t0 = performance.now();
      await page.goto(`${server.url}?row=1`);
      await page.waitForSelector('.row-page[data-row-index="0"][data-painted-at]', { timeout: 60_000 });
      const driver = performance.now() - t0;
      const painted = Number(await page.getAttribute('.row-page[data-painted-at]', 'data-painted-at'));
      const renderMs = Number(await page.getAttribute('.row-page[data-painted-at]', 'data-render-ms'));
      // The first screen's paint (Element Timing on its heading), or, when later, the arrival of
      // the last KaTeX font it asked for (KaTeX's fonts block their text until loaded: formulas
      // painted before that are invisible): fonts asked for before the script ran.
      const shown = await page.evaluate(
        () =>
          new Promise<number | undefined>((resolve) => {
            const boot = performance.getEntriesByName('qed:boot')[0]?.startTime ?? Infinity;
            const fonts = (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
              .filter((e) => e.name.endsWith('.woff2') && e.startTime < boot)
              .reduce((m, e) => Math.max(m, e.responseEnd), 0);
            new PerformanceObserver((l) => {
              const e = l
                .getEntries()
                .find((x) => (x as PerformanceEntry & { identifier?: string }).identifier === 'qed-first-screen');
              resolve(e ? Math.max(fonts, (e as PerformanceEntry & { renderTime: number }).renderTime) : undefined);
            }).observe({ type: 'element', buffered: true });
            setTimeout(() => resolve(undefined), 200);
          }),
      );
      const parts = await page.evaluate(() => {
        const at = (n: string) => performance.getEntriesByName(n)[0]?.startTime;
        const res = (suffix: string) =>
          (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).find((e) => e.name.endsWith(suffix))
            ?.responseEnd;
        const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
        const f = (x: number | undefined) => (x === undefined ? '–' : x.toFixed(0));
        return `html ${f(nav.responseEnd)}, webview.js ${f(res('webview.js'))}, script run ${f(at('qed:boot'))}, init ${f(at('qed:init'))}, row in ${f(at('qed:row'))}, built ${f(at('qed:built'))}, fonts ${f(res('KaTeX_Main-Regular.woff2'))}`;
      });
      if (shown === undefined)
        throw new Error('the first screen sent with the page was not painted (no Element Timing entry)');
      runs.push({ shown, painted, driver, renderMs, load, parts });
      console.log(
        `  ?row=1 run ${k + 1}: first screen painted at ${ms(shown)}, the viewer's own at ${ms(painted)} (load ${load.toFixed(1)}; ms after navigation start: ${parts}; row page built in ${ms(renderMs)})`,
      );
    }
    const mid = [...runs].sort((a, b) => a.shown - b.shown)[RUNS >> 1];
    const shownAt = mid.shown;
    const paintedAt = [...runs].sort((a, b) => a.painted - b.painted)[RUNS >> 1].painted;
    const firstRendered = mid.driver;
    const renderMs = mid.renderMs;
    const warm: number[] = [];
    for (let k = 0; k < 3; k++) {
      const t1 = performance.now();
      await page.goto(`${server.url}?row=${50_000 + k}`);
      await page.waitForSelector(`.row-page[data-row-index="${49_999 + k}"][data-painted-at]`);
      warm.push(Number(await page.getAttribute('.row-page[data-painted-at]', 'data-painted-at')));
      void t1;
    }
    // Scrolling the list: jump through the 100k rows and time until the rows are on screen.
    const jumps = await page.evaluate(async () => {
      const list = document.querySelector<HTMLElement>('.list')!;
      const times: number[] = [];
      for (let k = 1; k <= 20; k++) {
        const t = performance.now();
        list.scrollTop = (list.scrollHeight * k) / 21;
        await new Promise<void>((resolve) => {
          const check = () =>
            list.querySelector('.row:not(.placeholder)') && !list.querySelector('.row.placeholder')
              ? resolve()
              : requestAnimationFrame(check);
          requestAnimationFrame(check);
        });
        times.push(performance.now() - t);
      }
      return times.sort((a, b) => a - b);
    });
    figure({
      name: 'qed view ?row=1 on the 1 GB file while indexing: row page painted',
      value: shownAt,
      unit: 'ms',
      target: '≤ 300',
      met: shownAt <= 300,
      note: `from the navigation start to the paint of the row's first screen sent with the page, Chromium headless, median of ${RUNS} fresh servers (${runs.map((r) => ms(r.shown)).join(', ')}; load average ${runs.map((r) => r.load.toFixed(1)).join(', ')})`,
    });
    figure({
      name: 'qed view ?row=1 on the 1 GB file while indexing: the viewer took over (its own row page painted)',
      value: paintedAt,
      unit: 'ms',
      note: `the script compiled and run, the handshake, the row built again and painted beneath the first screen, which is then taken away; median of ${RUNS} (${runs.map((r) => ms(r.painted)).join(', ')})`,
    });
    const limit = await staticFirstScreen(browser, page, server.url);
    figure({
      name: "the same row page's first screen as a static page (no script): painted",
      value: limit.fcp,
      unit: 'ms',
      note: `the limit of this machine's Chromium for that content: header and problem beside the proof's first screen, saved from the page above (${limit.kb} kB of HTML, ${limit.elements} elements), served with the viewer's stylesheet and fonts and opened in a fresh page; first contentful paint, median of 3 (${limit.runs.map(ms).join(', ')}); the header alone: ${ms(limit.header)}; ours (first screen) ${(shownAt / limit.fcp).toFixed(2)}× it`,
    });
    console.log(
      `  qed view, 1 GB file, opened with ?row=1 while the host is still indexing: the row page is painted ${ms(paintedAt)} after the navigation started (${ms(firstRendered)} as seen by the test driver; row page built in ${ms(renderMs)}, cold JIT); ${ms(warm.sort((a, b) => a - b)[1])} once the file is indexed`,
    );
    console.log(
      `  list jumps over 100k rows: median ${ms(jumps[10])}, worst ${ms(jumps[19])} until the rows are on screen`,
    );
    await server.close();
    const dir = mkdtempSync(join(tmpdir(), 'qed-bench-proof-'));
    const proofFile = writeJsonl(join(dir, 'proof.jsonl'), [
      proofRow(0, { model_solution: proof }),
      proofRow(1, { model_solution: proof.replace(/a_\{/g, 'b_{') }),
    ]);
    const s2 = await startViewServer({ files: [proofFile] });
    // The viewer's own row page (not the first screen the server sent with the page).
    await openRow(page, s2.url, 1);
    const coldMs = Number(await page.getAttribute('.row-page[data-painted-at]', 'data-render-ms'));
    // Warm (the usual case: rows opened one after another in one page): from the click on
    // "next"/"previous" to the second frame after the row page is in, so layout and paint count.
    const steps = await page.evaluate(async () => {
      const out: Array<{ total: number; build: number }> = [];
      for (let k = 0; k < 8; k++) {
        const want = (k + 1) % 2;
        const t = performance.now();
        document.querySelector<HTMLElement>(`vscode-button[aria-label="${want ? 'Next' : 'Previous'} row"]`)!.click();
        const el = await new Promise<HTMLElement>((resolve) => {
          const check = () => {
            const p = document.querySelector<HTMLElement>(`.row-page[data-row-index="${want}"]`);
            if (p) resolve(p);
            else requestAnimationFrame(check);
          };
          check();
        });
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        out.push({ total: performance.now() - t, build: Number(el.dataset.renderMs) });
      }
      return out;
    });
    const med = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    console.log(
      `  30 KB proof row page in Chromium: ${ms(med(steps.map((w) => w.build)))} to build (render + DOM), ${ms(med(steps.map((w) => w.total)))} from the click to painted (layout included); the first one after a page load ${ms(coldMs)} to build (cold JIT)`,
    );
    await s2.close();
    rmSync(dir, { recursive: true, force: true });
  } finally {
    await browser.close();
  }
}

/**
 * What Chromium itself takes to show the first screen of the open row page, with no script at all:
 * the page's header and its problem/proof pair (the first screen's blocks only) saved as static
 * HTML, served with dist/webview.css and the KaTeX fonts from a plain server, opened in a fresh
 * page. Its first contentful paint is the floor under the `?row=1` figure on this machine.
 */
async function staticFirstScreen(
  browser: Awaited<ReturnType<(typeof import('../test/webview/helpers'))['launch']>>,
  page: import('playwright-core').Page,
  viewUrl: string,
): Promise<{ fcp: number; runs: number[]; header: number; kb: number; elements: number }> {
  const { createServer } = await import('node:http');
  const { readFileSync } = await import('node:fs');
  const { viewerHtml, PRELOAD_FONTS } = await import('../src/core/view/html');
  await page.goto(`${viewUrl}?row=1`);
  await page.waitForSelector('.row-page[data-row-index="0"][data-complete=true]');
  await page.waitForFunction(() => !document.querySelector('.first-screen'));
  const cut = (keepPair: boolean) =>
    page.evaluate((pair) => {
      const app = document.querySelector('.qed-app')!.cloneNode(true) as HTMLElement;
      const rowPage = app.querySelector('.row-page')!;
      for (const el of Array.from(rowPage.children)) if (!el.matches(pair ? 'header, .pair' : 'header')) el.remove();
      for (const el of Array.from(rowPage.querySelectorAll('.rich.lazy > .rich-block:not(.first)'))) el.remove();
      app.querySelector('.list')?.replaceChildren();
      return { html: app.outerHTML, elements: rowPage.querySelectorAll('*').length };
    }, keepPair);
  const docs = { pair: await cut(true), header: await cut(false) };
  const dist = join(__dirname, '..', 'dist');
  const page0 = (body: string) =>
    viewerHtml({
      scriptUri: 'none.js',
      styleUri: 'webview.css',
      fontUris: PRELOAD_FONTS,
      nonce: 'none',
      csp: "default-src 'none'; style-src 'self' 'unsafe-inline'; font-src 'self'",
      title: 'static first screen',
      host: 'http',
    })
      .replace(/<script[^>]*><\/script>/, '')
      .replace(/<div id="app">.*<\/div>/, `<div id="app">${body}</div>`);
  const html = { pair: page0(docs.pair.html), header: page0(docs.header.html) };
  const srv = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0].slice(1);
    if (path === 'pair' || path === 'header') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(html[path]);
    }
    try {
      const body = readFileSync(join(dist, path.replace(/[^\w.-]/g, '')));
      res.writeHead(200, { 'content-type': path.endsWith('.css') ? 'text/css' : 'font/woff2' });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', () => resolve()));
  const base = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
  const fcp = async (path: string, k: number) => {
    const p = await browser.newPage({ width: 1400, height: 900 });
    try {
      await p.goto(`${base}/${path}?run=${k}`);
      return await p.evaluate(
        () =>
          new Promise<number>((resolve) =>
            new PerformanceObserver((l) => resolve(l.getEntries()[0].startTime)).observe({
              type: 'paint',
              buffered: true,
            }),
          ),
      );
    } finally {
      await p.close();
    }
  };
  try {
    const runs: number[] = [];
    const header: number[] = [];
    for (let k = 0; k < 3; k++) {
      runs.push(await fcp('pair', k));
      header.push(await fcp('header', k));
    }
    const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[1];
    return {
      fcp: mid(runs),
      runs,
      header: mid(header),
      kb: Math.round(html.pair.length / 1024),
      elements: docs.pair.elements,
    };
  } finally {
    srv.close();
  }
}

/** `--child-host FILE`: open FILE in a ViewerHost in a clean process and report its memory. */
async function childHost(file: string): Promise<void> {
  gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const host = new ViewerHost({ files: [file], host: 'stub' });
  await host.open();
  await ask(host, 'row', { file: 0, index: 0 });
  clearInterval(timer);
  gc?.();
  const open = process.memoryUsage().rss;
  process.stdout.write(JSON.stringify({ before, open, peak: Math.max(peak, open) }));
  host.dispose();
}

if (args[0] === '--child-host') void childHost(args[1]);
else
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1); // a browser or server left open would keep a failed bench waiting
  });
