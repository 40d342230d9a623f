import * as vscode from 'vscode';

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

/** Asks which variable, then the key (masked); stores it in SecretStorage. */
export async function setApiKeyCommand(keys: KeyStore, preset?: string): Promise<boolean> {
  const variable = preset ?? (await pickVariable(keys, 'Store a key for…'));
  if (!variable) return false;
  const value = await vscode.window.showInputBox({
    title: `API key for ${variable}`,
    prompt: 'Kept in VS Code\'s secret storage; never written to a file or a log.',
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() ? undefined : 'Enter a key, or press Escape to cancel'),
  });
  if (!value) return false;
  await keys.set(variable, value.trim());
  void vscode.window.showInformationMessage(`QED: key for ${variable} stored.`);
  return true;
}

export async function clearApiKeyCommand(keys: KeyStore): Promise<void> {
  const variable = await pickVariable(keys, 'Remove the stored key of…', true);
  if (!variable) return;
  await keys.clear(variable);
  void vscode.window.showInformationMessage(`QED: stored key for ${variable} removed.`);
}

async function pickVariable(keys: KeyStore, title: string, storedOnly = false): Promise<string | undefined> {
  const items: vscode.QuickPickItem[] = [];
  for (const v of KNOWN_KEY_VARIABLES) {
    const where = await keys.has(v);
    if (storedOnly && where !== 'secret') continue;
    items.push({ label: v, description: where === 'secret' ? 'stored' : where === 'env' ? 'from the environment' : '' });
  }
  if (!storedOnly) items.push({ label: 'Another variable…', description: 'the api_key_env of a custom config' });
  if (!items.length) {
    void vscode.window.showInformationMessage('QED: no key is stored.');
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(items, { title, placeHolder: 'Key variable' });
  if (!pick) return undefined;
  if (pick.label !== 'Another variable…') return pick.label;
  return vscode.window.showInputBox({
    title: 'Variable name',
    prompt: 'The name written as api_key_env in the config, e.g. VLLM_API_KEY',
    validateInput: (v) => (VAR_RE.test(v) ? undefined : 'Letters, digits and _; not starting with a digit'),
  });
}
