/**
 * Answers the quick picks, input boxes and messages a command shows, in place of a user: the
 * `vscode.window` functions are swapped for scripted ones (the extension and these tests share one
 * `vscode` API object in the extension host) and put back by `restore()`.
 */
import * as vscode from 'vscode';

/**
 * How to answer a prompt whose title contains the key of the script:
 * - `{ pick: 'label' }` / `{ pick: ['a', 'b'] }`: the quick pick item(s) with that label;
 * - `{ input: 'text' }`: type that into the input box; `{ input: DEFAULT }` accepts the value shown.
 */
export const DEFAULT = Symbol('accept the default value');
export type Answer = { pick: string | string[] } | { input: string | typeof DEFAULT };

export interface Shown {
  kind: 'quickPick' | 'inputBox';
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

const STUBBED = ['showQuickPick', 'showInputBox', 'showInformationMessage', 'showWarningMessage', 'showErrorMessage'] as const;

export class ScriptedUi {
  readonly shown: Shown[] = [];
  readonly messages: Message[] = [];
  private readonly saved = new Map<string, unknown>();

  /** Installs the stubs: `script` maps a piece of a prompt's title to its answer. */
  constructor(private script: Record<string, Answer> = {}) {
    const w = vscode.window as unknown as Record<string, unknown>;
    for (const name of STUBBED) this.saved.set(name, w[name]);
    w.showQuickPick = (items: unknown, options?: vscode.QuickPickOptions) => this.quickPick(items, options);
    w.showInputBox = (options?: vscode.InputBoxOptions) => this.inputBox(options);
    w.showInformationMessage = (text: string, ...rest: unknown[]) => this.message('info', text, rest);
    w.showWarningMessage = (text: string, ...rest: unknown[]) => this.message('warning', text, rest);
    w.showErrorMessage = (text: string, ...rest: unknown[]) => this.message('error', text, rest);
  }

  /** Replaces the answers (for the next command). */
  answer(script: Record<string, Answer>): this {
    this.script = script;
    return this;
  }

  /** Puts the real `vscode.window` functions back. */
  restore(): void {
    const w = vscode.window as unknown as Record<string, unknown>;
    for (const [name, fn] of this.saved) w[name] = fn;
    this.saved.clear();
  }

  /** Prompts that had no answer in the script (each dismissed, as Escape would). */
  unanswered(): string[] {
    return this.shown.filter((s) => s.answer === undefined).map((s) => `${s.kind} '${s.title}'${s.labels.length ? ` (offered: ${s.labels.join(', ')})` : ''}`);
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
    const shown: Shown = { kind: 'quickPick', title, labels: items.map(label), descriptions: items.map((i) => (typeof i === 'string' ? undefined : i.description)) };
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
    if (invalid) throw new Error(`input box '${title}': '${text}' is rejected: ${typeof invalid === 'string' ? invalid : invalid.message}`);
    shown.answer = text;
    return text;
  }

  private async message(level: Message['level'], text: string, rest: unknown[]): Promise<undefined> {
    // Buttons are strings or MessageItems; a MessageOptions ({ modal, detail }) has no title.
    const buttons = rest.map((r) => (typeof r === 'string' ? r : (r as { title?: unknown } | undefined)?.title)).filter((b): b is string => typeof b === 'string');
    this.messages.push({ level, text, buttons });
    return undefined; // the notification is closed without a click
  }
}

/** The answers to QED: Run Benchmark's four steps, in proof mode with one run per problem. */
export function runBenchmarkAnswers(config: string, dataset: string, out: string): Record<string, Answer> {
  return {
    '(1/4): model config': { pick: config },
    '(2/4): dataset': { pick: dataset },
    '(3/4): mode': { pick: 'Proof' },
    '(3/4): runs per problem': { input: DEFAULT },
    '(4/4): results file': { input: out },
  };
}
