/** Results files opened as text (src/extension/jsonlLens.ts): a lens row and a hover per result. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activated, hoverText, open } from './helpers';

suite('results (.jsonl) lenses', () => {
  suiteSetup(async () => {
    await activated();
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('each result line gets its id · score, "Open in viewer" and "Regrade"', async () => {
    const doc = await open('outputs/results.jsonl');
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
    const byLine = new Map<number, vscode.CodeLens[]>();
    for (const l of lenses) byLine.set(l.range.start.line, [...(byLine.get(l.range.start.line) ?? []), l]);
    // Lines 0, 1 and 3 are results; line 2 is blank (it does not count as a row).
    assert.deepEqual([...byLine.keys()].sort(), [0, 1, 3]);
    const titles = (line: number) => byLine.get(line)!.map((l) => l.command?.title);
    assert.deepEqual(titles(0), ['p1 · 7 / 7', 'Open in viewer', 'Regrade']);
    assert.deepEqual(titles(1), ['p2 #1 · not graded', 'Open in viewer', 'Regrade']);
    assert.deepEqual(titles(3), ['p3 · run error', 'Open in viewer', 'Regrade']);

    const open3 = byLine.get(3)!.find((l) => l.command?.command === 'qed.openResults');
    assert.equal(String(open3?.command?.arguments?.[0]), doc.uri.toString());
    assert.deepEqual(open3?.command?.arguments?.[1], { row: 2 });
    const regrade3 = byLine.get(3)!.find((l) => l.command?.command === 'qed.regradeRow');
    assert.equal(regrade3?.command?.arguments?.[1], 2);
  });

  test('hovering a result line names it and links the viewer', async () => {
    const doc = await open('outputs/results.jsonl');
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      doc.uri,
      new vscode.Position(3, 2),
    );
    const text = hoverText(hovers);
    assert.match(text, /\*\*p3\*\* · run error · row 3/);
    assert.match(text, /command:qed\.openResults\?/);
  });
});
