/**
 * The row page of long proofs, in real headless Chromium through `qed view`: the first screen is
 * rendered at once and the rest as it scrolls into view; text not rendered yet is still found by
 * find-in-page; a formula rendered twice (the second time from the cache) gives the same HTML; a
 * 5 MB proof opens and shows its first screen. No timings here: those are in bench/rowpage.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startViewServer, type ViewServer } from '../../src/cli/viewServer';
import {
  blockEnd,
  splitBlocks,
  BIG_BLOCK_CHARS,
  BLOCK_CHARS,
  MAX_BLOCK_FORMULAS,
} from '../../src/webview/app/lazyRich';
import { renderRich } from '../../src/webview/render';
import {
  HAVE_CHROMIUM,
  NO_CHROMIUM,
  browserAndScratch,
  openRow,
  proofRow,
  screenshot,
  watchPage,
  writeJsonl,
} from './helpers';

const scratch = browserAndScratch();

/** `n` paragraphs, each with formulas and a word of its own (`mark7`…). */
function longProof(n: number): string {
  return Array.from(
    { length: n },
    (_, k) =>
      `Paragraph ${k}: mark${k} says $x_{${k}} + y^{${k}} = \\frac{${k}}{2}$ and then some words to fill the line, ${'more words here, '.repeat(6)}so that\n$$\\sum_{i=1}^{${k}} i = \\frac{${k}(${k}+1)}{2}$$`,
  ).join('\n\n');
}

describe('the block splitter', () => {
  test('blocks cover the text exactly and never end inside a display formula, a fence or a list', () => {
    const text = [
      longProof(30),
      '```\ncode line\n\nstill code\n```',
      '$$\\begin{aligned} a &= b \\\\\n\n c &= d \\end{aligned}$$',
      '1. first item\n\n2. second item\n\n   continued',
      longProof(30),
    ].join('\n\n');
    const blocks = splitBlocks(text);
    assert.equal(blocks.join(''), text);
    assert.ok(blocks.length > 3, `${blocks.length} blocks`);
    for (const b of blocks) {
      assert.equal((b.match(/```/g) ?? []).length % 2, 0, `a fence cut: ${b.slice(0, 80)}`);
      assert.equal((b.match(/\$\$/g) ?? []).length % 2, 0, `a formula cut: ${b.slice(0, 80)}`);
      assert.ok(!/^\s*\d\. /.test(b) || b.includes('1. first item') || !b.startsWith('2.'), 'a list cut');
    }
    // Rendered block by block it gives the same formulas as in one piece.
    const whole = renderRich(text);
    const parts = blocks.map((b) => renderRich(b));
    assert.equal(
      parts.reduce((n, r) => n + r.mathCount, 0),
      whole.mathCount,
    );
    assert.equal(
      parts
        .map((r) => r.html)
        .join('')
        .match(/class="katex"/g)?.length,
      whole.html.match(/class="katex"/g)?.length,
    );
  });

  test('a text dense with formulas is cut into blocks of about MAX_BLOCK_FORMULAS formulas, short as they are', () => {
    // Paragraphs of 8 formulas in ~200 characters: by size alone a block would gather 7 of them
    // (56 formulas, ~4,000 elements once rendered); a big text's block, 19 (152 formulas).
    const para = (k: number) =>
      `Step ${k}: ${Array.from({ length: 8 }, (_, i) => `$a_{${k + i}} = 2a_{${k}} + ${i}$`).join(' and ')}.`;
    const text = Array.from({ length: 60 }, (_, k) => para(k)).join('\n\n');
    for (const target of [BLOCK_CHARS, BIG_BLOCK_CHARS]) {
      const blocks = splitBlocks(text, target);
      assert.equal(blocks.join(''), text);
      const counts = blocks.map((b) => renderRich(b).mathCount);
      // Each block ends at the first paragraph once it holds MAX_BLOCK_FORMULAS (the last holds what is left).
      for (const n of counts.slice(0, -1))
        assert.ok(n >= MAX_BLOCK_FORMULAS && n < MAX_BLOCK_FORMULAS + 8, `target ${target}: ${counts.join(',')}`);
      assert.ok(counts[counts.length - 1] < MAX_BLOCK_FORMULAS + 8, `target ${target}: ${counts.join(',')}`);
    }
  });

  test('a single line longer than any block is cut into bounded pieces', () => {
    const line = 'x'.repeat(100_000);
    const end = blockEnd(line, 0);
    assert.ok(end > BLOCK_CHARS && end < line.length);
    assert.equal(splitBlocks(line).join(''), line);
  });
});

describe('the row page of a long proof', { skip: !HAVE_CHROMIUM && NO_CHROMIUM }, () => {
  let server: ViewServer;
  let page: Page;
  let trap: { errors: string[]; consoleErrors: string[] };
  const proof = longProof(120);
  const looping = `We start. $a_1 = 1$.\n\n${'Wait, let me reconsider: $a_{n+1} = 2a_n + 1$, so $a_n = 2^n - 1$. Hmm.\n\n'.repeat(70_000)}THE-LAST-WORDS`;

  before(async () => {
    if (!HAVE_CHROMIUM) return;
    const file = writeJsonl(join(scratch.dir(), 'long.jsonl'), [
      proofRow(0, { model_solution: proof }),
      proofRow(1, { model_solution: looping, finish_reason: 'length' }),
    ]);
    server = await startViewServer({ files: [file], maxFieldChars: 6_000_000 });
    page = await scratch.browser().newPage({ width: 1400, height: 900 });
    trap = await watchPage(page);
  });
  after(async () => {
    await page?.close();
    await server?.close();
  });

  test('the first screen is rendered at once, the rest when it scrolls into view', async () => {
    await openRow(page, server.url, 1);
    const sol = '.row-page [data-field=model_solution]';
    const first = await page.$$eval(`${sol} > .rich-block`, (els) => els.map((e) => e.classList.contains('pending')));
    assert.ok(first.length > 10, `${first.length} blocks`);
    assert.equal(first[0], false, 'the first block is rendered');
    assert.ok(
      first.some((p) => p),
      'blocks below the first screen wait',
    );
    assert.ok(await page.$(`${sol} > .rich-block:first-child .katex`), 'with its formulas');
    // A block far below: shown as its source until it scrolls into view, then rendered.
    const last = page.locator(`${sol} > .rich-block`).last();
    await last.scrollIntoViewIfNeeded();
    await page.waitForSelector(`${sol} > .rich-block:last-child:not(.pending) .katex`);
    assert.match((await last.textContent()) ?? '', /mark119/);
    await page.waitForSelector('.row-page[data-complete=true]');
    assert.ok(
      (await page.$$eval(`${sol} > .rich-block.pending`, (e) => e.length)) > 0,
      'blocks never in view are not rendered',
    );
    // Before printing every block is rendered, and counted.
    await page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
    assert.equal(await page.$$eval(`${sol} > .rich-block.pending`, (e) => e.length), 0);
    assert.ok(Number(await page.getAttribute('.row-page', 'data-formulas')) >= 240);
    assert.deepEqual(trap.errors, []);
  });

  test('find-in-page finds text in blocks not rendered yet', async () => {
    await openRow(page, server.url, 2);
    await page.waitForSelector(
      '.row-page[data-row-index="1"] [data-field=model_solution] > .rich-block:not(.pending) .katex',
    );
    await page.waitForFunction(() => !document.querySelector('[data-cutting]'), undefined, { timeout: 30_000 });
    const pendingLast = await page.$eval('.row-page [data-field=model_solution] > .rich-block:last-child', (e) =>
      e.classList.contains('pending'),
    );
    assert.equal(pendingLast, true, 'the end of the 5 MB text is not rendered');
    const found = await page.evaluate(() =>
      (window as unknown as { find: (s: string) => boolean }).find('THE-LAST-WORDS'),
    );
    assert.equal(found, true);
  });

  test('a 5 MB proof opens and shows its first screen, rendered', async () => {
    await page.goto('about:blank');
    await openRow(page, server.url, 2);
    await page.waitForSelector(
      '.row-page[data-row-index="1"] [data-field=model_solution] > .rich-block:first-child:not(.pending) .katex',
    );
    assert.match((await page.textContent('.row-page .callouts')) ?? '', /token limit/);
    assert.equal(await page.evaluate(() => 1 + 1), 2, 'the page answers');
    await screenshot(page, 'viewer-rowpage-5mb');
    assert.deepEqual(trap.errors, []);
  });

  test('a formula rendered again (from the cache) gives the same HTML', async () => {
    await page.goto(`${server.url}?row=1`);
    await page.waitForSelector('.row-page[data-row-index="0"][data-complete=true]');
    const firstHtml = await page.$eval(
      '.row-page [data-field=model_solution] > .rich-block:first-child .math-inline',
      (e) => e.outerHTML,
    );
    await page.click('vscode-button[aria-label="Next row"]');
    await page.waitForSelector('.row-page[data-row-index="1"]');
    await page.click('vscode-button[aria-label="Previous row"]');
    await page.waitForSelector('.row-page[data-row-index="0"]');
    const again = await page.$eval(
      '.row-page [data-field=model_solution] > .rich-block:first-child .math-inline',
      (e) => e.outerHTML,
    );
    assert.equal(again, firstHtml);
    assert.deepEqual(trap.errors, []);
  });
});
