/**
 * Where the time of `qed view ?row=N` goes in Chromium: opens the page under a DevTools trace and
 * prints the main thread's time by kind (script compile and run, style, layout, paint, parsing),
 * with the viewer's own marks. For looking into the `?row=1` figure of bench/view.ts.
 *
 *   node --import tsx bench/trace-first-row.ts --file RESULTS.jsonl [--row 1] [--runs 3] [--save DIR]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startViewServer } from '../src/cli/viewServer';
import { launch } from '../test/webview/helpers';

const args = process.argv.slice(2);
const opt = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const FILE = opt('--file');
const ROW = Number(opt('--row') ?? 1);
const RUNS = Number(opt('--runs') ?? 3);
const SAVE = opt('--save');
if (!FILE) {
  console.error('usage: bench/trace-first-row.ts --file RESULTS.jsonl [--row N] [--runs N] [--save DIR]');
  process.exit(2);
}

interface TraceEvent {
  name: string;
  cat: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: Record<string, unknown>;
}

const KINDS: Record<string, string> = {
  'v8.compile': 'compile',
  'v8.compileModule': 'compile',
  'V8.CompileCode': 'compile',
  'v8.produceCache': 'compile',
  EvaluateScript: 'script',
  'v8.evaluateModule': 'script',
  FunctionCall: 'script',
  TimerFire: 'script',
  FireAnimationFrame: 'script',
  EventDispatch: 'script',
  RunMicrotasks: 'script',
  ParseHTML: 'parse HTML',
  ParseAuthorStyleSheet: 'parse CSS',
  UpdateLayoutTree: 'style',
  Layout: 'layout',
  PrePaint: 'paint',
  Paint: 'paint',
  Layerize: 'paint',
  UpdateLayer: 'paint',
  CompositeLayers: 'paint',
  Commit: 'paint',
};

async function main(): Promise<void> {
  const browser = await launch();
  try {
    for (let k = 0; k < RUNS; k++) {
      const server = await startViewServer({ files: [FILE!] });
      const page = await browser.newPage({ width: 1400, height: 900 });
      await page.goto('about:blank');
      const cdp = await browser.context.newCDPSession(page);
      const events: TraceEvent[] = [];
      cdp.on('Tracing.dataCollected', (e) => void events.push(...(e.value as unknown as TraceEvent[])));
      const done = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
      await cdp.send('Tracing.start', {
        traceConfig: {
          includedCategories: [
            'devtools.timeline',
            'disabled-by-default-devtools.timeline',
            'v8',
            'v8.execute',
            'blink.user_timing',
            'loading',
            'blink',
          ],
        },
        transferMode: 'ReportEvents',
      });
      await page.goto(`${server.url}?row=${ROW}`);
      await page.waitForSelector(`.row-page[data-row-index="${ROW - 1}"][data-painted-at]`, { timeout: 60_000 });
      const painted = Number(await page.getAttribute('.row-page[data-painted-at]', 'data-painted-at'));
      const marks = await page.evaluate(() =>
        performance
          .getEntriesByType('mark')
          .map((m) => `${m.name.replace('qed:', '')} ${m.startTime.toFixed(0)}`)
          .join(', '),
      );
      await cdp.send('Tracing.end');
      await done;
      if (SAVE) writeFileSync(join(SAVE, `trace-${k + 1}.json`), JSON.stringify({ traceEvents: events }));
      // The renderer's main thread: the thread that ran ParseHTML of our page.
      const parse = events.find(
        (e) =>
          e.name === 'ParseHTML' && String((e.args?.beginData as { url?: string })?.url ?? '').startsWith(server.url),
      );
      const nav = events.find((e) => e.name === 'navigationStart' && e.pid === parse?.pid) ?? parse;
      const main = events.filter((e) => parse && e.pid === parse.pid && e.tid === parse.tid && e.ph === 'X' && e.dur);
      const t0 = nav?.ts ?? 0;
      const end = t0 + painted * 1000;
      // Self time by kind up to the paint, nested events subtracted from their parents.
      const within = main.filter((e) => e.ts >= t0 && e.ts < end).sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
      const by = new Map<string, number>();
      const stack: Array<{ e: TraceEvent; kind: string }> = [];
      let busy = 0;
      for (const e of within) {
        while (stack.length && stack[stack.length - 1].e.ts + stack[stack.length - 1].e.dur! <= e.ts) stack.pop();
        const kind = KINDS[e.name] ?? (stack.length ? stack[stack.length - 1].kind : 'other');
        const dur = Math.min(e.dur!, end - e.ts);
        if (stack.length) {
          const parent = stack[stack.length - 1];
          by.set(parent.kind, (by.get(parent.kind) ?? 0) - dur);
        } else busy += dur;
        by.set(kind, (by.get(kind) ?? 0) + dur);
        stack.push({ e, kind });
      }
      const top = within
        .filter((e) => e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask')
        .sort((a, b) => b.dur! - a.dur!)
        .slice(0, 6)
        .map((e) => `${((e.ts - t0) / 1000).toFixed(0)}+${(e.dur! / 1000).toFixed(0)}`);
      console.log(`run ${k + 1}: painted ${painted.toFixed(0)} ms; marks: ${marks}`);
      console.log(
        `  main thread busy ${(busy / 1000).toFixed(0)} ms of ${painted.toFixed(0)}: ${[...by.entries()]
          .filter(([, v]) => v > 500)
          .sort((a, b) => b[1] - a[1])
          .map(([kind, v]) => `${kind} ${(v / 1000).toFixed(0)}`)
          .join(', ')}`,
      );
      console.log(`  longest tasks (start+ms): ${top.join(', ')}`);
      await page.close();
      await server.close();
    }
  } finally {
    await browser.close();
  }
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
