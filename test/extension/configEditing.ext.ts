/**
 * Model-config editing (src/extension/configEditing.ts) through the vscode API: diagnostics as you
 * type, completion of keys and `api` values, hovers, and the CodeLens above a config.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activated, fileIn, hoverText, open, qedDiagnostics, waitFor } from './helpers';

suite('model config editing', () => {
  suiteSetup(async () => {
    await activated();
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('a broken config gets a QED error on the bad value, which goes once it is fixed', async () => {
    const doc = await open('configs/models/x/broken.yaml');
    assert.equal(doc.languageId, 'yaml');
    const diags = await waitFor(
      'QED diagnostics on broken.yaml',
      () => qedDiagnostics(doc.uri).length > 0 && qedDiagnostics(doc.uri),
    );
    const api = diags.find((d) => d.code === 'api');
    assert.ok(api, `no diagnostic on 'api' among: ${diags.map((d) => d.message).join(' | ')}`);
    assert.equal(api.severity, vscode.DiagnosticSeverity.Error);
    assert.match(api.message, /unknown api 'openia'/);
    assert.match(api.message, /did you mean 'openai'/);
    assert.equal(api.range.start.line, 1);
    assert.equal(doc.getText(api.range), 'openia');

    // Fix it in the editor (unsaved): the diagnostic goes as you type.
    const edit = new vscode.WorkspaceEdit();
    edit.replace(doc.uri, api.range, 'openai');
    assert.ok(await vscode.workspace.applyEdit(edit));
    await waitFor('the api diagnostic to clear', () => !qedDiagnostics(doc.uri).some((d) => d.code === 'api'));
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  test('a misspelt key gets a "did you mean" warning', async () => {
    const doc = await open('configs/models/x/good.yaml');
    const edit = new vscode.WorkspaceEdit();
    edit.insert(doc.uri, new vscode.Position(doc.lineCount - 1, 0), 'max_tokenz: 5\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    const warn = await waitFor('a warning on max_tokenz', () =>
      qedDiagnostics(doc.uri).find((d) => d.code === 'max_tokenz'),
    );
    assert.equal(warn.severity, vscode.DiagnosticSeverity.Warning);
    assert.match(warn.message, /did you mean 'max_tokens'/);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  test('completion at the start of a line offers the config keys', async () => {
    const doc = await open('configs/models/x/empty.yaml');
    const list = await vscode.commands.executeCommand<vscode.CompletionList>(
      'vscode.executeCompletionItemProvider',
      doc.uri,
      new vscode.Position(1, 0),
    );
    const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    for (const key of ['model', 'api', 'max_tokens', 'reasoning_effort'])
      assert.ok(labels.includes(key), `no completion for '${key}' in: ${labels.slice(0, 40).join(', ')}`);
    const model = list.items.find((i) => i.label === 'model');
    assert.equal(model?.insertText, 'model: ');
  });

  test('completion after `api:` offers the known providers', async () => {
    const doc = await open('configs/models/x/good.yaml');
    const line = doc
      .getText()
      .split('\n')
      .findIndex((l) => l.startsWith('api:'));
    const list = await vscode.commands.executeCommand<vscode.CompletionList>(
      'vscode.executeCompletionItemProvider',
      doc.uri,
      new vscode.Position(line, 'api: '.length),
    );
    const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    for (const api of ['openai', 'google', 'custom', 'anthropic'])
      assert.ok(labels.includes(api), `no completion for api '${api}' in: ${labels.join(', ')}`);
  });

  test('hovering a key shows its documentation from the schema', async () => {
    const doc = await open('configs/models/x/good.yaml');
    const line = doc
      .getText()
      .split('\n')
      .findIndex((l) => l.startsWith('api:'));
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      doc.uri,
      new vscode.Position(line, 1),
    );
    const text = hoverText(hovers);
    assert.match(text, /\*\*api\*\*/);
    assert.match(text, /Which provider to call/);
    assert.match(text, /`openai`/);
  });

  test('a model config gets "Test config" and "Run benchmark" CodeLenses', async () => {
    const uri = fileIn('configs/models/x/good.yaml');
    await open('configs/models/x/good.yaml');
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    const test = lenses.find((l) => l.command?.command === 'qed.testConfig');
    assert.ok(test, `no qed.testConfig lens among: ${lenses.map((l) => l.command?.title).join(' | ')}`);
    assert.match(test.command!.title, /Test config/);
    assert.equal(String(test.command!.arguments?.[0]), uri.toString());
    assert.ok(lenses.some((l) => l.command?.command === 'qed.runBenchmark'));
    assert.equal(test.range.start.line, 0);
  });
});
