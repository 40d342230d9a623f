/**
 * The viewer's controls are VS Code's own (@vscode-elements/elements web components), in `qed view`
 * under its Content-Security-Policy: they render with their styles, carry their names for assistive
 * technology, and work — a filter drop-down changes the list, a check box filters, the Regrade and
 * Override dialogs open, their fields take input and Esc cancels — while the page's keys stay out of them.
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
  openRow,
  choose,
  fillField,
  proofRow,
  valueOf,
  watchPage,
  writeJsonl,
} from './helpers';

const scratch = browserAndScratch();

async function waitShown(page: Page, n: number): Promise<void> {
  await page.waitForFunction(
    (want) => document.querySelector('[data-testid=counts]')?.getAttribute('data-shown') === String(want),
    n,
  );
}

/** Native form controls in the page's own DOM (not inside the components), apart from the clipboard's hidden text area. */
function nativeControls(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    Array.from(
      document.querySelectorAll(
        'select, input, textarea:not(.offscreen), .toolbar button:not(.link-button), .filters button, .actions button, dialog button',
      ),
      (e) => e.outerHTML.slice(0, 80),
    ),
  );
}

describe('the viewer controls are vscode-elements', { skip: !HAVE_CHROMIUM && NO_CHROMIUM }, () => {
  let server: ViewServer;
  let page: Page;
  let trap: { errors: string[]; consoleErrors: string[] };

  before(async () => {
    if (!HAVE_CHROMIUM) return;
    const rows = Array.from({ length: 12 }, (_, i) => proofRow(i));
    rows[2] = { ...rows[2], score: undefined, grade: undefined };
    rows[7] = { ...rows[7], score: undefined, grade: undefined };
    rows[4] = { ...rows[4], model_solution: 'cut', finish_reason: 'length' };
    const file = writeJsonl(join(scratch.dir(), 'results.jsonl'), rows);
    const graders = async () => ({
      graders: [
        { ref: 'configs/models/a.yaml', label: 'lab/model-a', description: 'first' },
        { ref: 'configs/models/b.yaml', label: 'lab/model-b', description: 'second' },
      ],
      hostPicker: false,
    });
    server = await startViewServer({ files: [file], graders, grader: async () => undefined });
    page = await scratch.browser().newPage({ width: 1300, height: 850 });
    trap = await watchPage(page);
    await page.addInitScript(`
      window.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
    `);
  });
  after(async () => {
    await page?.close();
    await server?.close();
  });

  test('the toolbar and the Filters panel: rendered with their styles under the CSP, named, working', async () => {
    await page.goto(server.url);
    await page.waitForSelector('body[data-ready=true]');
    await waitShown(page, 12);
    for (const tag of [
      'vscode-button',
      'vscode-single-select',
      'vscode-option',
      'vscode-textfield',
      'vscode-textarea',
      'vscode-checkbox',
    ]) {
      assert.ok(await page.evaluate((t) => !!customElements.get(t), tag), `${tag} is defined`);
    }
    // Rendered: a shadow root with the component's own stylesheet, and a real size.
    const filters = page.locator('.toolbar vscode-button:has-text("Filters")');
    const look = await filters.evaluate((b) => ({
      sheets: b.shadowRoot?.adoptedStyleSheets.length ?? 0,
      w: b.getBoundingClientRect().width,
      h: b.getBoundingClientRect().height,
      bg: getComputedStyle(b).backgroundColor,
    }));
    assert.ok(look.sheets > 0 && look.w > 30 && look.h > 15, JSON.stringify(look));
    // qed view gives the controls its palette (the page defines the --vscode-* variables they read).
    assert.notEqual(
      await page.evaluate(() => getComputedStyle(document.body).getPropertyValue('--vscode-button-background').trim()),
      '',
    );
    // Named for assistive technology, inside the components.
    await page.getByRole('combobox', { name: 'Sort by' }).waitFor();
    await page.getByRole('searchbox', { name: 'Search text (regular expression)' }).waitFor();
    // A regular expression is not prose: no spelling squiggles under it.
    assert.equal(await page.getAttribute('.search input', 'spellcheck'), 'false');
    await page.getByRole('button', { name: 'Reverse the order' }).waitFor();
    await filters.click();
    await page.waitForSelector('.filters:not([hidden])');
    assert.equal(await filters.getAttribute('aria-expanded'), 'true');
    await page.getByRole('spinbutton', { name: 'Lowest score' }).waitFor();
    await page.getByRole('combobox', { name: 'Graded' }).waitFor();
    await page.getByRole('checkbox', { name: 'truncated' }).waitFor();
    assert.deepEqual(
      await nativeControls(page),
      [],
      'no native form control left in the toolbar and the Filters panel',
    );
    // A drop-down filters the list, and "Clear filters" brings every row back.
    await choose(page, 'vscode-single-select[aria-label="Graded"]', 'no');
    await waitShown(page, 2);
    await page.click('.filters vscode-button:has-text("Clear filters")');
    await waitShown(page, 12);
    assert.equal(await valueOf(page, 'vscode-single-select[aria-label="Graded"]'), '');
    // A check box filters.
    await page.click('vscode-checkbox:has-text("truncated")');
    await waitShown(page, 1);
    assert.equal(
      await page.$eval('vscode-checkbox:has-text("truncated")', (c) => (c as unknown as { checked: boolean }).checked),
      true,
    );
    await page.click('vscode-checkbox:has-text("truncated")');
    await waitShown(page, 12);
    // A number field filters on Enter.
    await page.fill('vscode-textfield[aria-label="Lowest score"] input', '7');
    await page.press('vscode-textfield[aria-label="Lowest score"] input', 'Enter');
    await waitShown(
      page,
      (await page.$$eval('.chip[data-status=full]', (e) =>
        Number(/\d+$/.exec(e[0]?.textContent ?? '')?.[0] ?? 0),
      )) as number,
    );
    await page.fill('vscode-textfield[aria-label="Lowest score"] input', '');
    await page.press('vscode-textfield[aria-label="Lowest score"] input', 'Enter');
    await waitShown(page, 12);
    // A decimal where decimals make sense is a valid entry (not painted as invalid).
    const cost = 'vscode-textfield[aria-label="Fewest agent cost (USD)"]';
    await page.fill(`${cost} input`, '0.003');
    assert.equal(await page.$eval(cost, (t) => t.matches(':invalid')), false, 'a decimal agent cost is valid');
    await page.fill(`${cost} input`, '');
    // The page's keys keep out of the controls: j typed into the search box is text, not "next row".
    await page.click('.list .row[data-pos="0"]');
    await page.waitForSelector('.list .row.selected[data-pos="0"]');
    await page.keyboard.press('/');
    await page.keyboard.type('jj');
    assert.equal(await valueOf(page, '.search'), 'jj');
    assert.ok(await page.$('.list .row.selected[data-pos="0"]'), 'the selection did not move');
    await page.fill('.search input', '');
    await page.press('.search input', 'Enter');
    await waitShown(page, 12);
    assert.deepEqual(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), []);
    assert.deepEqual(trap.errors, []);
  });

  test('the row page and its dialogs: Regrade and Override fields take input; Esc and Cancel close them', async () => {
    await openRow(page, server.url, 2);
    await page.getByRole('button', { name: 'Regrade…' }).waitFor();
    assert.deepEqual(await nativeControls(page), [], 'no native button in the action bar');
    await page.click('vscode-button[data-action=regrade]');
    await page.waitForSelector('dialog[open] vscode-single-select[name=grader]');
    await page.getByRole('combobox', { name: 'Grader' }).waitFor();
    assert.equal(await valueOf(page, 'dialog vscode-single-select[name=grader]'), 'configs/models/a.yaml');
    await choose(page, 'dialog vscode-single-select[name=grader]', 'configs/models/b.yaml');
    await choose(page, 'dialog vscode-single-select[name=mode]', 'final-answer');
    assert.equal(await valueOf(page, 'dialog vscode-single-select[name=grader]'), 'configs/models/b.yaml');
    assert.equal(await valueOf(page, 'dialog vscode-single-select[name=mode]'), 'final-answer');
    assert.deepEqual(await nativeControls(page), [], 'no native control in the Regrade dialog');
    // Focus is on the (closed) Mode drop-down: Esc cancels the dialog, as it does from a native select.
    await page.keyboard.press('Escape');
    await page.waitForSelector('dialog[open]', { state: 'detached' });

    await page.click('vscode-button[data-action=override]');
    await page.waitForSelector('dialog[open] vscode-textfield[name=points-0]');
    await page.getByRole('spinbutton', { name: /^Points for/ }).waitFor();
    await fillField(page, 'dialog vscode-textfield[name=points-0]', '5');
    await fillField(page, 'dialog vscode-textarea[name=note]', 'Fine except $n=2$.');
    await fillField(page, 'dialog vscode-textfield[name=reviewer]', 'ana');
    assert.equal(await valueOf(page, 'dialog vscode-textfield[name=points-0]'), '5');
    assert.equal(await valueOf(page, 'dialog vscode-textarea[name=note]'), 'Fine except $n=2$.');
    assert.equal(await valueOf(page, 'dialog vscode-textfield[name=reviewer]'), 'ana');
    assert.deepEqual(await nativeControls(page), [], 'no native control in the Override dialog');
    // Keys typed in the dialog stay in it.
    await page.click('dialog vscode-textfield[name=reviewer] input');
    await page.keyboard.type('k');
    assert.equal(await valueOf(page, 'dialog vscode-textfield[name=reviewer]'), 'anak');
    await page.click('dialog[open] vscode-button:has-text("Cancel")');
    await page.waitForSelector('dialog[open]', { state: 'detached' });
    assert.deepEqual(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), []);
    assert.deepEqual(trap.errors, []);
  });
});
