import * as vscode from 'vscode';
import { describeError } from '../core/errors';
import type { Jobs } from './jobs';
import type { KeyStore } from './keys';
import { ui } from './prompts';

/** What the features share; built once in activate(). Each feature registers its own commands. */
export interface Services {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  keys: KeyStore;
  /** The extension's global state (remembered answers: hosts allowed to receive a key…). */
  state: vscode.Memento;
  jobs: Jobs;
  /** The configs shipped with the extension (`<extension>/configs`). */
  shippedRoot: string;
  /** Reloads the QED view now (after a feature wrote configs), without waiting for the watcher. */
  reloadView(): Promise<void>;
}

/**
 * Registers command `id`; an error it throws is logged and shown once ("QED: <first line>" with a
 * Show Log button), under `title`.
 */
export function registerCommand(s: Services, id: string, title: string, fn: (...args: never[]) => unknown): void {
  s.context.subscriptions.push(
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        await (fn as (...a: unknown[]) => unknown)(...args);
      } catch (e) {
        const message = describeError(e);
        s.log.error(`${title}: ${message}`);
        const choice = await ui.showErrorMessage(`QED: ${message.split('\n')[0]}`, 'Show Log');
        if (choice) s.log.show();
      }
    }),
  );
}

/**
 * Commands are called from the palette (no argument), the explorer (a Uri) and the QED view (a
 * tree node carrying `file`): all three come down to an optional Uri.
 */
export function asUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  const file = (arg as { file?: unknown } | undefined)?.file;
  return typeof file === 'string' ? vscode.Uri.file(file) : undefined;
}
