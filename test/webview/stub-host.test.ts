/**
 * The viewer bundle as VS Code runs it, with a stub host: the page is served under the webview's
 * Content-Security-Policy (the same string the extension sets), `acquireVsCodeApi` posts to the
 * real ViewerHost running in this process, and the host's messages come back as window messages.
 * A corpus of hostile model output must execute nothing and leave the page responsive.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ViewerHost } from '../../src/core/view/host';
import { makeNonce, viewerHtml, webviewCsp } from '../../src/core/view/html';
import type { HostMessage } from '../../src/protocol';
import {
  DIST,
  HAVE_CHROMIUM,
  NO_CHROMIUM,
  browserAndScratch,
  proofRow,
  screenshot,
  watchPage,
  writeJsonl,
  type Row,
} from './helpers';
import { agentResults, damagedRow } from '../fixtures/agents/traces';

const ORIGIN = 'https://qed-webview.test';

/**
 * A new page serving the viewer like a VS Code webview, wired to a ViewerHost for `files`, with
 * the page error trap installed; resolves once the viewer is ready. `close()` ends both.
 */
async function openStub(
  files: string[],
): Promise<{ page: Page; host: ViewerHost; trap: Awaited<ReturnType<typeof watchPage>>; close: () => Promise<void> }> {
  const page = await browser().newPage({ width: 1300, height: 850 });
  const trap = await watchPage(page);
  const host = new ViewerHost({ files, host: 'stub' });
  const close = async () => {
    await page.close();
    host.dispose();
  };
  void host.open();
  const deliver = async (m: HostMessage) => {
    // As VS Code does, the message crosses as JSON.
    await page.evaluate((raw) => window.postMessage(JSON.parse(raw), '*'), JSON.stringify(m)).catch(() => undefined);
  };
  host.onMessage((m) => void deliver(m));
  await page.exposeBinding('__qedToHost', async (_src, raw: string) => {
    const reply = await host.handle(JSON.parse(raw));
    if (reply) await deliver(reply);
  });
  await page.addInitScript(`
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
    window.acquireVsCodeApi = () => ({
      postMessage: (m) => window.__qedToHost(JSON.stringify(m)),
      getState: () => JSON.parse(sessionStorage.getItem('vscode-state') || 'null') || undefined,
      setState: (s) => sessionStorage.setItem('vscode-state', JSON.stringify(s)),
    });
  `);
  await page.route(`${ORIGIN}/**`, async (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/') {
      const nonce = makeNonce();
      const html = viewerHtml({
        scriptUri: `${ORIGIN}/dist/webview.js`,
        styleUri: `${ORIGIN}/dist/webview.css`,
        nonce,
        csp: webviewCsp(ORIGIN, nonce),
        title: 'stub',
        host: 'vscode',
      });
      return route.fulfill({ status: 200, contentType: 'text/html', body: html });
    }
    const m = /^\/dist\/(webview\.js|webview\.css|KaTeX_[\w-]+\.woff2)$/.exec(path);
    if (m)
      return route.fulfill({
        status: 200,
        contentType: m[1].endsWith('.js') ? 'text/javascript' : m[1].endsWith('.css') ? 'text/css' : 'font/woff2',
        body: readFileSync(join(DIST, m[1])),
      });
    return route.fulfill({ status: 404, body: 'not found' });
  });
  // Anything else (a remote image, a link target) never leaves the machine.
  await page.route(
    (url) => !url.href.startsWith(ORIGIN),
    (route) => route.abort(),
  );
  try {
    await page.goto(`${ORIGIN}/`);
    await page.waitForSelector('body[data-ready=true]');
  } catch (e) {
    await close();
    throw e;
  }
  return { page, host, trap, close };
}

const P = (n: number) => `window.__pwned = ${n}`;

/** The interactions with one hostile row stop after this long (the checks of the row always run). */
const ROW_BUDGET_MS = 10_000;
/** How long a row may take to open (a 10 MB row is cut for transfer; the others are small). */
const ROW_OPEN_MS = 20_000;
/** A page that has not answered a trivial evaluation after this long is hung. */
const HANG_MS = 15_000;

/** Model output written to hurt: each row aims at a different weakness. */
function hostileRows(): Row[] {
  const bomb =
    '\\def\\a{\\b\\b\\b\\b\\b\\b\\b\\b\\b\\b}\\def\\b{\\c\\c\\c\\c\\c\\c\\c\\c\\c\\c}\\def\\c{\\d\\d\\d\\d\\d\\d\\d\\d\\d\\d}\\def\\d{\\e\\e\\e\\e\\e\\e\\e\\e\\e\\e}\\def\\e{xxxxxxxxxx}\\a';
  const tenMb = (
    'Consider $x_{n+1} = x_n^2 + \\frac{1}{n}$ and note that <b>bold</b> ' +
    'lorem ipsum '.repeat(20) +
    '\n'
  )
    .repeat(Math.ceil(10_500_000 / 300))
    .slice(0, 10_000_000);
  const rows: Row[] = [
    {
      problem_id: `<img src=x onerror="${P(1)}">`,
      problem: `<script>${P(2)}</script> Show that $1+1=2$. <img src=x onerror="${P(3)}"> <svg onload="${P(4)}"></svg> <iframe src="javascript:${P(5)}"></iframe>`,
      model_solution: `[click me](javascript:${P(6)}) and [data](data:text/html,<script>parent.__pwned=7</script>) and <a href="javascript:${P(8)}">raw link</a> and <javascript:${P(9)}> and [vb](vbscript:msgbox) and [ok](https://example.org/)`,
      Source: `<style>body{display:none}</style><base href="https://evil.example/">`,
      score: 7,
      schema_0: [{ title: `<b onmouseover="${P(10)}">Proof</b> $x$`, desc: `<script>${P(11)}</script>`, points: 7 }],
      grade: [{ points: 7, desc: `<img src=x onerror="${P(12)}"> fine` }],
    },
    {
      problem_id: 'katex-commands',
      problem: `$\\href{javascript:${P(13)}}{click}$ $\\url{javascript:${P(14)}}$ $\\htmlId{x}{y}$ $\\htmlClass{x}{y}$ $\\htmlStyle{color:red}{y}$ $\\htmlData{a=b}{y}$ $\\includegraphics{https://evil.example/x.png}$`,
      model_solution: `$x" onmouseover="${P(15)}$ and $\\text{<img src=x onerror=${P(16)}>}$ and $\\operatorname{<script>}$ \\[ \\href{javascript:${P(17)}}{y} \\]`,
      score: 0,
    },
    {
      problem_id: 'expansion-bombs',
      problem: `$${bomb}$ and $\\newcommand{\\x}{\\x}\\x$ and $\\rule{100000em}{100000em}$ and $${'{'.repeat(5000)}x${'}'.repeat(5000)}$`,
      model_solution: `$$\\def\\f#1{#1#1#1#1#1#1#1#1}\\f{\\f{\\f{\\f{\\f{\\f{x}}}}}}$$ ${'$x$ '.repeat(20000)}`,
      score: 1,
    },
    {
      problem_id: 'unbalanced',
      problem:
        '$$ a display that never closes\n\n\\[ nor this one \\( or this $ and a price of $5 and $10, \\begin{align} x &= y',
      model_solution: '\\end{align} } } { $x$ \\] $$ \\right) `$code$` ```\n$$not math$$\n```',
      score: null,
      grade_error: 'could not read the reply',
    },
    {
      problem_id: 'ten-megabytes',
      problem: 'A very long answer follows.',
      model_solution: tenMb,
      score: 0,
    },
    {
      problem_id: 'markup-everywhere',
      problem: `![pic](https://evil.example/p.png) ![js](javascript:${P(18)}) <meta http-equiv="refresh" content="0;url=javascript:${P(19)}">`,
      model_solution: '\u202Eevil override\u202C and zero\u200Bwidth',
      history: [
        { role: 'user', content: `<script>${P(20)}</script>` },
        { role: 'assistant', type: 'cot', content: `<img src=x onerror="${P(21)}">` },
        { role: 'assistant', content: `[x](javascript:${P(22)})` },
      ],
      human_grade: {
        points: [1],
        total: 1,
        note: `<img src=x onerror="${P(23)}">`,
        reviewer: `<b onclick="${P(24)}">me</b>`,
        at: 'not a date',
      },
      score: 1,
      schema_0: [{ title: 'Proof Grade', desc: '', points: 7 }],
      '<b onclick="x">key</b>': '<i>value</i>',
      nested: JSON.parse('['.repeat(500) + ']'.repeat(500)),
      ['__proto__']: { polluted: true },
    },
  ];
  return rows;
}

const scratch = browserAndScratch();
const browser = scratch.browser;

describe('the bundle in a VS Code-like webview (stub host)', { skip: !HAVE_CHROMIUM && NO_CHROMIUM }, () => {
  // Six rows, each at most ROW_OPEN_MS + ROW_BUDGET_MS + HANG_MS on a very busy machine, and far less usually.
  test(
    'hostile model output: nothing executes, nothing loads, the page stays responsive',
    { timeout: 240_000 },
    async () => {
      const raw = hostileRows();
      // JSON.stringify drops an own __proto__ key made by a literal: write that row by hand.
      const file = join(scratch.dir(), 'hostile.jsonl');
      writeJsonl(file, [...raw, proofRow(1)]);
      const lines = readFileSync(file, 'utf8').split('\n');
      lines[5] = lines[5].replace(
        /^\{/,
        '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},',
      );
      writeFileSync(file, lines.join('\n'));

      const { page, trap, close } = await openStub([file]);
      try {
        assert.equal(
          await page.evaluate(() => document.querySelectorAll('.list .row[data-index]').length),
          raw.length + 1,
        );
        for (let i = 0; i < raw.length; i++) {
          // Each row has a budget for its interactions, so that the rows together stay well inside
          // the test's limit on a busy machine: whatever hovering and clicking is left when the
          // budget runs out is skipped (and said), the safety checks below always run.
          const deadline = Date.now() + ROW_BUDGET_MS;
          const left = (most: number): number => Math.max(1, Math.min(most, deadline - Date.now()));
          await page.evaluate(() => document.querySelector<HTMLElement>('.list')!.focus());
          if (i > 0) await page.keyboard.press('j');
          const t0 = Date.now();
          await page.keyboard.press('Enter');
          await page.waitForSelector(`.row-page[data-row-index="${i}"]`, { timeout: ROW_OPEN_MS });
          const openMs = Date.now() - t0;
          // Open every fold (lazy sections render now), hover and click every link and formula.
          await page.evaluate(() =>
            document.querySelectorAll<HTMLDetailsElement>('.row-page details').forEach((d) => (d.open = true)),
          );
          await page.waitForTimeout(50);
          // (A web link would be opened by VS Code itself, outside the webview: those are only hovered.)
          // Locators by index: a row of 20,000 formulas must not cost 20,000 element handles.
          const links = page.locator('.row-page a');
          const linkCount = Math.min(20, await links.count());
          let skipped = 0;
          for (let k = 0; k < linkCount; k++) {
            if (Date.now() >= deadline) {
              skipped++;
              continue;
            }
            const a = links.nth(k);
            await a.hover({ force: true, timeout: left(2000) }).catch(() => undefined);
            if (/^https?:/i.test((await a.getAttribute('href', { timeout: left(2000) }).catch(() => null)) ?? ''))
              continue;
            await a.click({ force: true, timeout: left(2000), noWaitAfter: true }).catch(() => undefined);
          }
          const formulas = page.locator('.row-page [data-latex]');
          const formulaCount = Math.min(10, await formulas.count());
          for (let k = 0; k < formulaCount; k++) {
            if (Date.now() >= deadline) {
              skipped++;
              continue;
            }
            await formulas
              .nth(k)
              .hover({ force: true, timeout: left(2000) })
              .catch(() => undefined);
          }
          const state = await page.evaluate(() => {
            const bad: string[] = [];
            for (const el of Array.from(document.querySelectorAll('body *:not(script[src$="/dist/webview.js"])'))) {
              for (const attr of el.getAttributeNames()) if (/^on/i.test(attr)) bad.push(`${el.tagName} ${attr}`);
              if (
                /^(SCRIPT|IFRAME|OBJECT|EMBED|BASE|META|STYLE|IMG|SVG|FORM)$/i.test(el.tagName) &&
                !el.closest('.katex')
              )
                bad.push(el.tagName);
              const href = el.getAttribute('href');
              if (href !== null && !/^(https?:|mailto:)/i.test(href)) bad.push(`href=${href.slice(0, 40)}`);
            }
            return {
              pwned: (window as unknown as { __pwned: number }).__pwned,
              bad,
              location: location.href,
              display: getComputedStyle(document.body).display,
              polluted: ({} as Record<string, unknown>).polluted,
            };
          });
          assert.equal(state.pwned, 0, `row ${i}: a script ran`);
          assert.deepEqual(state.bad, [], `row ${i}: dangerous markup in the page`);
          assert.equal(state.location, `${ORIGIN}/`, `row ${i}: the page navigated`);
          assert.notEqual(state.display, 'none');
          assert.equal(state.polluted, undefined);
          // Responsive: the page answers (a hung page never would: the bound only tells a hang from
          // an answer, it is not a speed requirement) and the keyboard still moves the selection.
          assert.equal(
            await Promise.race([
              page.evaluate(() => 1 + 1),
              new Promise((resolve) => setTimeout(() => resolve('no answer'), HANG_MS)),
            ]),
            2,
            'the page answers',
          );
          console.log(
            `# hostile row ${i} (${String(raw[i].problem_id).slice(0, 20)}): opened in ${openMs} ms, ${await page.$$eval('.row-page .math-error', (e) => e.length)} formulas shown as errors; ${Date.now() - t0} ms in all${skipped ? `, ${skipped} hovers skipped at the end of the row's budget` : ''}`,
          );
        }
        // The 10 MB row: cut for transfer, then rendered in blocks (the first screen now, the rest in view).
        await page.evaluate(() => document.querySelector<HTMLElement>('.list')!.focus());
        await page.keyboard.press('k');
        await page.keyboard.press('Enter');
        await page.waitForSelector('.row-page[data-row-index="4"]');
        assert.match(
          (await page.textContent('.row-page .callouts')) ?? '',
          /shortened for display: model_solution \(10000 kB\)/,
        );
        await page.waitForSelector('.row-page [data-field=model_solution] > .rich-block:first-child:not(.pending)');
        await page.keyboard.press('j');
        await page.waitForSelector('.list .row.selected[data-index="5"]');
        await screenshot(page, 'viewer-hostile');
        const csp = await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
        // Remote images are refused by the renderer before the CSP ever sees them.
        assert.deepEqual(csp, [], 'no CSP violation');
        assert.deepEqual(trap.errors, [], 'no uncaught page errors');
      } finally {
        await close();
      }
    },
  );

  test('getState/setState: the open row, filters and font size survive a reload; KaTeX fonts load under the CSP', async () => {
    const file = writeJsonl(
      join(scratch.dir(), 'state.jsonl'),
      Array.from({ length: 30 }, (_, i) => proofRow(i)),
    );
    const { page, host, trap, close } = await openStub([file]);
    try {
      await page.click('.chip[data-status=full]');
      await page.waitForFunction(
        () => document.querySelector('[data-testid=counts]')?.getAttribute('data-shown') !== '30',
      );
      const fullCount = await page.getAttribute('[data-testid=counts]', 'data-shown');
      await page.click('.list .row[data-pos="2"]');
      const index = Number(await page.getAttribute('.list .row[data-pos="2"]', 'data-index'));
      await page.waitForSelector(`.row-page[data-row-index="${index}"]`);
      await page.click('vscode-button[aria-label="Larger text"]');
      await page.evaluate(() => document.fonts.ready);
      assert.ok(
        await page.evaluate(
          () =>
            document.fonts.check('16px KaTeX_Main') &&
            Array.from(document.fonts as unknown as Iterable<FontFace>).some(
              (f) => f.family.includes('KaTeX') && f.status === 'loaded',
            ),
        ),
        'KaTeX fonts loaded',
      );
      await page.reload();
      await page.waitForSelector(`.row-page[data-row-index="${index}"]`);
      assert.equal(await page.getAttribute('[data-testid=counts]', 'data-shown'), fullCount);
      assert.equal(await page.getAttribute('.chip[data-status=full]', 'aria-pressed'), 'true');
      assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('.detail')!).fontSize), '15px');
      await page.waitForSelector('.list .row.selected[data-pos="2"]');
      // Copy as LaTeX from the context menu: with its delimiters.
      await page.click('.row-page [data-field=model_solution] .math-display .katex-html >> nth=0', { button: 'right' });
      await page.waitForSelector('#qed-toast.show');
      assert.match((await page.textContent('#qed-toast')) ?? '', /Copied with delimiters: \\\[a_n = /);
      // The host reports a change made by someone else: the open row is shown again.
      const lines = readFileSync(file, 'utf8').split('\n');
      const row = JSON.parse(lines[index]);
      row.score = 3;
      lines[index] = JSON.stringify(row);
      writeFileSync(file, lines.join('\n'));
      await host.refresh(0);
      await page.waitForSelector(`.row-page[data-row-index="${index}"] .row-head:has-text("model 3/7")`);
      assert.deepEqual(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), []);
      // The vscode-elements controls render under the webview's CSP (their styles are constructable stylesheets).
      assert.ok(
        await page.$eval(
          'vscode-button[data-action=regrade]',
          (b) => (b.shadowRoot?.adoptedStyleSheets.length ?? 0) > 0 && b.getBoundingClientRect().width > 30,
        ),
        'the Regrade button rendered with its styles',
      );
      assert.deepEqual(trap.errors, []);
    } finally {
      await close();
    }
  });
  test("an agent row's trace under the webview's CSP: the timeline, a step opened, a candidate followed, a damaged trace", async () => {
    const far = damagedRow(900);
    far.problem_id = 'AG-FAR';
    (far.agent_trace as { final: unknown }).final = { candidate: 'p600', score: 1, note: 'far down the trace' };
    const file = writeJsonl(join(scratch.dir(), 'agents.jsonl'), [...agentResults({ damaged: true }), far]);
    const { page, trap, close } = await openStub([file]);
    try {
      await page.click('.list .row[data-index="1"]');
      await page.waitForSelector('.row-page[data-row-index="1"] .agent-trace .step.final details[open] .katex');
      assert.equal(await page.locator('.agent-trace .step').count(), 27);
      await page.locator('.step[data-step="4"] summary.step-head').click();
      await page.waitForSelector('.step[data-step="4"] .step-body .rich');
      await page.click('.step[data-step="4"] .reads [data-cand="p1"]');
      await page.waitForSelector('.step[data-step="0"] details[open] .step-body .rich .katex');
      await page.click('.list .row[data-index="5"]');
      await page.waitForSelector('.row-page[data-row-index="5"] .agent-trace');
      await page.locator('.step[data-step="0"] summary.step-head').click();
      await page.waitForSelector('.step[data-step="0"] .step-body .rich');
      // A final choice far down a long trace: the steps up to it are built and it starts open.
      await page.click('.list .row[data-index="6"]');
      await page.waitForSelector('.row-page[data-row-index="6"] .step[data-step="600"] details[open] .step-body');
      assert.equal(await page.locator('.agent-trace .step').count(), 601);
      assert.equal(await page.evaluate(() => (window as unknown as { __pwned: number }).__pwned), 0);
      assert.deepEqual(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), []);
      assert.deepEqual(trap.errors, []);
    } finally {
      await close();
    }
  });
  test('odd files: a BOM before row 1 and a row nested 100 000 levels deep — two rows listed, the banner says why the third is unreadable', async () => {
    const deep = `{"problem_id":"DEEP","problem":"p","a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const file = join(scratch.dir(), 'odd.jsonl');
    writeFileSync(file, `\ufeff${JSON.stringify(proofRow(0))}\n${deep}\n${JSON.stringify(proofRow(1))}\n`);
    const { page, trap, close } = await openStub([file]);
    try {
      await page.waitForFunction(
        () => document.querySelector('[data-testid=counts]')?.getAttribute('data-shown') === '2',
      );
      await page.waitForSelector('.banner.warn');
      assert.match(
        (await page.textContent('.banner.warn')) ?? '',
        /1 unreadable line\(s\) skipped \(first: line 2, nested more than 1000 levels deep, too deep to read safely\)/,
      );
      await page.click('.list .row[data-pos="0"]');
      await page.waitForSelector('.row-page[data-row-index="0"]');
      assert.deepEqual(trap.errors, []);
    } finally {
      await close();
    }
  });
});
