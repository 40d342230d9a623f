import * as vscode from 'vscode';
import { relative } from 'node:path';
import { engine } from './lazy';

/**
 * QED: Show Summary — the summary table of one or more results files (several runs are merged:
 * mean, max, min and std across runs), opened as a markdown document: readable, and copyable
 * as markdown into a paper or a PR.
 */
export async function showSummaryCommand(log: vscode.LogOutputChannel, uri?: vscode.Uri, uris?: vscode.Uri[]): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const cwd = folder?.uri.fsPath ?? process.cwd();
  let files = (uris?.length ? uris : uri ? [uri] : []).map((u) => u.fsPath).filter((f) => f.endsWith('.jsonl'));
  if (!files.length) {
    const found = await vscode.workspace.findFiles('**/*.jsonl', '{**/node_modules/**,**/.git/**}', 1000);
    if (!found.length) {
      void vscode.window.showInformationMessage('QED: no .jsonl results file in this workspace yet.');
      return;
    }
    const picks = await vscode.window.showQuickPick(
      found.map((f) => ({ label: relative(cwd, f.fsPath), file: f.fsPath })).sort((a, b) => a.label.localeCompare(b.label)),
      { title: 'Show Summary: results files', placeHolder: 'Pick one file, or several runs to merge', canPickMany: true },
    );
    if (!picks?.length) return;
    files = picks.map((p) => p.file);
  }
  const { stats, format: fmt } = await engine();
  const inputs = await stats.loadStatsFiles(files, cwd);
  const report = stats.summarizeResults(inputs);
  for (const w of report.warnings) log.warn(`summary: ${w}`);
  const names = files.map((f) => `\`${relative(cwd, f)}\``).join(', ');
  const body = `# QED summary\n\n${names}\n\n${stats.renderMarkdown(report, { formatTokens: fmt.formatTokens, formatUsd: fmt.formatUsd })}${report.warnings.length ? `\n> ${report.warnings.join('\n> ')}\n` : ''}`;
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: body });
  await vscode.window.showTextDocument(doc, { preview: false });
}
