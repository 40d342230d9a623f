import * as vscode from 'vscode';
import { ui } from './prompts';
import { asUri, registerCommand, type Services } from './services';
import { basename, join, relative } from 'node:path';
import { engine } from './lazy';

export const SUMMARY_SCHEME = 'qed-summary';

/** Under the summary shown (not in the saved file). */
export const FOOTER = '_Read-only. **QED: Save Summary** saves it as a markdown file._';

/**
 * QED: Show Summary — the summary table of one or more results files (several runs are merged:
 * mean, max, min and std across runs), shown as a rendered, read-only markdown preview of a
 * `qed-summary:` document (nothing to save on close); QED: Save Summary writes it to a file,
 * markdown to paste into a paper or a PR.
 */
export class Summaries implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly shown: vscode.Uri[] = [];
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private count = 0;

  constructor(private readonly log: vscode.LogOutputChannel) {}

  provideTextDocumentContent(uri: vscode.Uri): string {
    const body = this.texts.get(uri.toString());
    return body !== undefined
      ? `${body}\n---\n\n${FOOTER}\n`
      : '# QED summary\n\nThis summary is no longer available: run QED: Show Summary again.\n';
  }

  /** The summaries shown, newest last. */
  list(): vscode.Uri[] {
    return [...this.shown];
  }

  async show(uri?: vscode.Uri, uris?: vscode.Uri[]): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    const cwd = folder?.uri.fsPath ?? process.cwd();
    let files = (uris?.length ? uris : uri ? [uri] : []).map((u) => u.fsPath).filter((f) => f.endsWith('.jsonl'));
    if (!files.length) {
      const found = await vscode.workspace.findFiles('**/*.jsonl', '{**/node_modules/**,**/.git/**}', 1000);
      if (!found.length) {
        void ui.showInformationMessage('QED: no .jsonl results file in this workspace yet.');
        return;
      }
      const items = found
        .map((f) => ({ label: relative(cwd, f.fsPath), file: f.fsPath }))
        .sort(
          (a, b) =>
            Number(!a.label.startsWith('outputs')) - Number(!b.label.startsWith('outputs')) ||
            a.label.localeCompare(b.label),
        );
      // One file with Enter; merging several runs is one item further (a multi-select pick).
      const several = {
        label: '$(checklist) Several runs to merge…',
        description: 'tick them in the next step',
        file: '',
      };
      const one = await ui.showQuickPick(
        [...items, { label: '', kind: vscode.QuickPickItemKind.Separator, file: '' }, several],
        { title: 'Show Summary: results file', placeHolder: 'Which results file?' },
      );
      if (!one) return;
      if (one === several) {
        const picks = await ui.pickMany(items, {
          title: 'Show Summary: runs to merge',
          placeHolder: 'Tick the runs (of the same problems), then OK or Enter',
          min: 2,
        });
        if (!picks?.length) return;
        files = picks.map((p) => p.file);
      } else files = [one.file];
    }
    const { stats, format: fmt } = await engine();
    const inputs = await stats.loadStatsFiles(files, cwd);
    const report = stats.summarizeResults(inputs);
    for (const w of report.warnings) this.log.warn(`summary: ${w}`);
    const names = files.map((f) => `\`${relative(cwd, f)}\``).join(', ');
    const body = `# QED summary\n\n${names}\n\n${stats.renderMarkdown(report, { formatTokens: fmt.formatTokens, formatUsd: fmt.formatUsd })}${report.warnings.length ? `\n> ${report.warnings.join('\n> ')}\n` : ''}`;
    // One document per summary (a number keeps two summaries of the same file apart).
    const name = files.length === 1 ? basename(files[0], '.jsonl') : `${files.length} files`;
    const doc = vscode.Uri.from({
      scheme: SUMMARY_SCHEME,
      path: `/Summary of ${name}.md`,
      query: String(++this.count),
    });
    this.texts.set(doc.toString(), body);
    this.shown.push(doc);
    this.changed.fire(doc);
    await vscode.commands.executeCommand('setContext', 'qed.hasSummary', true);
    try {
      await vscode.commands.executeCommand('markdown.showPreview', doc);
    } catch {
      // No markdown preview (the built-in extension disabled): the read-only text.
      await vscode.window.showTextDocument(doc, { preview: false });
    }
  }

  /** QED: Save Summary — the summary in the active editor, else the last one shown, to a .md file. */
  async save(uri?: vscode.Uri): Promise<void> {
    const active = vscode.window.activeTextEditor?.document.uri;
    const doc = uri?.scheme === SUMMARY_SCHEME ? uri : active?.scheme === SUMMARY_SCHEME ? active : this.shown.at(-1);
    const text = doc && this.texts.get(doc.toString());
    if (!doc || !text) {
      void ui.showInformationMessage('QED: no summary to save yet: run QED: Show Summary first.');
      return;
    }
    const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const outFolder = vscode.workspace.getConfiguration('qed').get<string>('outputFolder') || 'outputs';
    const name = basename(doc.path)
      .replace(/^Summary of /, 'summary-')
      .replace(/\s+/g, '-');
    const target = await ui.showSaveDialog({
      defaultUri: cwd ? vscode.Uri.file(join(cwd, outFolder, name)) : undefined,
      filters: { Markdown: ['md'] },
      title: 'Save Summary',
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
    const open = 'Open';
    const choice = await ui.showInformationMessage(
      `QED: summary saved to ${cwd ? relative(cwd, target.fsPath) : target.fsPath}.`,
      open,
    );
    if (choice === open) await vscode.window.showTextDocument(target);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** The summaries' document provider and QED: Show Summary / Save Summary. */
export function registerSummaries(s: Services): Summaries {
  const summaries = new Summaries(s.log);
  s.context.subscriptions.push(
    summaries,
    vscode.workspace.registerTextDocumentContentProvider(SUMMARY_SCHEME, summaries),
  );
  registerCommand(s, 'qed.showSummary', 'Show Summary', (arg?: unknown, uris?: unknown) =>
    summaries.show(asUri(arg), Array.isArray(uris) ? uris.map(asUri).filter((u): u is vscode.Uri => !!u) : undefined),
  );
  registerCommand(s, 'qed.saveSummary', 'Save Summary', (arg?: unknown) => summaries.save(asUri(arg)));
  return summaries;
}
