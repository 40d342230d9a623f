/**
 * Rough edges of a new user's first hour, checked through the API activate() returns
 * (src/extension/api.ts): Run Benchmark's steps are numbered once each, editor settings are never
 * offered as a dataset, and its trial run asks the model for the first 3 problems only; a regrade
 * ends with a message; the viewer's open row is read back through the test-only probe.
 */
import * as assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import * as vscode from 'vscode';
import { FakeLlmServer } from '../fake-llm/server';
import { activated, fileIn, readJsonl, waitFor, writeIn } from './helpers';
import { qedApi, ScriptedUi, type Shown } from './ui';

const CONFIG_ID = 'x/fake-first-hour';
const DATA = 'data/ext-first-hour.jsonl';

suite('first hour', () => {
  let fake: FakeLlmServer;
  let ui: ScriptedUi | undefined;
  const created: string[] = [];

  suiteSetup(async () => {
    await activated();
    fake = await FakeLlmServer.start({
      latencyMs: 5,
      reply: (req) => (req.model === 'judge' ? { text: 'Fine.\n<points>6</points>' } : undefined),
    });
    created.push(
      writeIn(
        `configs/models/${CONFIG_ID}.yaml`,
        ['model: fake-first-hour', 'api: custom', `base_url: ${fake.url}/v1`, 'max_retries: 0', ''].join('\n'),
      ),
      writeIn(
        'configs/models/x/fake-judge.yaml',
        ['model: judge', 'api: custom', `base_url: ${fake.url}/v1`, 'max_retries: 0', ''].join('\n'),
      ),
      writeIn(
        DATA,
        Array.from({ length: 5 }, (_, i) =>
          JSON.stringify({
            problem_id: `FH-${i + 1}`,
            problem: `Prove that $${i} < ${i + 1}$.`,
            grading_guidelines: '(7) any proof',
          }),
        ).join('\n') + '\n',
      ),
      writeIn('.vscode/settings.json', '{ "editor.fontSize": 14 }\n'),
    );
  });

  teardown(() => {
    ui?.restore();
    ui = undefined;
  });

  suiteTeardown(async () => {
    await fake?.close();
    for (const f of created) for (const ext of ['', '.lock', '.partial']) rmSync(f + ext, { force: true });
    rmSync(fileIn('.vscode').fsPath, { recursive: true, force: true });
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('Run Benchmark: five steps numbered once each, no .vscode/settings.json among the datasets, a trial run of 3 problems', async () => {
    const rel = 'outputs/ext-first-hour.jsonl';
    created.push(fileIn(rel).fsPath);
    fake.clearRequests();
    ui = new ScriptedUi({
      '(1/5): model config': { pick: CONFIG_ID },
      '(2/5): dataset': { pick: DATA },
      '(3/5): mode': { pick: 'Proof' },
      '(4/5): problems and runs': { pick: '$(beaker) Trial run' },
      '(5/5): results file': { input: rel },
    });
    await vscode.commands.executeCommand('qed.runBenchmark');
    assert.deepEqual(ui.unanswered(), []);
    const shown = ui.shown as Shown[];
    const steps = shown.map((s) => /\((\d)\/5\)/.exec(s.title)?.[1]);
    assert.deepEqual(steps, ['1', '2', '3', '4', '5'], shown.map((s) => s.title).join(' | '));
    const datasets = shown[1].labels;
    assert.ok(datasets.includes(DATA), datasets.join(', '));
    assert.ok(
      !datasets.some((l) => l.includes('.vscode') || l.endsWith('settings.json')),
      `offered: ${datasets.join(', ')}`,
    );
    assert.equal(shown[3].labels[0], '$(beaker) Trial run', 'the trial run comes first');
    assert.equal(shown[3].descriptions[0], 'the first 3 problems, 1 run each');
    assert.ok(shown[3].labels.includes('All 5 problems'), shown[3].labels.join(', '));
    assert.deepEqual(
      readJsonl(fileIn(rel).fsPath).map((r) => r.problem_id),
      ['FH-1', 'FH-2', 'FH-3'],
    );
    assert.equal(fake.requestsOf('chat').length, 3, 'requests of the trial run');
    assert.match(ui.messagesOf('info').at(-1) ?? '', /^QED: finished: 3\/3 rows, 0 failed/);

    // The full run afterwards resumes: only the 2 other problems are asked.
    fake.clearRequests();
    ui.answer({
      '(1/5): model config': { pick: CONFIG_ID },
      '(2/5): dataset': { pick: DATA },
      '(3/5): mode': { pick: 'Proof' },
      '(4/5): problems and runs': { pick: 'All 5 problems' },
      '(5/5): results file': { input: rel },
    });
    await vscode.commands.executeCommand('qed.runBenchmark');
    assert.equal(fake.requestsOf('chat').length, 2, 'requests of the full run after the trial');
    assert.equal(readJsonl(fileIn(rel).fsPath).length, 5);
  });

  test('Regrade Row ends with a message naming the row, the grader and the scores', async () => {
    const rel = 'outputs/ext-first-hour-graded.jsonl';
    const file = writeIn(
      rel,
      JSON.stringify({
        problem_id: 'FH-9',
        problem: 'Prove that $1 < 2$.',
        model_solution: 'Since $2 - 1 = 1 > 0$.',
        solution: 'Subtract.',
        grading_guidelines: '(7) any proof',
        score: 7,
        schema_0: [{ title: 'Proof Grade', desc: '', points: 7 }],
        grade: [{ points: 7, desc: 'ok' }],
      }) + '\n',
    );
    created.push(file);
    ui = new ScriptedUi({ 'Regrade FH-9': { pick: 'x/fake-judge' } });
    await vscode.commands.executeCommand('qed.regradeRow', vscode.Uri.file(file), 0);
    assert.deepEqual(ui.unanswered(), []);
    assert.deepEqual(ui.messagesOf('error'), []);
    assert.match(ui.messagesOf('info').at(-1) ?? '', /^QED: FH-9 regraded by x\/fake-judge: 7 → 6, \$\d+\.\d{4}\.$/);
    assert.equal(readJsonl(file)[0].score, 6);
  });

  test("the viewer's open row, read back through the test-only probe of the API", async () => {
    const file = fileIn('outputs/ext-first-hour-graded.jsonl').fsPath;
    await vscode.commands.executeCommand('qed.openResults', vscode.Uri.file(file), { row: 0 });
    const api = qedApi();
    assert.deepEqual(
      api.panels.list().map((p) => p.files),
      [[file]],
    );
    let last: unknown;
    const probed = await waitFor('the row page, complete', async () => {
      const r = await api.panels.rendered([file]);
      last = r;
      return r?.row?.complete ? r : undefined;
    }).catch((e: Error) => {
      throw new Error(`${e.message}; last answer: ${JSON.stringify(last)}`);
    });
    assert.equal(probed.row?.index, 0);
    assert.ok((probed.row?.formulas ?? 0) > 0, 'formulas rendered');
    assert.equal(probed.row?.mathErrors, 0);
    assert.match(probed.row?.text ?? '', /Prove that/);
    assert.equal(probed.state?.path, file, 'the state the page saved names the file');
  });
});
