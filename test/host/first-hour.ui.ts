/**
 * The rough edges a new user met in the first hour, in a REAL VS Code (code-server), driven with
 * the keyboard as a user does: Enter in Show Summary's file pick takes the highlighted file, Enter
 * after ticking two files in Compare compares both; the summary is a rendered, read-only view that
 * closes without asking to be saved; Run Benchmark numbers its steps once each, never offers
 * `.vscode/settings.json` as a dataset and offers a trial run; an agent config is described in the
 * QED view.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeLlmServer } from '../fake-llm/server';
import {
  answer,
  cleanup,
  log,
  openWorkbench,
  qedViewPane,
  quickInput,
  runCommand,
  screenshot,
  settle,
  setUpHost,
  toast,
  viewerFrame,
  waitForStep,
  withWorkbench,
  writeFiles,
} from './harness';

let root: string;
let extensionsDir: string;
let fake: FakeLlmServer;

before(async () => {
  ({ root, extensionsDir } = setUpHost('qed-host-first-hour'));
  fake = await FakeLlmServer.start({ latencyMs: 20 });
});
after(async () => {
  await fake?.close();
  if (root) cleanup(root);
});

const schema = [{ title: 'Proof Grade', desc: '', points: 7 }];
const graded = (id: string, score: number) =>
  JSON.stringify({
    problem_id: id,
    problem: `Problem ${id}.`,
    model_solution: `Solution of ${id}.`,
    score,
    schema_0: schema,
    grade: [{ points: score, desc: 'ok' }],
  });

test(
  'first hour: Enter accepts in the file picks, a read-only summary, Run Benchmark steps and a trial run, agent configs described',
  { timeout: 300_000 },
  async () => {
    const ws = writeFiles(join(root, 'ws'), {
      'configs/models/local/fake.yaml': `model: qed-nano\napi: custom\nbase_url: ${fake.url}/v1\n`,
      'configs/models/local/fake-agent.yaml':
        'type: agent\nmodel_config: models/local/fake\nscaffold_config: agents/selfcheck\n',
      'data/problems.jsonl':
        Array.from({ length: 6 }, (_, i) =>
          JSON.stringify({ problem_id: `F-${i + 1}`, problem: `Show that ${i} < ${i + 1}.` }),
        ).join('\n') + '\n',
      '.vscode/settings.json': '{ "editor.fontSize": 14 }\n',
      'outputs/a.jsonl': [graded('F-1', 7), graded('F-2', 0)].join('\n') + '\n',
      'outputs/b.jsonl': [graded('F-1', 6), graded('F-2', 1)].join('\n') + '\n',
    });
    await withWorkbench(
      { root, name: 'first-hour', extensionsDir, settings: { 'security.workspace.trust.enabled': false } },
      async ({ page }, { url }) => {
        await openWorkbench(page, url, ws);
        const box = quickInput(page).locator('.quick-input-box input');
        const rows = quickInput(page).locator('.monaco-list-row');

        // 1. Show Summary: type to highlight a file, Enter (nothing ticked).
        await runCommand(page, 'QED: Show Summary');
        await waitForStep(page, 'Show Summary: results file');
        await box.fill('b.jsonl');
        await rows.filter({ hasText: 'outputs/b.jsonl' }).first().waitFor({ state: 'visible' });
        await box.press('Enter');
        const preview = viewerFrame(page);
        await preview.locator('body', { hasText: 'QED summary' }).waitFor({ timeout: 60_000 });
        const text = await preview.locator('body').innerText();
        assert.match(text, /outputs\/b\.jsonl/);
        assert.doesNotMatch(text, /outputs\/a\.jsonl/);
        assert.match(text, /QED: Save Summary/);
        assert.equal(
          await page.locator('.tabs-container .tab', { hasText: 'Untitled' }).count(),
          0,
          'an Untitled tab was opened',
        );
        await page
          .locator('.tabs-container .tab', { hasText: 'Summary of b' })
          .waitFor({ state: 'visible', timeout: 10_000 });
        await screenshot(page, 'host-first-hour-summary.png');
        log('Enter on the highlighted file shows its summary, rendered');
        // Closing it asks nothing.
        await page.locator('.tabs-container .tab', { hasText: 'Summary of b' }).click();
        await page.keyboard.press('Control+W');
        await page
          .locator('.tabs-container .tab', { hasText: 'Summary of b' })
          .waitFor({ state: 'detached', timeout: 10_000 });
        assert.equal(await page.locator('.monaco-dialog-box').count(), 0, 'closing the summary asked something');
        log('the summary closed without a save prompt');

        // 2. Compare Results: type a file, Enter; type the other, Enter.
        await runCommand(page, 'QED: Compare Results');
        for (const [step, f] of [
          ['Compare Results (1/2): first run', 'outputs/a.jsonl'],
          ['Compare Results (2/2): compare outputs/a.jsonl with', 'outputs/b.jsonl'],
        ]) {
          await waitForStep(page, step);
          await box.fill(f);
          await rows.filter({ hasText: f }).first().waitFor({ state: 'visible' });
          await box.press('Enter');
        }
        await page
          .locator('.tabs-container .tab', { hasText: 'Compare: a.jsonl ↔ b.jsonl' })
          .waitFor({ state: 'visible', timeout: 30_000 });
        await screenshot(page, 'host-first-hour-compare.png');
        log('Enter, Enter compares both files');

        // 3. Run Benchmark: five numbered steps, no editor settings among the datasets, a trial run.
        await runCommand(page, 'QED: Run Benchmark');
        const titles: string[] = [];
        const title = async (step: string) => {
          await waitForStep(page, step);
          titles.push((await quickInput(page).locator('.quick-input-title').innerText()).trim());
        };
        await title('(1/5): model config');
        await box.fill('local/fake');
        await rows.filter({ hasText: 'local/fake' }).first().click();
        await title('(2/5): dataset');
        await rows.first().waitFor({ state: 'visible' });
        const offered = await rows.allInnerTexts();
        assert.ok(
          offered.some((t) => t.includes('data/problems.jsonl')),
          offered.join(' | '),
        );
        assert.ok(
          !offered.some((t) => t.includes('.vscode')),
          `editor settings offered as a dataset: ${offered.join(' | ')}`,
        );
        await box.fill('data/problems.jsonl');
        await rows.filter({ hasText: 'data/problems.jsonl' }).first().click();
        await title('(3/5): mode');
        await box.fill('Proof');
        await rows.filter({ hasText: 'Proof' }).first().click();
        await title('(4/5): problems and runs');
        const sizes = await rows.allInnerTexts();
        assert.ok(sizes[0]?.includes('Trial run'), `the trial run is offered first: ${sizes.join(' | ')}`);
        await screenshot(page, 'host-first-hour-run-size.png');
        await box.press('Enter'); // the highlighted first item: the trial run
        await waitForStep(page, '(5/5): results file');
        titles.push((await quickInput(page).locator('.quick-input-title').innerText()).trim());
        const outRel = await answer(page, '(5/5): results file', {});
        assert.equal(
          new Set(titles.map((t) => t.match(/\(\d\/\d\)/)?.[0])).size,
          titles.length,
          `step numbers repeat: ${titles.join(' | ')}`,
        );
        const done = toast(page, /QED: finished: 3\/3 rows, 0 failed/);
        await done.waitFor({ state: 'visible', timeout: 90_000 });
        assert.equal(readFileSync(join(ws, outRel), 'utf8').trim().split('\n').length, 3, 'trial rows on disk');
        assert.equal(fake.requests.filter((r) => r.api === 'chat').length, 3, 'requests of the trial run');
        await settle(done);
        log('Run Benchmark: 5 distinct steps, no .vscode dataset, a 3-problem trial run');

        // 4. The QED view describes the agent config.
        await page.locator('.activitybar .action-item a[aria-label^="QED Workbench"]').click();
        const tree = qedViewPane(page).locator('.monaco-list');
        const agentsSection = tree.locator('.monaco-list-row', { hasText: 'Agent configs' });
        await agentsSection.waitFor({ state: 'visible', timeout: 30_000 });
        // The section opens by itself once the workspace has agent configs of its own.
        const agent = tree.locator('.monaco-list-row', { hasText: 'fake-agent' }).first();
        await agent.waitFor({ state: 'visible', timeout: 30_000 });
        const description = (await agent.locator('.label-description').innerText()).trim();
        assert.match(description, /selfcheck · local\/fake/);
        await screenshot(page, 'host-first-hour-qed-view.png');
        log(`the agent config reads "${description}" in the QED view`);
      },
    );
  },
);
