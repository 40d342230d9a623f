import * as vscode from 'vscode';
import { join } from 'node:path';
import { KeyStore, clearApiKeyCommand, setApiKeyCommand } from './keys';
import { runBenchmarkCommand } from './runBenchmark';
import { gradeResultsCommand } from './gradeResults';
import { showSummaryCommand } from './showSummary';
import { testConfigCommand } from './testConfig';
import { registerConfigEditing } from './configEditing';
import { Jobs } from './jobs';

/** Entry point. Keeps activation light: the engine and the SDKs load when a command needs them. */
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('QED', { log: true });
  const keys = new KeyStore(context.secrets);
  const shippedRoot = join(context.extensionPath, 'configs');
  const jobs = new Jobs();

  const guard =
    <A extends unknown[]>(name: string, fn: (...args: A) => Promise<unknown>) =>
    async (...args: A) => {
      try {
        await fn(...args);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        log.error(`${name}: ${message}`);
        const choice = await vscode.window.showErrorMessage(`QED: ${message.split('\n')[0]}`, 'Show Log');
        if (choice) log.show();
      }
    };

  context.subscriptions.push(
    log,
    vscode.commands.registerCommand(
      'qed.runBenchmark',
      guard('Run Benchmark', (uri?: vscode.Uri) => runBenchmarkCommand({ keys, jobs, log, shippedRoot }, uri?.fsPath?.match(/\.ya?ml$/) ? { configFile: uri.fsPath } : undefined)),
    ),
    vscode.commands.registerCommand('qed.gradeResults', guard('Grade Results', (uri?: vscode.Uri) => gradeResultsCommand({ keys, jobs, log, shippedRoot }, uri instanceof vscode.Uri ? uri : undefined))),
    vscode.commands.registerCommand(
      'qed.showSummary',
      guard('Show Summary', (uri?: vscode.Uri, uris?: vscode.Uri[]) => showSummaryCommand(log, uri instanceof vscode.Uri ? uri : undefined, Array.isArray(uris) ? uris : undefined)),
    ),
    vscode.commands.registerCommand('qed.testConfig', guard('Test Model Config', (uri?: vscode.Uri) => testConfigCommand({ keys, log, shippedRoot }, uri instanceof vscode.Uri ? uri : undefined))),
    vscode.commands.registerCommand('qed.setApiKey', guard('Set API Key', () => setApiKeyCommand(keys))),
    vscode.commands.registerCommand('qed.clearApiKey', guard('Clear API Key', () => clearApiKeyCommand(keys))),
    vscode.commands.registerCommand('qed.showLog', () => log.show()),
    vscode.commands.registerCommand('qed.cancelJob', () => jobs.cancelCommand()),
    jobs,
  );
  registerConfigEditing(context, shippedRoot);
}

export function deactivate(): void {
  /* nothing to release: runs end with their progress notification */
}
