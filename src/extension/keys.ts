import * as vscode from 'vscode';
import { ui } from './prompts';
import { registerCommand, type Services } from './services';
import { engine } from './lazy';

/** The variables the shipped providers read their key from. */
export const KNOWN_KEY_VARIABLES = [
  'OPENAI_API_KEY',
  'GOOGLE_API_KEY',
  'TOGETHER_API_KEY',
  'OPENROUTER_API_KEY',
  'XAI_API_KEY',
  'DEEPSEEK_API_KEY',
  'GLM_API_KEY',
  'ANTHROPIC_API_KEY',
];

const secretName = (variable: string) => `qed.apiKey.${variable}`;

/** Keys: VS Code's SecretStorage first, then the environment of the editor's process. */
export class KeyStore {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  async get(variable: string): Promise<string | undefined> {
    return (await this.secrets.get(secretName(variable))) || process.env[variable] || undefined;
  }

  async has(variable: string): Promise<'secret' | 'env' | undefined> {
    if (await this.secrets.get(secretName(variable))) return 'secret';
    return process.env[variable] ? 'env' : undefined;
  }

  set(variable: string, value: string): Thenable<void> {
    return this.secrets.store(secretName(variable), value);
  }

  clear(variable: string): Thenable<void> {
    return this.secrets.delete(secretName(variable));
  }
}

const VAR_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The key variables the workspace's own configs name (`api_key_env` of a custom server, say)
 * beyond the providers' usual ones, each with the configs that use it.
 */
export async function workspaceKeyVariables(shippedRoot: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!cwd) return out;
  const { listConfigs } = (await engine()).config;
  for (const c of await listConfigs({ cwd, shippedRoot })) {
    if (c.origin !== 'workspace' || !c.keyEnv || KNOWN_KEY_VARIABLES.includes(c.keyEnv)) continue;
    out.set(c.keyEnv, [...(out.get(c.keyEnv) ?? []), c.id]);
  }
  return out;
}

/** Asks which variable, then the key (masked); stores it in SecretStorage. */
export async function setApiKeyCommand(
  keys: KeyStore,
  preset?: string,
  workspaceVariables = new Map<string, string[]>(),
): Promise<boolean> {
  const variable = preset ?? (await pickVariable(keys, 'Store a key for…', false, workspaceVariables));
  if (!variable) return false;
  const value = await ui.showInputBox({
    title: `API key for ${variable}`,
    prompt: "Kept in VS Code's secret storage; never written to a file or a log.",
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() ? undefined : 'Enter a key, or press Escape to cancel'),
  });
  if (!value) return false;
  await keys.set(variable, value.trim());
  void ui.showInformationMessage(`QED: key for ${variable} stored.`);
  return true;
}

export async function clearApiKeyCommand(
  keys: KeyStore,
  workspaceVariables = new Map<string, string[]>(),
): Promise<void> {
  const variable = await pickVariable(keys, 'Remove the stored key of…', true, workspaceVariables);
  if (!variable) return;
  await keys.clear(variable);
  void ui.showInformationMessage(`QED: stored key for ${variable} removed.`);
}

async function pickVariable(
  keys: KeyStore,
  title: string,
  storedOnly = false,
  workspaceVariables = new Map<string, string[]>(),
): Promise<string | undefined> {
  const items: vscode.QuickPickItem[] = [];
  const usedBy = (ids: string[]) =>
    `used by ${ids.slice(0, 3).join(', ')}${ids.length > 3 ? ` and ${ids.length - 3} more` : ''}`;
  for (const v of [...workspaceVariables.keys(), ...KNOWN_KEY_VARIABLES]) {
    const where = await keys.has(v);
    if (storedOnly && where !== 'secret') continue;
    const state = where === 'secret' ? 'stored' : where === 'env' ? 'from the environment' : '';
    const ids = workspaceVariables.get(v);
    items.push({ label: v, description: [state, ids ? usedBy(ids) : ''].filter(Boolean).join(' · ') });
  }
  // Secret storage cannot list what it holds: a key stored under another name is named by hand.
  items.push({
    label: 'Another variable…',
    description: storedOnly ? 'a key stored under another name' : 'the api_key_env of a custom config',
  });
  const pick = await ui.showQuickPick(items, { title, placeHolder: 'Key variable' });
  if (!pick) return undefined;
  if (pick.label !== 'Another variable…') return pick.label;
  return ui.showInputBox({
    title: 'Variable name',
    prompt: 'The name written as api_key_env in the config, e.g. VLLM_API_KEY',
    validateInput: (v) => (VAR_RE.test(v) ? undefined : 'Letters, digits and _; not starting with a digit'),
  });
}

export function registerKeyCommands(s: Services): void {
  registerCommand(s, 'qed.setApiKey', 'Set API Key', async () =>
    setApiKeyCommand(s.keys, undefined, await workspaceKeyVariables(s.shippedRoot)),
  );
  registerCommand(s, 'qed.clearApiKey', 'Clear API Key', async () =>
    clearApiKeyCommand(s.keys, await workspaceKeyVariables(s.shippedRoot)),
  );
}
