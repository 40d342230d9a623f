import * as vscode from 'vscode';
import { ui } from './prompts';
import { asUri, registerCommand, type Services } from './services';
import { basename, dirname } from 'node:path';
import type { ViewerHost } from '../core/view/host';
import type { EditResult, HostMessage, RenderedRow, ViewerMessage, ViewerState } from '../protocol';
import type { KeyStore } from './keys';
import { engine } from './lazy';
import { pickResultsFile, pickResultsFiles } from './picks';
import { describeError } from '../core/errors';
import { pickRowGrader } from './regradeRow';

/** What the page answers to a probe (test-only): its row page, saved state and banner. */
type Probed = { row: RenderedRow | null; state?: ViewerState; banner?: string };

/** Regrade in a demo view restored after a window reload: its demo model and grader were stopped. */
const RESTORED_DEMO =
  'the demo model and grader stopped when the window was reloaded: run QED: Try the Demo again to regrade';

const HUB_ITEM = { label: '$(cloud-download) A results dataset on the Hugging Face Hub…', file: '\u0000hub' };

/**
 * Open Results on a Hub dataset (as `qed view ORG/NAME`): read from the Hugging Face cache (or
 * downloaded), copied once to outputs/hub/<owner>--<name>/<split>.jsonl, which is opened.
 */
async function hubResults(cwd: string): Promise<string | undefined> {
  const ref = await ui.showInputBox({
    title: 'Open Results: Hugging Face dataset',
    prompt: 'owner/name, optionally @split (default train); read from the Hugging Face cache, downloaded if missing',
    placeHolder: 'owner/name@train',
    validateInput: (v) =>
      /^(hf:)?[\w.-]+\/[\w.-]+(@[\w.-]+)?$/.test(v.trim()) ? undefined : 'a dataset id looks like owner/name',
  });
  if (!ref) return undefined;
  const [id, split] = ref.trim().split('@');
  const { data } = await engine();
  const copy = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `QED: reading ${id}` },
    () => data.hubResultsCopy(id, { cwd, split }),
  );
  return copy.file;
}

export const RESULTS_VIEW_TYPE = 'qed.results';

export interface PanelContext {
  extensionUri: vscode.Uri;
  keys: KeyStore;
  state: vscode.Memento;
  log: vscode.LogOutputChannel;
  shippedRoot: string;
}

/**
 * The results viewer in a webview panel: the same page as `qed view`, talking to a ViewerHost
 * that runs here in the extension host. One panel per file; opening a file already shown brings
 * its panel forward.
 */
export class ResultsPanels implements vscode.WebviewPanelSerializer, vscode.Disposable {
  /** Panels by the files they show (joined by newlines). */
  private readonly panels = new Map<string, vscode.WebviewPanel>();
  /** Test-only probes waiting for the page's answer, by id. */
  private readonly probes = new Map<number, (r: Probed) => void>();
  private nextProbe = 1;
  /** Resolves once the panel's page said `ready` (a message posted earlier may be lost). */
  private readonly pageReady = new WeakMap<vscode.WebviewPanel, Promise<void>>();
  /** The banner a panel was opened with (openWithNotice). */
  private readonly notices = new WeakMap<vscode.WebviewPanel, string>();

  constructor(private readonly ctx: PanelContext) {}

  /** QED: Open Results — the clicked file, the active .jsonl editor, or a pick. */
  async open(uri?: vscode.Uri, opts: { row?: number } = {}): Promise<void> {
    let file = uri?.fsPath;
    if (!file) {
      const active = vscode.window.activeTextEditor?.document.uri;
      if (active?.scheme === 'file' && active.fsPath.endsWith('.jsonl')) file = active.fsPath;
    }
    if (!file) {
      const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
      if (!cwd) {
        const picked = await vscode.window.showOpenDialog({
          canSelectMany: false,
          filters: { 'Results (JSONL)': ['jsonl'] },
          title: 'Open Results',
        });
        file = picked?.[0]?.fsPath;
      } else {
        file = await pickResultsFile(cwd, 'Open Results: results file', HUB_ITEM);
        if (file === HUB_ITEM.file) file = await hubResults(cwd);
      }
    }
    if (!file) return;
    await this.show([file], opts.row !== undefined ? { open: opts.row } : undefined, opts.row);
  }

  /**
   * QED: Compare Results — the files selected in the explorer, else two or more ticked in a pick:
   * one view joining their rows by problem, the score difference highlighted.
   */
  async compare(uri?: vscode.Uri, uris?: vscode.Uri[]): Promise<void> {
    let files = (uris ?? (uri ? [uri] : []))
      .filter((u) => u.scheme === 'file' && u.fsPath.endsWith('.jsonl'))
      .map((u) => u.fsPath);
    if (files.length < 2) {
      const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
      if (cwd) files = (await pickResultsFiles(cwd, 'Compare Results')) ?? [];
      else {
        const picked = await vscode.window.showOpenDialog({
          canSelectMany: true,
          filters: { 'Results (JSONL)': ['jsonl'] },
          title: 'Compare Results: pick two results files',
        });
        files = picked?.map((u) => u.fsPath) ?? [];
      }
    }
    if (files.length < 2) return;
    await this.show(files, { compare: true });
  }

  /** The panel of these files: brought forward (at `row`, when given) if open, else created. */
  private async show(files: string[], state?: ViewerState, row?: number): Promise<void> {
    const existing = this.panels.get(panelKey(files));
    if (existing) {
      existing.reveal();
      if (row !== undefined)
        void existing.webview.postMessage({
          kind: 'event',
          event: { type: 'reveal', file: 0, index: row },
        } satisfies HostMessage);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      RESULTS_VIEW_TYPE,
      title(files),
      vscode.ViewColumn.Active,
      this.options(),
    );
    await this.attach(panel, files, state);
  }

  /**
   * A new panel of `files` with a banner (`notice`) over the list, e.g. the demo's; a panel of the
   * same files already open is closed first (it may show an earlier banner). The caller may watch
   * the panel's end (`onDidDispose`). `panelTitle` replaces the usual "Results: …" / "Compare: …".
   */
  async openWithNotice(files: string[], notice: string, panelTitle = title(files)): Promise<vscode.WebviewPanel> {
    this.panels.get(panelKey(files))?.dispose();
    const panel = vscode.window.createWebviewPanel(
      RESULTS_VIEW_TYPE,
      panelTitle,
      vscode.ViewColumn.Active,
      this.options(),
    );
    await this.attach(panel, files, undefined, notice);
    panel.title = panelTitle;
    return panel;
  }

  /** The open panels: the files each shows, whether it is the active one, and its banner. */
  list(): Array<{ files: string[]; title: string; active: boolean; notice?: string }> {
    return [...this.panels].map(([key, p]) => ({
      files: key.split('\n'),
      title: p.title,
      active: p.active,
      ...(this.notices.has(p) ? { notice: this.notices.get(p) } : {}),
    }));
  }

  /**
   * Test-only: the row page the panel of `files` (else the active panel, else the only one) shows,
   * and the state the page saved; undefined when no such panel is open.
   */
  async probe(files?: string[]): Promise<Probed | undefined> {
    const all = [...this.panels.values()];
    const panel = files
      ? this.panels.get(panelKey(files))
      : (all.find((p) => p.active) ?? (all.length === 1 ? all[0] : undefined));
    if (!panel) return undefined;
    await this.pageReady.get(panel);
    const id = this.nextProbe++;
    const answer = new Promise<Probed>((resolve) => this.probes.set(id, resolve));
    await panel.webview.postMessage({ kind: 'probe', id } satisfies HostMessage);
    return answer;
  }

  /** Reopens a panel after a reload of the window, from the state the page saved. */
  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const s = state as ViewerState | undefined;
    const paths =
      Array.isArray(s?.paths) && s.paths.length && s.paths.every((p) => typeof p === 'string' && p)
        ? s.paths
        : typeof s?.path === 'string' && s.path
          ? [s.path]
          : [];
    if (!paths.length) {
      panel.webview.html = `<!DOCTYPE html><html><body><p>This results view cannot be restored: reopen the file with QED: Open Results.</p></body></html>`;
      return;
    }
    panel.webview.options = this.options();
    // A banner (the demo's) comes back with its view. What served a demo (its loopback model and
    // grader) did not survive the reload: Regrade says so rather than failing to connect.
    const notice = typeof s?.notice === 'string' && s.notice ? s.notice : undefined;
    await this.attach(panel, paths, s, notice, notice ? RESTORED_DEMO : undefined);
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      enableFindWidget: true,
      localResourceRoots: [vscode.Uri.joinPath(this.ctx.extensionUri, 'dist')],
    };
  }

  private async attach(
    panel: vscode.WebviewPanel,
    files: string[],
    state?: ViewerState,
    notice?: string,
    cannotRegrade?: string,
  ): Promise<void> {
    const e = await engine();
    const { ViewerHost, viewerHtml, makeNonce, webviewCsp, PRELOAD_FONTS } = e.view;
    const ctx = this.ctx;
    const key = panelKey(files);
    this.panels.set(key, panel);
    if (notice) this.notices.set(panel, notice);
    panel.title = title(files);
    panel.iconPath = vscode.Uri.joinPath(ctx.extensionUri, 'media', 'qed.svg');
    const settings = vscode.workspace.getConfiguration('qed');
    const host: ViewerHost = new ViewerHost({
      files,
      host: 'vscode',
      settings: {
        fontSize: settings.get<number>('viewer.fontSize') || undefined,
        macros: settings.get<Record<string, string>>('viewer.macros') || undefined,
        notice,
      },
      regradeUnavailable: () =>
        cannotRegrade ??
        (vscode.workspace.isTrusted ? undefined : 'this workspace is in Restricted Mode: trust it to call a grader'),
      graders: async () => ({
        graders: [],
        hostPicker: true,
        preferred: settings.get<string>('defaultGrader') || undefined,
      }),
      // The row's own grading unless the user picks another (see pickRowGrader).
      grader: async ({ mode, row, file }) =>
        vscode.workspace.isTrusted ? pickRowGrader(ctx, row, file, mode) : undefined,
      saveExport: async (markdown, name) => {
        const target = await ui.showSaveDialog({
          defaultUri: vscode.Uri.file(`${dirname(files[0])}/${name}`),
          filters: { Markdown: ['md'] },
          title: 'Export as markdown',
        });
        if (!target) return undefined;
        await vscode.workspace.fs.writeFile(target, Buffer.from(markdown, 'utf8'));
        return target.fsPath;
      },
    });
    void host.open().catch((e: unknown) => ctx.log.error(`viewer: ${files.join(', ')}: ${describeError(e)}`));

    const webview = panel.webview;
    const post = (m: HostMessage) => void webview.postMessage(m);
    const disposables: vscode.Disposable[] = [];
    const unsubscribe = host.onMessage(post);
    let pageIsReady!: () => void;
    this.pageReady.set(panel, new Promise<void>((resolve) => (pageIsReady = resolve)));
    disposables.push(
      webview.onDidReceiveMessage(async (msg: ViewerMessage) => {
        if (msg?.kind === 'probed') {
          this.probes.get(msg.id)?.({ row: msg.row, state: msg.state, banner: msg.banner });
          this.probes.delete(msg.id);
          return;
        }
        if (msg?.kind === 'ready' && state && !msg.state) msg = { ...msg, state };
        const reply = await host.handle(msg);
        if (reply) post(reply);
        if (msg?.kind === 'ready') pageIsReady();
        if (msg?.kind === 'request' && msg.type === 'regrade' && reply?.kind === 'response')
          reportRegrade(reply, ctx.log);
      }),
    );

    // The file on disk: VS Code's watcher for prompt updates, a slow poll in case it misses one
    // (a file outside the workspace, a network drive).
    // The journal of a running job (`<file>.partial`) is watched too: its rows are shown live.
    files.forEach((file, i) => {
      const watcher = vscode.workspace.createFileSystemWatcher(
        new vscode.RelativePattern(vscode.Uri.file(dirname(file)), `${basename(file)}{,.partial}`),
      );
      const refresh = () => void host.refresh(i).catch(() => undefined);
      disposables.push(
        watcher,
        watcher.onDidChange(refresh),
        watcher.onDidCreate(refresh),
        watcher.onDidDelete(refresh),
      );
    });
    host.poll(3000);

    const nonce = makeNonce();
    webview.html = viewerHtml({
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(ctx.extensionUri, 'dist', 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(ctx.extensionUri, 'dist', 'webview.css')).toString(),
      fontUris: PRELOAD_FONTS.map((f) =>
        webview.asWebviewUri(vscode.Uri.joinPath(ctx.extensionUri, 'dist', f)).toString(),
      ),
      nonce,
      csp: webviewCsp(webview.cspSource, nonce),
      title: files.map((f) => basename(f)).join(' ↔ '),
      host: 'vscode',
    });

    panel.onDidDispose(() => {
      unsubscribe();
      host.dispose();
      for (const d of disposables) d.dispose();
      if (this.panels.get(key) === panel) this.panels.delete(key);
    });
  }

  dispose(): void {
    for (const p of this.panels.values()) p.dispose();
    this.panels.clear();
  }
}

const panelKey = (files: string[]) => files.join('\n');

function title(files: string[]): string {
  return files.length === 1
    ? `Results: ${basename(files[0])}`
    : `Compare: ${files.map((f) => basename(f)).join(' ↔ ')}`;
}

/** The results viewer: its panels (restored after a reload), QED: Open Results and Compare Results. */
export function registerResultsPanels(s: Services): ResultsPanels {
  const panels = new ResultsPanels({
    extensionUri: s.context.extensionUri,
    keys: s.keys,
    state: s.state,
    log: s.log,
    shippedRoot: s.shippedRoot,
  });
  s.context.subscriptions.push(panels, vscode.window.registerWebviewPanelSerializer(RESULTS_VIEW_TYPE, panels));
  registerCommand(s, 'qed.openResults', 'Open Results', (arg?: unknown, opts?: { row?: number }) =>
    panels.open(asUri(arg), typeof opts?.row === 'number' ? { row: opts.row } : {}),
  );
  registerCommand(s, 'qed.compareResults', 'Compare Results', (arg?: unknown, all?: unknown) =>
    panels.compare(asUri(arg), Array.isArray(all) ? all.map(asUri).filter((u): u is vscode.Uri => !!u) : undefined),
  );
  return panels;
}

/**
 * A regrade from the viewer ends with a VS Code message as well as the page's toast (the page may
 * be out of sight by then): the row, its new score, the grader and the cost; or why it failed.
 */
function reportRegrade(reply: Extract<HostMessage, { kind: 'response' }>, log: vscode.LogOutputChannel): void {
  if (!reply.ok) {
    if (reply.error.code === 'cancelled') return;
    log.warn(`viewer: regrade failed: ${reply.error.message}`);
    void ui.showWarningMessage(`QED: regrade failed: ${reply.error.message.split('\n')[0]}`);
    return;
  }
  const r = reply.result as EditResult;
  const s = r.row.summary;
  const grader = (r.row.row.qed_grade as { config?: unknown } | undefined)?.config;
  const score =
    r.flag === 'parse_failure'
      ? 'the reply could not be read'
      : `${s.score ?? 'no score'}${s.max !== null && s.score !== null ? ` / ${s.max}` : ''}`;
  const line = `${s.id} regraded${typeof grader === 'string' ? ` by ${grader}` : ''}: ${score}, $${(r.cost?.cost ?? 0).toFixed(4)}`;
  log.info(`viewer: ${line}`);
  void (r.flag ? ui.showWarningMessage : ui.showInformationMessage)(`QED: ${line}.`);
}
