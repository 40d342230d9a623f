/**
 * `qed view ?row=N`: the row asked for comes first. The page asks for the row before (or with)
 * its handshake and shows it while the list's requests have not been answered; the list fills in
 * after, with the open row selected. The list's requests are held by the test (no timings).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page, Route } from 'playwright-core';
import { startViewServer, type ViewServer } from '../../src/cli/viewServer';
import { HAVE_CHROMIUM, NO_CHROMIUM, browserAndScratch, proofRow, watchPage, writeJsonl } from './helpers';

const scratch = browserAndScratch();

describe('a deep link opens its row before the list', { skip: !HAVE_CHROMIUM && NO_CHROMIUM }, () => {
  let server: ViewServer;
  let page: Page;
  let trap: { errors: string[]; consoleErrors: string[] };

  before(async () => {
    if (!HAVE_CHROMIUM) return;
    const rows = Array.from({ length: 40 }, (_, i) => proofRow(i));
    const file = writeJsonl(join(scratch.dir(), 'rows.jsonl'), rows);
    server = await startViewServer({ files: [file] });
    page = await scratch.browser().newPage({ width: 1400, height: 900 });
    trap = await watchPage(page);
  });
  after(async () => {
    await page?.close();
    await server?.close();
  });

  test('?row=N: the row is asked for first and shown while the list is not loaded yet', async () => {
    const asked: string[] = [];
    const held: Route[] = [];
    let holding = true;
    await page.route('**/api', async (route) => {
      const msg = JSON.parse(route.request().postData() ?? '{}') as { kind?: string; type?: string };
      asked.push(msg.kind === 'request' ? String(msg.type) : String(msg.kind));
      // The list's requests wait until the test lets them go.
      if (holding && msg.kind === 'request' && (msg.type === 'summary' || msg.type === 'page')) held.push(route);
      else await route.continue();
    });
    try {
      await page.goto(`${server.url}?row=17`);
      await page.waitForSelector('.row-page[data-row-index="16"]');
      assert.match((await page.textContent('.row-page h2')) ?? '', /PB-Advanced-017/);
      // The list is still empty: its page has not been answered.
      assert.equal(await page.$$eval('.list .row:not(.placeholder)', (els) => els.length), 0);
      // The row was asked for before any of the list's requests.
      const firstList = asked.findIndex((t) => t === 'summary' || t === 'page');
      assert.ok(
        asked.indexOf('row') !== -1 && (firstList === -1 || asked.indexOf('row') < firstList),
        `requests in order: ${asked.join(', ')}`,
      );
      holding = false;
      for (const r of held.splice(0)) await r.continue();
      // The list fills in after, with the open row selected, and the row page stays.
      await page.waitForSelector('.list .row.selected.open');
      assert.match((await page.textContent('.list .row.selected.open')) ?? '', /#17/);
      assert.ok(await page.$('.row-page[data-row-index="16"]'));
      assert.match((await page.textContent('[data-testid=counts]')) ?? '', /40 rows/);
    } finally {
      holding = false;
      for (const r of held.splice(0)) await r.continue().catch(() => undefined);
      await page.unroute('**/api');
    }
    assert.deepEqual(trap.errors, []);
  });

  test('Next, clicked before the list has arrived, opens the row after the linked one (not row 2)', async () => {
    const held: Route[] = [];
    let holding = true;
    await page.route('**/api', async (route) => {
      const msg = JSON.parse(route.request().postData() ?? '{}') as { kind?: string; type?: string };
      if (holding && msg.kind === 'request' && (msg.type === 'summary' || msg.type === 'page' || msg.type === 'locate'))
        held.push(route);
      else await route.continue();
    });
    try {
      await page.goto(`${server.url}?row=17`);
      await page.waitForSelector('.row-page[data-row-index="16"][data-complete=true]');
      await page.click('vscode-button[aria-label="Next row"]');
      // Nothing moves while the list is held: the step waits for it.
      assert.ok(await page.$('.row-page[data-row-index="16"]'));
      holding = false;
      for (const r of held.splice(0)) await r.continue();
      await page.waitForSelector('.row-page[data-row-index="17"][data-complete=true]');
      assert.match((await page.textContent('.row-page h2')) ?? '', /PB-Basic-018/);
      await page.waitForSelector('.list .row.selected.open');
      assert.match((await page.textContent('.list .row.selected.open')) ?? '', /#18/);
    } finally {
      holding = false;
      for (const r of held.splice(0)) await r.continue().catch(() => undefined);
      await page.unroute('**/api');
    }
    assert.deepEqual(trap.errors, []);
  });

  test("KaTeX's main fonts come with the page (formulas are not held invisible waiting for them)", async () => {
    await page.goto(`${server.url}?row=2`);
    await page.waitForSelector('.row-page[data-row-index="1"] .katex');
    const preloaded = await page.$$eval('link[rel=preload][as=font]', (els) =>
      els.map((e) => (e as HTMLLinkElement).href.replace(/.*\//, '')),
    );
    assert.deepEqual(preloaded.sort(), ['KaTeX_Main-Regular.woff2', 'KaTeX_Math-Italic.woff2']);
    await page.waitForFunction(
      () => document.fonts.check('16px KaTeX_Main') && document.fonts.check('italic 16px KaTeX_Math'),
    );
    assert.deepEqual(trap.consoleErrors, []);
  });
});
