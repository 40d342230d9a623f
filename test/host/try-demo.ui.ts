/**
 * QED: Try the Demo in a REAL VS Code (code-server), in a folder in Restricted Mode: the demo still
 * runs (its model is served on loopback, no key, no network), its files go to the extension's
 * storage rather than into the untrusted folder, and the viewer opens with the demo banner.
 *
 *   bash scripts/host/run.sh test/host/try-demo.ui.ts
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  cleanup,
  log,
  openWorkbench,
  runCommand,
  screenshot,
  setUpHost,
  toast,
  viewerFrame,
  withWorkbench,
  writeFiles,
} from './harness';

let root: string;
let extensionsDir: string;

before(() => {
  ({ root, extensionsDir } = setUpHost('qed-host-demo'));
});
after(() => {
  if (root) cleanup(root);
});

test(
  'Try the Demo in Restricted Mode: runs, writes nothing into the folder, viewer with the demo banner (kept after a reload)',
  { timeout: 300_000 },
  async () => {
    const ws = writeFiles(join(root, 'ws'), { 'notes.md': '# a folder never trusted\n' });
    const settings = {
      'security.workspace.trust.enabled': true,
      'security.workspace.trust.startupPrompt': 'never',
      'security.workspace.trust.banner': 'always',
    };
    await withWorkbench({ root, name: 'try-demo', extensionsDir, settings }, async ({ page }, { url }) => {
      await openWorkbench(page, url, ws);
      await page
        .locator('.part.statusbar', { hasText: 'Restricted Mode' })
        .waitFor({ state: 'visible', timeout: 30_000 });
      await runCommand(page, 'QED: Try the Demo');
      const v = viewerFrame(page);
      await v.locator('body[data-ready=true]').waitFor({ timeout: 120_000 });
      const banner = v.locator('.banner', { hasText: 'Demo: ' });
      await banner.waitFor({ state: 'visible', timeout: 30_000 });
      log('viewer banner:', (await banner.textContent())?.slice(0, 80));
      assert.ok((await v.locator('.list .row[data-index]').count()) >= 3, 'the demo rows are listed');
      const done = toast(page, /QED: demo done/);
      await done.waitFor({ state: 'visible', timeout: 30_000 });
      const message = (await done.locator('.notification-list-item-message').textContent()) ?? '';
      log('notification:', message);
      assert.match(message, /Files in the extension's storage \(this folder is in Restricted Mode\)/);
      assert.ok(!existsSync(join(ws, 'outputs')), 'the demo wrote into the untrusted folder');
      assert.deepEqual(readdirSync(ws), ['notes.md']);
      await screenshot(page, 'host-try-demo-restricted.png');

      // After a window reload the restored viewer still says these are demo rows, and Regrade says
      // why it cannot ask the demo grader (stopped with the old window) instead of failing.
      await runCommand(page, 'Developer: Reload Window');
      await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 90_000 });
      const restored = viewerFrame(page);
      await restored.locator('body[data-ready=true]').waitFor({ timeout: 90_000 });
      await restored.locator('.banner', { hasText: 'Demo: ' }).waitFor({ state: 'visible', timeout: 30_000 });
      await restored.locator('.list .row[data-index="0"]').click();
      const regrade = restored.locator('.row-page vscode-button[data-action=regrade]');
      await regrade.waitFor({ timeout: 30_000 });
      assert.equal(await regrade.getAttribute('aria-disabled'), 'true');
      assert.match((await regrade.getAttribute('title')) ?? '', /stopped when the window was reloaded.*Try the Demo/);
      log('restored demo viewer: banner shown, Regrade disabled with its reason');
    });
  },
);
