/**
 * The viewer's rough edges of issues 13 and 14, in real headless Chromium through `qed view`:
 * whole problem ids in a resizable column, the Regrade dialog inside a 1024 px panel, the grader's
 * <points> tag, no inner scrollbar in the problem box, and Compare (human grades, an empty
 * "only differing" table, the pair below the table). Screenshots in light and dark themes go to
 * test-results/viewer-fixes-*.png.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startViewServer, type ViewServer } from '../../src/cli/viewServer';
import {
  HAVE_CHROMIUM,
  NO_CHROMIUM,
  browserAndScratch,
  choose,
  proofRow,
  screenshot,
  watchPage,
  writeJsonl,
} from './helpers';

const scratch = browserAndScratch();

describe('viewer rough edges', { skip: !HAVE_CHROMIUM && NO_CHROMIUM }, () => {
  let server: ViewServer;
  let pageErrors: string[] = [];
  const LONG_ID = 'PB-Basic-0123-combinatorics-v2';

  before(async () => {
    if (!HAVE_CHROMIUM) return;
    const a = Array.from({ length: 6 }, (_, i) => proofRow(i));
    a[2] = { ...a[2], problem_id: LONG_ID };
    const b = Array.from({ length: 6 }, (_, i) => proofRow(i, { score: [7, 6, 1, 0, 7, 0][i] === 7 ? 7 : 3 }));
    b[2] = { ...b[2], problem_id: LONG_ID };
    // A human gave 6/7 where the model gave 3/7.
    b[1] = { ...b[1], score: 3, human_grade: { points: [6], total: 6, reviewer: 'ana', at: '2026-01-01T00:00:00Z' } };
    const fa = writeJsonl(join(scratch.dir(), 'a.jsonl'), a);
    const fb = writeJsonl(join(scratch.dir(), 'b.jsonl'), b);
    // Graders with long names and descriptions (the Regrade dialog must still fit its panel).
    const graders = async () => ({
      graders: [
        {
          ref: 'configs/models/openai/gpt-5-mini-high-reasoning-long-name.yaml',
          label: 'openai/gpt-5-mini-high-reasoning-long-name',
          description:
            'GPT-5 mini with high reasoning effort and a long description that goes on and on about its settings',
        },
        {
          ref: 'configs/models/google/gemini-2.5-pro.yaml',
          label: 'google/gemini-2.5-pro',
          description: 'Gemini 2.5 Pro',
        },
      ],
      hostPicker: false,
    });
    server = await startViewServer({ files: [fa, fb], graders, grader: async () => undefined });
  });
  after(async () => {
    await server?.close();
  });

  async function open(
    opts: { width?: number; height?: number; colorScheme?: 'light' | 'dark' } = {},
    query = '',
  ): Promise<Page> {
    const page = await scratch.browser().newPage(opts);
    const trap = await watchPage(page);
    pageErrors = trap.errors;
    await page.goto(`${server.url}${query}`);
    await page.waitForSelector('body[data-ready=true]');
    return page;
  }

  test('the list shows whole problem ids in a column that can be resized', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const page = await open({ width: 1024, height: 768, colorScheme });
      try {
        await page.waitForSelector(`.list .row[data-index="2"]`);
        const ids = await page.$$eval('.list .row[data-index] .row-id', (els) =>
          els.map((e) => ({
            text: e.textContent,
            cut: e.scrollWidth > e.clientWidth + 1,
            right: e.getBoundingClientRect().right,
            rowRight: e.closest('.row')!.getBoundingClientRect().right,
          })),
        );
        for (const id of ids) {
          assert.equal(id.cut, false, `${id.text} is cut`);
          assert.ok(id.right <= id.rowRight, `${id.text} runs past its row`);
        }
        assert.ok(ids.some((x) => x.text === LONG_ID));
        // Every id column starts and ends at the same place (a column, not ragged text).
        const rights = new Set(ids.map((x) => Math.round(x.right)));
        assert.equal(rights.size, 1, `id column edges ${[...rights].join(', ')}`);
        await screenshot(page, `viewer-fixes-ids-${colorScheme}`);
        // Dragging the column's edge widens it; it never gets narrower than the widest id.
        const grip = (await page.$('.list-head .col-resize'))!;
        const box = (await grip.boundingBox())!;
        const before = await page.$eval('.list .row[data-index="0"] .row-id', (e) => e.getBoundingClientRect().width);
        await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
        await page.mouse.down();
        await page.mouse.move(box.x + 60, box.y + box.height / 2, { steps: 4 });
        await page.mouse.up();
        const wider = await page.$eval('.list .row[data-index="0"] .row-id', (e) => e.getBoundingClientRect().width);
        assert.ok(wider > before + 40, `${before} → ${wider}`);
        await page.mouse.move(box.x + 60, box.y + box.height / 2);
        await page.mouse.down();
        await page.mouse.move(box.x - 300, box.y + box.height / 2, { steps: 4 });
        await page.mouse.up();
        assert.equal(
          await page.$eval(`.list .row[data-index="2"] .row-id`, (e) => e.scrollWidth > e.clientWidth + 1),
          false,
          'still whole after a drag to narrow',
        );
        assert.deepEqual(pageErrors, []);
      } finally {
        await page.close();
      }
    }
  });

  test('the Regrade dialog fits its panel at 1024 px and wider', async () => {
    for (const [width, height, colorScheme] of [
      [1024, 768, 'light'],
      [1024, 768, 'dark'],
      [1440, 900, 'light'],
    ] as const) {
      const page = await open({ width, height, colorScheme }, '?row=3');
      try {
        await page.waitForSelector('.row-page[data-row-index="2"]');
        await page.click('vscode-button[data-action=regrade]');
        await page.waitForSelector('dialog.qed-dialog[open] vscode-single-select[name=grader]');
        const box = (await page.$eval('dialog.qed-dialog[open]', (d) => {
          const r = d.getBoundingClientRect();
          return {
            left: r.left,
            top: r.top,
            right: r.right,
            bottom: r.bottom,
            scrollW: d.scrollWidth,
            clientW: d.clientWidth,
          };
        }))!;
        assert.ok(
          box.left >= 0 && box.top >= 0 && box.right <= width && box.bottom <= height,
          `dialog ${JSON.stringify(box)} outside ${width}×${height}`,
        );
        assert.ok(box.scrollW <= box.clientW + 1, 'nothing sticks out sideways');
        const sel = await page.$eval(
          'dialog.qed-dialog[open] vscode-single-select[name=grader]',
          (e) => e.getBoundingClientRect().right,
        );
        assert.ok(sel <= box.right, 'the grader list inside the dialog');
        if (width === 1024) await screenshot(page, `viewer-fixes-regrade-${colorScheme}`);
        await page.keyboard.press('Escape');
        assert.deepEqual(pageErrors, []);
      } finally {
        await page.close();
      }
    }
  });

  test("the grader's <points> tag is a badge, not raw text; the problem box has no inner scrollbar", async () => {
    // 1280 px: problem above the proof; 1800 px: side by side (the problem box scrolls on its own if tall).
    for (const [width, colorScheme] of [
      [1280, 'light'],
      [1800, 'dark'],
    ] as const) {
      const page = await open({ width, height: 800, colorScheme }, '?row=2');
      try {
        await page.waitForSelector('.row-page[data-row-index="1"][data-complete=true]');
        const text = (await page.textContent('.row-page .grading .explanation')) ?? '';
        assert.doesNotMatch(text, /<\/?points>/, 'no raw tag');
        assert.equal(await page.textContent('.row-page .grading .explanation .badge.points'), '6 out of 7');
        assert.match(
          (await page.textContent('.row-page .grading .explanation [data-field=grade]')) ?? '',
          /The induction is complete/,
        );
        const box = await page.$eval('.row-page .block.problem', (e) => ({
          scroll: e.scrollHeight,
          client: e.clientHeight,
        }));
        assert.ok(box.scroll <= box.client, `problem box scrolls: ${box.scroll} > ${box.client}`);
        await screenshot(page, `viewer-fixes-row-${colorScheme}`);
        assert.deepEqual(pageErrors, []);
      } finally {
        await page.close();
      }
    }
  });

  test('Compare: a saved human grade counts and is marked; the pair below is never blank nor stale; "only differing" with none says so', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const page = await open({ width: 1280, height: 800, colorScheme });
      try {
        await page.click('.toolbar vscode-button:has-text("Compare")');
        await page.waitForSelector('.compare-row[data-key="PB-Basic-002"]');
        // The lower half shows the first problem's pair without a click.
        await page.waitForSelector('.compare-pair .pair');
        assert.match((await page.textContent('.compare-pair .block h3')) ?? '', /PB-Advanced-001/);
        // PB-Basic-002: A 6/7; B's model gave 3/7 but a human gave 6/7: B shows 6/7, marked, and no difference.
        const cells = await page.$$eval('.compare-row[data-key="PB-Basic-002"] td', (tds) =>
          tds.map((td) => td.textContent ?? ''),
        );
        assert.match(cells[2], /^6\/7 human/);
        assert.match(cells[2], /model 3\/7/);
        assert.equal(cells[3], '0');
        await page.click('.compare-row[data-key="PB-Basic-002"]');
        await page.waitForFunction(() =>
          /PB-Basic-002/.test(document.querySelector('.compare-pair .block h3')?.textContent ?? ''),
        );
        assert.ok(await page.$('.compare-pair h3 .badge.human'), 'the human grade marked on the pair');
        await screenshot(page, `viewer-fixes-compare-${colorScheme}`);
        // Only differing rows: PB-Basic-002 is filtered out, so its pair gives way to a listed one.
        await page.click('.compare-head vscode-checkbox');
        await page.waitForFunction(() => !document.querySelector('.compare-row[data-key="PB-Basic-002"]'));
        await page.waitForFunction(
          () => !/PB-Basic-002/.test(document.querySelector('.compare-pair')?.textContent ?? ''),
        );
        const listed = await page.$$eval('.compare-row', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.key));
        assert.ok(listed.length > 0);
        await page.waitForFunction(
          (k) => (document.querySelector('.compare-pair .block h3')?.textContent ?? '').includes(k!),
          listed[0],
        );
        // A file against itself: nothing differs, and the page says so.
        await choose(page, '.compare-head vscode-single-select[aria-label="File B"]', { label: 'a.jsonl' });
        await page.waitForSelector('[data-role=compare-empty]');
        assert.match((await page.textContent('[data-role=compare-empty]')) ?? '', /No problem has different scores/);
        assert.equal(await page.$$eval('.compare-row', (e) => e.length), 0);
        assert.doesNotMatch(
          (await page.textContent('.compare-pair')) ?? '',
          /PB-/,
          'no detail of a row that is not listed',
        );
        await screenshot(page, `viewer-fixes-compare-empty-${colorScheme}`);
        assert.deepEqual(pageErrors, []);
      } finally {
        await page.close();
      }
    }
  });
});
