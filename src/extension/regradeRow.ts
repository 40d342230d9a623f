import * as vscode from 'vscode';
import { ui } from './prompts';
import { asUri, registerCommand, type Services } from './services';
import { basename, dirname } from 'node:path';
import type { GradeMode, Grader } from '../core/grade/eval';
import type { KeyStore } from './keys';
import { engine } from './lazy';
import { clientFor, pickModelConfig, requireTrust, workspaceRoot } from './picks';

export interface RegradeContext {
  keys: KeyStore;
  state: vscode.Memento;
  log: vscode.LogOutputChannel;
  shippedRoot: string;
}

/**
 * The grader for regrading `row` in VS Code: as the row was graded (its qed_grade stamp) unless
 * the user picks another grader (or the viewer another `mode`), in which case a modal says the
 * row will no longer match the rest of the file. Undefined when the user gave up.
 */
export async function pickRowGrader(
  ctx: RegradeContext,
  row: Record<string, unknown>,
  file: string,
  mode?: GradeMode,
): Promise<Grader | undefined> {
  const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? dirname(file);
  const e = await engine();
  const id = String(row.problem_id ?? row.question_id ?? 'row');
  const recorded = e.regrade.recordedGrading(row);
  let ref: string | undefined;
  if (recorded) {
    const asGraded = {
      label: '$(check) As the row was graded',
      description: `${recorded.config}, ${recorded.mode} grading`,
      detail: 'Same grader, prompt and mode as the rest of the file',
    };
    const other = {
      label: '$(list-selection) Another grader…',
      description: 'the row will no longer match the rest of the file',
    };
    const choice = await ui.showQuickPick([asGraded, other], { title: `Regrade ${id}`, placeHolder: 'Which grading?' });
    if (!choice) return undefined;
    if (choice === other) {
      ref = await pickModelConfig(
        cwd,
        ctx.shippedRoot,
        `Regrade ${id}: grader`,
        'Which model grades this row?',
        recorded.config,
      );
      if (!ref) return undefined;
    }
  } else {
    ref = await pickModelConfig(
      cwd,
      ctx.shippedRoot,
      `Regrade ${id}: grader`,
      'Which model grades this row?',
      vscode.workspace.getConfiguration('qed').get<string>('defaultGrader') || undefined,
    );
    if (!ref) return undefined;
  }
  const picked = await e.regrade.graderForRow(
    row,
    { ref, mode },
    { cwd, shippedRoot: ctx.shippedRoot, client: (cfg) => clientFor(ctx, cfg) },
  );
  if (!picked) return undefined;
  if (picked.differences.length) {
    const go = await ui.showWarningMessage(
      `QED: ${e.regrade.mismatchWarning(picked.differences)}.`,
      { modal: true },
      'Regrade Anyway',
    );
    if (go !== 'Regrade Anyway') return undefined;
  }
  ctx.log.info(
    `regrade: ${id} of ${basename(file)} with ${picked.grader.identity.config} (${picked.grader.mode})${picked.differences.length ? `, unlike the rest of the file: ${picked.differences.join('; ')}` : ''}`,
  );
  return picked.grader;
}

/**
 * Regrades row `index` (0-based) of a results file (core regradeRow: only that line changes,
 * atomically, under the file's lock). Returns the result, or undefined when the user cancelled.
 */
export async function regradeInEditor(ctx: RegradeContext, file: string, index: number, signal?: AbortSignal) {
  if (!requireTrust('regrade rows')) return undefined;
  if (!workspaceRoot()) return undefined;
  const e = await engine();
  let before: unknown;
  let id = `row ${index + 1}`;
  const result = await e.regrade.regradeRow(
    file,
    index,
    (row) => {
      before = row.score;
      id = String(row.problem_id ?? row.question_id ?? id);
      return pickRowGrader(ctx, row, file);
    },
    { signal },
  );
  if (!result) return undefined;
  ctx.log.info(
    `regrade: ${basename(file)} row ${index + 1} (${id}) with ${result.grader.identity.config}: score ${String(before)} → ${String(result.row.score)}, $${result.cost.cost.toFixed(4)}`,
  );
  return { ...result, id, before, grader: result.grader.identity.config };
}

/** QED: Regrade Row — from a CodeLens on a results file, or the palette (asks which row). */
export async function regradeRowCommand(ctx: RegradeContext, uri?: vscode.Uri, index?: number): Promise<void> {
  const file = uri?.fsPath ?? vscode.window.activeTextEditor?.document.uri.fsPath;
  if (!file || !file.endsWith('.jsonl')) {
    void ui.showInformationMessage('QED: open a results file (.jsonl) first, or use the Regrade lens above a row.');
    return;
  }
  let row = index;
  if (row === undefined) {
    const line = vscode.window.activeTextEditor?.selection.active.line;
    const text = await ui.showInputBox({
      title: 'Regrade Row: which row?',
      value: line !== undefined ? String(line + 1) : '1',
      validateInput: (v) => (/^[1-9]\d*$/.test(v) ? undefined : 'A row number, from 1'),
    });
    if (!text) return;
    row = Number(text) - 1;
  }
  const r = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `QED: regrading row ${row + 1}`, cancellable: true },
    (_p, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => controller.abort());
      return regradeInEditor(ctx, file, row!, controller.signal);
    },
  );
  if (!r) return;
  const unread = r.flag === 'parse_failure' ? ` — the reply could not be read: ${String(r.row.grade_error)}` : '';
  void ui.showInformationMessage(
    `QED: ${r.id} regraded by ${r.grader}: ${String(r.before ?? '—')} → ${String(r.row.score ?? 'no score')}, $${r.cost.cost.toFixed(4)}${unread}.`,
  );
}

export function registerRegradeRow(s: Services): void {
  registerCommand(s, 'qed.regradeRow', 'Regrade Row', (arg?: unknown, index?: unknown) =>
    regradeRowCommand(s, asUri(arg), typeof index === 'number' ? index : undefined),
  );
}
