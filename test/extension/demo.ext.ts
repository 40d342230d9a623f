/**
 * QED: Try the Demo (src/extension/tryDemo.ts), the walkthrough's first step: with no key and no
 * network it runs the shipped demo problems through the real run and grading as one job, opens
 * both results files in the viewer under the demo banner, and stops its loopback demo model when
 * the viewer closes.
 */
import * as assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import * as vscode from 'vscode';
import { activated, fileIn, readJsonl, waitFor } from './helpers';
import { qedApi, ScriptedUi } from './ui';

/** True when something accepts a TCP connection on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

suite('Try the Demo', () => {
  let ui: ScriptedUi | undefined;
  const dir = () => fileIn('outputs/demo').fsPath;

  suiteSetup(async () => {
    await activated();
  });

  teardown(() => {
    ui?.restore();
    ui = undefined;
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    rmSync(dir(), { recursive: true, force: true });
  });

  test('runs the demo problems as one job, graded, shown in the viewer with the demo banner; the demo model stops with the viewer', async function () {
    this.timeout(120_000);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    ui = new ScriptedUi();
    let sawJob = '';
    const watching = qedApi().jobs.onDidChange(() => {
      const job = qedApi().jobs.list()[0];
      if (job) sawJob = job.label;
    });
    try {
      await vscode.commands.executeCommand('qed.tryDemo');
    } finally {
      watching.dispose();
    }
    assert.deepEqual(ui.unanswered(), [], 'the demo asks nothing');
    assert.deepEqual(ui.messagesOf('error'), []);
    assert.match(sawJob, /demo/i, 'the demo ran as a job (status bar, QED view, Cancel)');
    assert.deepEqual(qedApi().jobs.list(), [], 'the job has ended');
    const done = ui.messagesOf('info').at(-1) ?? '';
    assert.match(
      done,
      /^QED: demo done \(demo-proofs\.jsonl: 3\/3 graded by the demo grader, mean 7\.00\/7; demo-answers\.jsonl: 4\/4 graded by the answer checker, mean 1\.00\/1\)\. Files in outputs\/demo\./,
      done,
    );

    // The results: every row written by the demo model and graded (proofs by the demo grader, which
    // says it is no real judgement; final answers by the deterministic checker).
    const proofs = readJsonl(fileIn('outputs/demo/demo-proofs.jsonl').fsPath);
    const answers = readJsonl(fileIn('outputs/demo/demo-answers.jsonl').fsPath);
    assert.equal(proofs.length, 3);
    assert.equal(answers.length, 4);
    for (const r of [...proofs, ...answers]) {
      const run = r.qed_run as { model?: string };
      const grade = r.qed_grade as { model?: string };
      assert.match(String(run?.model), /demo/, `${String(r.problem_id)}: model ${String(run?.model)}`);
      assert.match(String(grade?.model), /demo/, `${String(r.problem_id)}: grader ${String(grade?.model)}`);
      assert.equal(typeof r.score, 'number', `${String(r.problem_id)} is not graded`);
      assert.match(String(r.model_solution), /demo model/i, "every reply says it is the demo model's");
    }
    assert.deepEqual(
      proofs.map((r) => r.score),
      [7, 7, 7],
    );
    assert.ok(
      proofs.every((r) => /not a real judgement/.test(String((r.grade as Array<{ desc?: string }>)[0]?.desc))),
      'the demo grader says what it is',
    );
    assert.deepEqual(
      answers.map((r) => [r.score, r.judge_method]),
      answers.map(() => [1, 'deterministic']),
    );

    // The viewer: one panel showing both files, the demo banner given and shown by the page.
    const files = [fileIn('outputs/demo/demo-proofs.jsonl').fsPath, fileIn('outputs/demo/demo-answers.jsonl').fsPath];
    const panel = qedApi()
      .panels.list()
      .find((p) => p.files.join('\n') === files.join('\n'));
    assert.ok(panel, `no viewer of the demo files: ${JSON.stringify(qedApi().panels.list())}`);
    assert.match(panel.notice ?? '', /^Demo: /);
    assert.equal(panel.title, 'QED Demo results');
    const banner = await waitFor(
      'the demo banner on the page',
      async () => {
        const shown = (await qedApi().panels.rendered(files))?.banner;
        return shown?.includes('Demo: ') && shown;
      },
      60_000,
    );
    assert.match(banner, /demo grader \(not a real judgement\)/);

    // The demo model lives while the viewer is open (a regrade asks it), and stops with it.
    const baseUrl = /base_url: (\S+)/.exec(
      readFileSync(fileIn('outputs/demo/configs/demo-model.yaml').fsPath, 'utf8'),
    )?.[1];
    assert.ok(baseUrl && /^http:\/\/127\.0\.0\.1:\d+\//.test(baseUrl), `base_url: ${baseUrl}`);
    const port = Number(new URL(baseUrl).port);
    assert.equal(await listening(port), true, 'the demo model is served while the viewer is open');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await waitFor(
      'the viewer to close',
      () =>
        !qedApi()
          .panels.list()
          .some((p) => p.files.join('\n') === files.join('\n')),
    );
    await waitFor('the demo model to stop listening', async () => !(await listening(port)));
  });
});
