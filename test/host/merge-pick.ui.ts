/**
 * A multi-select pick of the extension (Show Summary's "runs to merge", src/extension/prompts.ts
 * pickMany) in a REAL VS Code (code-server), ticked with the mouse: a click leaves the keyboard
 * focus on the row's checkbox, where VS Code's own Enter un-ticks it and accepts nothing. The pick
 * puts the focus back after each tick, so Enter merges both ticked runs.
 *
 *   bash scripts/host/run.sh test/host/merge-pick.ui.ts
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  cleanup,
  log,
  openWorkbench,
  pick,
  quickInput,
  runCommand,
  screenshot,
  setUpHost,
  sleep,
  waitForStep,
  withWorkbench,
  writeFiles,
} from './harness';

let root: string;
let extensionsDir: string;

before(() => {
  ({ root, extensionsDir } = setUpHost('qed-host-merge'));
});
after(() => {
  if (root) cleanup(root);
});

const results = (score: number) =>
  JSON.stringify({
    problem_id: 'M-1',
    problem: 'p',
    model_solution: 's',
    score,
    schema_0: [{ title: 'Proof Grade', points: 7 }],
    grade: [{ points: score, desc: 'x' }],
  }) + '\n';

test('Show Summary, runs to merge: two checkboxes clicked, then Enter merges both', { timeout: 300_000 }, async () => {
  const ws = writeFiles(join(root, 'ws'), {
    'outputs/m1.jsonl': results(1),
    'outputs/m2.jsonl': results(2),
    'outputs/m3.jsonl': results(3),
  });
  await withWorkbench(
    { root, name: 'merge-pick', extensionsDir, settings: { 'security.workspace.trust.enabled': false } },
    async ({ page }, server) => {
      await openWorkbench(page, server.url, ws);
      await runCommand(page, 'QED: Show Summary');
      await pick(page, 'Show Summary: results file', 'Several runs');
      await waitForStep(page, 'runs to merge');
      const rows = quickInput(page).locator('.monaco-list-row');
      const checkbox = (i: number) =>
        rows.nth(i).locator('input[type=checkbox], .monaco-custom-toggle, .quick-input-list-checkbox').first();
      const ticked = async () => {
        const out: string[] = [];
        for (let i = 0; i < (await rows.count()); i++)
          if ((await checkbox(i).getAttribute('aria-checked')) === 'true')
            out.push((await rows.nth(i).innerText()).split('\n')[0]);
        return out;
      };
      assert.deepEqual(
        (await rows.allInnerTexts()).map((t) => t.split('\n')[0]),
        ['outputs/m1.jsonl', 'outputs/m2.jsonl', 'outputs/m3.jsonl'],
      );
      await checkbox(0).click();
      await checkbox(1).click();
      for (let i = 0; (await ticked()).length !== 2; i++) {
        assert.ok(i < 100, `the clicks did not tick both runs: ${(await ticked()).join(', ')}`);
        await sleep(100);
      }
      log('ticked with the mouse:', (await ticked()).join(', '));
      await page.keyboard.press('Enter');
      // Enter accepted both: the summary of the two runs opens (a pick left open would be the bug).
      const tab = page.locator('.tab', { hasText: 'Summary of 2 files' });
      await tab.waitFor({ state: 'visible', timeout: 60_000 }).catch(async (e: unknown) => {
        const open = await quickInput(page).isVisible();
        throw new Error(
          `no summary of the 2 runs after Enter (${open ? `the pick is still open, ticked: ${(await ticked()).join(', ') || 'none'}` : 'the pick closed'}): ${(e as Error).message.split('\n')[0]}`,
        );
      });
      assert.equal(await quickInput(page).isVisible(), false, 'the pick is closed');
      await screenshot(page, 'host-merge-pick.png');
    },
  );
});
