/**
 * In a REAL VS Code (code-server): grade a results file from the command palette, open its summary,
 * and see a broken model config flagged inline (and the flag go once it is fixed).
 *
 *   npm run test:host        (or: node --import tsx test/host/grade-and-config.ui.ts after setup)
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeLlmServer } from '../fake-llm/server';
import {
  cleanup,
  log,
  openWorkbench,
  pick,
  runCommand,
  screenshot,
  settle,
  setUpHost,
  toast,
  withWorkbench,
  writeFiles,
  viewerFrame,
} from './harness';

let root: string;
let extensionsDir: string;
let fake: FakeLlmServer;

const ROWS = [1, 2, 3].map((i) => ({
  problem_id: `G-${i}`,
  problem: `Prove that ${i} + ${i} = ${2 * i}.`,
  solution: 'Add.',
  grading_guidelines: '(7) any proof',
  model_solution: `By definition ${i} + ${i} = ${2 * i}. $\\blacksquare$`,
  cost_run: { cost: 0.001, input_tokens: 10, output_tokens: 20, time: 1 },
}));

before(async () => {
  ({ root, extensionsDir } = setUpHost('qed-host-grade'));
  // The grader model answers with a score; anything else gets the default reply.
  fake = await FakeLlmServer.start({
    reply: (req) =>
      req.model === 'grader' ? { text: 'Complete and rigorous. <points>7 out of 7</points>' } : undefined,
  });
});

after(async () => {
  await fake?.close();
  if (root) cleanup(root);
});

test(
  'Grade Results from the palette grades every row; Show Summary opens the table; a broken config is flagged inline',
  { timeout: 300_000 },
  async () => {
    const ws = writeFiles(join(root, 'ws'), {
      'configs/models/local/grader.yaml': `model: grader\napi: custom\nbase_url: ${fake.url}/v1\nread_cost: 1\nwrite_cost: 2\n`,
      'configs/models/local/broken.yaml': 'model: x\napi: openia\n',
      'outputs/run.jsonl': ROWS.map((r) => JSON.stringify(r)).join('\n') + '\n',
    });
    await withWorkbench(
      { root, name: 'grade', extensionsDir, settings: { 'security.workspace.trust.enabled': false } },
      async ({ page }, { url }) => {
        await openWorkbench(page, url, ws);

        await runCommand(page, 'QED: Grade Results');
        await pick(page, '(1/3): results file', 'outputs/run.jsonl');
        await pick(page, '(2/3): how to grade', 'IMO-ProofBench rubric');
        await pick(page, '(3/3): grader model', 'local/grader');
        const done = toast(page, /QED: graded: 3\/3 rows, 0 unreadable replies, 0 failed/);
        await done.waitFor({ state: 'visible', timeout: 90_000 });
        const rows = readFileSync(join(ws, 'outputs/run.jsonl'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        assert.deepEqual(
          rows.map((r) => r.score),
          [7, 7, 7],
        );
        assert.ok(rows.every((r) => (r.grade_cost as { cost: number }).cost > 0));
        assert.equal(fake.requests.filter((r) => r.model === 'grader').length, 3);

        await done.locator('.monaco-button', { hasText: 'Show Summary' }).click();
        // A rendered markdown preview (a webview), not a text editor.
        const preview = viewerFrame(page).locator('body', { hasText: 'QED summary' });
        await preview.waitFor({ state: 'visible', timeout: 30_000 });
        const text = await preview.innerText();
        log('summary preview starts with:', text.slice(0, 160));
        assert.match(text, /Overall/);
        await screenshot(page, 'host-show-summary.png');

        // A broken config: the diagnostic is shown in the editor without any other extension…
        await page.keyboard.press('Control+P');
        await page.locator('.quick-input-widget .quick-input-box input').fill('broken.yaml');
        await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'broken.yaml' }).first().click();
        await page
          .locator('.tabs-container .tab', { hasText: 'broken.yaml' })
          .waitFor({ state: 'visible', timeout: 20_000 });
        const squiggle = page.locator('.monaco-editor .squiggly-error');
        await squiggle.first().waitFor({ state: 'attached', timeout: 30_000 });
        // The CodeLens above the config offers a test call and a run.
        await page
          .locator('.codelens-decoration', { hasText: 'Test config' })
          .waitFor({ state: 'visible', timeout: 20_000 });
        await page
          .locator('.codelens-decoration', { hasText: 'Run benchmark with this config' })
          .waitFor({ state: 'visible', timeout: 5_000 });
        const problems = page.locator('.statusbar-item[id="status.problems"]');
        log(
          'problems in the status bar:',
          (await problems.getAttribute('aria-label')) ?? (await problems.textContent()),
        );
        await settle(squiggle.first());
        await screenshot(page, 'host-config-diagnostic.png');
        // …and goes away once the file is fixed (here on disk; the open editor reloads it).
        writeFileSync(join(ws, 'configs/models/local/broken.yaml'), 'model: x\napi: openai\n');
        await squiggle.first().waitFor({ state: 'detached', timeout: 30_000 });
        log('the diagnostic cleared after the fix');
      },
    );
  },
);
