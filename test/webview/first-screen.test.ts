/**
 * `qed view …?row=N`: the server sends the row's first screen with the page (firstScreen.ts), so
 * it is painted before the viewer's script has run; the viewer then builds its own row page
 * beneath it and takes the screen over without anything on it moving. The script's arrival is
 * held by the test (no timings).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page, Route } from 'playwright-core';
import { startViewServer, type ViewServer } from '../../src/cli/viewServer';
import { HAVE_CHROMIUM, NO_CHROMIUM, browserAndScratch, proofRow, screenshot, watchPage, writeJsonl } from './helpers';

const scratch = browserAndScratch();

/** A proof of many paragraphs (rendered in blocks by the viewer), each with a formula. */
const LONG = Array.from(
  { length: 40 },
  (_, k) =>
    `**Claim ${k + 1}.** For every $n \\ge ${k}$ we have $\\sum_{i=1}^{n} i^{${k}} \\le n^{${k + 1}}$, as the terms are at most $n^{${k}}$.`,
).join('\n\n');

/** Where the reader's eye is: the row's title, badge, headings and the first lines of both texts. */
const SPOTS = [
  '.row-title h2',
  '.row-head .badge',
  '.pair .problem h3',
  '.pair .problem .rich',
  '.pair .solution .rich-block',
];

function spots(page: Page, scope: string): Promise<string[]> {
  return page.evaluate(
    ({ scope, sel }) =>
      sel.map((s) => {
        const el = document.querySelector(`${scope} ${s}`);
        if (!el) return `${s}: missing`;
        const r = el.getBoundingClientRect();
        return `${s}: ${Math.round(r.x)},${Math.round(r.y)} ${Math.round(r.width)}`;
      }),
    { scope, sel: SPOTS },
  );
}

/** The text drawn on screen (without KaTeX's MathML copies, which the first screen leaves out). */
function shownText(page: Page, sel: string): Promise<string> {
  return page.$eval(sel, (el) => {
    const copy = el.cloneNode(true) as Element;
    for (const m of Array.from(copy.querySelectorAll('.katex-mathml'))) m.remove();
    return copy.textContent ?? '';
  });
}

describe("a deep link's first screen comes with the page", { skip: !HAVE_CHROMIUM && NO_CHROMIUM }, () => {
  let server: ViewServer;

  before(async () => {
    if (!HAVE_CHROMIUM) return;
    const rows = Array.from({ length: 30 }, (_, i) => proofRow(i, i === 2 ? { model_solution: LONG } : {}));
    server = await startViewServer({ files: [writeJsonl(join(scratch.dir(), 'rows.jsonl'), rows)] });
  });
  after(async () => {
    await server?.close();
  });

  async function open(url: string, colorScheme: 'light' | 'dark' = 'light'): Promise<{ page: Page; held: Route[] }> {
    const page = await scratch.browser().newPage({ width: 1400, height: 900, colorScheme });
    // Where the spots are on the viewer's page at the moment the first screen is taken away.
    await page.addInitScript(
      ({ sel }) => {
        const seen = new MutationObserver((records) => {
          for (const r of records)
            for (const n of Array.from(r.removedNodes))
              if (n instanceof Element && n.classList.contains('first-screen')) {
                (window as unknown as { takeover: string[] }).takeover = sel.map((s) => {
                  const el = document.querySelector(`.detail ${s}`);
                  if (!el) return `${s}: missing`;
                  const b = el.getBoundingClientRect();
                  return `${s}: ${Math.round(b.x)},${Math.round(b.y)} ${Math.round(b.width)}`;
                });
                seen.disconnect();
              }
        });
        seen.observe(document, { childList: true, subtree: true });
      },
      { sel: SPOTS },
    );
    const held: Route[] = [];
    // The viewer's script waits until the test lets it go.
    await page.route('**/webview.js', (route) => void held.push(route));
    await page.goto(url, { waitUntil: 'commit' });
    await page.waitForSelector('.first-screen .pair');
    return { page, held };
  }

  /**
   * Lets the viewer's script go and waits until the viewer has taken the screen over (its own row
   * page `index` painted, the first screen gone); returns where the spots were at that moment.
   */
  async function takeOver(page: Page, held: Route[], index: number): Promise<string[]> {
    for (const r of held.splice(0)) await r.continue();
    await page.unroute('**/webview.js');
    await page.waitForSelector(`.row-page[data-row-index="${index}"][data-painted-at]`);
    await page.waitForFunction(() => !document.querySelector('.first-screen'));
    return page.evaluate(() => (window as unknown as { takeover: string[] }).takeover);
  }

  /** The first screen's text is drawn at `size`, and the viewer takes over at that size without moving anything. */
  async function sameSizeAtTakeover(page: Page, held: Route[], index: number, size: string): Promise<void> {
    const sizeOf = (scope: string) => page.$eval(`${scope} .pair .problem .rich`, (e) => getComputedStyle(e).fontSize);
    assert.equal(await sizeOf('.first-screen'), size);
    const before = await spots(page, '.first-screen');
    assert.deepEqual(await takeOver(page, held, index), before);
    assert.equal(await sizeOf('.detail'), size);
  }

  test('painted before the script runs: the row, its grade and its formulas, inert', async () => {
    const { page, held } = await open(`${server.url}?row=3`);
    try {
      assert.equal(held.length <= 1, true);
      assert.equal(await page.evaluate(() => document.querySelectorAll('script[src]').length), 1);
      assert.match((await page.textContent('.first-screen h2')) ?? '', /PB-Advanced-003/);
      assert.match((await page.textContent('.first-screen .badge')) ?? '', /model 1\/7/);
      assert.ok((await page.$$('.first-screen .pair .katex')).length > 5, 'formulas rendered by KaTeX');
      const proof = (await page.textContent('.first-screen .solution')) ?? '';
      assert.match(proof, /Claim 1\./);
      assert.doesNotMatch(proof, /Claim 40\./, 'only the first screen is sent');
      assert.equal(await page.getAttribute('.first-screen', 'inert'), '');
      await screenshot(page, 'first-screen-before-script');
    } finally {
      await page.close();
    }
  });

  test('the viewer takes the screen over without moving what is on it', async () => {
    const { page, held } = await open(`${server.url}?row=3`);
    const trap = await watchPage(page);
    try {
      const before = await spots(page, '.first-screen');
      const firstLines = await shownText(page, '.first-screen .solution .rich-block');
      assert.deepEqual(await takeOver(page, held, 2), before);
      assert.equal(await shownText(page, '.detail .solution .rich-block'), firstLines);
      // The viewer's page is whole and usable: the rest of the proof, its actions, the list.
      await page.waitForSelector('.list .row.selected.open');
      // Nor does the list's arrival move it (the chips' line kept its height meanwhile).
      assert.deepEqual(await spots(page, '.detail'), before);
      await page.click('vscode-button[aria-label="Next row"]');
      await page.waitForSelector('.row-page[data-row-index="3"]');
      assert.deepEqual(trap.errors, []);
    } finally {
      await page.close();
    }
  });

  test('`qed view --font-size`: the first screen is drawn at that size, and nothing moves at the takeover', async () => {
    const sized = await startViewServer({
      files: [writeJsonl(join(scratch.dir(), 'sized.jsonl'), [proofRow(0, { model_solution: LONG })])],
      settings: { fontSize: 18 },
    });
    const { page, held } = await open(`${sized.url}?row=1`);
    try {
      await sameSizeAtTakeover(page, held, 0, '18px');
    } finally {
      await page.close();
      await sized.close();
    }
  });

  test('a text size chosen in the tab: after a reload the first screen is drawn at it, and nothing moves', async () => {
    const { page, held } = await open(`${server.url}?row=3`);
    try {
      await takeOver(page, held, 2);
      // The viewer saves its state in the tab after the paint; the reader has chosen 20 px.
      await page.waitForFunction(() => Object.keys(sessionStorage).some((k) => k.startsWith('qed-view:')));
      const key = await page.evaluate(() => {
        const k = Object.keys(sessionStorage).find((x) => x.startsWith('qed-view:'))!;
        const state = JSON.parse(sessionStorage.getItem(k)!) as { fontSize: number };
        sessionStorage.setItem(k, JSON.stringify({ ...state, fontSize: 20 }));
        return k;
      });
      assert.equal(key, `qed-view:${new URL(server.url).pathname}`, "the page's script reads the transport's key");
      await page.route('**/webview.js', (route) => void held.push(route));
      await page.reload({ waitUntil: 'commit' });
      await page.waitForSelector('.first-screen .pair');
      await sameSizeAtTakeover(page, held, 2, '20px');
    } finally {
      await page.close();
    }
  });

  test('in a browser that prefers dark, the first screen is dark from its first frame', async () => {
    const { page } = await open(`${server.url}?row=1`, 'dark');
    try {
      const bg = await page.evaluate(() => getComputedStyle(document.querySelector('.first-screen')!).backgroundColor);
      assert.equal(bg, 'rgb(30, 31, 34)');
    } finally {
      await page.close();
    }
  });

  test('an address without a row, or with a row the file does not have, gets the plain page', async () => {
    for (const q of ['', '?row=0', '?row=abc', '?row=999', '?row=2&file=7']) {
      const html = await (await fetch(`${server.url}${q}`)).text();
      assert.doesNotMatch(html, /first-screen/, q);
      assert.match(html, /Loading the results viewer/, q);
    }
    const page = await scratch.browser().newPage({ width: 1400, height: 900 });
    try {
      await page.goto(`${server.url}?row=999`);
      await page.waitForSelector('.detail .callout.error');
      assert.match((await page.textContent('.detail .callout.error')) ?? '', /Row 999 cannot be shown/);
    } finally {
      await page.close();
    }
  });
});
