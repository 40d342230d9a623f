import * as vscode from 'vscode';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { engine } from './lazy';

/** Where model and agent configs live; our diagnostics, completion and hovers apply there only. */
const SELECTOR: vscode.DocumentSelector = [
  { language: 'yaml', pattern: '**/configs/models/**/*.{yaml,yml}' },
  { language: 'yaml', pattern: '**/configs/agents/**/*.{yaml,yml}' },
];

// JSON configs get the same checks (VS Code's JSON support adds completion from the contributed schema).
const isConfigDoc = (doc: vscode.TextDocument) =>
  (doc.languageId === 'yaml' || doc.languageId === 'json') &&
  /[\\/]configs[\\/](models|agents)[\\/]/.test(doc.uri.fsPath);

interface KeyDoc {
  description: string;
  enum?: string[];
  type?: string;
}

/** Key documentation, read once from the shipped JSON Schema (the single source of truth). */
function loadKeyDocs(shippedRoot: string): { model: Map<string, KeyDoc>; agent: Map<string, KeyDoc> } {
  const out = { model: new Map<string, KeyDoc>(), agent: new Map<string, KeyDoc>() };
  try {
    const schema = JSON.parse(readFileSync(join(shippedRoot, 'schema', 'model-config.schema.json'), 'utf8')) as {
      definitions?: Record<
        string,
        { properties?: Record<string, { description?: string; enum?: string[]; type?: string | string[] }> }
      >;
    };
    for (const [def, target] of [
      ['modelConfig', out.model],
      ['agentConfig', out.agent],
    ] as const) {
      for (const [key, p] of Object.entries(schema.definitions?.[def]?.properties ?? {})) {
        target.set(key, {
          description: p.description ?? '',
          enum: p.enum,
          type: Array.isArray(p.type) ? p.type.join(' | ') : p.type,
        });
      }
    }
  } catch {
    /* no schema: no completion or hovers, diagnostics still work */
  }
  return out;
}

/**
 * Editing support for model configs that works without any other extension: diagnostics as you
 * type (unknown api, missing model, wrong types, unknown keys with a "did you mean", a
 * model_config that does not exist), completion of keys and `api` values, hovers on every key,
 * and CodeLens to test the config or run a benchmark with it.
 */
export function registerConfigEditing(context: vscode.ExtensionContext, shippedRoot: string): void {
  const collection = vscode.languages.createDiagnosticCollection('qed-config');
  const docs = loadKeyDocs(shippedRoot);
  const timers = new Map<string, NodeJS.Timeout>();

  const check = async (doc: vscode.TextDocument) => {
    if (!isConfigDoc(doc)) return;
    const { validateConfigText } = (await engine()).config;
    const cwd = vscode.workspace.getWorkspaceFolder(doc.uri)?.uri.fsPath;
    const found = validateConfigText(doc.getText(), doc.uri.fsPath, { cwd, shippedRoot });
    collection.set(
      doc.uri,
      found.map((d) => {
        const line = Math.max(0, d.line - 1);
        const col = Math.max(0, d.column - 1);
        const endLine = d.endLine !== undefined ? d.endLine - 1 : line;
        const endCol =
          d.endColumn !== undefined
            ? d.endColumn - 1
            : Math.max(col + 1, doc.lineAt(Math.min(line, doc.lineCount - 1)).text.length);
        const diag = new vscode.Diagnostic(
          new vscode.Range(line, col, endLine, endCol),
          d.message,
          d.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
        );
        diag.source = 'QED';
        if (d.key) diag.code = d.key;
        return diag;
      }),
    );
  };
  const schedule = (doc: vscode.TextDocument) => {
    if (!isConfigDoc(doc)) return;
    const k = doc.uri.toString();
    clearTimeout(timers.get(k));
    timers.set(
      k,
      setTimeout(() => {
        timers.delete(k);
        void check(doc);
      }, 150),
    );
  };

  const isAgentDoc = (doc: vscode.TextDocument) => /^\s*type\s*:\s*agent\b/m.test(doc.getText());
  const keyAt = (doc: vscode.TextDocument, pos: vscode.Position) => {
    const m = /^(\s*)([A-Za-z_][\w-]*)\s*:/.exec(doc.lineAt(pos.line).text);
    if (!m || pos.character < m[1].length || pos.character > m[1].length + m[2].length) return undefined;
    return {
      key: m[2],
      indent: m[1].length,
      range: new vscode.Range(pos.line, m[1].length, pos.line, m[1].length + m[2].length),
    };
  };

  context.subscriptions.push(
    collection,
    vscode.workspace.onDidOpenTextDocument(schedule),
    vscode.workspace.onDidChangeTextDocument((e) => schedule(e.document)),
    vscode.workspace.onDidSaveTextDocument(schedule),
    vscode.workspace.onDidCloseTextDocument((doc) => collection.delete(doc.uri)),
    vscode.languages.registerCompletionItemProvider(
      SELECTOR,
      {
        provideCompletionItems(doc, pos) {
          const before = doc.lineAt(pos.line).text.slice(0, pos.character);
          const table = isAgentDoc(doc) ? docs.agent : docs.model;
          const value = /^([A-Za-z_]\w*)\s*:\s*\S*$/.exec(before);
          if (value) {
            const enumValues = table.get(value[1])?.enum;
            return enumValues?.map((v) =>
              Object.assign(new vscode.CompletionItem(v, vscode.CompletionItemKind.EnumMember), {
                documentation: table.get(value[1])?.description,
              }),
            );
          }
          if (!/^[A-Za-z_]*$/.test(before)) return undefined; // only top-level keys at the start of a line
          const present = new Set(
            doc
              .getText()
              .split('\n')
              .map((l) => /^([A-Za-z_][\w-]*)\s*:/.exec(l)?.[1])
              .filter(Boolean),
          );
          return [...table.entries()]
            .filter(([k]) => !present.has(k))
            .map(([k, d]) => {
              const item = new vscode.CompletionItem(k, vscode.CompletionItemKind.Property);
              item.insertText = `${k}: `;
              item.detail = d.type;
              item.documentation = new vscode.MarkdownString(d.description);
              item.command = d.enum ? { command: 'editor.action.triggerSuggest', title: 'values' } : undefined;
              return item;
            });
        },
      },
      ':',
    ),
    vscode.languages.registerHoverProvider(SELECTOR, {
      provideHover(doc, pos) {
        const at = keyAt(doc, pos);
        if (!at || at.indent > 0) return undefined;
        const d = (isAgentDoc(doc) ? docs.agent : docs.model).get(at.key);
        const text = d
          ? `**${at.key}**${d.type ? ` (${d.type})` : ''}\n\n${d.description}${d.enum ? `\n\nValues: ${d.enum.map((v) => `\`${v}\``).join(', ')}` : ''}`
          : `**${at.key}** is not a key QED Workbench knows: it is sent to the API in the request body as written.`;
        return new vscode.Hover(new vscode.MarkdownString(text), at.range);
      },
    }),
    vscode.languages.registerCodeLensProvider(
      [
        { language: 'yaml', pattern: '**/configs/models/**/*.{yaml,yml}' },
        { language: 'json', pattern: '**/configs/models/**/*.json' },
      ],
      {
        provideCodeLenses(doc) {
          const top = new vscode.Range(0, 0, 0, 0);
          return [
            new vscode.CodeLens(top, {
              title: '$(beaker) Test config',
              command: 'qed.testConfig',
              arguments: [doc.uri],
            }),
            new vscode.CodeLens(top, {
              title: '$(play) Run benchmark with this config',
              command: 'qed.runBenchmark',
              arguments: [doc.uri],
            }),
          ];
        },
      },
    ),
  );
  for (const doc of vscode.workspace.textDocuments) schedule(doc);
}
