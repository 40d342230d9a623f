import * as vscode from 'vscode';
import { ui } from './prompts';
import { relative } from 'node:path';
import type { ModelConfig } from '../core/config/types';
import type { BoundClient } from '../core/llm';
import type { CostEstimate } from '../core/run/estimate';
import type { KeyStore } from './keys';
import { setApiKeyCommand } from './keys';
import { engine } from './lazy';

type ConfigPick = vscode.QuickPickItem & { file?: string };

/** A quick pick of the model configs (workspace first, then shipped), grouped by provider. */
export async function pickModelConfig(
  cwd: string,
  shippedRoot: string,
  title: string,
  placeHolder: string,
  preferred?: string,
  withAgents = false,
): Promise<string | undefined> {
  const { listConfigs } = (await engine()).config;
  const all = await listConfigs({ cwd, shippedRoot });
  const items: ConfigPick[] = [];
  let group = '';
  // Agent configs (when offered) come last, under their own heading.
  const offered = [
    ...all.filter((x) => x.kind === 'model'),
    ...(withAgents ? all.filter((x) => x.kind === 'agent') : []),
  ];
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
      detail: errors
        ? `$(warning) ${errors} error(s): fix the config first`
        : c.origin === 'shipped'
          ? 'shipped with QED Workbench'
          : undefined,
      picked: c.id === preferred,
    });
  }
  const preferredItem = items.find((i) => i.label === preferred);
  if (preferredItem)
    items.unshift(
      { label: 'default', kind: vscode.QuickPickItemKind.Separator },
      { ...preferredItem, description: `${preferredItem.description} (default)` },
    );
  const pick = await ui.showQuickPick(items, { title, placeHolder, matchOnDescription: true });
  return pick?.file;
}

async function resultsItems(cwd: string): Promise<Array<{ label: string; file: string }>> {
  const files = await vscode.workspace.findFiles('**/*.jsonl', '{**/node_modules/**,**/.git/**}', 1000);
  const items = files
    .map((f) => ({ label: relative(cwd, f.fsPath), file: f.fsPath }))
    .sort(
      (a, b) =>
        Number(!a.label.startsWith('outputs')) - Number(!b.label.startsWith('outputs')) ||
        a.label.localeCompare(b.label),
    );
  if (!items.length)
    void ui.showInformationMessage('QED: no .jsonl results file in this workspace yet. Run a benchmark first.');
  return items;
}

/** A quick pick of the JSONL files of the workspace (results first), and `extra` last when given. */
export async function pickResultsFile(
  cwd: string,
  title: string,
  extra?: { label: string; file: string },
): Promise<string | undefined> {
  const items = await resultsItems(cwd);
  if (!items.length && !extra) return undefined;
  const pick = await ui.showQuickPick(extra ? [...items, extra] : items, { title, placeHolder: 'Which results file?' });
  return pick?.file;
}

/**
 * Two results files to compare, one single-choice pick after the other: Enter takes the highlighted
 * file in each (in a multi-select pick, Enter on a ticked row un-ticks it instead of accepting).
 */
export async function pickResultsFiles(cwd: string, title: string): Promise<string[] | undefined> {
  const items = await resultsItems(cwd);
  if (!items.length) return undefined;
  if (items.length < 2) {
    void ui.showInformationMessage('QED: comparing needs two results files; this workspace has one.');
    return undefined;
  }
  const first = await ui.showQuickPick(items, {
    title: `${title} (1/2): first run`,
    placeHolder: 'Which results file?',
    // Two steps in a row: the pick stays open when a viewer panel takes the focus meanwhile.
    ignoreFocusOut: true,
  });
  if (!first) return undefined;
  const second = await ui.showQuickPick(
    items.filter((i) => i !== first),
    {
      title: `${title} (2/2): compare ${first.label} with`,
      placeHolder: 'A run of the same problems',
      ignoreFocusOut: true,
    },
  );
  return second ? [first.file, second.file] : undefined;
}

/**
 * Everything before a config may call its API from the editor: a key (offering to set one), and —
 * when the key would go to a host that is not the provider's own — the user's consent for that
 * host, asked once and remembered. Returns the client, or undefined when the user declined.
 */
export async function clientFor(
  ctx: { keys: KeyStore; state: vscode.Memento },
  cfg: ModelConfig,
): Promise<BoundClient | undefined> {
  if (!(await ensureKey(ctx.keys, cfg))) return undefined;
  const { foreignKeyHost } = (await engine()).config;
  const host = foreignKeyHost(cfg);
  if (host) {
    const allowed = ctx.state.get<string[]>(ALLOWED_HOSTS_KEY, []);
    if (!allowed.includes(host)) {
      const yes = `Send it to ${host}`;
      const choice = await ui.showWarningMessage(
        `QED: ${cfg.id} sends your ${cfg.apiKeyEnv} key to ${host}, which is not ${cfg.api}'s own server. Send it there?`,
        {
          modal: true,
          detail:
            'Only allow hosts you trust with this key (your gateway or proxy). The answer is remembered for this host.',
        },
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
  const choice = await ui.showWarningMessage(`QED: no key for ${cfg.apiKeyEnv}.`, 'Set API Key');
  return choice === 'Set API Key' && (await setApiKeyCommand(keys, cfg.apiKeyEnv));
}

/**
 * Refuses in Restricted Mode, where nothing may call an API or read a key: a short message (long
 * ones are cut in a notification) with a button to VS Code's workspace trust editor.
 */
export function requireTrust(action: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  const manage = 'Manage Workspace Trust';
  void Promise.resolve(ui.showWarningMessage(`QED: Restricted Mode. Trust this folder to ${action}.`, manage)).then(
    (choice) => {
      if (choice === manage) void vscode.commands.executeCommand('workbench.trust.manage');
    },
  );
  return false;
}

/** The first workspace folder's path, or undefined (with a message) when no folder is open. */
export function workspaceRoot(): string | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) void ui.showWarningMessage('QED: open a folder first; results are written inside it.');
  return folder?.uri.fsPath;
}

/**
 * Asks before a run whose estimated cost (`estimateRunCost` in core/run/estimate.ts, the same as
 * `qed run --max-cost`) is above `qed.confirmCostAbove` (USD; 0 = never ask).
 */
export async function confirmCost(
  estimate: (outputTokens: number) => CostEstimate,
  describe: (e: CostEstimate) => string,
): Promise<boolean> {
  const settings = vscode.workspace.getConfiguration('qed');
  const threshold = settings.get<number>('confirmCostAbove', 5);
  if (!(threshold > 0)) return true;
  const e = estimate(settings.get<number>('expectedOutputTokens', 0));
  if (e.usd <= threshold) return true;
  const go = 'Run';
  const choice = await ui.showWarningMessage(
    `QED: this run may cost about $${e.usd.toFixed(2)}, above your limit of $${threshold.toFixed(2)}.`,
    {
      modal: true,
      detail: `${describe(e)}. The limit is the setting qed.confirmCostAbove.`,
    },
    go,
  );
  return choice === go;
}
