import * as vscode from 'vscode';

/**
 * Every question the extension asks and every message it shows goes through `ui` rather than
 * `vscode.window` directly: the same functions, with the same types, but the extension-host tests
 * answer them through the API `activate()` returns (`prompts.use`) instead of patching
 * `vscode.window`. The lint rule in eslint.config.mjs keeps other files from calling the
 * `vscode.window` functions themselves.
 */
export type Prompts = Pick<
  typeof vscode.window,
  | 'showQuickPick'
  | 'showInputBox'
  | 'showInformationMessage'
  | 'showWarningMessage'
  | 'showErrorMessage'
  | 'showSaveDialog'
> & {
  /**
   * A multi-select pick that Enter accepts: the ticked items, else the highlighted one (VS Code's
   * own multi-select pick returns nothing on Enter with nothing ticked). Fewer than `min` keeps the
   * pick open with a hint. Undefined when dismissed.
   */
  pickMany<T extends vscode.QuickPickItem>(items: readonly T[], options: PickManyOptions): Thenable<T[] | undefined>;
};

export interface PickManyOptions {
  title: string;
  placeHolder: string;
  /** Items to accept at least (default 1). */
  min?: number;
}

const native: Prompts = {
  showQuickPick: vscode.window.showQuickPick,
  showInputBox: vscode.window.showInputBox,
  showInformationMessage: vscode.window.showInformationMessage,
  showWarningMessage: vscode.window.showWarningMessage,
  showErrorMessage: vscode.window.showErrorMessage,
  showSaveDialog: vscode.window.showSaveDialog,
  pickMany: nativePickMany,
};

let current: Prompts = native;

type Any = (...args: unknown[]) => unknown;
const forward =
  <K extends keyof Prompts>(name: K) =>
  (...args: unknown[]) =>
    (current[name] as unknown as Any)(...args);

/** What features call: forwards to VS Code, or to what a test installed. */
export const ui: Prompts = {
  showQuickPick: forward('showQuickPick') as Prompts['showQuickPick'],
  showInputBox: forward('showInputBox') as Prompts['showInputBox'],
  showInformationMessage: forward('showInformationMessage') as Prompts['showInformationMessage'],
  showWarningMessage: forward('showWarningMessage') as Prompts['showWarningMessage'],
  showErrorMessage: forward('showErrorMessage') as Prompts['showErrorMessage'],
  showSaveDialog: forward('showSaveDialog') as Prompts['showSaveDialog'],
  pickMany: forward('pickMany') as Prompts['pickMany'],
};

/** Answers the prompts with `p` (the functions it has; VS Code's for the rest) until disposed. */
export function usePrompts(p: Partial<Prompts>): vscode.Disposable {
  const before = current;
  current = { ...native, ...p };
  return new vscode.Disposable(() => {
    current = before;
  });
}

/** What a multi-select pick on screen shows (for the extension tests: `prompts.pickManyShown`). */
export interface PickManyState {
  title: string;
  labels: string[];
  /** The ticked items' labels. */
  ticked: string[];
  /** The highlighted item's label (what Enter takes when nothing is ticked). */
  highlighted: string[];
}

/** The multi-select pick on screen, if any (one at a time, as VS Code shows one quick input). */
let shownPick: vscode.QuickPick<vscode.QuickPickItem> | undefined;

/** The state of the multi-select pick on screen (`pickMany`), or undefined when none is. */
export function pickManyShown(): PickManyState | undefined {
  const qp = shownPick;
  if (!qp) return undefined;
  const labels = (xs: readonly vscode.QuickPickItem[]) => xs.map((i) => i.label);
  return {
    title: qp.title ?? '',
    labels: labels(qp.items),
    ticked: labels(qp.selectedItems),
    highlighted: labels(qp.activeItems),
  };
}

function nativePickMany<T extends vscode.QuickPickItem>(
  items: readonly T[],
  options: PickManyOptions,
): Thenable<T[] | undefined> {
  const min = options.min ?? 1;
  const qp = vscode.window.createQuickPick<T>();
  qp.title = options.title;
  qp.placeholder = options.placeHolder;
  qp.canSelectMany = true;
  qp.matchOnDescription = true;
  qp.items = items;
  // A multi-select pick highlights nothing by itself: highlight the first item, then the first one
  // matching what is typed, so that Enter has something to take.
  const highlight = () => {
    const v = qp.value.trim().toLowerCase();
    const first = v
      ? (items.find((i) => i.label.toLowerCase().includes(v)) ??
        items.find((i) => isSubsequence(v, i.label.toLowerCase())))
      : items[0];
    if (first) qp.activeItems = [first];
  };
  qp.onDidChangeValue(highlight);
  highlight();
  // A click on a row's checkbox leaves the keyboard focus on that checkbox, where VS Code's Enter
  // un-ticks it (and accepts nothing): after each tick the focus goes back to the filter box, so
  // that Enter accepts.
  qp.onDidChangeSelection(() => void vscode.commands.executeCommand('workbench.action.focusQuickOpen'));
  return new Promise((resolve) => {
    let done = false;
    const finish = (v: T[] | undefined) => {
      if (done) return;
      done = true;
      if (shownPick === qp) shownPick = undefined;
      resolve(v);
      qp.dispose();
    };
    qp.onDidAccept(() => {
      // Enter with nothing ticked takes the highlighted item; with fewer ticked than needed, the
      // highlighted one joins them.
      const chosen = [...qp.selectedItems];
      if (chosen.length < min) for (const a of qp.activeItems) if (!chosen.includes(a)) chosen.push(a);
      if (chosen.length >= min) return finish(chosen);
      qp.title = `${options.title}: tick at least ${min}, then Enter (${chosen.length} ticked)`;
    });
    qp.onDidHide(() => finish(undefined));
    shownPick = qp as unknown as vscode.QuickPick<vscode.QuickPickItem>;
    qp.show();
  });
}

/** `needle`'s characters appear in `hay` in order (a loose form of the pick's own filter). */
function isSubsequence(needle: string, hay: string): boolean {
  let k = 0;
  for (const c of hay) if (c === needle[k]) k++;
  return k === needle.length;
}
