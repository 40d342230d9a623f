/**
 * The results viewer served by `qed view`, in real headless Chromium: the IMO-Bench files rendered
 * row by row, filters, sort, keyboard, deep links, state across reloads, live updates, regrade and
 * override round trips (through the built CLI and the loopback fake LLM server), the token, and
 * screenshots in light and dark themes (test-results/viewer-*.png).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { FakeLlmServer } from '../fake-llm/server';
import { startViewServer, type ViewServer } from '../../src/cli/viewServer';
import {
  HAVE_CHROMIUM,
  HAVE_IMOBENCH,
  NO_CHROMIUM,
  NO_IMOBENCH,
  browserAndScratch,
  choose,
  fillField,
  imobenchResults,
  openRow,
  proofRow,
  readLines,
  screenshot,
  startQedView,
  tempDir,
  valueOf,
  watchPage,
  writeJsonl,
} from './helpers';

const scratch = browserAndScratch();
const browser = scratch.browser;

const countsOf = (page: Page) => page.locator('[data-testid=counts]');
async function shown(page: Page): Promise<number> {
  return Number(await countsOf(page).getAttribute('data-shown'));
}
async function waitShown(page: Page, n: number): Promise<void> {
  await page.waitForFunction(
    (want) => document.querySelector('[data-testid=counts]')?.getAttribute('data-shown') === String(want),
    n,
    { timeout: 10_000 },
  );
}
async function visibleRows(page: Page): Promise<Array<{ index: number; status: string; badge: string; text: string }>> {
  return page.$$eval('.list .row[data-index]', (els) =>
    els.map((e) => ({
      index: Number((e as HTMLElement).dataset.index),
      status: (e as HTMLElement).dataset.status ?? '',
      badge: e.querySelector('.badge')?.textContent ?? '',
      text: e.textContent ?? '',
    })),
  );
}

describe('qed view (in-process server)', { skip: !HAVE_CHROMIUM && NO_CHROMIUM }, () => {
  let server: ViewServer;
  let file: string;
  let page: Page;
  let trap: { errors: string[]; consoleErrors: string[] };

  before(async () => {
    const rows = Array.from({ length: 60 }, (_, i) => proofRow(i));
    rows[3] = { ...rows[3], error: 'request failed: HTTP 500', score: null, grade: undefined };
    rows[5] = { ...rows[5], grade_error: "could not read the grader's reply", score: null };
    rows[8] = { ...rows[8], score: undefined, grade: undefined };
    rows[9] = { ...rows[9], model_solution: '', finish_reason: 'length' };
    rows[12] = {
      ...rows[12],
      human_grade: {
        points: [4],
        total: 4,
        note: 'The step is *almost* right: $2^{n-1}$ bound holds.',
        reviewer: 'ana',
        at: '2025-06-01T10:00:00Z',
      },
    };
    mkdirSync(join(scratch.dir(), 'a'));
    file = writeJsonl(join(scratch.dir(), 'a', 'results.jsonl'), rows);
    server = await startViewServer({ files: [file], pollMs: 200 });
    page = await browser().newPage({ width: 1400, height: 900 });
    trap = await watchPage(page);
  });
  after(async () => {
    await page?.close();
    await server?.close();
  });

  test('the list: counts, status badges, filters, sort', async () => {
    await page.goto(server.url);
    await page.waitForSelector('body[data-ready=true]');
    assert.equal(await shown(page), 60);
    assert.match((await countsOf(page).textContent()) ?? '', /^60 rows$/);
    const first = await visibleRows(page);
    assert.ok(first.length >= 20 && first.length < 60, `virtualised: ${first.length} rows in the DOM`);
    assert.deepEqual(
      first.slice(0, 10).map((r) => r.status),
      ['full', 'partial', 'partial', 'run_error', 'full', 'parse_error', 'partial', 'full', 'not_graded', 'partial'],
    );
    // Status chips filter.
    await page.click('.chip[data-status=zero]');
    await waitShown(
      page,
      (await page.$$eval('.chip[data-status=zero]', (e) => Number(/\d+$/.exec(e[0].textContent ?? '')?.[0]))) as number,
    );
    assert.ok((await visibleRows(page)).every((r) => r.status === 'zero'));
    assert.match((await countsOf(page).textContent()) ?? '', /of 60 rows/);
    await page.click('.chip[data-status=zero]');
    await waitShown(page, 60);
    // Text search (a regular expression), then an invalid one.
    await page.fill('.search input', 'PB-Basic-00[2-6]');
    await page.press('.search input', 'Enter');
    await waitShown(page, 3);
    assert.deepEqual(
      (await visibleRows(page)).map((r) => r.index),
      [1, 3, 5],
    );
    await page.fill('.search input', 'case (1|2)\\)');
    await page.press('.search input', 'Enter');
    await waitShown(page, 2);
    await page.fill('.search input', '(unclosed');
    await page.press('.search input', 'Enter');
    await page.waitForSelector('.search-error:not(:empty)');
    assert.match((await page.textContent('.search-error')) ?? '', /regular expression/);
    await page.fill('.search input', '');
    await page.press('.search input', 'Enter');
    await waitShown(page, 60);
    // Score range, a flag and a metadata column (in the Filters panel).
    await page.click('vscode-button:has-text("Filters")');
    await page.fill('vscode-textfield[aria-label="Lowest score"] input', '6');
    await page.press('vscode-textfield[aria-label="Lowest score"] input', 'Enter');
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid=counts]')?.getAttribute('data-shown')) < 60,
    );
    const hi = await visibleRows(page);
    assert.ok(hi.length && hi.every((r) => /^[67]\/7$/.test(r.badge)), JSON.stringify(hi.slice(0, 5)));
    await page.fill('vscode-textfield[aria-label="Lowest score"] input', '');
    await page.press('vscode-textfield[aria-label="Lowest score"] input', 'Enter');
    await waitShown(page, 60);
    await page.click('vscode-checkbox:has-text("truncated")');
    await waitShown(page, 1);
    assert.deepEqual(
      (await visibleRows(page)).map((r) => r.index),
      [9],
    );
    await page.click('vscode-checkbox:has-text("truncated")');
    await page.click('vscode-checkbox:has-text("run error")');
    await waitShown(page, 1);
    await page.click('vscode-checkbox:has-text("run error")');
    await page.click('vscode-checkbox:has-text("parse failure")');
    await waitShown(page, 1);
    await page.click('vscode-checkbox:has-text("parse failure")');
    await page.click('vscode-checkbox:has-text("human grade")');
    await waitShown(page, 1);
    await page.click('vscode-checkbox:has-text("human grade")');
    await waitShown(page, 60);
    await choose(page, 'vscode-single-select[aria-label="Metadata column"]', 'Category');
    await choose(page, 'vscode-single-select[aria-label="Value"]', 'Geometry');
    await waitShown(page, 15);
    await page.click('vscode-button:has-text("Clear filters")');
    await waitShown(page, 60);
    // Sort by score, highest first; unknown scores last.
    await choose(page, 'vscode-single-select[aria-label="Sort by"]', 'score');
    await page.click('vscode-button[aria-label="Reverse the order"]');
    await page.waitForFunction(() => document.querySelector('.list .row[data-pos="0"] .badge')?.textContent === '7/7');
    const sorted = await visibleRows(page);
    assert.ok(sorted.slice(0, 10).every((r) => r.badge === '7/7'));
    await choose(page, 'vscode-single-select[aria-label="Sort by"]', 'cost');
    await page.waitForFunction(
      () => document.querySelector('.list .row[data-pos="0"]')?.getAttribute('data-index') === '59',
    );
    await page.click('vscode-button[aria-label="Reverse the order"]');
    await choose(page, 'vscode-single-select[aria-label="Sort by"]', 'index');
    await page.waitForFunction(
      () => document.querySelector('.list .row[data-pos="0"]')?.getAttribute('data-index') === '0',
    );
    assert.deepEqual(trap.errors, []);
  });

  test('keyboard: j/k and arrows move, Enter opens, / searches, Esc goes back', async () => {
    await page.goto(server.url);
    await page.waitForSelector('body[data-ready=true]');
    await page.focus('.list');
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('k');
    await page.waitForSelector('.list .row.selected[data-index="2"]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.row-page[data-row-index="2"]');
    assert.equal(new URL(page.url()).searchParams.get('row'), '3');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.row-page[data-row-index="1"]');
    await page.keyboard.press('/');
    assert.equal(await page.evaluate(() => document.activeElement?.className), 'search');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
    await page.waitForSelector('.detail .empty');
    assert.deepEqual(trap.errors, []);
  });

  test('deep links ?row=N and #row=N; the state survives a reload', async () => {
    await openRow(page, server.url, 13);
    // Human grade beside the model grade, and its note rendered.
    assert.match((await page.textContent('.row-head')) ?? '', /model 0\/7.*human 4\/7/s);
    assert.ok(await page.$('.human-grade [data-field=human_grade] .math-inline'));
    await page.waitForSelector('.list .row.selected[data-index="12"]');
    await page.goto(`${server.url}#row=40`);
    await page.waitForSelector('.row-page[data-row-index="39"]');
    // Filter, font size and open row come back after a reload (sessionStorage, like VS Code's getState).
    await page.fill('.search input', 'Advanced');
    await page.press('.search input', 'Enter');
    await waitShown(page, 30);
    await page.click('vscode-button[aria-label="Larger text"]');
    await page.click('vscode-button[aria-label="Larger text"]');
    await page.reload();
    await page.waitForSelector('.row-page[data-row-index="39"]');
    await waitShown(page, 30);
    assert.equal(await valueOf(page, '.search'), 'Advanced');
    assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('.detail')!).fontSize), '16px');
    await page.click('[data-action=clear-filters]');
    await waitShown(page, 60);
    assert.equal(await valueOf(page, '.search'), '');
    await page.click('vscode-button[aria-label="Smaller text"]');
    await page.click('vscode-button[aria-label="Smaller text"]');
    assert.deepEqual(trap.errors, []);
  });

  test('the row page: every part in its data-field; chain of thought folded; copy-as-LaTeX', async () => {
    await page.goto(`${server.url}?row=2`);
    await page.waitForSelector('.row-page[data-row-index="1"][data-complete=true]');
    for (const field of [
      'problem',
      'model_solution',
      'solution',
      'grading_guidelines',
      'schema_0',
      'grade',
      'history',
    ]) {
      assert.ok(await page.$(`.row-page [data-field="${field}"]`), `data-field=${field}`);
    }
    assert.ok(await page.$('.row-page [data-field=model_solution] strong'), 'markdown rendered');
    assert.ok(await page.$('.row-page [data-field=model_solution] .math-display'), 'display math');
    const cot = page.locator('.history .msg.cot');
    assert.equal(await cot.count(), 1);
    assert.equal(await cot.evaluate((d) => (d as HTMLDetailsElement).open), false);
    assert.match((await cot.locator('summary').textContent()) ?? '', /chain of thought/);
    assert.match((await page.textContent('.meta')) ?? '', /1,037 out/);
    await page.click('.row-page [data-field=problem] .math-inline .katex-html >> nth=0');
    await page.waitForSelector('#qed-toast.show');
    assert.match((await page.textContent('#qed-toast')) ?? '', /Copied LaTeX: \(a_n\)/);
  });

  test('live: rows appended to the file appear without a reload', async () => {
    await page.goto(server.url);
    await page.waitForSelector('body[data-ready=true]');
    appendFileSync(
      file,
      [proofRow(60), proofRow(61, { problem_id: 'APPENDED-2' })].map((r) => JSON.stringify(r)).join('\n') + '\n',
    );
    await waitShown(page, 62);
    await page.fill('.search input', 'APPENDED');
    await page.press('.search input', 'Enter');
    await waitShown(page, 1);
    assert.deepEqual(trap.errors, []);
  });
});

describe('qed view of a job under way', { skip: !HAVE_CHROMIUM && NO_CHROMIUM }, () => {
  test("the job's journal: rows show as they are written, marked live, and cannot be edited yet", async () => {
    mkdirSync(join(scratch.dir(), 'live'), { recursive: true });
    const out = join(scratch.dir(), 'live', 'run.jsonl');
    // The job has written two rows to its journal; the results file does not exist yet.
    writeFileSync(`${out}.partial`, [proofRow(0), proofRow(1)].map((r) => JSON.stringify(r) + '\n').join(''));
    writeFileSync(`${out}.lock`, JSON.stringify({ host: 'test', pid: 1 }));
    const server = await startViewServer({ files: [out], pollMs: 200 });
    const page = await browser().newPage({ width: 1300, height: 850 });
    const trap = await watchPage(page);
    try {
      await page.goto(`${server.url}?row=2`);
      await page.waitForSelector('body[data-ready=true]');
      await waitShown(page, 2);
      assert.equal(await page.locator('.list .row.live').count(), 2);
      assert.match((await page.textContent('.banner')) ?? '', /2 row\(s\) shown live .* run\.jsonl\.partial/);
      await page.waitForSelector('.row-page[data-row-index="1"][data-complete=true]');
      assert.equal(await page.locator('[data-action=regrade]').isDisabled(), true);
      assert.equal(await page.locator('[data-action=override]').isDisabled(), true);
      appendFileSync(`${out}.partial`, JSON.stringify(proofRow(2, { problem_id: 'JUST-IN' })) + '\n');
      await waitShown(page, 3);
      await page.waitForSelector('.list .row.live >> text=JUST-IN');
      await screenshot(page, 'viewer-live');
      // The job ends: the results file is written and the journal and lock removed.
      writeJsonl(out, [proofRow(0), proofRow(1), proofRow(2, { problem_id: 'JUST-IN' })]);
      rmSync(`${out}.partial`);
      rmSync(`${out}.lock`);
      await page.waitForFunction(() => document.querySelectorAll('.list .row.live').length === 0, undefined, {
        timeout: 10_000,
      });
      assert.equal(await shown(page), 3);
      await page.waitForFunction(
        () => !(document.querySelector('[data-action=override]') as HTMLButtonElement | null)?.disabled,
        undefined,
        { timeout: 10_000 },
      );
      assert.deepEqual(trap.errors, []);
    } finally {
      await page.close();
      await server.close();
    }
  });
});

describe('qed view with two runs: compare and export', { skip: !HAVE_CHROMIUM && NO_CHROMIUM }, () => {
  test('rows joined on the problem id with the score difference; export as markdown', async () => {
    mkdirSync(join(scratch.dir(), 'cmp'), { recursive: true });
    const a = writeJsonl(
      join(scratch.dir(), 'cmp', 'run-a.jsonl'),
      Array.from({ length: 6 }, (_, i) => proofRow(i, { score: i % 2 ? 7 : 1 })),
    );
    const b = writeJsonl(
      join(scratch.dir(), 'cmp', 'run-b.jsonl'),
      Array.from({ length: 6 }, (_, i) =>
        proofRow(i, { score: i < 3 ? 7 : 1, model_solution: `Run B, problem ${i + 1}: $y^${i}$.` }),
      ),
    );
    const server = await startViewServer({ files: [a, b] });
    const page = await browser().newPage({ width: 1300, height: 850 });
    const trap = await watchPage(page);
    try {
      await page.goto(server.url);
      await page.waitForSelector('body[data-ready=true]');
      // Export the (filtered) list: the page downloads a markdown file.
      await page.fill('.search input', 'PB-Basic');
      await page.press('.search input', 'Enter');
      await waitShown(page, 3);
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.click('.toolbar vscode-button:has-text("Export")'),
      ]);
      const md = readFileSync((await download.path())!, 'utf8');
      assert.equal((md.match(/^## PB-Basic-/gm) ?? []).length, 3);
      assert.match(md, /### Problem\n\nLet \$\(a_n\)\$/);
      await page.click('[data-action=clear-filters]');
      // Compare: A = run-a, B = run-b.
      await page.click('.toolbar vscode-button:has-text("Compare")');
      await page.waitForSelector('.compare-row');
      assert.equal(await page.locator('.compare-row').count(), 6);
      // Problem 1: 1 → 7 (+6); problem 4: 7 → 1 (−6); problem 2 and 6: 7 → 7 / 7 → 1.
      assert.deepEqual(await page.$$eval('.compare-row .diff', (els) => els.map((e) => e.textContent)), [
        '+6',
        '0',
        '+6',
        '-6',
        '0',
        '-6',
      ]);
      assert.equal(await page.locator('.compare-row.up').count(), 2);
      await page.click('.compare-row >> nth=3');
      await page.waitForSelector('.compare-pair .pair [data-field=model_solution] >> nth=1');
      assert.match((await page.textContent('.compare-pair')) ?? '', /Run B, problem 4/);
      await screenshot(page, 'viewer-compare');
      assert.deepEqual(trap.errors, []);
    } finally {
      await page.close();
      await server.close();
    }
  });
});

describe(
  'qed view: compare without common scores, and the demo banner',
  { skip: !HAVE_CHROMIUM && NO_CHROMIUM },
  () => {
    test('Compare with no problem scored in both says so (no "mean A NaN"); a notice (qed demo) is a banner over the list', async () => {
      mkdirSync(join(scratch.dir(), 'cmp0'), { recursive: true });
      const a = writeJsonl(
        join(scratch.dir(), 'cmp0', 'graded.jsonl'),
        Array.from({ length: 3 }, (_, i) => proofRow(i, { score: 7 })),
      );
      const b = writeJsonl(
        join(scratch.dir(), 'cmp0', 'ungraded.jsonl'),
        Array.from({ length: 3 }, (_, i) => proofRow(i, { score: null, grade: undefined })),
      );
      const server = await startViewServer({
        files: [a, b],
        settings: { notice: 'Demo: these rows come from the demo model.' },
      });
      const page = await browser().newPage({ width: 1300, height: 850 });
      const trap = await watchPage(page);
      try {
        await page.goto(server.url);
        await page.waitForSelector('body[data-ready=true]');
        await page.waitForSelector('.banner:not([hidden])');
        assert.match((await page.textContent('.banner')) ?? '', /Demo: these rows come from the demo model\./);
        await page.click('.toolbar vscode-button:has-text("Compare")');
        await page.waitForSelector('.compare-row');
        const text = (await page.textContent('body')) ?? '';
        assert.match(text, /no problem is scored in both files/);
        assert.doesNotMatch(text, /NaN/);
        assert.deepEqual(trap.errors, []);
      } finally {
        await page.close();
        await server.close();
      }
    });
  },
);

describe(
  'qed view (the built CLI): token, regrade and override round trips',
  { skip: !HAVE_CHROMIUM && NO_CHROMIUM },
  () => {
    let fake: FakeLlmServer;
    let proc: ChildProcess;
    let url: string;
    let ws: string;
    let file: string;
    let original: string[];

    before(async () => {
      fake = await FakeLlmServer.start({
        reply: () => ({ text: 'A careful check of each step. <points>6 out of 7</points>' }),
      });
      ws = tempDir('qed-view-ws-');
      mkdirSync(join(ws, 'configs', 'models', 'local'), { recursive: true });
      writeFileSync(
        join(ws, 'configs', 'models', 'local', 'fake.yaml'),
        `model: fake-grader\napi: custom\nbase_url: ${fake.url}/v1\nread_cost: 1\nwrite_cost: 2\n`,
      );
      file = writeJsonl(
        join(ws, 'results.jsonl'),
        Array.from({ length: 8 }, (_, i) => proofRow(i, { score: 0, grade: [{ points: 0, desc: 'old' }] })),
      );
      original = readLines(file);
      ({ proc, url } = await startQedView(ws, ['results.jsonl', '--grader', 'local/fake', '--reviewer', 'tester']));
    });
    after(async () => {
      proc?.kill('SIGTERM');
      await fake?.close();
      if (ws) rmSync(ws, { recursive: true, force: true });
    });

    test('127.0.0.1 only, and every path needs the token (403 without it)', async () => {
      const u = new URL(url);
      assert.equal(u.hostname, '127.0.0.1');
      const token = u.pathname.split('/')[1];
      assert.ok(token.length >= 20);
      const status = async (path: string, init?: RequestInit) => (await fetch(`${u.origin}${path}`, init)).status;
      // The token with its last character changed (to one it does not already have).
      const wrong = token.slice(0, -1) + (token.endsWith('x') ? 'y' : 'x');
      assert.equal(await status('/'), 403);
      assert.equal(await status('/webview.js'), 403);
      assert.equal(await status(`/${wrong}/`), 403);
      assert.equal(
        await status('/api', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"kind":"ready","protocol":1}',
        }),
        403,
      );
      assert.equal(await status(`/${token}/`), 200);
      // Typed without the slash after the token: sent to the address with it (the page's files
      // are relative to it), the row kept.
      const bare = await fetch(`${u.origin}/${token}?row=2`, { redirect: 'manual' });
      assert.equal(bare.status, 308);
      assert.equal(bare.headers.get('location'), `/${token}/?row=2`);
      assert.equal(await status(`/${wrong}?row=2`), 403);
      assert.equal(await status(`/${token}/webview.js`), 200);
      assert.equal(await status(`/${token}/KaTeX_Main-Regular.woff2`), 200);
      assert.equal(await status(`/${token}/cli.js`), 404);
      assert.equal(await status(`/${token}/results.jsonl`), 404);
      const page = await fetch(url);
      assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'.*script-src 'nonce-/);
      assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
      // A page reaching us under another host name (DNS rebinding) is refused even with the token.
      const rebound = await new Promise<number>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port: Number(u.port), path: u.pathname, headers: { host: `evil.example:${u.port}` } },
          (res) => resolve(res.statusCode ?? 0),
        );
        req.on('error', reject);
        req.end();
      });
      assert.equal(rebound, 403);
    });

    test('regrade from the page: the fake grader is asked once, exactly one line changes', async () => {
      const page = await browser().newPage({ width: 1300, height: 850 });
      const trap = await watchPage(page);
      try {
        await page.goto(`${url}?row=3`);
        await page.waitForSelector('.row-page[data-row-index="2"]');
        await page.click('[data-action=regrade]');
        await page.waitForSelector('dialog[open] vscode-single-select[name=grader]');
        assert.equal(await valueOf(page, 'dialog vscode-single-select[name=grader]'), 'local/fake');
        await page.click('[data-action=start-regrade]');
        await page.waitForSelector('#qed-toast.show:has-text("Regraded")', { timeout: 20_000 });
        assert.match((await page.textContent('#qed-toast')) ?? '', /6\/7, cost \$0\.0\d+/);
        await page.waitForSelector('.row-page[data-row-index="2"] .row-head:has-text("model 6/7")');
        assert.equal(fake.requests.filter((r) => r.api === 'chat').length, 1);
        const now = readLines(file);
        assert.equal(now.length, original.length);
        const changed = now.map((l, i) => (l === original[i] ? -1 : i)).filter((i) => i >= 0);
        assert.deepEqual(changed, [2]);
        const row = JSON.parse(now[2]);
        assert.equal(row.score, 6);
        assert.equal(row.qed_grade.config, 'local/fake');
        assert.ok(row.grade_cost.cost > 0);
        original = now;
        assert.deepEqual(trap.errors, []);
      } finally {
        await page.close();
      }
    });

    test('override from the page: points + note saved as human_grade in that line only', async () => {
      const page = await browser().newPage({ width: 1300, height: 850 });
      const trap = await watchPage(page);
      try {
        await page.goto(`${url}?row=5`);
        await page.waitForSelector('.row-page[data-row-index="4"]');
        await page.click('[data-action=override]');
        await page.waitForSelector('dialog[open] vscode-textfield[name=points-0]');
        // Out of range first: refused in the form, nothing written.
        await fillField(page, 'dialog vscode-textfield[name=points-0]', '9');
        await page.click('[data-action=save-override]');
        await page.waitForSelector('dialog .dialog-status.error');
        assert.deepEqual(readLines(file), original);
        await fillField(page, 'dialog vscode-textfield[name=points-0]', '5');
        await fillField(page, 'dialog vscode-textarea[name=note]', 'Base case fine; the step skips $n=2$.');
        await page.click('[data-action=save-override]');
        await page.waitForSelector('#qed-toast.show:has-text("Human grade saved")');
        await page.waitForSelector('.row-page[data-row-index="4"] .row-head:has-text("human 5/7")');
        const now = readLines(file);
        const changed = now.map((l, i) => (l === original[i] ? -1 : i)).filter((i) => i >= 0);
        assert.deepEqual(changed, [4]);
        const human = JSON.parse(now[4]).human_grade;
        assert.deepEqual(human.points, [5]);
        assert.equal(human.total, 5);
        assert.equal(human.reviewer, 'tester');
        assert.match(human.note, /skips \$n=2\$/);
        assert.ok(!Number.isNaN(Date.parse(human.at)));
        // The rest of that line is unchanged.
        const before = JSON.parse(original[4]);
        delete JSON.parse(now[4]).human_grade;
        assert.deepEqual({ ...JSON.parse(now[4]), human_grade: undefined }, { ...before, human_grade: undefined });
        // The list shows it too.
        await page.waitForSelector('.list .row[data-index="4"] .badge.human');
        assert.deepEqual(trap.errors, []);
      } finally {
        await page.close();
      }
    });
  },
);

describe(
  'IMO-Bench: every problem, reference solution and grading guideline rendered',
  { skip: (!HAVE_CHROMIUM && NO_CHROMIUM) || (!HAVE_IMOBENCH && NO_IMOBENCH) },
  () => {
    test(
      'all rows of all CSVs, zero page errors, KaTeX errors below the bound; screenshots',
      // A guard against a hang only (about 40 s on a quiet machine): never a verdict on speed.
      { timeout: 900_000 },
      async () => {
        mkdirSync(join(scratch.dir(), 'imobench'));
        const files = await imobenchResults(join(scratch.dir(), 'imobench'));
        const server = await startViewServer({ files: files.map((f) => f.file) });
        const page = await browser().newPage({ width: 1400, height: 900 });
        const trap = await watchPage(page);
        const seen = new Set<string>();
        const failing = new Map<string, string>();
        let rows = 0;
        let formulas = 0;
        let renderMs = 0;
        try {
          for (const [fi, f] of files.entries()) {
            // Rows whose texts an earlier file already had (v1/v2 copies) are not rendered twice.
            const todo: number[] = [];
            readLines(f.file).forEach((l, i) => {
              if (!l) return;
              const r = JSON.parse(l);
              const key = createHash('sha1')
                .update(JSON.stringify([r.problem, r.solution, r.grading_guidelines, r.answer]))
                .digest('hex');
              if (!seen.has(key)) todo.push(i);
              seen.add(key);
            });
            if (!todo.length) continue;
            // Runs of consecutive rows: the first by deep link, the others with the row page's "next" button.
            const runs: number[][] = [];
            for (const i of todo) {
              const last = runs[runs.length - 1];
              if (last && last[last.length - 1] === i - 1) last.push(i);
              else runs.push([i]);
            }
            const r = {
              rows: 0,
              formulas: 0,
              renderMs: 0,
              failing: [] as Array<[string, string]>,
              missing: [] as string[],
            };
            for (const run of runs) {
              await page.goto(`${server.url}?file=${fi + 1}&row=${run[0] + 1}`);
              await page.waitForSelector(`.row-page[data-row-index="${run[0]}"][data-complete=true]`);
              const got = await page.evaluate(async (indices) => {
                const out = {
                  rows: 0,
                  formulas: 0,
                  renderMs: 0,
                  failing: [] as Array<[string, string]>,
                  missing: [] as string[],
                };
                const app = document.querySelector('.qed-app')!;
                const waitFor = (i: number) =>
                  new Promise<HTMLElement>((resolve) => {
                    const check = () => {
                      const p = document.querySelector<HTMLElement>(
                        `.row-page[data-row-index="${i}"][data-complete=true]`,
                      );
                      if (p) {
                        obs.disconnect();
                        resolve(p);
                      }
                    };
                    const obs = new MutationObserver(check);
                    obs.observe(app, { childList: true, subtree: true });
                    check();
                  });
                for (const [k, i] of indices.entries()) {
                  if (k > 0) document.querySelector<HTMLElement>('vscode-button[aria-label="Next row"]')!.click();
                  const p = await waitFor(i);
                  // Long texts render their blocks as they scroll into view; printing renders them all.
                  window.dispatchEvent(new Event('beforeprint'));
                  out.rows++;
                  out.formulas += Number(p.dataset.formulas);
                  out.renderMs += Number(p.dataset.renderMs);
                  for (const f of ['problem', 'model_solution'])
                    if (!p.querySelector(`[data-field="${f}"]`)) out.missing.push(`${i}:${f}`);
                  for (const e of Array.from(p.querySelectorAll<HTMLElement>('.math-error')))
                    out.failing.push([e.dataset.latex ?? '', e.title]);
                }
                return out;
              }, run);
              r.rows += got.rows;
              r.formulas += got.formulas;
              r.renderMs += got.renderMs;
              r.failing.push(...got.failing);
              r.missing.push(...got.missing);
            }
            assert.deepEqual(r.missing, [], `${f.name}: rows without their texts`);
            rows += r.rows;
            formulas += r.formulas;
            renderMs += r.renderMs;
            for (const [tex, msg] of r.failing) failing.set(tex, msg);
            // Reference solution and guidelines are in the page (folded) for proof files.
            if (f.name.includes('proof'))
              assert.ok(
                (await page.$('.row-page [data-field=solution]')) &&
                  (await page.$('.row-page [data-field=grading_guidelines]')),
                `${f.name}: solution and guidelines`,
              );
          }
          console.log(
            `# IMO-Bench: ${rows} distinct rows rendered, ${formulas} formulas, ${failing.size} distinct formulas KaTeX could not render (${((failing.size / formulas) * 100).toFixed(3)} %), ${(renderMs / rows).toFixed(1)} ms per row page`,
          );
          for (const [tex, msg] of failing)
            console.log(`#   ${JSON.stringify(tex.slice(0, 90))}: ${msg.replace(/\s+/g, ' ').slice(0, 110)}`);
          assert.equal(rows, seen.size, 'every distinct row opened');
          assert.ok(rows > 480, `${rows} rows`);
          assert.deepEqual(trap.errors, [], 'no uncaught page errors');
          // The bound: every failure left is a defect of the source LaTeX itself, which no renderer
          // should accept: `\right,` (a comma is not a delimiter), `\lodts` (a typo of \ldots) and
          // `\{1, 2, \ldots, 191}` (a brace left open), 3 formulas in the answerbench files. Allow a
          // few more for renderer changes, but never more than 0.05 % of the formulas.
          assert.ok(
            failing.size <= 6 && failing.size <= formulas * 0.0005,
            `${failing.size} failing formulas of ${formulas}`,
          );

          // Screenshots of a long proof, light and dark, wide and narrow: look at them.
          const proofs = files.findIndex((f) => f.name === 'proofbench_v2.csv');
          await page.goto(`${server.url}?file=${proofs + 1}&row=31`);
          await page.waitForSelector('.row-page[data-row-index="30"]');
          await page.evaluate(() => document.fonts.ready);
          await screenshot(page, 'viewer-light');
          await page.emulateMedia({ colorScheme: 'dark' });
          await page.waitForTimeout(100);
          await screenshot(page, 'viewer-dark');
          await page.click('.row-page details[data-section=solution] > summary');
          await page.evaluate(() => document.querySelector('.grading')?.scrollIntoView());
          await screenshot(page, 'viewer-dark-grading');
          await page.setViewportSize({ width: 600, height: 900 });
          await page.emulateMedia({ colorScheme: 'light' });
          await page.waitForTimeout(100);
          await screenshot(page, 'viewer-light-narrow');
          const answers = files.findIndex((f) => f.name === 'answerbench_v2.csv');
          await page.setViewportSize({ width: 1400, height: 900 });
          await page.goto(`${server.url}?file=${answers + 1}&row=1`);
          await page.waitForSelector('.row-page[data-row-index="0"]');
          await screenshot(page, 'viewer-light-answers');
        } finally {
          await page.close();
          await server.close();
        }
      },
    );
  },
);
