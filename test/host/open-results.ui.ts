/**
 * QED: Open Results in a REAL VS Code (code-server): the viewer in its webview panel (the real CSP,
 * asWebviewUri resources, KaTeX fonts), a row opened, a regrade with the grader picked in VS Code's
 * quick pick, an override, rows appended by someone else appearing live, and the panel restored
 * after a window reload (the serializer and getState/setState).
 *
 *   npm run test:host        (or: bash scripts/host/run.sh test/host/open-results.ui.ts)
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeLlmServer } from '../fake-llm/server';
import {
  cleanup,
  log,
  openWorkbench,
  pick,
  quickInput,
  runCommand,
  screenshot,
  setUpHost,
  viewerFrame,
  withWorkbench,
  writeFiles,
} from './harness';

let root: string;
let extensionsDir: string;
let fake: FakeLlmServer;

const ROWS = [1, 2, 3].map((i) => ({
  problem_id: `V-${i}`,
  problem: `Prove that $\\sum_{k=1}^{${i}} k = \\frac{${i}(${i}+1)}{2}$.`,
  solution: 'Induction on $n$.',
  grading_guidelines: '(Partial) base case\n(Full) complete induction',
  // \NN comes from the qed.viewer.macros setting of the test's code-server.
  model_solution: `**Induction.** For $n=1 \\in \\NN$ both sides are $1$. If it holds for $n$, then\n$$\\sum_{k=1}^{n+1} k = \\frac{n(n+1)}{2} + n + 1 = \\frac{(n+1)(n+2)}{2}.$$`,
  cost_run: { cost: 0.001, input_tokens: 10, output_tokens: 20, time: 1 },
  history: [
    { role: 'user', content: 'Prove it.' },
    { role: 'assistant', type: 'cot', content: 'Induction looks right.' },
  ],
  schema_0: [{ title: 'Proof Grade', desc: '(Full) complete induction', points: 7 }],
  grade: [{ points: 1, desc: 'Only the base case.' }],
  score: 1,
}));

before(async () => {
  ({ root, extensionsDir } = setUpHost('qed-host-results'));
  fake = await FakeLlmServer.start({ reply: () => ({ text: 'Complete and rigorous. <points>7 out of 7</points>' }) });
});
after(async () => {
  await fake?.close();
  if (root) cleanup(root);
});

test(
  'QED: Open Results shows the viewer; regrade, override, live rows and a window reload work',
  { timeout: 300_000 },
  async () => {
    const ws = writeFiles(join(root, 'ws'), {
      'configs/models/local/grader.yaml': `model: grader\napi: custom\nbase_url: ${fake.url}/v1\nread_cost: 1\nwrite_cost: 2\n`,
      'outputs/run.jsonl': ROWS.map((r) => JSON.stringify(r)).join('\n') + '\n',
      'outputs/second.jsonl':
        ROWS.map((r) => JSON.stringify({ ...r, score: 0, grade: [{ points: 0, desc: 'Wrong.' }] })).join('\n') + '\n',
    });
    const file = join(ws, 'outputs/run.jsonl');
    await withWorkbench(
      {
        root,
        name: 'open-results',
        extensionsDir,
        settings: {
          'security.workspace.trust.enabled': false,
          'qed.viewer.macros': { '\\NN': '\\mathbb{N}' },
          'qed.viewer.fontSize': 17,
        },
      },
      async ({ page }, server) => {
        const cspErrors: string[] = [];
        page.on('console', (m) => {
          if (/Content Security Policy|Refused to/i.test(m.text())) cspErrors.push(m.text());
        });
        await openWorkbench(page, server.url, ws);

        await runCommand(page, 'QED: Open Results');
        await pick(page, 'Open Results: results file', 'outputs/run.jsonl');
        const v = viewerFrame(page);
        await v.locator('body[data-ready=true]').waitFor({ timeout: 60_000 });
        assert.equal(await v.locator('.list .row[data-index]').count(), 3);
        log('viewer panel ready');
        await v.locator('.list .row[data-index="1"]').click();
        await v.locator('.row-page[data-row-index="1"][data-complete=true]').waitFor();
        assert.ok((await v.locator('.row-page .katex').count()) > 3, 'formulas rendered');
        assert.equal(
          await v.locator('.row-page .math-error').count(),
          0,
          'no KaTeX error (the \\NN macro of the settings works)',
        );
        assert.equal(
          await v.locator('.detail').evaluate((d) => getComputedStyle(d).fontSize),
          '17px',
          'qed.viewer.fontSize',
        );
        assert.equal(await v.locator('.row-page [data-field=model_solution] strong').count(), 1, 'markdown rendered');
        const fonts = await v.locator('body').evaluate(async () => {
          await document.fonts.ready;
          return document.fonts.check('16px KaTeX_Main');
        });
        assert.ok(fonts, 'KaTeX fonts load through asWebviewUri under the CSP');

        // Regrade: the page asks the host, which asks for the grader in VS Code's own quick pick.
        await v.locator('[data-action=regrade]').click();
        await v.locator('[data-action=start-regrade]').click();
        await pick(page, 'Regrade V-2: grader', 'local/grader');
        await v.locator('#qed-toast.show', { hasText: 'Regraded V-2' }).waitFor({ timeout: 60_000 });
        await v.locator('.row-page[data-row-index="1"] .row-head', { hasText: 'model 7/7' }).waitFor();
        let lines = readFileSync(file, 'utf8').split('\n');
        assert.equal(JSON.parse(lines[1]).score, 7);
        assert.equal(lines[0], JSON.stringify(ROWS[0]));
        assert.equal(lines[2], JSON.stringify(ROWS[2]));
        log('regraded row 2 through the quick pick');

        // Override.
        await v.locator('[data-action=override]').click();
        await v.locator('dialog input[name=points-0]').fill('6');
        await v.locator('dialog textarea[name=note]').fill('Looks complete; one step is terse.');
        await v.locator('[data-action=save-override]').click();
        await v.locator('.row-page[data-row-index="1"] .row-head', { hasText: 'human 6/7' }).waitFor();
        lines = readFileSync(file, 'utf8').split('\n');
        assert.deepEqual(JSON.parse(lines[1]).human_grade.points, [6]);
        assert.equal(lines[0], JSON.stringify(ROWS[0]));

        // Rows appended on disk show up (the file watcher).
        appendFileSync(file, JSON.stringify({ ...ROWS[0], problem_id: 'V-LIVE' }) + '\n');
        await v.locator('.list .row', { hasText: 'V-LIVE' }).waitFor({ timeout: 30_000 });
        await screenshot(page, 'host-open-results.png');

        // A window reload: the serializer reopens the panel on the same file and row.
        await runCommand(page, 'Developer: Reload Window');
        await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 90_000 });
        await viewerFrame(page).locator('.row-page[data-row-index="1"]').waitFor({ timeout: 90_000 });
        // The list fills in as the index is read again: wait for its last row before counting.
        await viewerFrame(page).locator('.list .row[data-index="3"]').waitFor({ timeout: 90_000 });
        assert.equal(await viewerFrame(page).locator('.list .row[data-index]').count(), 4);
        log('panel restored after the reload');

        // Compare Results: two files ticked in one pick, the comparison opens at once.
        await runCommand(page, 'QED: Compare Results');
        await pick(page, 'Compare Results (1/2): first run', 'outputs/run.jsonl');
        await pick(page, 'Compare Results (2/2)', 'outputs/second.jsonl');
        const cmp = viewerFrame(page);
        await cmp.locator('.compare tr.compare-row').first().waitFor({ timeout: 60_000 });
        // V-1..V-3 in both, V-LIVE (appended above) only in the first.
        assert.equal(await cmp.locator('.compare tr.compare-row').count(), 4);
        await page.locator('.tab', { hasText: 'Compare: run.jsonl ↔ second.jsonl' }).waitFor();
        await screenshot(page, 'host-compare.png');
        log('Compare Results shows both runs joined by problem');

        // High contrast: the viewer takes VS Code's high-contrast colours and borders. Look at it.
        await runCommand(page, 'Preferences: Color Theme');
        await quickInput(page).locator('.monaco-list-row').first().waitFor({ state: 'visible', timeout: 15_000 });
        await page.keyboard.type('Dark High Contrast');
        await quickInput(page).locator('.monaco-list-row', { hasText: 'Dark High Contrast' }).first().click();
        await page.locator('.tab', { hasText: 'Results: run.jsonl' }).click();
        const hc = viewerFrame(page);
        await hc.locator('body.vscode-high-contrast').waitFor({ timeout: 30_000 });
        await hc.locator('.row-page[data-complete=true]').waitFor({ timeout: 30_000 });
        await screenshot(page, 'host-viewer-high-contrast.png');
        log('the viewer in Dark High Contrast');

        // A job's journal next to the file: its rows show live, marked, before the job ends. (Last:
        // the page's refresh must not race a quick pick.)
        writeFileSync(`${file}.partial`, JSON.stringify({ ...ROWS[2], problem_id: 'V-JOURNAL' }) + '\n');
        await hc.locator('.list .row.live', { hasText: 'V-JOURNAL' }).waitFor({ timeout: 30_000 });
        log("a row of the job's journal shows live");
        rmSync(`${file}.partial`);
        await hc.locator('.list .row.live').waitFor({ state: 'detached', timeout: 30_000 });
        assert.deepEqual(cspErrors, [], 'no CSP complaint in the console');
      },
    );
  },
);
