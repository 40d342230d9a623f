import * as vscode from 'vscode';
import { ui } from './prompts';
import { registerCommand, type Services } from './services';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { engine } from './lazy';

const MINIMAL = `human_readable_id: My model
date: "{date}"
# The model name the provider's API expects.
model: my-model
# openai, google, together, openrouter, xai, deepseek, glm, anthropic, or custom (any
# OpenAI-compatible server: set base_url)
api: openai
max_tokens: 32000
concurrent_requests: 8
# USD per million input (read) and output (write) tokens: run costs are computed from them.
read_cost: 0
write_cost: 0
`;

const ID = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;

/**
 * QED: New Model Config — starts a config under configs/models/ from a shipped one (or a minimal
 * one), with the schema line that gives YAML-extension users completion too, and opens it; our
 * own diagnostics, completion and hovers take it from there.
 */
export async function newConfigCommand(shippedRoot: string, refresh: () => Promise<void>): Promise<void> {
  const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!cwd) {
    void ui.showWarningMessage('QED: open a folder first: configs live in its configs/models/ folder.');
    return;
  }
  const { listConfigs } = (await engine()).config;
  const shipped = (await listConfigs({ cwd, shippedRoot })).filter(
    (c) => c.kind === 'model' && c.origin === 'shipped' && !c.diagnostics.some((d) => d.severity === 'error'),
  );
  type Item = vscode.QuickPickItem & { file?: string; group?: string };
  const items: Item[] = [
    { label: 'Minimal config', description: 'model, api, token limit and prices to fill in' },
    { label: 'start from a shipped config', kind: vscode.QuickPickItemKind.Separator },
    ...shipped.map((c) => ({
      label: c.id,
      description: `${c.api ?? ''}: ${c.model ?? ''}`,
      file: c.file,
      group: c.group,
    })),
  ];
  const template = await ui.showQuickPick(items, {
    title: 'New Model Config (1/2): start from',
    placeHolder: 'A shipped config to copy, or a minimal one',
    matchOnDescription: true,
  });
  if (!template) return;
  const suggestion = template.file
    ? `${template.group || 'custom'}/my-${template.label.split('/').pop()}`
    : 'custom/my-model';
  const id = await ui.showInputBox({
    title: 'New Model Config (2/2): name',
    prompt: 'provider/name: the file is configs/models/provider/name.yaml, and runs name it openai/my-model',
    value: suggestion,
    valueSelection: [suggestion.indexOf('/') + 1, suggestion.length],
    validateInput: (v) => {
      const t = v.trim().replace(/\.ya?ml$/, '');
      if (!t) return 'give the config a name';
      if (!ID.test(t) || t.split('/').some((p) => p === '.' || p === '..'))
        return 'letters, digits, . _ - and / between folders only';
      if (existsSync(join(cwd, 'configs', 'models', `${t}.yaml`))) return `configs/models/${t}.yaml exists already`;
      return undefined;
    },
  });
  if (!id) return;
  const name = id.trim().replace(/\.ya?ml$/, '');
  const target = join(cwd, 'configs', 'models', `${name}.yaml`);
  const schema = join(cwd, 'configs', 'schema', 'model-config.schema.json');
  if (!existsSync(schema)) {
    await mkdir(dirname(schema), { recursive: true });
    await copyFile(join(shippedRoot, 'schema', 'model-config.schema.json'), schema);
  }
  const today = new Date().toISOString().slice(0, 10);
  let body = template.file ? await readFile(template.file, 'utf8') : MINIMAL.replace('{date}', today);
  body = body.replace(/^# yaml-language-server:.*\n/m, '');
  if (template.file) body = body.replace(/^date:.*$/m, `date: "${today}"`);
  const modeline = `# yaml-language-server: $schema=${relative(dirname(target), schema).split('\\').join('/')}\n`;
  const origin = template.file
    ? `# Started from the shipped config ${template.label}: check the model, prices and limits.\n`
    : '';
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, modeline + origin + body, { flag: 'wx' });
  await refresh();
  const editor = await vscode.window.showTextDocument(vscode.Uri.file(target));
  // Put the cursor on the model name, the first thing to change.
  const lineNo = editor.document
    .getText()
    .split('\n')
    .findIndex((l) => /^model:/.test(l));
  if (lineNo >= 0) {
    const line = editor.document.lineAt(lineNo);
    const start = line.text.length - line.text.slice(line.text.indexOf(':') + 1).trimStart().length;
    editor.selection = new vscode.Selection(lineNo, start, lineNo, line.text.length);
  }
}

export function registerNewConfig(s: Services): void {
  registerCommand(s, 'qed.newConfig', 'New Model Config', () => newConfigCommand(s.shippedRoot, () => s.reloadView()));
}
