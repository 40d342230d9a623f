import * as vscode from 'vscode';
import { relative } from 'node:path';
import type { ModelConfig } from '../core/config/types';
import type { BoundClient } from '../core/llm';
import type { CostEstimate } from '../core/run/estimate';
import type { KeyStore } from './keys';
import { setApiKeyCommand } from './keys';
import { engine } from './lazy';

type ConfigPick = vscode.QuickPickItem & { file?: string };

/** A quick pick of the model configs (workspace first, then shipped), grouped by provider. */
export async function pickModelConfig(cwd: string, shippedRoot: string, title: string, placeHolder: string, preferred?: string, withAgents = false): Promise<string | undefined> {
  const { listConfigs } = (await engine()).config;
  const all = await listConfigs({ cwd, shippedRoot });
  const items: ConfigPick[] = [];
  let group = '';
  // Agent configs (when offered) come last, under their own heading.
  const offered = [...all.filter((x) => x.kind === 'model'), ...(withAgents ? all.filter((x) => x.kind === 'agent') : [])];
  for (const c of offered) {
    const g = c.kind === 'agent' ? 'agents (scaffolds)' : c.id.includes('/') ? c.id.slice(0, c.id.indexOf('/')) : '';
    if (g !== group) {
      items.push({ label: g || 'other', kind: vscode.QuickPickItemKind.Separator });
      group = g;
    }
    const errors = c.diagnostics.filter((d) => d.severity === 'error').length;
    items.push({
      label: c.id,
      file: c.file,
      description: c.kind === 'agent' ? `agent: ${c.model ?? c.name ?? ''}` : `${c.api ?? ''}: ${c.model ?? ''}`,
      detail: errors ? `$(warning) ${errors} error(s): fix the config first` : c.origin === 'shipped' ? 'shipped with QED Workbench' : undefined,
      picked: c.id === preferred,
    });
  }
  const preferredItem = items.find((i) => i.label === preferred);
  if (preferredItem) items.unshift({ label: 'default', kind: vscode.QuickPickItemKind.Separator }, { ...preferredItem, description: `${preferredItem.description} (default)` });
  const pick = await vscode.window.showQuickPick(items, { title, placeHolder, matchOnDescription: true });
  return pick?.file;
}

async function resultsItems(cwd: string): Promise<Array<{ label: string; file: string }>> {
  const files = await vscode.workspace.findFiles('**/*.jsonl', '{**/node_modules/**,**/.git/**}', 1000);
  const items = files
    .map((f) => ({ label: relative(cwd, f.fsPath), file: f.fsPath }))
    .sort((a, b) => Number(!a.label.startsWith('outputs')) - Number(!b.label.startsWith('outputs')) || a.label.localeCompare(b.label));
  if (!items.length) void vscode.window.showInformationMessage('QED: no .jsonl results file in this workspace yet. Run a benchmark first.');
  return items;
}

/** A quick pick of the JSONL files of the workspace (results first), and `extra` last when given. */
export async function pickResultsFile(cwd: string, title: string, extra?: { label: string; file: string }): Promise<string | undefined> {
  const items = await resultsItems(cwd);
  if (!items.length && !extra) return undefined;
  const pick = await vscode.window.showQuickPick(extra ? [...items, extra] : items, { title, placeHolder: 'Which results file?' });
  return pick?.file;
}

/** Two (or more) results files to compare, ticked in one quick pick. */
export async function pickResultsFiles(cwd: string, title: string): Promise<string[] | undefined> {
  const items = await resultsItems(cwd);
  if (!items.length) return undefined;
  if (items.length < 2) {
    void vscode.window.showInformationMessage('QED: comparing needs two results files; this workspace has one.');
    return undefined;
  }
  const picks = await vscode.window.showQuickPick(items, { title, placeHolder: 'Tick two runs (or more) of the same problems', canPickMany: true });
  if (!picks) return undefined;
  if (picks.length < 2) {
    void vscode.window.showWarningMessage('QED: tick at least two results files to compare.');
    return undefined;
  }
  return picks.map((p) => p.file);
}

/**
 * Everything before a config may call its API from the editor: a key (offering to set one), and —
 * when the key would go to a host that is not the provider's own — the user's consent for that
 * host, asked once and remembered. Returns the client, or undefined when the user declined.
 */
export async function clientFor(ctx: { keys: KeyStore; state: vscode.Memento }, cfg: ModelConfig): Promise<BoundClient | undefined> {
  if (!(await ensureKey(ctx.keys, cfg))) return undefined;
  const { foreignKeyHost } = (await engine()).config;
  const host = foreignKeyHost(cfg);
  if (host) {
    const allowed = ctx.state.get<string[]>(ALLOWED_HOSTS_KEY, []);
    if (!allowed.includes(host)) {
      const yes = `Send it to ${host}`;
      const choice = await vscode.window.showWarningMessage(
        `QED: ${cfg.id} sends your ${cfg.apiKeyEnv} key to ${host}, which is not ${cfg.api}'s own server. Send it there?`,
        { modal: true, detail: 'Only allow hosts you trust with this key (your gateway or proxy). The answer is remembered for this host.' },
        yes,
      );
      if (choice !== yes) return undefined;
      await ctx.state.update(ALLOWED_HOSTS_KEY, [...allowed, host]);
    }
  }
  const { createClient } = (await engine()).llm;
  const maxConcurrency = vscode.workspace.getConfiguration('qed').get<number>('maxConcurrency') || undefined;
  return createClient(cfg, { getKey: (v) => ctx.keys.get(v), maxConcurrency, keyHint: 'run "QED: Set API Key"' });
}

const ALLOWED_HOSTS_KEY = 'qed.keyHostsAllowed';

/** Makes sure a key is available for the config, offering to set one. False when the user gave up. */
export async function ensureKey(keys: KeyStore, cfg: ModelConfig): Promise<boolean> {
  if (await keys.get(cfg.apiKeyEnv)) return true;
  if (cfg.api === 'custom' && !cfg.apiKeyEnv) return true;
  const choice = await vscode.window.showWarningMessage(`QED: no key for ${cfg.apiKeyEnv}.`, 'Set API Key');
  return choice === 'Set API Key' && (await setApiKeyCommand(keys, cfg.apiKeyEnv));
}

/** Refuses (with a message) in Restricted Mode, where nothing may call an API or read a key. */
export function requireTrust(action: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window.showWarningMessage(`QED: this workspace is in Restricted Mode. Trust it to ${action}: nothing calls a model API or reads a key until then.`);
  return false;
}

/** The first workspace folder's path, or undefined (with a message) when no folder is open. */
export function workspaceRoot(): string | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) void vscode.window.showWarningMessage('QED: open a folder first; results are written inside it.');
  return folder?.uri.fsPath;
}

/**
 * Asks before a run whose estimated cost (`estimateRunCost` in core/run/estimate.ts, the same as
 * `qed run --max-cost`) is above `qed.confirmCostAbove` (USD; 0 = never ask).
 */
export async function confirmCost(estimate: (outputTokens: number) => CostEstimate, describe: (e: CostEstimate) => string): Promise<boolean> {
  const settings = vscode.workspace.getConfiguration('qed');
  const threshold = settings.get<number>('confirmCostAbove', 5);
  if (!(threshold > 0)) return true;
  const e = estimate(settings.get<number>('expectedOutputTokens', 0));
  if (e.usd <= threshold) return true;
  const go = 'Run';
  const choice = await vscode.window.showWarningMessage(
    `QED: this run may cost about $${e.usd.toFixed(2)}, above your limit of $${threshold.toFixed(2)}.`,
    {
      modal: true,
      detail: `${describe(e)}. The limit is the setting qed.confirmCostAbove.`,
    },
    go,
  );
  return choice === go;
}
