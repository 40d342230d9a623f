import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { KeyStore } from './keys';
import { engine } from './lazy';
import { clientFor, pickModelConfig, requireTrust, workspaceRoot } from './picks';

export interface RegradeContext {
  keys: KeyStore;
  state: vscode.Memento;
  log: vscode.LogOutputChannel;
  shippedRoot: string;
}

/** The grading mode a results row was made for. */
export function modeOfRow(row: Record<string, unknown>): 'proof' | 'proofbench' | 'final-answer' {
  const schema = row.schema_0 as Array<{ title?: string }> | undefined;
  if (schema?.[0]?.title === 'Answer Correctness' || row.judge_method !== undefined) return 'final-answer';
  if ('grading_scheme' in row && !('grading_guidelines' in row)) return 'proofbench';
  return 'proof';
}

/**
 * Regrades row `index` (0-based) of a results file with a grader the user picks: only that line
 * changes, atomically, and nothing is written if the file changed meanwhile. Returns the result,
 * or undefined when the user cancelled.
 */
export async function regradeInEditor(ctx: RegradeContext, file: string, index: number, signal?: AbortSignal) {
  if (!requireTrust('regrade rows')) return undefined;
  const cwd = workspaceRoot();
  if (!cwd) return undefined;
  const e = await engine();
  const rows = (await e.data.readJsonlRows(file)).rows;
  const row = rows[index]?.row;
  if (!row) throw new Error(`${basename(file)} has no row ${index + 1}`);
  const id = String(row.problem_id ?? row.question_id ?? `row ${index + 1}`);
  const ref = await pickModelConfig(cwd, ctx.shippedRoot, `Regrade ${id}: grader`, 'Which model grades this row?', vscode.workspace.getConfiguration('qed').get<string>('defaultGrader') || undefined);
  if (!ref) return undefined;
  const cfg = await e.config.loadConfig(ref, { cwd, shippedRoot: ctx.shippedRoot });
  if (cfg.kind === 'agent') throw new Error('an agent cannot grade; pick a model config');
  const client = await clientFor(ctx, cfg);
  if (!client) return undefined;
  const mode = modeOfRow(row);
  const { prompts, source, hash } = await e.gradePrompts.loadGradePrompts(mode, ctx.shippedRoot);
  const grader = { client, identity: e.identity.runIdentity(cfg, { source, hash }, mode), mode, columns: e.grade.defaultColumns(mode), prompts };
  const before = row.score;
  const result = await e.regrade.regradeRow(file, index, grader, { signal });
  if (!result) return undefined;
  ctx.log.info(`regrade: ${basename(file)} row ${index + 1} (${id}) with ${cfg.id}: score ${String(before)} → ${String(result.row.score)}, $${result.cost.cost.toFixed(4)}`);
  return { ...result, id, before, grader: cfg.id };
}

/** QED: Regrade Row — from a CodeLens on a results file, or the palette (asks which row). */
export async function regradeRowCommand(ctx: RegradeContext, uri?: vscode.Uri, index?: number): Promise<void> {
  const file = uri?.fsPath ?? vscode.window.activeTextEditor?.document.uri.fsPath;
  if (!file || !file.endsWith('.jsonl')) {
    void vscode.window.showInformationMessage('QED: open a results file (.jsonl) first, or use the Regrade lens above a row.');
    return;
  }
  let row = index;
  if (row === undefined) {
    const line = vscode.window.activeTextEditor?.selection.active.line;
    const text = await vscode.window.showInputBox({ title: 'Regrade Row: which row?', value: line !== undefined ? String(line + 1) : '1', validateInput: (v) => (/^[1-9]\d*$/.test(v) ? undefined : 'A row number, from 1') });
    if (!text) return;
    row = Number(text) - 1;
  }
  const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `QED: regrading row ${row + 1}`, cancellable: true }, (_p, token) => {
    const controller = new AbortController();
    token.onCancellationRequested(() => controller.abort());
    return regradeInEditor(ctx, file, row!, controller.signal);
  });
  if (!r) return;
  const unread = r.flag === 'parse_failure' ? ` — the reply could not be read: ${String(r.row.grade_error)}` : '';
  void vscode.window.showInformationMessage(`QED: ${r.id} regraded by ${r.grader}: ${String(r.before ?? '—')} → ${String(r.row.score ?? 'no score')}, $${r.cost.cost.toFixed(4)}${unread}.`);
}
