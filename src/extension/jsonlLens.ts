import * as vscode from 'vscode';

/** Above this many lines the per-row lenses are left out (hovers still work on every line). */
const MAX_LENS_LINES = 2000;

interface LineInfo {
  id: string;
  score: string;
}

/** What a results line says about itself, or undefined when it is not a results row. */
function describeLine(text: string): LineInfo | undefined {
  if (!text.startsWith('{')) return undefined;
  let row: Record<string, unknown>;
  try {
    row = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (!('model_solution' in row) && !('score' in row)) return undefined;
  const id =
    String(row.problem_id ?? row.question_id ?? '?') +
    (typeof row.run_index === 'number' && row.run_index > 0 ? ` #${row.run_index}` : '');
  const max = Array.isArray(row.schema_0)
    ? (row.schema_0 as Array<{ points?: unknown }>).reduce(
        (s, i) => s + (typeof i?.points === 'number' ? i.points : 0),
        0,
      )
    : 0;
  let score: string;
  if (row.error) score = 'run error';
  else if (row.grade_error) score = 'grader reply unreadable';
  else if (typeof row.score === 'number') score = `${row.score}${max ? ` / ${max}` : ''}`;
  else score = 'not graded';
  return { id, score };
}

/**
 * Inline review of results files opened as text: above each row a lens with its problem id and
 * score, "Open in viewer" and "Regrade"; a hover on any line says the same.
 */
export function registerJsonlLens(context: vscode.ExtensionContext): void {
  const selector: vscode.DocumentSelector = { pattern: '**/*.jsonl' };
  const rowIndexOf = (doc: vscode.TextDocument, line: number) => {
    let index = 0;
    for (let i = 0; i < line; i++) if (doc.lineAt(i).text.trim()) index++;
    return index;
  };
  context.subscriptions.push(
    vscode.languages.registerCodeLensProvider(selector, {
      provideCodeLenses(doc) {
        if (doc.lineCount > MAX_LENS_LINES) return [];
        const lenses: vscode.CodeLens[] = [];
        let index = 0;
        for (let i = 0; i < doc.lineCount; i++) {
          const text = doc.lineAt(i).text;
          if (!text.trim()) continue;
          const info = describeLine(text);
          if (info) {
            const range = new vscode.Range(i, 0, i, 0);
            lenses.push(
              new vscode.CodeLens(range, { title: `${info.id} · ${info.score}`, command: '' }),
              new vscode.CodeLens(range, {
                title: 'Open in viewer',
                command: 'qed.openResults',
                arguments: [doc.uri, { row: index }],
              }),
              new vscode.CodeLens(range, { title: 'Regrade', command: 'qed.regradeRow', arguments: [doc.uri, index] }),
            );
          }
          index++;
        }
        return lenses;
      },
    }),
    vscode.languages.registerHoverProvider(selector, {
      provideHover(doc, pos) {
        const info = describeLine(doc.lineAt(pos.line).text);
        if (!info) return undefined;
        const index = rowIndexOf(doc, pos.line);
        const args = (a: unknown[]) => encodeURIComponent(JSON.stringify(a));
        const md = new vscode.MarkdownString(
          `**${info.id}** · ${info.score} · row ${index + 1}\n\n[Open in viewer](command:qed.openResults?${args([doc.uri, { row: index }])}) · [Regrade](command:qed.regradeRow?${args([doc.uri, index])})`,
        );
        md.isTrusted = { enabledCommands: ['qed.openResults', 'qed.regradeRow'] };
        return new vscode.Hover(md);
      },
    }),
  );
}
