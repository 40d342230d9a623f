/**
 * Answers the quick picks, input boxes and messages a command shows, in place of a user, through
 * the API the extension's activate() returns (`prompts.use`): no `vscode.window` function is
 * patched. `restore()` gives the prompts back to VS Code.
 */
import * as vscode from 'vscode';
import type { QedApi } from '../../src/extension/api';
import type { PickManyOptions } from '../../src/extension/prompts';
import { EXTENSION_ID } from './helpers';

/** The extension's API (it must be activated: helpers' `activated()`). */
export function qedApi(): QedApi {
  const ext = vscode.extensions.getExtension<QedApi>(EXTENSION_ID);
  if (!ext?.isActive) throw new Error(`${EXTENSION_ID} is not active: await activated() first`);
  return ext.exports;
}

/**
 * How to answer a prompt whose title contains the key of the script:
 * - `{ pick: 'label' }` / `{ pick: ['a', 'b'] }`: the quick pick item(s) with that label;
 * - `{ input: 'text' }`: type that into the input box; `{ input: DEFAULT }` accepts the value shown.
 */
export const DEFAULT = Symbol('accept the default value');
export type Answer = { pick: string | string[] } | { input: string | typeof DEFAULT };

export interface Shown {
  kind: 'quickPick' | 'inputBox' | 'saveDialog';
  title: string;
  /** The labels offered (quick picks), separators left out. */
  labels: string[];
  /** The descriptions of those items, same order. */
  descriptions: Array<string | undefined>;
  /** The value the input box started with. */
  value?: string;
  /** What the stub answered (a label, labels, or text); undefined = dismissed. */
  answer?: string | string[];
}

export interface Message {
  level: 'info' | 'warning' | 'error';
  text: string;
  buttons: string[];
}

export class ScriptedUi {
  readonly shown: Shown[] = [];
  readonly messages: Message[] = [];
  private readonly installed: vscode.Disposable;
  /** The button to click in the next message whose text contains a key, when one does. */
  private buttons: Record<string, string> = {};

  /** Answers the extension's prompts: `script` maps a piece of a prompt's title to its answer. */
  constructor(private script: Record<string, Answer> = {}) {
    this.installed = qedApi().prompts.use({
      showQuickPick: ((items: unknown, options?: vscode.QuickPickOptions) => this.quickPick(items, options)) as never,
      pickMany: ((items: readonly vscode.QuickPickItem[], options: PickManyOptions) =>
        this.quickPick(items, { ...options, canPickMany: true })) as never,
      showInputBox: ((options?: vscode.InputBoxOptions) => this.inputBox(options)) as never,
      showInformationMessage: ((text: string, ...rest: unknown[]) => this.message('info', text, rest)) as never,
      showWarningMessage: ((text: string, ...rest: unknown[]) => this.message('warning', text, rest)) as never,
      showErrorMessage: ((text: string, ...rest: unknown[]) => this.message('error', text, rest)) as never,
      showSaveDialog: ((options?: vscode.SaveDialogOptions) => this.saveDialog(options)) as never,
    });
  }

  /** Where the next save dialog saves (undefined: dismissed). */
  saveTo: vscode.Uri | undefined;

  /** Clicks `button` in messages whose text contains `key` (other messages close without a click). */
  click(buttons: Record<string, string>): this {
    this.buttons = buttons;
    return this;
  }

  /** Replaces the answers (for the next command). */
  answer(script: Record<string, Answer>): this {
    this.script = script;
    return this;
  }

  /** Gives the prompts back to VS Code. */
  restore(): void {
    this.installed.dispose();
  }

  /** Prompts that had no answer in the script (each dismissed, as Escape would). */
  unanswered(): string[] {
    return this.shown
      .filter((s) => s.answer === undefined)
      .map((s) => `${s.kind} '${s.title}'${s.labels.length ? ` (offered: ${s.labels.join(', ')})` : ''}`);
  }

  messagesOf(level: Message['level']): string[] {
    return this.messages.filter((m) => m.level === level).map((m) => m.text);
  }

  private find(title: string): Answer | undefined {
    const key = Object.keys(this.script).find((k) => title.includes(k));
    return key === undefined ? undefined : this.script[key];
  }

  private async quickPick(itemsOrPromise: unknown, options?: vscode.QuickPickOptions): Promise<unknown> {
    const raw = (await (itemsOrPromise as Thenable<Array<string | vscode.QuickPickItem>>)) ?? [];
    const items = raw.filter((i) => typeof i === 'string' || i.kind !== vscode.QuickPickItemKind.Separator);
    const label = (i: string | vscode.QuickPickItem) => (typeof i === 'string' ? i : i.label);
    const title = options?.title ?? options?.placeHolder ?? '';
    const shown: Shown = {
      kind: 'quickPick',
      title,
      labels: items.map(label),
      descriptions: items.map((i) => (typeof i === 'string' ? undefined : i.description)),
    };
    this.shown.push(shown);
    const a = this.find(title);
    if (!a || !('pick' in a)) return undefined;
    const wanted = Array.isArray(a.pick) ? a.pick : [a.pick];
    const chosen = wanted.map((w) => items.find((i) => label(i) === w));
    if (chosen.some((c) => c === undefined)) return undefined; // not offered: dismissed (the test sees `answer` unset)
    shown.answer = Array.isArray(a.pick) ? wanted : wanted[0];
    return options?.canPickMany ? chosen : chosen[0];
  }

  private async inputBox(options?: vscode.InputBoxOptions): Promise<string | undefined> {
    const title = options?.title ?? options?.prompt ?? '';
    const shown: Shown = { kind: 'inputBox', title, labels: [], descriptions: [], value: options?.value };
    this.shown.push(shown);
    const a = this.find(title);
    if (!a || !('input' in a)) return undefined;
    const text = a.input === DEFAULT ? (options?.value ?? '') : a.input;
    // As the real box does: a value the validator rejects cannot be accepted.
    const invalid = await options?.validateInput?.(text);
    if (invalid)
      throw new Error(
        `input box '${title}': '${text}' is rejected: ${typeof invalid === 'string' ? invalid : invalid.message}`,
      );
    shown.answer = text;
    return text;
  }

  private async message(level: Message['level'], text: string, rest: unknown[]): Promise<string | undefined> {
    // Buttons are strings or MessageItems; a MessageOptions ({ modal, detail }) has no title.
    const buttons = rest
      .map((r) => (typeof r === 'string' ? r : (r as { title?: unknown } | undefined)?.title))
      .filter((b): b is string => typeof b === 'string');
    this.messages.push({ level, text, buttons });
    const key = Object.keys(this.buttons).find((k) => text.includes(k));
    const click = key === undefined ? undefined : this.buttons[key];
    // The notification is closed without a click unless the test asked for one it offers.
    return click !== undefined && buttons.includes(click) ? click : undefined;
  }

  private async saveDialog(options?: vscode.SaveDialogOptions): Promise<vscode.Uri | undefined> {
    this.shown.push({
      kind: 'saveDialog',
      title: options?.title ?? '',
      labels: [],
      descriptions: [],
      value: options?.defaultUri?.fsPath,
      answer: this.saveTo?.fsPath,
    });
    return this.saveTo;
  }
}

/** The answers to QED: Run Benchmark's five steps, in proof mode, every problem once. */
export function runBenchmarkAnswers(
  config: string,
  dataset: string,
  out: string,
  rows: number,
): Record<string, Answer> {
  return {
    '(1/5): model config': { pick: config },
    '(2/5): dataset': { pick: dataset },
    '(3/5): mode': { pick: 'Proof' },
    '(4/5): problems and runs': { pick: `All ${rows} problem${rows === 1 ? '' : 's'}` },
    '(5/5): results file': { input: out },
  };
}
