/**
 * QED: Show Summary (src/extension/showSummary.ts) on two results files, as the explorer calls it
 * with both ticked (the clicked file, then the selection): one new editor tab, a markdown document
 * with each file's figures and the figures of all rows together.
 */
import * as assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import * as vscode from 'vscode';
import { activated, waitFor, writeIn } from './helpers';
import { ScriptedUi } from './ui';

const schema = [{ title: 'Proof Grade', points: 7 }];
const graded = (id: string, score: number) => ({ problem_id: id, problem: `Problem ${id}.`, model_solution: `Solution of ${id}.`, score, schema_0: schema, grade: [{ points: score, desc: 'ok' }] });

/** The rows of the markdown table under `**title**`, as header → cell. */
function table(md: string, title: string): Array<Record<string, string>> {
  const lines = md.split('\n');
  let i = lines.indexOf(`**${title}**`);
  assert.ok(i >= 0, `no table '${title}' in:\n${md}`);
  while (!lines[i].startsWith('|')) i++;
  const cells = (line: string) => line.slice(1, -1).split('|').map((c) => c.trim());
  const headers = cells(lines[i]);
  const rows: Array<Record<string, string>> = [];
  for (i += 2; lines[i]?.startsWith('|'); i++) {
    const c = cells(lines[i]);
    rows.push(Object.fromEntries(headers.map((h, k) => [h, c[k]])));
  }
  return rows;
}

const tabCount = () => vscode.window.tabGroups.all.reduce((n, g) => n + g.tabs.length, 0);

suite('Show Summary', () => {
  let ui: ScriptedUi | undefined;
  const created: string[] = [];

  suiteSetup(async () => {
    await activated();
  });

  teardown(() => {
    ui?.restore();
    ui = undefined;
  });

  suiteTeardown(async () => {
    for (const f of created) rmSync(f, { force: true });
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('two results files: one markdown tab with the figures of each file and of both together', async () => {
    // a: 7, 7, 0 and one row not graded yet (mean 4.67 over 3); b: 7, 6, 1, 0 (mean 3.50 over 4).
    const a = writeIn('outputs/ext-summary-a.jsonl', [graded('S-1', 7), graded('S-2', 7), graded('S-3', 0), { problem_id: 'S-4', problem: 'Problem S-4.', model_solution: 'Solution of S-4.' }].map((r) => JSON.stringify(r)).join('\n') + '\n');
    const b = writeIn('outputs/ext-summary-b.jsonl', [graded('S-1', 7), graded('S-2', 6), graded('S-3', 1), graded('S-4', 0)].map((r) => JSON.stringify(r)).join('\n') + '\n');
    created.push(a, b);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const tabsBefore = tabCount();

    ui = new ScriptedUi();
    await vscode.commands.executeCommand('qed.showSummary', vscode.Uri.file(a), [vscode.Uri.file(a), vscode.Uri.file(b)]);
    assert.deepEqual(ui.shown, [], 'the files were given: nothing to ask');
    assert.deepEqual(ui.messagesOf('error'), []);

    const editor = await waitFor('the summary editor', () => vscode.window.activeTextEditor?.document.languageId === 'markdown' && vscode.window.activeTextEditor);
    assert.equal(tabCount(), tabsBefore + 1, 'new editor tabs');
    const doc = editor.document;
    assert.equal(doc.isUntitled, true, 'the summary is a new (untitled) document, not a file');
    const md = doc.getText();
    assert.ok(md.startsWith('# QED summary\n'), md.slice(0, 200));
    assert.ok(md.includes('`outputs/ext-summary-a.jsonl`, `outputs/ext-summary-b.jsonl`'), `the files are not named:\n${md.slice(0, 300)}`);

    const perFile = table(md, 'per file');
    const row = (name: string) => perFile.find((r) => r.file.includes(name));
    assert.deepEqual(
      [row('ext-summary-a')?.rows, row('ext-summary-a')?.graded, row('ext-summary-a')?.['overall (graded)']],
      ['4', '3', '4.67'],
      'figures of file a',
    );
    assert.deepEqual(
      [row('ext-summary-b')?.rows, row('ext-summary-b')?.graded, row('ext-summary-b')?.['overall (graded)']],
      ['4', '4', '3.50'],
      'figures of file b',
    );
    assert.equal(perFile.length, 2);
    // All 8 rows together: 7 graded, (7+7+0 + 7+6+1+0) / 7 = 4.00.
    const [together] = table(md, 'all rows together');
    assert.deepEqual([together.rows, together.graded, together['not graded'], together['overall (graded rows only)']], ['8', '7', '1', '4.00']);
    // The original's figures come first: per-file means with the ungraded row as 0, (14/4 + 14/4)/2 = 3.5.
    const original = table(md, "The original's figures (stats.py, --merge-method mean): Summary Table (mean@2 runs)");
    assert.deepEqual(original.find((r) => r.column === 'Overall')?.value, '3.5000');

    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});
