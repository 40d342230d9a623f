import * as vscode from 'vscode';
import { ui } from './prompts';
import { asUri, registerCommand, type Services } from './services';
import { basename } from 'node:path';
import type { GradeMode } from '../core/grade/eval';
import type { KeyStore } from './keys';
import { clientFor, pickModelConfig, pickResultsFile, requireTrust, workspaceRoot } from './picks';
import type { Jobs } from './jobs';
import { engine } from './lazy';

export interface GradeContext {
  keys: KeyStore;
  state: vscode.Memento;
  jobs: Jobs;
  log: vscode.LogOutputChannel;
  shippedRoot: string;
}

const MODES: Array<vscode.QuickPickItem & { mode: GradeMode }> = [
  { label: 'IMO-ProofBench rubric', description: "7 / 6 / 1 / 0 with the problem's grading guidelines", mode: 'proof' },
  {
    label: 'ProofBench marking scheme',
    description: 'checkpoints, zero-credit items and deductions (grading_scheme column)',
    mode: 'proofbench',
  },
  {
    label: 'Final answer',
    description: 'deterministic check first, the LLM judge only when it cannot decide',
    mode: 'final-answer',
  },
];

/**
 * QED: Grade Results — pick a results file (or use the one clicked in the explorer) and a grader
 * config; grades in place, resumably, under a cancellable progress notification.
 */
export async function gradeResultsCommand(ctx: GradeContext, uri?: vscode.Uri): Promise<void> {
  if (!requireTrust('grade results')) return;
  const cwd = workspaceRoot();
  if (!cwd) return;
  const file = uri?.fsPath ?? (await pickResultsFile(cwd, 'Grade Results (1/3): results file'));
  if (!file) return;
  const {
    data: { readJsonlRows },
    config: { loadConfig },
    grade,
    graders,
    format: { jobState, reusedPart },
    regrade: { gradingModeOf, recordedFileMode },
  } = await engine();
  const input = await readJsonlRows(file);
  // The mode the file was graded in, else the one its rows suggest: offered first.
  const rows = input.rows.map((r) => r.row);
  const guessed = recordedFileMode(rows) ?? gradingModeOf(rows[0]);
  const modePick = await ui.showQuickPick(
    [...MODES].sort((a, b) => Number(b.mode === guessed) - Number(a.mode === guessed)),
    { title: 'Grade Results (2/3): how to grade' },
  );
  if (!modePick) return;
  const preferred = vscode.workspace.getConfiguration('qed').get<string>('defaultGrader') || undefined;
  const ref = await pickModelConfig(
    cwd,
    ctx.shippedRoot,
    'Grade Results (3/3): grader model',
    'Which model grades?',
    preferred,
  );
  if (!ref) return;
  const cfg = await loadConfig(ref, { cwd, shippedRoot: ctx.shippedRoot });
  const mode = modePick.mode;
  let grader: import('../core/grade/eval').Grader | undefined;
  try {
    grader = await graders.buildGrader(cfg, { mode, shippedRoot: ctx.shippedRoot }, (m) => clientFor(ctx, m));
  } catch (e) {
    // An agent config, or a grading prompt that cannot be read.
    void ui.showErrorMessage(`QED: ${(e as Error).message}`);
    return;
  }
  if (!grader) return;
  const client = grader.client;
  ctx.log.info(`grade: ${basename(file)} (${input.rows.length} rows) with ${cfg.id}, ${mode}`);

  const summary = await ctx.jobs.run(
    'grade',
    `grading ${basename(file)}`,
    (signal, onProgress) =>
      grade.gradeResults({
        file: input.file,
        outputPath: input.file,
        grader,
        overwrite: false,
        concurrency: client.limiter.size,
        signal,
        onLog: (line) => ctx.log.info(line),
        onProgress,
      }),
    ctx.log,
    input.file,
  );
  const unread = summary.flags.parse_failure ?? 0;
  const state = summary.cancelled || summary.stopped ? `grading ${jobState(summary, false)}` : 'graded';
  const reused = summary.reused ? `, ${reusedPart(summary)}` : '';
  const line = `${state}: ${summary.done - unread}/${summary.total} rows${reused}, ${unread} unreadable replies, ${summary.failed} failed, $${summary.cost.cost.toFixed(4)}`;
  ctx.log.info(`grade: ${line}`);
  const show = unread || summary.failed ? ui.showWarningMessage : ui.showInformationMessage;
  const choice = await show(`QED: ${line}.`, 'Show Summary', 'Open File');
  if (choice === 'Show Summary') await vscode.commands.executeCommand('qed.showSummary', vscode.Uri.file(file));
  else if (choice === 'Open File') await vscode.window.showTextDocument(vscode.Uri.file(file));
}

export function registerGradeResults(s: Services): void {
  registerCommand(s, 'qed.gradeResults', 'Grade Results', (arg?: unknown) => gradeResultsCommand(s, asUri(arg)));
}
