/**
 * A new user's first session in a REAL VS Code (code-server), on the repository's example
 * workspace (examples/workspace, its local server pointed at the loopback fake LLM): set a key,
 * run a benchmark, grade it, review and regrade a proof in the viewer, fix a config error shown
 * inline — from the command palette and the QED view only.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeLlmServer } from '../fake-llm/server';
import {
  answer,
  cleanup,
  log,
  openWorkbench,
  pick,
  qedViewPane,
  ROOT,
  runCommand,
  screenshot,
  setUpHost,
  toast,
  viewerFrame,
  withWorkbench,
} from './harness';

const KEY = 'sk-local-example-123';
let root: string;
let extensionsDir: string;
let fake: FakeLlmServer;

before(async () => {
  ({ root, extensionsDir } = setUpHost('qed-host-new-user'));
  // The judge grades; the solver thinks first and closes its reasoning with the example config's
  // delimiter, as a model served raw does.
  fake = await FakeLlmServer.start({
    reply: (req) =>
      req.model === 'judge'
        ? { text: 'The argument is complete. <points>7 out of 7</points>' }
        : {
            text: 'Try small cases first.</think>**Proof.** Write $n^3-n=(n-1)n(n+1)$: one factor is even and one is a multiple of $3$, so $6 \\mid n^3-n$. $\\blacksquare$',
          },
  });
});
after(async () => {
  await fake?.close();
  if (root) cleanup(root);
});

const readRows = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

test(
  'a new user: example workspace → key → run → grade → review and regrade → fix a config',
  { timeout: 300_000 },
  async () => {
    const ws = join(root, 'ws');
    cpSync(join(ROOT, 'examples', 'workspace'), ws, { recursive: true });
    const configs = join(ws, 'configs', 'models', 'local');
    for (const f of readdirSync(configs)) {
      const p = join(configs, f);
      writeFileSync(p, readFileSync(p, 'utf8').replace('http://localhost:8000/v1', `${fake.url}/v1`));
    }

    await withWorkbench(
      { root, name: 'new-user', extensionsDir, settings: { 'security.workspace.trust.enabled': false } },
      async ({ page }, { url }) => {
        await openWorkbench(page, url, ws);

        // The QED view lists the example's configs and dataset.
        await page.locator('.activitybar .action-item a[aria-label^="QED Workbench"]').click();
        const tree = qedViewPane(page).locator('.monaco-list');
        await tree
          .locator('.monaco-list-row', { hasText: 'qed-nano' })
          .first()
          .waitFor({ state: 'visible', timeout: 60_000 });
        await tree
          .locator('.monaco-list-row', { hasText: 'data/sample-problems.jsonl' })
          .waitFor({ state: 'visible', timeout: 30_000 });
        log('the QED view lists the example workspace');

        // 1. The key of the local server, into VS Code's secret storage.
        await runCommand(page, 'QED: Set API Key');
        // The variable the example's configs name is offered first.
        await pick(page, 'Store a key for', 'LOCAL_LLM_KEY');
        await answer(page, 'API key for LOCAL_LLM_KEY', { value: KEY });
        await toast(page, /key for LOCAL_LLM_KEY stored/).waitFor({ state: 'visible', timeout: 15_000 });

        // 2. Run the benchmark.
        await runCommand(page, 'QED: Run Benchmark');
        await pick(page, '(1/5): model config', 'local/qed-nano');
        await pick(page, '(2/5): dataset', 'data/sample-problems.jsonl');
        await pick(page, '(3/5): mode', 'Proof');
        await pick(page, '(4/5): problems and runs', 'All 3 problems');
        const outRel = await answer(page, '(5/5): results file', {});
        await toast(page, /QED: finished: 3\/3 rows, 0 failed/).waitFor({ state: 'visible', timeout: 90_000 });
        const out = join(ws, outRel);
        assert.equal(readRows(out).length, 3);
        assert.ok(
          readRows(out).every((r) => String(r.model_solution).startsWith('**Proof.**')),
          'the reasoning is split off at </think>',
        );
        const solverCalls = fake.requests.filter((r) => r.model === 'qed-nano');
        assert.equal(solverCalls.length, 3);
        assert.ok(
          solverCalls.every((r) => r.headers.authorization === `Bearer ${KEY}`),
          'the stored key reached the server',
        );
        log(`ran 3 problems into ${outRel} with the stored key`);

        // 3. Grade it (the example's settings make local/judge the default grader).
        await runCommand(page, 'QED: Grade Results');
        await pick(page, '(1/3): results file', outRel);
        await pick(page, '(2/3): how to grade', 'IMO-ProofBench rubric');
        await pick(page, '(3/3): grader model', 'local/judge');
        await toast(page, /QED: graded: 3\/3 rows, 0 unreadable replies, 0 failed/).waitFor({
          state: 'visible',
          timeout: 90_000,
        });
        assert.deepEqual(
          readRows(out).map((r) => r.score),
          [7, 7, 7],
        );

        // 4. Review in the viewer, opened from the results file in the QED view, and regrade a proof.
        const resultsItem = tree.locator('.monaco-list-row', { hasText: outRel });
        await resultsItem.filter({ hasText: '3 rows · 7.00 / 7' }).waitFor({ state: 'visible', timeout: 30_000 });
        await resultsItem.click();
        const v = viewerFrame(page);
        await v.locator('body[data-ready=true]').waitFor({ timeout: 60_000 });
        await v.locator('.list .row[data-index="1"]').click();
        await v.locator('.row-page[data-row-index="1"][data-complete=true]').waitFor();
        assert.ok(
          (await v.locator('.row-page [data-field=problem] .katex').count()) > 0,
          'the problem is rendered with KaTeX',
        );
        assert.equal(await v.locator('.row-page .math-error').count(), 0);
        const before = readRows(out);
        const judgeCalls = fake.requests.filter((r) => r.model === 'judge').length;
        await v.locator('[data-action=regrade]').click();
        await v.locator('[data-action=start-regrade]').click();
        // The row was graded by local/judge: VS Code offers to regrade it the same way first.
        await pick(page, 'Regrade EX-2', 'As the row was graded');
        await v.locator('#qed-toast.show', { hasText: 'Regraded EX-2' }).waitFor({ timeout: 60_000 });
        // …and VS Code says so too: the page's toast is gone once the page is out of sight.
        await toast(page, /^QED: EX-2 regraded by local\/judge: 7 \/ 7, \$\d+\.\d{4}\.$/).waitFor({
          state: 'visible',
          timeout: 15_000,
        });
        assert.equal(fake.requests.filter((r) => r.model === 'judge').length, judgeCalls + 1, 'one grader call');
        const after = readRows(out);
        assert.deepEqual(after[0], before[0]);
        assert.deepEqual(after[2], before[2]);
        assert.notDeepEqual(after[1], before[1], 'the regraded row was rewritten');
        assert.deepEqual(
          (after[1] as { qed_grade: { config_hash: string } }).qed_grade.config_hash,
          (after[0] as { qed_grade: { config_hash: string } }).qed_grade.config_hash,
          'graded like the rest of the file',
        );
        await screenshot(page, 'host-new-user-viewer.png');
        log('reviewed and regraded EX-2 in the viewer');

        // 5. A typo in a config is flagged as it is typed, and cleared when fixed.
        await page.keyboard.press('Control+P');
        await page.locator('.quick-input-widget .quick-input-box input').fill('judge.yaml');
        await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'judge.yaml' }).first().click();
        await page
          .locator('.tabs-container .tab', { hasText: 'judge.yaml' })
          .waitFor({ state: 'visible', timeout: 20_000 });
        await page.locator('.editor-instance .view-lines').first().click();
        await page.keyboard.press('Control+End');
        await page.keyboard.type('top_p: high');
        const squiggle = page.locator('.monaco-editor .squiggly-error');
        await squiggle.first().waitFor({ state: 'attached', timeout: 30_000 });
        await screenshot(page, 'host-new-user-config-error.png');
        log('the wrong type is flagged inline');
        await page.keyboard.press('Shift+Home');
        await page.keyboard.type('top_p: 0.9');
        await squiggle.first().waitFor({ state: 'detached', timeout: 30_000 });
        log('…and the mark goes once it is fixed');
      },
    );
  },
);
