/**
 * QED: Show Summary (src/extension/showSummary.ts) on two results files, as the explorer calls it
 * with both ticked (the clicked file, then the selection): one new tab, a rendered read-only
 * markdown preview with each file's figures and the figures of all rows together, which never asks
 * to be saved; QED: Save Summary writes it to a file.
 */
import * as assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import * as vscode from 'vscode';
import { activated, fileIn, waitFor, writeIn } from './helpers';
import { qedApi, ScriptedUi, type Shown } from './ui';

const schema = [{ title: 'Proof Grade', points: 7 }];
const graded = (id: string, score: number) => ({
  problem_id: id,
  problem: `Problem ${id}.`,
  model_solution: `Solution of ${id}.`,
  score,
  schema_0: schema,
  grade: [{ points: score, desc: 'ok' }],
});

/** The rows of the markdown table under `**title**`, as header → cell. */
function table(md: string, title: string): Array<Record<string, string>> {
  const lines = md.split('\n');
  let i = lines.indexOf(`**${title}**`);
  assert.ok(i >= 0, `no table '${title}' in:\n${md}`);
  while (!lines[i].startsWith('|')) i++;
  const cells = (line: string) =>
    line
      .slice(1, -1)
      .split('|')
      .map((c) => c.trim());
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
    const a = writeIn(
      'outputs/ext-summary-a.jsonl',
      [
        graded('S-1', 7),
        graded('S-2', 7),
        graded('S-3', 0),
        { problem_id: 'S-4', problem: 'Problem S-4.', model_solution: 'Solution of S-4.' },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n') + '\n',
    );
    const b = writeIn(
      'outputs/ext-summary-b.jsonl',
      [graded('S-1', 7), graded('S-2', 6), graded('S-3', 1), graded('S-4', 0)]
        .map((r) => JSON.stringify(r))
        .join('\n') + '\n',
    );
    created.push(a, b);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const tabsBefore = tabCount();

    ui = new ScriptedUi();
    await vscode.commands.executeCommand('qed.showSummary', vscode.Uri.file(a), [
      vscode.Uri.file(a),
      vscode.Uri.file(b),
    ]);
    assert.deepEqual(ui.shown, [], 'the files were given: nothing to ask');
    assert.deepEqual(ui.messagesOf('error'), []);

    const shown = qedApi().summaries.list().at(-1);
    assert.ok(shown, 'no summary shown');
    assert.equal(shown.scheme, 'qed-summary', 'the summary is a read-only virtual document, not an untitled one');
    // Rendered: a markdown preview tab, not a text editor; no untitled document to save on close.
    await waitFor(
      'the summary preview tab',
      () =>
        vscode.window.tabGroups.activeTabGroup.activeTab?.input instanceof vscode.TabInputWebview &&
        vscode.window.tabGroups.activeTabGroup.activeTab,
    );
    assert.equal(tabCount(), tabsBefore + 1, 'new tabs');
    assert.match(
      (vscode.window.tabGroups.activeTabGroup.activeTab?.input as vscode.TabInputWebview).viewType,
      /markdown\.preview/,
    );
    assert.ok(!vscode.workspace.textDocuments.some((d) => d.isUntitled), 'an untitled document was opened');
    const doc = await vscode.workspace.openTextDocument(shown);
    assert.equal(doc.isDirty, false);
    const md = doc.getText();
    assert.ok(md.startsWith('# QED summary\n'), md.slice(0, 200));
    assert.ok(
      md.includes('`outputs/ext-summary-a.jsonl`, `outputs/ext-summary-b.jsonl`'),
      `the files are not named:\n${md.slice(0, 300)}`,
    );
    assert.match(md, /QED: Save Summary/, 'the summary says how to save it');

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
    assert.deepEqual(
      [together.rows, together.graded, together['not graded'], together['overall (graded rows only)']],
      ['8', '7', '1', '4.00'],
    );
    // The original's figures come first: per-file means with the ungraded row as 0, (14/4 + 14/4)/2 = 3.5.
    const original = table(md, "The original's figures (stats.py, --merge-method mean): Summary Table (mean@2 runs)");
    assert.deepEqual(original.find((r) => r.column === 'Overall')?.value, '3.5000');

    // QED: Save Summary writes the markdown (without the read-only note) where the dialog says.
    const target = fileIn('outputs/ext-summary.md');
    created.push(target.fsPath);
    ui.saveTo = target;
    await vscode.commands.executeCommand('qed.saveSummary');
    const saveDialog = (ui.shown as Shown[]).find((x) => x.kind === 'saveDialog');
    assert.ok(saveDialog?.value?.endsWith('.md'), `the save dialog proposes a .md file: ${JSON.stringify(saveDialog)}`);
    const saved = readFileSync(target.fsPath, 'utf8');
    assert.ok(saved.startsWith('# QED summary\n') && saved.includes('**per file**'), saved.slice(0, 200));
    assert.doesNotMatch(saved, /Read-only/);
    assert.ok(
      ui.messagesOf('info').some((m) => m.startsWith('QED: summary saved to outputs/ext-summary.md')),
      ui.messagesOf('info').join(' | '),
    );

    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    assert.ok(
      !vscode.workspace.textDocuments.some((d) => d.isUntitled && d.isDirty),
      'closing asked nothing: no unsaved document',
    );
  });

  test('from the palette: the file picked is summarised; several runs are merged one step further', async () => {
    const a = writeIn(
      'outputs/ext-summary-c.jsonl',
      [graded('S-1', 7), graded('S-2', 0)].map((r) => JSON.stringify(r)).join('\n') + '\n',
    );
    created.push(a);
    ui = new ScriptedUi({ 'Show Summary: results file': { pick: 'outputs/ext-summary-c.jsonl' } });
    const before = qedApi().summaries.list().length;
    await vscode.commands.executeCommand('qed.showSummary');
    assert.deepEqual(ui.unanswered(), []);
    assert.ok(ui.shown[0].labels.includes('outputs/ext-summary-c.jsonl'), ui.shown[0].labels.join(', '));
    const list = qedApi().summaries.list();
    assert.equal(list.length, before + 1);
    const md = (await vscode.workspace.openTextDocument(list.at(-1)!)).getText();
    assert.ok(md.includes('`outputs/ext-summary-c.jsonl`'), md.slice(0, 300));
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');

    // Several runs to merge: one item further, a multi-select pick.
    const d = writeIn(
      'outputs/ext-summary-d.jsonl',
      [graded('S-1', 5), graded('S-2', 1)].map((r) => JSON.stringify(r)).join('\n') + '\n',
    );
    created.push(d);
    ui.answer({
      'Show Summary: results file': { pick: '$(checklist) Several runs to merge…' },
      'Show Summary: runs to merge': { pick: ['outputs/ext-summary-c.jsonl', 'outputs/ext-summary-d.jsonl'] },
    });
    await vscode.commands.executeCommand('qed.showSummary');
    assert.deepEqual(ui.unanswered(), []);
    const merged = (await vscode.workspace.openTextDocument(qedApi().summaries.list().at(-1)!)).getText();
    assert.ok(merged.includes('`outputs/ext-summary-c.jsonl`, `outputs/ext-summary-d.jsonl`'), merged.slice(0, 300));
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test("runs to merge, in VS Code's own multi-select pick: Enter with two ticked takes both, even on a ticked row", async () => {
    // Named to come first among the workspace's results files (the pick sorts outputs/ by name).
    const files = ['outputs/a-merge-1.jsonl', 'outputs/a-merge-2.jsonl', 'outputs/a-merge-3.jsonl'];
    for (const [k, f] of files.entries())
      created.push(writeIn(f, [graded('S-1', k), graded('S-2', 7)].map((r) => JSON.stringify(r)).join('\n') + '\n'));
    // Only the first step is answered here: the merge step is the real pick (prompts.ts pickMany).
    const answered = qedApi().prompts.use({
      showQuickPick: (async (items: Thenable<vscode.QuickPickItem[]> | vscode.QuickPickItem[]) =>
        (await items).find((i) => i.label === '$(checklist) Several runs to merge…')) as never,
    });
    try {
      const shown = () => qedApi().prompts.pickManyShown();
      const before = qedApi().summaries.list().length;
      const done = vscode.commands.executeCommand('qed.showSummary');
      const pick = await waitFor('the runs-to-merge pick', () => shown()?.title.includes('runs to merge') && shown());
      assert.deepEqual(pick.labels.slice(0, 3), files, pick.labels.join(', '));
      assert.deepEqual(pick.highlighted, [files[0]], 'the first item is highlighted');
      // As a keyboard user: Space ticks the highlighted row, Down moves, Space, Up back onto a
      // ticked row, Enter. Each command goes to the pick VS Code shows; its answer comes back.
      const run = async (
        command: string,
        what: string,
        check: (s: NonNullable<ReturnType<typeof shown>>) => boolean,
      ) => {
        await vscode.commands.executeCommand(command);
        await waitFor(what, () => {
          const s = shown();
          return !!s && check(s);
        });
      };
      await run('quickInput.toggleCheckbox', 'the first run ticked', (s) => s.ticked.join() === files[0]);
      await run('quickInput.next', 'the second run highlighted', (s) => s.highlighted.join() === files[1]);
      await run(
        'quickInput.toggleCheckbox',
        'the second run ticked',
        (s) => [...s.ticked].sort().join() === files.slice(0, 2).join(),
      );
      await run(
        'quickInput.previous',
        'the first (ticked) run highlighted again',
        (s) => s.highlighted.join() === files[0],
      );
      // Enter (quickInput.accept is Enter's command in a quick pick).
      await vscode.commands.executeCommand('quickInput.accept');
      await waitFor('Enter to close the pick', () => shown() === undefined, 10_000).catch(() => {
        throw new Error(`Enter did not accept the two ticked runs; the pick stays open: ${JSON.stringify(shown())}`);
      });
      await done;
      const list = qedApi().summaries.list();
      assert.equal(list.length, before + 1, 'one summary shown');
      const md = (await vscode.workspace.openTextDocument(list.at(-1)!)).getText();
      const named = md.split('\n').find((l) => l.includes('`outputs/a-merge-'));
      assert.equal(
        named,
        '`outputs/a-merge-1.jsonl`, `outputs/a-merge-2.jsonl`',
        `the summary merges exactly the two ticked runs:\n${md.slice(0, 300)}`,
      );
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    } finally {
      answered.dispose();
    }
  });
});
