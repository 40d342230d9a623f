import * as vscode from 'vscode';
import { join } from 'node:path';
import { KeyStore, clearApiKeyCommand, setApiKeyCommand, workspaceKeyVariables } from './keys';
import { launchSlurmCommand } from './launchSlurm';
import { runBenchmarkCommand } from './runBenchmark';
import { gradeResultsCommand } from './gradeResults';
import { showSummaryCommand } from './showSummary';
import { testConfigCommand } from './testConfig';
import { registerConfigEditing } from './configEditing';
import { Jobs } from './jobs';
import { regradeRowCommand } from './regradeRow';
import { registerJsonlLens } from './jsonlLens';
import { QedView, initWorkspaceCommand } from './qedView';
import { newConfigCommand } from './newConfig';
import { RESULTS_VIEW_TYPE, ResultsPanels } from './resultsPanel';
import { describeError } from '../core/errors';

/** Entry point. Keeps activation light: the engine and the SDKs load when a command needs them. */
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('QED', { log: true });
  const keys = new KeyStore(context.secrets);
  const shippedRoot = join(context.extensionPath, 'configs');
  const jobs = new Jobs();
  const view = new QedView(shippedRoot, jobs);
  const results = new ResultsPanels({ extensionUri: context.extensionUri, keys, state: context.globalState, log, shippedRoot });

  const guard =
    <A extends unknown[]>(name: string, fn: (...args: A) => Promise<unknown>) =>
    async (...args: A) => {
      try {
        await fn(...args);
      } catch (e) {
        const message = describeError(e);
        log.error(`${name}: ${message}`);
        const choice = await vscode.window.showErrorMessage(`QED: ${message.split('\n')[0]}`, 'Show Log');
        if (choice) log.show();
      }
    };

  context.subscriptions.push(
    log,
    vscode.commands.registerCommand(
      'qed.runBenchmark',
      guard('Run Benchmark', (arg?: unknown) => {
        const file = asUri(arg)?.fsPath;
        return runBenchmarkCommand({ keys, state: context.globalState, jobs, log, shippedRoot }, file && /\.(ya?ml|json)$/i.test(file) ? { configFile: file } : undefined);
      }),
    ),
    vscode.commands.registerCommand('qed.gradeResults', guard('Grade Results', (arg?: unknown) => gradeResultsCommand({ keys, state: context.globalState, jobs, log, shippedRoot }, asUri(arg)))),
    vscode.commands.registerCommand(
      'qed.showSummary',
      guard('Show Summary', (arg?: unknown, uris?: vscode.Uri[]) => showSummaryCommand(log, asUri(arg), Array.isArray(uris) ? uris : undefined)),
    ),
    vscode.commands.registerCommand('qed.testConfig', guard('Test Model Config', (arg?: unknown) => testConfigCommand({ keys, state: context.globalState, log, shippedRoot }, asUri(arg)))),
    vscode.commands.registerCommand('qed.setApiKey', guard('Set API Key', async () => setApiKeyCommand(keys, undefined, await workspaceKeyVariables(shippedRoot)))),
    vscode.commands.registerCommand('qed.clearApiKey', guard('Clear API Key', async () => clearApiKeyCommand(keys, await workspaceKeyVariables(shippedRoot)))),
    vscode.commands.registerCommand(
      'qed.regradeRow',
      guard('Regrade Row', (arg?: unknown, index?: unknown) => regradeRowCommand({ keys, state: context.globalState, log, shippedRoot }, asUri(arg), typeof index === 'number' ? index : undefined)),
    ),
    vscode.commands.registerCommand('qed.showLog', () => log.show()),
    vscode.commands.registerCommand('qed.cancelJob', (arg?: { job?: import('./jobs').JobInfo }) => jobs.cancelCommand(arg)),
    vscode.commands.registerCommand('qed.initWorkspace', guard('Create Example Configs', () => initWorkspaceCommand(shippedRoot, () => view.reload()))),
    vscode.commands.registerCommand('qed.refreshView', () => view.reload()),
    vscode.commands.registerCommand('qed.launchSlurm', guard('Launch on SLURM', () => launchSlurmCommand({ state: context.globalState, log, shippedRoot }))),
    vscode.commands.registerCommand('qed.openResults', guard('Open Results', (arg?: unknown, opts?: { row?: number }) => results.open(asUri(arg), typeof opts?.row === 'number' ? { row: opts.row } : {}))),
    vscode.commands.registerCommand(
      'qed.compareResults',
      guard('Compare Results', (arg?: unknown, all?: unknown) => results.compare(asUri(arg), Array.isArray(all) ? all.map(asUri).filter((u): u is vscode.Uri => !!u) : undefined)),
    ),
    vscode.commands.registerCommand('qed.newConfig', guard('New Model Config', () => newConfigCommand(shippedRoot, () => view.reload()))),
    vscode.window.registerWebviewPanelSerializer(RESULTS_VIEW_TYPE, results),
    results,
    view,
    vscode.window.registerTreeDataProvider('qed.explorer', view),
    jobs,
  );
  registerConfigEditing(context, shippedRoot);
  registerJsonlLens(context);
}

/**
 * Commands are called from the palette (no argument), the explorer (a Uri) and the QED view (a
 * tree node carrying `file`): all three come down to an optional Uri.
 */
function asUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  const file = (arg as { file?: unknown } | undefined)?.file;
  return typeof file === 'string' ? vscode.Uri.file(file) : undefined;
}

export function deactivate(): void {
  /* nothing to release: runs end with their progress notification */
}
