import * as vscode from 'vscode';
import { ui } from './prompts';
import { asUri, registerCommand, type Services } from './services';
import type { KeyStore } from './keys';
import { clientFor, pickModelConfig, requireTrust } from './picks';
import { engine } from './lazy';

/** QED: Test Model Config — one cheap call; shows latency, tokens, cost and the reply. */
export async function testConfigCommand(
  ctx: { keys: KeyStore; state: vscode.Memento; log: vscode.LogOutputChannel; shippedRoot: string },
  uri?: vscode.Uri,
): Promise<void> {
  if (!requireTrust('test a config')) return;
  const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd();
  const ref = uri?.fsPath ?? (await pickModelConfig(cwd, ctx.shippedRoot, 'Test Model Config', 'Which config?'));
  if (!ref) return;
  const {
    config: { loadConfig },
    probe: { probe, probeSettings },
    format: fmt,
  } = await engine();
  const cfg = await loadConfig(ref, { cwd, shippedRoot: ctx.shippedRoot });
  if (cfg.kind === 'agent') {
    void ui.showErrorMessage('QED: an agent config cannot be tested directly; test its model config.');
    return;
  }
  const client = await clientFor(ctx, probeSettings(cfg));
  if (!client) return;
  const r = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `QED: testing ${cfg.id}…`, cancellable: true },
    (_p, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      return probe(client, controller.signal);
    },
  );
  const reply = r.text.trim().replace(/\s+/g, ' ');
  const line = `${cfg.id} answered in ${r.time.toFixed(2)} s: ${r.usage.inputTokens} input + ${r.usage.outputTokens} output tokens, ${fmt.formatUsd(r.cost)}${r.finishReason === 'length' ? ' (cut off by the output budget)' : ''}. Reply: "${reply.length > 80 ? reply.slice(0, 80) + '…' : reply}"`;
  ctx.log.info(`test: ${line}`);
  void ui.showInformationMessage(`QED: ${line}`);
}

export function registerTestConfig(s: Services): void {
  registerCommand(s, 'qed.testConfig', 'Test Model Config', (arg?: unknown) => testConfigCommand(s, asUri(arg)));
}
