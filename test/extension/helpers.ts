/** Small helpers shared by the extension-host tests (they run inside VS Code: `vscode` is real). */
import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'qed-workbench.qed-workbench';

/** The fixture workspace runTest opened (a temp copy of test/extension/fixtures/workspace). */
export function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the tests need a workspace folder (runTest opens the fixture workspace)');
  return folder.uri;
}

export const fileIn = (rel: string): vscode.Uri => vscode.Uri.joinPath(workspaceRoot(), ...rel.split('/'));

/** The extension under test, activated. */
export async function activated(): Promise<vscode.Extension<unknown>> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not loaded in this extension host`);
  await ext.activate();
  return ext;
}

/** Opens `rel` (relative to the workspace) in an editor. */
export async function open(rel: string): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument(fileIn(rel));
  await vscode.window.showTextDocument(doc, { preview: false });
  return doc;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a truthy value (providers and diagnostics settle asynchronously). */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** The diagnostics the extension itself published for `uri`. */
export const qedDiagnostics = (uri: vscode.Uri): vscode.Diagnostic[] =>
  vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'QED');

/** The plain text of hover contents (MarkdownString or MarkedString). */
export function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : c.value))
    .join('\n');
}

/** Writes `text` to `rel` (relative to the workspace), creating folders; returns the path. */
export function writeIn(rel: string, text: string): string {
  const file = fileIn(rel).fsPath;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/** The rows of a JSONL file (blank lines skipped). */
export function readJsonl(file: string): Array<Record<string, unknown>> {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/**
 * What the "QED" log (a LogOutputChannel) holds, from every place a user or a file could see it:
 * the log file on disk — the one this extension host keeps open, found through /proc/self/fd on
 * Linux (`<logsLocation>/<extension id>/QED.log`, i.e. the extension's context.logUri) — and the
 * document the Output view shows for the channel (opened by QED: Show Log).
 */
export async function qedLogs(): Promise<Array<{ where: string; text: string }>> {
  const out: Array<{ where: string; text: string }> = [];
  if (process.platform === 'linux') {
    for (const fd of readdirSync('/proc/self/fd')) {
      let target = '';
      try {
        target = readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        continue; // closed meanwhile
      }
      if (target.endsWith(`/${EXTENSION_ID}/QED.log`) && !out.some((o) => o.where === target))
        out.push({ where: target, text: readFileSync(target, 'utf8') });
    }
  }
  await vscode.commands.executeCommand('qed.showLog');
  const doc = vscode.workspace.textDocuments.find(
    (d) => d.uri.scheme === 'output' && d.uri.path.includes(EXTENSION_ID) && d.uri.path.endsWith('QED.log'),
  );
  if (doc) out.push({ where: doc.uri.toString(), text: doc.getText() });
  return out;
}

/** Awaits `p`, failing with a message naming `what` if it has not settled after `timeoutMs`. */
export async function settled<T>(what: string, p: Thenable<T>, timeoutMs = 15_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve(p), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
