/**
 * "QED: Run Benchmark" from the command palette of a REAL VS Code (code-server), end to end:
 * the packaged .vsix installed offline, a fixture workspace whose model config points at the
 * loopback fake LLM server, every quick pick / input box answered through the UI, the closing
 * notification, and the results file on disk. Plus: in Restricted Mode the command refuses and
 * nothing reaches the model API.
 *
 *   bash scripts/host/setup.sh                          # once (cached outside the repo)
 *   node --import tsx test/host/run-benchmark.ui.ts     # or: npm run test:host
 *
 * Not a *.test.ts file on purpose: `npm test` does not need a browser or code-server.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FakeLlmServer } from '../fake-llm/server';
import {
  answer,
  cleanup,
  log,
  openWorkbench,
  pick,
  quickInput,
  runCommand,
  screenshot,
  settle,
  setUpHost,
  toast,
  viewerFrame,
  withWorkbench,
  writeFiles,
} from './harness';

const PROBLEMS = [
  {
    problem_id: 'H-1',
    problem: 'Prove that the sum of two even integers is even.',
    grading_guidelines: '(7) any correct proof',
  },
  {
    problem_id: 'H-2',
    problem: 'Prove that $\\sqrt{2}$ is irrational.',
    grading_guidelines: '(7) a complete argument by contradiction',
  },
  {
    problem_id: 'H-3',
    problem: 'Prove that there are infinitely many primes.',
    grading_guidelines: '(7) Euclid or equivalent',
  },
];
const OUTPUT_REL = 'outputs/local_fake__problems.jsonl';

let root: string;
let extensionsDir: string;
let fake: FakeLlmServer;

/** A fresh workspace folder: the fake model config and the 3-problem dataset. */
function fixtureWorkspace(name: string): string {
  return writeFiles(join(root, name), {
    'configs/models/local/fake.yaml': [
      '# The loopback fake LLM server started by the host test.',
      'model: qed-nano',
      'api: custom',
      `base_url: ${fake.url}/v1`,
      'read_cost: 0.5',
      'write_cost: 1.5',
      '',
    ].join('\n'),
    'data/problems.jsonl': PROBLEMS.map((p) => JSON.stringify(p)).join('\n') + '\n',
  });
}

const chatRequests = () => fake.requests.filter((r) => r.api === 'chat');

/** QED: Run Benchmark from the palette, in proof mode with one run, into the proposed results file. */
async function runFromPalette(
  page: Parameters<typeof runCommand>[0],
  config: string,
  dataset: string,
  outRel: string,
  rows: number,
): Promise<void> {
  await runCommand(page, 'QED: Run Benchmark');
  await pick(page, '(1/5): model config', config);
  await pick(page, '(2/5): dataset', dataset);
  await pick(page, '(3/5): mode', 'Proof');
  await pick(page, '(4/5): problems and runs', `All ${rows} problems`);
  await answer(page, '(5/5): results file', { expectDefault: outRel });
}

before(async () => {
  ({ root, extensionsDir } = setUpHost('qed-host'));
  log('scratch folder', root);
  fake = await FakeLlmServer.start({ latencyMs: 50 });
  log('fake LLM server at', fake.url);
});

after(async () => {
  await fake?.close();
  if (root) cleanup(root);
});

test(
  'QED: Run Benchmark from the command palette writes 3 rows through the fake model',
  { timeout: 240_000 },
  async () => {
    const ws = fixtureWorkspace('ws-trusted');
    fake.clearRequests();
    // Workspace trust switched off = every folder is trusted (same effect as --disable-workspace-trust).
    await withWorkbench(
      { root, name: 'trusted', extensionsDir, settings: { 'security.workspace.trust.enabled': false } },
      async ({ page }, { url }) => {
        await openWorkbench(page, url, ws);
        await runFromPalette(page, 'local/fake', 'data/problems.jsonl', OUTPUT_REL, PROBLEMS.length);

        const done = toast(page, /QED: finished: 3\/3 rows, 0 failed/);
        await done.waitFor({ state: 'visible', timeout: 90_000 });
        const message = (await done.locator('.notification-list-item-message').textContent()) ?? '';
        log('notification:', message);
        assert.match(message, /^QED: finished: 3\/3 rows, 0 failed, \$\d+\.\d{4}\.$/);
        const openResults = done.locator('.monaco-button', { hasText: 'Open Results' });
        await openResults.waitFor({ state: 'visible', timeout: 5000 });
        // The progress notification ("QED: local/fake: n/3 rows", Cancel) must close once the run is
        // over; wait for it and for the toast animations before the screenshot.
        await toast(page, /^QED: local\/fake/).waitFor({ state: 'hidden', timeout: 15_000 });
        await settle(done);
        await screenshot(page, 'host-run-benchmark.png');

        // On disk: 3 complete rows.
        const out = join(ws, OUTPUT_REL);
        assert.ok(existsSync(out), `${OUTPUT_REL} was not written`);
        const rows = readFileSync(out, 'utf8')
          .split('\n')
          .filter((l) => l.trim())
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        assert.equal(rows.length, 3, 'rows in the results file');
        assert.deepEqual(
          rows.map((r) => r.problem_id).sort(),
          PROBLEMS.map((p) => p.problem_id),
        );
        for (const row of rows) {
          assert.equal(typeof row.model_solution, 'string');
          assert.match(
            row.model_solution as string,
            /^Fake reply [0-9a-f]{8}\./,
            `model_solution of ${String(row.problem_id)}`,
          );
          const cost = row.cost_run as { cost?: unknown; input_tokens?: unknown; output_tokens?: unknown };
          assert.ok(
            cost && typeof cost.cost === 'number' && cost.cost > 0,
            `cost_run of ${String(row.problem_id)}: ${JSON.stringify(cost)}`,
          );
          assert.ok(Array.isArray(row.history) && row.history.length > 0, `history of ${String(row.problem_id)}`);
          assert.equal(row.error, undefined, `error of ${String(row.problem_id)}`);
        }
        // The fake server saw exactly one chat request per problem, for the configured model.
        const chats = chatRequests();
        assert.equal(chats.length, 3, 'chat requests received by the fake server');
        assert.deepEqual([...new Set(chats.map((r) => r.model))], ['qed-nano']);

        // The button opens the results file in an editor.
        await openResults.click();
        await page
          .locator('.tabs-container .tab', { hasText: 'local_fake__problems.jsonl' })
          .waitFor({ state: 'visible', timeout: 20_000 });
        log('"Open Results" opened the results file');
      },
    );
  },
);

const PROOFBENCH = resolve(__dirname, '../../../shared/data/imobench/proofbench_v2.csv');

test(
  'the 60 IMO-ProofBench problems from the palette: Cancel on the progress notification keeps the finished rows; run again, nothing is asked twice; grade all 60',
  {
    timeout: 300_000,
    skip: existsSync(PROOFBENCH) ? false : `${PROOFBENCH} not found: the real-file trial is skipped`,
  },
  async () => {
    // A slower model, so that the run is still going when Cancel is clicked; the grader gives 6 points.
    const slow = await FakeLlmServer.start({
      latencyMs: 400,
      reply: (req) =>
        req.model === 'grader' ? { text: 'Sound but one step is thin. <points>6 out of 7</points>' } : undefined,
    });
    try {
      const ws = writeFiles(join(root, 'ws-proofbench'), {
        'configs/models/local/slow.yaml': [
          'model: qed-nano',
          'api: custom',
          `base_url: ${slow.url}/v1`,
          'concurrent_requests: 4',
          'read_cost: 0.5',
          'write_cost: 2',
          '',
        ].join('\n'),
        'configs/models/local/grader.yaml': [
          'model: grader',
          'api: custom',
          `base_url: ${slow.url}/v1`,
          'concurrent_requests: 30',
          'read_cost: 1',
          'write_cost: 4',
          '',
        ].join('\n'),
      });
      mkdirSync(join(ws, 'data'), { recursive: true });
      copyFileSync(PROOFBENCH, join(ws, 'data/proofbench_v2.csv'));
      const outRel = 'outputs/local_slow__proofbench_v2.jsonl';
      const out = join(ws, outRel);
      const start = (page: Parameters<typeof runCommand>[0]) =>
        runFromPalette(page, 'local/slow', 'data/proofbench_v2.csv', outRel, 60);
      await withWorkbench(
        { root, name: 'proofbench', extensionsDir, settings: { 'security.workspace.trust.enabled': false } },
        async ({ page }, { url }) => {
          await openWorkbench(page, url, ws);
          await start(page);
          // Cancel from the progress notification once some rows are in the journal.
          const progress = toast(page, /^QED: local\/slow/);
          await progress.waitFor({ state: 'visible', timeout: 60_000 });
          const journal = `${out}.partial`;
          for (
            let i = 0;
            i < 600 && !(existsSync(journal) && readFileSync(journal, 'utf8').split('\n').filter(Boolean).length >= 8);
            i++
          )
            await page.waitForTimeout(50);
          await progress.locator('.monaco-button', { hasText: 'Cancel' }).click();
          const cancelled = toast(page, /QED: cancelled: \d+\/60 rows, 0 failed/);
          await cancelled.waitFor({ state: 'visible', timeout: 60_000 });
          log('notification:', (await cancelled.locator('.notification-list-item-message').textContent()) ?? '');
          const kept = readFileSync(out, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as Record<string, unknown>);
          assert.ok(kept.length >= 8 && kept.length < 60, `rows kept after the cancel: ${kept.length}`);
          assert.ok(
            kept.every((r) => typeof r.model_solution === 'string' && r.error === undefined),
            'only finished rows are kept',
          );
          assert.ok(!existsSync(journal) && !existsSync(`${out}.lock`), 'no journal or lock is left');
          const askedFirst = slow.requests.filter((r) => r.api === 'chat').length;

          // The same command again: only the rows not kept are asked.
          slow.clearRequests();
          await start(page);
          // The summary names the rows kept from the cancelled run and what they cost then.
          const done = toast(
            page,
            new RegExp(
              `QED: finished: 60/60 rows, ${kept.length} reused \\(\\$\\d\\.\\d{4} spent on them earlier\\), 0 failed`,
            ),
          );
          await done.waitFor({ state: 'visible', timeout: 120_000 });
          log('notification:', (await done.locator('.notification-list-item-message').textContent()) ?? '');
          const rows = readFileSync(out, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as Record<string, unknown>);
          assert.equal(rows.length, 60);
          assert.equal(rows[0].problem_id, 'PB-Basic-001');
          assert.equal(
            slow.requests.filter((r) => r.api === 'chat').length,
            60 - kept.length,
            `second run (first asked ${askedFirst})`,
          );
          for (const row of rows) {
            const c = row.cost_run as { cost: number; input_tokens: number; output_tokens: number };
            assert.ok(
              Math.abs(c.cost - (c.input_tokens * 0.5 + c.output_tokens * 2) / 1e6) < 1e-12,
              `cost of ${String(row.problem_id)}`,
            );
          }
          const keptIds = new Set(kept.map((r) => r.problem_id));
          assert.deepEqual(
            rows.filter((r) => keptIds.has(r.problem_id)),
            kept,
            'the kept rows are unchanged',
          );
          await screenshot(page, 'host-run-benchmark-proofbench.png');

          // Grade the 60 rows from the palette, then the summary of the graded file.
          await runCommand(page, 'QED: Grade Results');
          await pick(page, '(1/3): results file', outRel);
          await pick(page, '(2/3): how to grade', 'IMO-ProofBench rubric');
          await pick(page, '(3/3): grader model', 'local/grader');
          const graded = toast(page, /QED: graded: 60\/60 rows, 0 unreadable replies, 0 failed/);
          await graded.waitFor({ state: 'visible', timeout: 120_000 });
          const scored = readFileSync(out, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as Record<string, unknown>);
          assert.deepEqual([...new Set(scored.map((r) => r.score))], [6]);
          assert.equal(slow.requests.filter((r) => r.model === 'grader').length, 60);
          await graded.locator('.monaco-button', { hasText: 'Show Summary' }).click();
          const preview = viewerFrame(page).locator('body', { hasText: 'QED summary' });
          await preview.waitFor({ state: 'visible', timeout: 30_000 });
          const text = await preview.innerText();
          assert.match(text, /Overall/);
          assert.match(text, /6\.00/);
          await screenshot(page, 'host-proofbench-summary.png');
        },
      );
    } finally {
      await slow.close();
    }
  },
);

test(
  'in Restricted Mode Run Benchmark refuses, the viewer cannot regrade, and no request reaches the model API',
  { timeout: 180_000 },
  async () => {
    const ws = fixtureWorkspace('ws-restricted');
    fake.clearRequests();
    const settings = {
      // Trust on (code-server's default) and no startup dialog: a folder never trusted before opens
      // straight in Restricted Mode.
      'security.workspace.trust.enabled': true,
      'security.workspace.trust.startupPrompt': 'never',
      'security.workspace.trust.banner': 'always',
    };
    await withWorkbench({ root, name: 'restricted', extensionsDir, settings }, async ({ page }, { url }) => {
      await openWorkbench(page, url, ws);
      await page
        .locator('.part.statusbar', { hasText: 'Restricted Mode' })
        .waitFor({ state: 'visible', timeout: 30_000 });
      log('status bar shows Restricted Mode');
      await runCommand(page, 'QED: Run Benchmark');
      const warning = toast(page, /Restricted Mode/);
      await warning.waitFor({ state: 'visible', timeout: 30_000 });
      const message = (await warning.locator('.notification-list-item-message').textContent()) ?? '';
      log('notification:', message);
      assert.equal(message, 'QED: Restricted Mode. Trust this folder to run benchmarks.');
      // The whole text shows (a long one is cut with an ellipsis), with a button to the trust editor.
      const cut = await warning
        .locator('.notification-list-item-message')
        .evaluate((el) => el.scrollWidth > el.clientWidth + 1);
      assert.equal(cut, false, 'the message is cut');
      const manage = warning.locator('.monaco-button', { hasText: 'Manage Workspace Trust' });
      await manage.waitFor({ state: 'visible', timeout: 5000 });
      await settle(warning);
      await screenshot(page, 'host-run-benchmark-restricted.png');
      await manage.click();
      // The trust editor (a modal editor in this VS Code), left without trusting.
      const trustEditor = page.getByText('You are in Restricted Mode', { exact: true });
      await trustEditor.waitFor({ state: 'visible', timeout: 20_000 });
      log('Manage Workspace Trust opened the trust editor');
      await page.keyboard.press('Escape');
      if (await trustEditor.isVisible()) await page.keyboard.press('Control+W');
      await trustEditor.waitFor({ state: 'hidden', timeout: 10_000 });
      // Give a wrongly started run time to show itself: no quick pick, no request, no results file.
      await page.waitForTimeout(2000);
      assert.equal(
        await quickInput(page).locator('.quick-input-title', { hasText: 'Run Benchmark' }).count(),
        0,
        'a Run Benchmark step opened',
      );
      assert.equal(fake.requests.length, 0, 'requests received by the fake server');
      assert.ok(!existsSync(join(ws, 'outputs')), 'an outputs/ folder was created');

      // Reading results is safe, so the viewer opens; regrading would call a grader: refused, with why.
      writeFiles(ws, {
        'reviewed/graded.jsonl':
          JSON.stringify({
            problem_id: 'R-1',
            problem: 'Show $1 < 2$.',
            model_solution: 'Since $2 - 1 = 1 > 0$.',
            score: 7,
            schema_0: [{ title: 'Proof', desc: '', points: 7 }],
            grade: [{ points: 7, desc: 'Fine.' }],
          }) + '\n',
      });
      await runCommand(page, 'QED: Open Results');
      await pick(page, 'Open Results: results file', 'reviewed/graded.jsonl');
      const v = viewerFrame(page);
      await v.locator('body[data-ready=true]').waitFor({ timeout: 60_000 });
      await v.locator('.list .row[data-index="0"]').click();
      await v.locator('.row-page[data-row-index="0"][data-complete=true]').waitFor();
      const regrade = v.locator('[data-action=regrade]');
      assert.equal(await regrade.isDisabled(), true, 'Regrade is disabled');
      assert.match((await regrade.getAttribute('title')) ?? '', /Restricted Mode/);
      assert.equal(fake.requests.length, 0, 'requests received by the fake server');
      await screenshot(page, 'host-viewer-restricted.png');
      log('the viewer opens in Restricted Mode with Regrade disabled');
    });
  },
);
