/** The extension loads in a real extension host and registers what its manifest declares. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, activated, workspaceRoot } from './helpers';

suite('activation', () => {
  test(`${EXTENSION_ID} is present and activates`, async () => {
    const ext = await activated();
    assert.equal(ext.isActive, true);
    assert.equal(ext.packageJSON.name, 'qed-workbench');
  });

  test('the fixture workspace is open (workspaceContains:configs/models applies)', async () => {
    const found = await vscode.workspace.findFiles('configs/models/**/*.yaml');
    assert.ok(
      found.length >= 2,
      `expected the fixture's model configs under ${workspaceRoot().fsPath}, found ${found.length}`,
    );
  });

  test('every command in contributes.commands is registered', async () => {
    const ext = await activated();
    // The manifest as this extension host loaded it: the test follows package.json as it is.
    const declared = ((ext.packageJSON.contributes?.commands ?? []) as Array<{ command: string }>).map(
      (c) => c.command,
    );
    assert.ok(declared.length >= 10, `only ${declared.length} commands in the manifest`);
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = declared.filter((c) => !registered.has(c));
    assert.deepEqual(missing, [], `declared in package.json but not registered: ${missing.join(', ')}`);
  });

  test('every command the manifest names in menus and walkthroughs is declared', async () => {
    const ext = await activated();
    const contributes = ext.packageJSON.contributes ?? {};
    const declared = new Set(((contributes.commands ?? []) as Array<{ command: string }>).map((c) => c.command));
    const named = new Set<string>();
    for (const items of Object.values((contributes.menus ?? {}) as Record<string, Array<{ command?: string }>>))
      for (const i of items) if (i.command) named.add(i.command);
    const text = JSON.stringify([contributes.walkthroughs ?? [], contributes.viewsWelcome ?? []]);
    for (const m of text.matchAll(/command:(qed\.\w+)/g)) named.add(m[1]);
    const undeclared = [...named].filter((c) => !declared.has(c));
    assert.deepEqual(
      undeclared,
      [],
      `used in menus/walkthroughs but not in contributes.commands: ${undeclared.join(', ')}`,
    );
  });
});
