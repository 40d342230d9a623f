/**
 * The QED view in the activity bar of a REAL VS Code (code-server): the welcome content of a bare
 * folder creates the standard layout; then configs, datasets and results (with row count and
 * mean score) are listed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  answer,
  cleanup,
  log,
  openWorkbench,
  pick,
  qedViewPane,
  runCommand,
  screenshot,
  setUpHost,
  waitUntil,
  withWorkbench,
  writeFiles,
} from './harness';

let root: string;
let extensionsDir: string;

before(() => {
  ({ root, extensionsDir } = setUpHost('qed-host-view'));
});
after(() => {
  if (root) cleanup(root);
});

test(
  'the QED view: welcome → example configs → configs, datasets and results listed',
  { timeout: 240_000 },
  async () => {
    const graded = [7, 6, 0].map((score, i) =>
      JSON.stringify({
        problem_id: `V-${i}`,
        problem: 'p',
        model_solution: 's',
        score,
        schema_0: [{ title: 'Proof Grade', desc: '', points: 7 }],
      }),
    );
    const ws = writeFiles(join(root, 'ws'), {
      'outputs/run.jsonl': graded.join('\n') + '\n',
      'data/problems.csv': 'Problem ID,Problem\nX-1,Prove it.\n',
    });
    await withWorkbench(
      { root, name: 'view', extensionsDir, settings: { 'security.workspace.trust.enabled': false } },
      async ({ page }, server) => {
        await openWorkbench(page, server.url, ws);
        await page.locator('.activitybar .action-item a[aria-label^="QED Workbench"]').click();
        const viewPane = qedViewPane(page);
        await viewPane
          .locator('.welcome-view-content', { hasText: 'has no configs/ yet' })
          .waitFor({ state: 'visible', timeout: 60_000 });
        log('welcome content shown');
        await viewPane.locator('.welcome-view-content .monaco-button', { hasText: 'Create Example Configs' }).click();
        // The files are copied one by one: wait for the last of them (the prompts) as well.
        await waitUntil(
          'example configs on disk',
          () =>
            existsSync(join(ws, 'configs/models/openai/gpt-5-mini.yaml')) &&
            existsSync(join(ws, 'configs/prompts/generate_final_answer.txt')),
        );
        assert.ok(existsSync(join(ws, 'configs/prompts/generate_proof.txt')));
        const tree = viewPane.locator('.monaco-list');
        await tree
          .locator('.monaco-list-row', { hasText: 'Model configs' })
          .waitFor({ state: 'visible', timeout: 30_000 });
        await tree
          .locator('.monaco-list-row', { hasText: 'gpt-5-mini' })
          .first()
          .waitFor({ state: 'visible', timeout: 30_000 });
        const results = tree.locator('.monaco-list-row', { hasText: 'outputs/run.jsonl' });
        await results.filter({ hasText: '3 rows · 4.33 / 7' }).waitFor({ state: 'visible', timeout: 30_000 });
        await tree
          .locator('.monaco-list-row', { hasText: 'data/problems.csv' })
          .waitFor({ state: 'visible', timeout: 10_000 });
        log('configs, datasets and results listed');
        await screenshot(page, 'host-qed-view.png');

        // New Model Config: a minimal config under configs/models/, opened with the model name selected.
        await runCommand(page, 'QED: New Model Config');
        await pick(page, 'New Model Config (1/2)', 'Minimal config');
        await answer(page, 'New Model Config (2/2)', { expectDefault: 'custom/my-model', value: 'custom/tiny' });
        await waitUntil('the new config on disk', () => existsSync(join(ws, 'configs/models/custom/tiny.yaml')));
        await page.locator('.tab', { hasText: 'tiny.yaml' }).waitFor({ timeout: 30_000 });
        await tree
          .locator('.monaco-list-row', { hasText: 'tiny' })
          .first()
          .waitFor({ state: 'visible', timeout: 30_000 });
        const text = readFileSync(join(ws, 'configs/models/custom/tiny.yaml'), 'utf8');
        assert.match(text, /^# yaml-language-server: \$schema=\.\.\/\.\.\/schema\/model-config\.schema\.json/);
        assert.match(text, /^model: my-model$/m);
        log('New Model Config wrote configs/models/custom/tiny.yaml and listed it');
      },
    );
  },
);
