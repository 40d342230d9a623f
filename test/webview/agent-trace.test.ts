/**
 * Agent rows in `qed view` (the built CLI), in real headless Chromium: the trace as a timeline
 * (steps, scores, costs, notes, reused steps, the final choice), a step opened to show its rendered
 * proof and chain of thought, a candidate followed, a damaged trace of 1,500 steps shown without
 * harm, and the list filtered and sorted by agent steps and agent cost. Screenshots in light and
 * dark: test-results/agent-trace-*.png.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import {
  HAVE_CHROMIUM,
  NO_CHROMIUM,
  browserAndScratch,
  choose,
  screenshot,
  startQedView,
  tempDir,
  watchPage,
  writeJsonl,
} from './helpers';
import { agentResults, type Row } from '../fixtures/agents/traces';

const scratch = browserAndScratch();

/** The viewer's own USD format (dom.ts fmtUsd). */
const usd = (x: number) => (x >= 1 ? `$${x.toFixed(2)}` : `$${x.toFixed(4)}`);

type Step = {
  kind: string;
  label: string;
  cost?: number;
  score?: number;
  max?: number;
  reused?: boolean;
  candidate?: string;
  of?: string[];
};
const stepsOf = (r: Row) => (r.agent_trace as { steps: Step[] }).steps;

async function waitShown(page: Page, n: number): Promise<void> {
  await page.waitForFunction(
    (want) => document.querySelector('[data-testid=counts]')?.getAttribute('data-shown') === String(want),
    n,
    { timeout: 10_000 },
  );
}
const listIds = (page: Page) =>
  page.$$eval('.list .row[data-index] .row-id', (els) => els.map((e) => e.textContent ?? ''));

describe('agent traces in qed view', { skip: !HAVE_CHROMIUM && NO_CHROMIUM }, () => {
  let proc: ChildProcess;
  let url: string;
  let ws: string;
  let rows: Row[];
  let page: Page;
  let trap: { errors: string[]; consoleErrors: string[] };

  before(async () => {
    ws = tempDir('qed-view-agents-');
    rows = agentResults({ damaged: true });
    writeJsonl(join(ws, 'agents.jsonl'), rows);
    ({ proc, url } = await startQedView(ws, ['agents.jsonl']));
    page = await scratch.browser().newPage({ width: 1400, height: 1000 });
    trap = await watchPage(page);
  });
  after(async () => {
    await page?.close();
    proc?.kill('SIGTERM');
    if (ws) rmSync(ws, { recursive: true, force: true });
  });

  test('deepseek_agent: the timeline shows every step with its score, cost, note and reuse; the final choice', async () => {
    const ds = rows[1];
    const steps = stepsOf(ds);
    await page.goto(`${url}?row=2`);
    await page.waitForSelector('.row-page[data-row-index="1"] .agent-trace');
    assert.equal(await page.locator('.agent-trace .step').count(), steps.length);
    // Each step: kind, label and cost in the viewer's USD format; scores as "score / max".
    const shown = await page.$$eval('.agent-trace .step', (els) =>
      els.map((e) => ({
        kind: e.querySelector('.kind')?.textContent,
        label: e.querySelector('.step-label')?.textContent,
        cost: e.querySelector('.cost')?.textContent,
        score: e.querySelector('.step-score')?.textContent ?? null,
        reused: !!e.querySelector('.reused-tag'),
      })),
    );
    steps.forEach((s, k) => {
      assert.equal(shown[k].kind, s.kind);
      assert.equal(shown[k].label, s.label);
      assert.equal(shown[k].cost, s.cost !== undefined ? usd(s.cost) : '', `cost of step ${k + 1}`);
      assert.equal(shown[k].score, s.score !== undefined ? `${s.score} / ${s.max}` : null, `score of step ${k + 1}`);
      assert.equal(shown[k].reused, !!s.reused);
    });
    assert.ok(shown.some((s) => s.score === '0.5 / 1'));
    const cost = (ds.cost_run as { cost: number }).cost;
    assert.match(
      (await page.textContent('[data-testid=trace-facts]')) ?? '',
      new RegExp(`^${steps.length} steps · 26 calls · \\${usd(cost)} .* 2 reused`),
    );
    // The verification without a score is marked as a parse problem, visible while folded.
    const broken = page.locator('.agent-trace .step', { hasText: 'Verification 3 of proof 2' });
    assert.match(
      (await broken.locator('.step-note.warn').textContent()) ?? '',
      /⚠ no score found in the reply: counted as 0/,
    );
    assert.ok(await broken.locator('.step-note.warn').isVisible());
    // The final choice: the candidate, its score, the note; its step starts open with the proof rendered.
    const final = (await page.textContent('[data-testid=trace-final]')) ?? '';
    assert.match(final, /Final choice: p5\s*1 \/ 1\s*highest mean verification score/);
    const finalStep = steps.findIndex((s) => s.candidate === 'p5');
    await page.waitForSelector(`.step[data-step="${finalStep}"] details[open] .step-body .rich .katex`);
    assert.match(
      (await page.textContent(`.step[data-step="${finalStep}"] .step-body .rich`)) ?? '',
      /Every integer is congruent/,
    );
    // Only opened steps have a body.
    assert.equal(await page.locator('.agent-trace .step-body').count(), 1);
    // The candidates table: p1's four verification scores and their mean.
    assert.match(
      (await page.locator('[data-testid=trace-candidates] tr', { hasText: 'Proof 1' }).textContent()) ?? '',
      /1110\.5\s*0\.875 \/ 1/,
    );
    // The plain history dump is replaced, but kept folded below.
    assert.equal(await page.locator('.row-page > .history').count(), 0);
    await page.click('.raw-history > summary');
    await page.waitForSelector('.raw-history .history .msg.call');
    assert.equal(await page.locator('.raw-history .history > .msg.call').count(), (ds.history as unknown[]).length);
    assert.deepEqual(trap.errors, []);
  });

  test('a step opens to its rendered proof and chain of thought; following a candidate goes to the step that made it', async () => {
    const steps = stepsOf(rows[1]);
    await page.goto(`${url}?row=2`);
    await page.waitForSelector('.agent-trace');
    // Open "Proof 3": its reply is rendered markdown + KaTeX (the induction's display formula).
    const third = page.locator('.step[data-step="2"]');
    await third.locator('summary.step-head').click();
    await third.locator('.step-body .rich .math-display .katex').first().waitFor();
    assert.match((await third.locator('.step-body .rich').first().textContent()) ?? '', /By induction on/);
    await third.locator('.step-body .fold.cot > summary').click();
    await third.locator('.step-body .fold.cot .rich .katex').first().waitFor();
    assert.match((await third.locator('.step-body .fold.cot').textContent()) ?? '', /Chain of thought.*approach 3/s);
    await screenshot(page, 'agent-trace-open-step');
    // Hovering p2 lights up the steps that produced or read it.
    const related = steps.filter((s) => s.candidate === 'p2' || s.of?.includes('p2')).length;
    const refine = steps.findIndex((s) => s.kind === 'refine' && s.of?.includes('p2'));
    const chip = page.locator(`.step[data-step="${refine}"] .reads [data-cand="p2"]`);
    await chip.hover();
    await page.waitForFunction((n) => document.querySelectorAll('.agent-trace .step.lit').length === n, related);
    // A click goes to "Proof 2", opens it and brings it into view.
    await chip.click();
    const p2 = page.locator('.step[data-step="1"]');
    await p2.locator('details[open] .step-body .rich').waitFor();
    await page.waitForFunction(() => {
      const r = document.querySelector('.step[data-step="1"]')!.getBoundingClientRect();
      return r.top >= 0 && r.top < window.innerHeight;
    });
    assert.match((await p2.locator('.step-body .rich').textContent()) ?? '', /residues modulo/);
    // Follow p5: only its steps.
    await choose(page, 'vscode-single-select[aria-label="Follow a candidate"]', 'p5');
    const p5 = steps.filter((s) => s.candidate === 'p5' || s.of?.includes('p5')).length;
    await page.waitForFunction((n) => document.querySelectorAll('.agent-trace .step').length === n, p5);
    await choose(page, 'vscode-single-select[aria-label="Follow a candidate"]', '');
    await page.waitForFunction((n) => document.querySelectorAll('.agent-trace .step').length === n, steps.length);
    assert.deepEqual(trap.errors, []);
  });

  test('nomos and math_agent: scores out of 7, a tie, consolidation, plan and tool steps', async () => {
    await page.goto(`${url}?row=3`);
    await page.waitForSelector('.row-page[data-row-index="2"] .agent-trace');
    const nomos = await page.$$eval('.agent-trace .step', (els) => els.map((e) => e.textContent ?? ''));
    assert.ok(nomos.some((t) => /score.*Score solution 1.*6 \/ 7/.test(t)));
    assert.ok(nomos.some((t) => /compare.*Compare solution 1 with solution 3.*⇒ tie/.test(t)));
    assert.ok(nomos.some((t) => /consolidate.*→ c1.*reads s1s3/.test(t)));
    assert.match((await page.textContent('[data-testid=trace-final]')) ?? '', /c1\s*7 \/ 7\s*won every comparison/);
    await page.goto(`${url}?row=4`);
    await page.waitForSelector('.row-page[data-row-index="3"] .agent-trace');
    const kinds = await page.$$eval('.agent-trace .step .kind', (els) => els.map((e) => e.textContent));
    assert.deepEqual(kinds, ['plan', 'tool', 'tool', 'generate', 'check']);
    // A tool step's request shows the tool's message.
    const tool = page.locator('.step[data-step="1"]');
    await tool.locator('summary.step-head').click();
    await tool.locator('.request-fold > summary').click();
    // The step's call is fetched when it opens: wait for its messages instead of reading once.
    await tool.locator('.request-fold', { hasText: 'tool python' }).waitFor({ timeout: 30_000 });
    assert.match((await tool.locator('.request-fold').textContent()) ?? '', /tool python/);
    // An ordinary row keeps its conversation section.
    await page.goto(`${url}?row=1`);
    await page.waitForSelector('.row-page[data-row-index="0"] .history');
    assert.equal(await page.locator('.agent-trace').count(), 0);
    assert.deepEqual(trap.errors, []);
  });

  test('a damaged trace of 1,500 steps: shown in batches, problems in plain words, nothing injected', async () => {
    await page.goto(`${url}?row=6`);
    await page.waitForSelector('.row-page[data-row-index="5"] .agent-trace');
    assert.equal(await page.locator('.agent-trace .step').count(), 200);
    const text = (await page.textContent('.agent-trace')) ?? '';
    for (const re of [
      /score is not a number: "high"/,
      /this step is not an object: null/,
      /the step has no kind/,
      /final\.score is not a number/,
      /no step of the trace produced missing-id/,
      /cost_run says \$0\.5000/,
    ])
      assert.match(text, re);
    // h out of range and a history entry without messages are said so when the step is opened.
    for (const [k, re] of [
      [1, /h = 99 is outside the history \(3 entries\)/],
      [3, /history\[2\] has no messages list/],
      [2, /history\[1\] is not an object/],
    ] as const) {
      const step = page.locator(`.step[data-step="${k}"]`);
      await step.locator('summary.step-head').click();
      await step.locator('.step-body[data-ready="true"]').waitFor();
      assert.match((await step.locator('.step-body').textContent()) ?? '', re);
    }
    // The hostile reply renders as text.
    const first = page.locator('.step[data-step="0"]');
    await first.locator('summary.step-head').click();
    await first.locator('.step-body .rich .katex').first().waitFor();
    assert.equal(
      await page
        .locator('.agent-trace img, .agent-trace script, .agent-trace [onerror], .agent-trace [onmouseover]')
        .count(),
      0,
    );
    await page.click('[data-action=more-steps]');
    await page.waitForFunction(() => document.querySelectorAll('.agent-trace .step').length === 400);
    await page.click('.trace-more .link-button');
    await page.waitForFunction(() => document.querySelectorAll('.agent-trace .step').length === 1500);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned: number }).__pwned), 0);
    assert.deepEqual(trap.errors, []);
  });

  test('the list: step counts, filter and sort by agent steps and agent cost', async () => {
    await page.goto(url);
    await page.waitForSelector('body[data-ready=true]');
    await waitShown(page, rows.length);
    assert.equal(await page.textContent('.list .row[data-index="1"] .row-steps'), '27 steps');
    assert.equal(await page.locator('.list .row[data-index="0"] .row-steps').count(), 0);
    await choose(page, 'vscode-single-select[aria-label="Sort by"]', 'steps');
    await page.click('vscode-button[aria-label="Reverse the order"]');
    await page.waitForFunction(
      () => document.querySelector('.list .row[data-pos="0"] .row-id')?.textContent === 'AG-BAD-4',
    );
    assert.deepEqual(await listIds(page), ['AG-BAD-4', 'AG-DS-1', 'AG-NO-2', 'AG-MA-3', 'PLAIN-1', 'PLAIN-2']);
    await choose(page, 'vscode-single-select[aria-label="Sort by"]', 'agentCost');
    await page.click('vscode-button[aria-label="Reverse the order"]');
    await page.waitForFunction(
      () => document.querySelector('.list .row[data-pos="0"] .row-id')?.textContent === 'AG-MA-3',
    );
    assert.deepEqual(await listIds(page), ['AG-MA-3', 'AG-NO-2', 'AG-DS-1', 'AG-BAD-4', 'PLAIN-1', 'PLAIN-2']);
    await page.click('vscode-button:has-text("Filters")');
    await page.fill('vscode-textfield[aria-label="Fewest agent steps"] input', '10');
    await page.press('vscode-textfield[aria-label="Fewest agent steps"] input', 'Enter');
    await waitShown(page, 3);
    await page.fill('vscode-textfield[aria-label="Most agent steps"] input', '100');
    await page.press('vscode-textfield[aria-label="Most agent steps"] input', 'Enter');
    await waitShown(page, 2);
    assert.deepEqual(await listIds(page), ['AG-NO-2', 'AG-DS-1']);
    await page.click('vscode-button:has-text("Clear filters")');
    await waitShown(page, rows.length);
    await page.fill('vscode-textfield[aria-label="Fewest agent cost (USD)"] input', '0.003');
    await page.press('vscode-textfield[aria-label="Fewest agent cost (USD)"] input', 'Enter');
    await page.fill('vscode-textfield[aria-label="Most agent cost (USD)"] input', '0.01');
    await page.press('vscode-textfield[aria-label="Most agent cost (USD)"] input', 'Enter');
    await waitShown(page, 2);
    assert.deepEqual(await listIds(page), ['AG-NO-2', 'AG-DS-1']);
    await choose(page, 'vscode-single-select[aria-label="Agent rows"]', 'no');
    await waitShown(page, 0);
    await page.click('vscode-button:has-text("Clear filters")');
    await choose(page, 'vscode-single-select[aria-label="Agent rows"]', 'no');
    await waitShown(page, 2);
    await page.click('vscode-button:has-text("Clear filters")');
    await waitShown(page, rows.length);
    assert.deepEqual(trap.errors, []);
  });

  test('screenshots, light and dark', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const p = await scratch.browser().newPage({ width: 1400, height: 1000, colorScheme });
      const t = await watchPage(p);
      await p.goto(`${url}?row=2`);
      await p.waitForSelector('.agent-trace .step.final details[open] .katex');
      await p.evaluate(() => document.querySelector('.agent-trace')!.scrollIntoView());
      await screenshot(p, `agent-trace-${colorScheme}`);
      await p.evaluate(() => document.querySelector('.step.final')!.scrollIntoView({ block: 'center' }));
      await screenshot(p, `agent-trace-final-${colorScheme}`);
      await p.goto(`${url}?row=6`);
      await p.waitForSelector('.agent-trace');
      await screenshot(p, `agent-trace-damaged-${colorScheme}`);
      assert.deepEqual(t.errors, []);
      await p.close();
    }
  });
});
