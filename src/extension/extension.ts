import * as vscode from 'vscode';
import { join } from 'node:path';
import type { QedApi } from './api';
import { KeyStore, registerKeyCommands } from './keys';
import { registerLaunchSlurm } from './launchSlurm';
import { registerRunBenchmark } from './runBenchmark';
import { registerGradeResults } from './gradeResults';
import { registerSummaries } from './showSummary';
import { registerTestConfig } from './testConfig';
import { registerConfigEditing } from './configEditing';
import { Jobs, registerJobCommands } from './jobs';
import { registerRegradeRow } from './regradeRow';
import { registerJsonlLens } from './jsonlLens';
import { QedView, registerQedView } from './qedView';
import { registerNewConfig } from './newConfig';
import { registerResultsPanels } from './resultsPanel';
import { registerTryDemo } from './tryDemo';
import { pickManyShown, usePrompts } from './prompts';
import type { Services } from './services';

/**
 * Entry point. Keeps activation light: the engine and the SDKs load when a command needs them.
 * Each feature registers its own commands; what is returned is the extension's API (api.ts).
 */
export function activate(context: vscode.ExtensionContext): QedApi {
  const log = vscode.window.createOutputChannel('QED', { log: true });
  const jobs = new Jobs();
  const shippedRoot = join(context.extensionPath, 'configs');
  const view = new QedView(shippedRoot, jobs);
  const s: Services = {
    context,
    log,
    keys: new KeyStore(context.secrets),
    state: context.globalState,
    jobs,
    shippedRoot,
    reloadView: () => view.reload(),
  };
  context.subscriptions.push(
    log,
    jobs,
    vscode.commands.registerCommand('qed.showLog', () => log.show()),
  );

  registerQedView(s, view);
  registerRunBenchmark(s);
  registerGradeResults(s);
  registerRegradeRow(s);
  registerTestConfig(s);
  registerNewConfig(s);
  registerKeyCommands(s);
  registerJobCommands(s);
  registerLaunchSlurm(s);
  const summaries = registerSummaries(s);
  const panels = registerResultsPanels(s);
  registerTryDemo(s, panels);
  registerConfigEditing(context, shippedRoot);
  registerJsonlLens(context);

  const testing = context.extensionMode === vscode.ExtensionMode.Test;
  return {
    version: 1,
    jobs: { list: () => jobs.list(), onDidChange: jobs.onDidChange },
    panels: {
      list: () => panels.list(),
      rendered: (files) =>
        testing
          ? panels.probe(files)
          : Promise.reject(new Error('QED: panels.rendered() answers only in the extension test mode')),
    },
    summaries: { list: () => summaries.list() },
    prompts: {
      use: (p) => {
        if (!testing) throw new Error('QED: prompts.use() works only in the extension test mode');
        return usePrompts(p);
      },
      pickManyShown: () => {
        if (!testing) throw new Error('QED: prompts.pickManyShown() works only in the extension test mode');
        return pickManyShown();
      },
    },
  };
}

export function deactivate(): void {
  /* nothing to release: runs end with their progress notification */
}
