import * as vscode from 'vscode';
import { ui } from './prompts';
import { registerCommand, type Services } from './services';
import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { Jobs, JobInfo } from './jobs';
import { engine } from './lazy';

type Node =
  | { kind: 'section'; id: 'models' | 'agents' | 'datasets' | 'results' | 'jobs' | 'slurm'; label: string }
  | { kind: 'group'; section: 'models' | 'agents'; label: string }
  | {
      kind: 'config';
      id: string;
      file: string;
      api?: string;
      model?: string;
      errors: number;
      warnings: number;
      origin: string;
      kindOf?: 'model' | 'agent';
    }
  | { kind: 'file'; file: string; role: 'dataset' | 'results' }
  | { kind: 'job'; job: JobInfo }
  | {
      kind: 'slurmJob';
      id: string;
      role: 'generate' | 'grade';
      model: string;
      state: string;
      elapsed?: string;
      rows: number;
      results: string;
      err: string;
    }
  | { kind: 'empty'; label: string };

const DATA_GLOB = '**/*.{jsonl,json,csv}';
const EXCLUDE =
  '{**/node_modules/**,**/.git/**,**/configs/**,**/package*.json,**/tsconfig*.json,**/.vscode/**,**/dist/**}';

/**
 * The QED view in the activity bar: model and agent configs by provider (a warning icon on
 * invalid ones), dataset files, results files with their row count and mean score, and running
 * jobs with progress, cost and a cancel button.
 */
export class QedView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly disposables: vscode.Disposable[] = [];
  private configs: Array<Extract<Node, { kind: 'config' }> & { kindOf: 'model' | 'agent'; group: string }> = [];
  private files: Array<Extract<Node, { kind: 'file' }>> = [];
  private readonly summaries = new Map<string, { key: string; text: string }>();
  private loaded = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly shippedRoot: string,
    private readonly jobs: Jobs,
  ) {
    const watcher = vscode.workspace.createFileSystemWatcher('**/*.{yaml,yml,jsonl,json,csv}');
    const soon = () => this.scheduleReload();
    let running = 0;
    const jobsChanged = () => {
      // A job that ended has written its results file: list it without waiting for the watcher.
      const now = jobs.list().length;
      if (now < running) soon();
      running = now;
      this.emitter.fire(undefined);
    };
    this.disposables.push(
      watcher,
      watcher.onDidCreate(soon),
      watcher.onDidDelete(soon),
      watcher.onDidChange(soon),
      jobs.onDidChange(jobsChanged),
      this.emitter,
    );
  }

  private get cwd(): string | undefined {
    return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  }

  private scheduleReload(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.reload(), 300);
  }

  async reload(): Promise<void> {
    const cwd = this.cwd;
    const { listConfigs } = (await engine()).config;
    const entries = cwd ? await listConfigs({ cwd, shippedRoot: this.shippedRoot }) : [];
    this.configs = entries.map((e) => ({
      kind: 'config' as const,
      kindOf: e.kind,
      group: e.group || 'other',
      id: e.id,
      file: e.file,
      api: e.api,
      model: e.model,
      errors: e.diagnostics.filter((d) => d.severity === 'error').length,
      warnings: e.diagnostics.filter((d) => d.severity === 'warning').length,
      origin: e.origin,
    }));
    const outFolder = vscode.workspace.getConfiguration('qed').get<string>('outputFolder') || 'outputs';
    const found = cwd ? await vscode.workspace.findFiles(DATA_GLOB, EXCLUDE, 2000) : [];
    this.files = found
      .map((u) => u.fsPath)
      .sort()
      .map((file) => ({
        kind: 'file' as const,
        file,
        role:
          file.endsWith('.jsonl') && cwd && relative(cwd, file).split(/[\\/]/)[0] === outFolder
            ? ('results' as const)
            : ('dataset' as const),
      }));
    await vscode.commands.executeCommand('setContext', 'qed.hasConfigs', !!cwd && existsSync(join(cwd, 'configs')));
    this.loaded = true;
    this.emitter.fire(undefined);
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.kind) {
      case 'section': {
        // The shipped agent configs alone would push datasets and results out of sight: that
        // section opens by itself only once the workspace has agent configs of its own.
        const folded =
          node.id === 'agents' && !this.configs.some((c) => c.kindOf === 'agent' && c.origin !== 'shipped');
        const item = new vscode.TreeItem(
          node.label,
          folded ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded,
        );
        item.contextValue = `qedSection.${node.id}`;
        return item;
      }
      case 'group':
        return new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
      case 'config': {
        const item = new vscode.TreeItem(node.id.includes('/') ? node.id.slice(node.id.indexOf('/') + 1) : node.id);
        // Never blank: an agent whose files do not load yet still says it is an agent.
        const what =
          node.kindOf === 'agent'
            ? (node.model ?? 'agent')
            : (node.model ?? (node.api ? `${node.api}: no model` : 'no model'));
        item.description = `${what}${node.errors ? ` · ${node.errors} error(s)` : ''}${node.origin === 'shipped' ? ' · shipped' : ''}`;
        item.tooltip = `${node.file}\n${node.kindOf === 'agent' ? `agent: ${what}` : `${node.api ?? ''}: ${node.model ?? ''}`}${node.errors ? `\n${node.errors} error(s)` : ''}${node.warnings ? `\n${node.warnings} warning(s)` : ''}`;
        item.iconPath = node.errors
          ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsErrorIcon.foreground'))
          : new vscode.ThemeIcon(node.warnings ? 'info' : 'file-code');
        item.resourceUri = vscode.Uri.file(node.file);
        item.command = { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(node.file)] };
        item.contextValue = 'qedConfig';
        return item;
      }
      case 'file': {
        const cwd = this.cwd ?? dirname(node.file);
        const item = new vscode.TreeItem(relative(cwd, node.file));
        item.resourceUri = vscode.Uri.file(node.file);
        item.iconPath = new vscode.ThemeIcon(node.role === 'results' ? 'checklist' : 'database');
        item.description = node.role === 'results' ? this.describeResults(node.file) : undefined;
        item.command =
          node.role === 'results'
            ? { command: 'qed.openResults', title: 'Open Results', arguments: [vscode.Uri.file(node.file)] }
            : { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(node.file)] };
        item.contextValue = node.role === 'results' ? 'qedResults' : 'qedDataset';
        return item;
      }
      case 'job': {
        const j = node.job;
        const item = new vscode.TreeItem(j.label);
        item.iconPath = new vscode.ThemeIcon('sync~spin');
        item.description = `${j.done}/${j.total} rows${j.failed ? ` · ${j.failed} failed` : ''} · $${j.cost.toFixed(4)}`;
        item.contextValue = 'qedJob';
        if (j.output) {
          // The viewer follows the job's journal: its rows show up as they are written.
          item.tooltip = `${j.output}\nClick to watch its rows arrive in the viewer.`;
          item.command = { command: 'qed.openResults', title: 'Open Results', arguments: [vscode.Uri.file(j.output)] };
        }
        return item;
      }
      case 'slurmJob': {
        const item = new vscode.TreeItem(
          `${node.role === 'generate' ? 'generation' : 'grading'} ${node.id} · ${node.model}`,
        );
        item.description = `${node.state}${node.elapsed ? ` · ${node.elapsed}` : ''} · ${node.rows} rows`;
        item.tooltip = `${node.results}\nlog: ${node.err}`;
        const icon =
          node.state === 'RUNNING'
            ? 'sync~spin'
            : node.state === 'PENDING'
              ? 'clock'
              : node.state === 'COMPLETED'
                ? 'pass'
                : node.state === 'UNKNOWN'
                  ? 'question'
                  : 'error';
        item.iconPath = new vscode.ThemeIcon(icon);
        item.contextValue = 'qedSlurmJob';
        // Results open in the viewer once a row exists; before that, the job's log.
        item.command =
          existsSync(node.results) || existsSync(`${node.results}.partial`)
            ? { command: 'qed.openResults', title: 'Open Results', arguments: [vscode.Uri.file(node.results)] }
            : { command: 'vscode.open', title: 'Open Log', arguments: [vscode.Uri.file(node.err)] };
        return item;
      }
      case 'empty':
        return new vscode.TreeItem(node.label);
    }
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (!this.loaded) await this.reload();
    if (!node) {
      // An empty tree shows the welcome content (create the standard layout).
      if (!this.cwd || !existsSync(join(this.cwd, 'configs'))) return [];
      return [
        { kind: 'section', id: 'models', label: 'Model configs' },
        { kind: 'section', id: 'agents', label: 'Agent configs' },
        { kind: 'section', id: 'datasets', label: 'Datasets' },
        { kind: 'section', id: 'results', label: 'Results' },
        { kind: 'section', id: 'jobs', label: 'Running jobs' },
        ...(existsSync(this.slurmDir(this.cwd))
          ? [{ kind: 'section' as const, id: 'slurm' as const, label: 'SLURM jobs' }]
          : []),
      ];
    }
    if (node.kind === 'section') {
      switch (node.id) {
        case 'models':
        case 'agents': {
          const mine = this.configs.filter((c) => (node.id === 'models' ? c.kindOf === 'model' : c.kindOf === 'agent'));
          if (!mine.length) return [{ kind: 'empty', label: 'none' }];
          return [...new Set(mine.map((c) => c.group))].map((g) => ({
            kind: 'group',
            section: node.id as 'models' | 'agents',
            label: g,
          }));
        }
        case 'datasets':
        case 'results': {
          const role = node.id === 'datasets' ? 'dataset' : 'results';
          const list = this.files.filter((f) => f.role === role);
          return list.length
            ? list
            : [
                {
                  kind: 'empty',
                  label: role === 'results' ? 'no results yet: run a benchmark' : 'no dataset files in this workspace',
                },
              ];
        }
        case 'jobs': {
          const running = this.jobs.list();
          return running.length
            ? running.map((job) => ({ kind: 'job', job }))
            : [{ kind: 'empty', label: 'no job is running' }];
        }
        case 'slurm': {
          // The launches of 'qed slurm' / Launch on SLURM under <outputs>/slurm, newest first; states from squeue/scontrol/sacct.
          const { cluster } = await engine();
          const launches = this.cwd
            ? cluster
                .findLaunches(this.slurmDir(this.cwd))
                .sort((a, b) => b.at.localeCompare(a.at))
                .slice(0, 10)
            : [];
          const nodes: Node[] = launches.flatMap((l) =>
            l.jobs.map((j) => {
              const info = cluster.jobInfo(j.id);
              return {
                kind: 'slurmJob' as const,
                id: j.id,
                role: j.kind,
                model: l.model,
                state: info.state,
                elapsed: info.elapsed,
                rows: cluster.rowsWritten(l.results),
                results: l.results,
                err: j.err,
              };
            }),
          );
          return nodes.length ? nodes : [{ kind: 'empty', label: 'no SLURM launch yet' }];
        }
      }
    }
    if (node.kind === 'group')
      return this.configs.filter(
        (c) => c.group === node.label && (node.section === 'models' ? c.kindOf === 'model' : c.kindOf === 'agent'),
      );
    return [];
  }

  private slurmDir(cwd: string): string {
    return join(cwd, vscode.workspace.getConfiguration('qed').get<string>('outputFolder') || 'outputs', 'slurm');
  }

  /** "60 rows · 5.21 / 7": computed in the background, cached by size and mtime. */
  private describeResults(file: string): string {
    const cached = this.summaries.get(file);
    void (async () => {
      try {
        const { statSync } = await import('node:fs');
        const st = statSync(file);
        const key = `${st.size}:${st.mtimeMs}`;
        if (cached?.key === key) return;
        const { quickSummary } = (await engine()).stats;
        const s = await quickSummary(file);
        const score =
          s.meanScore !== undefined
            ? ` · ${s.meanScore.toFixed(2)}${s.meanMax ? ` / ${+s.meanMax.toFixed(2)}` : ''}`
            : s.countedOnly
              ? ''
              : ' · not graded';
        this.summaries.set(file, { key, text: `${s.rows} rows${score}` });
        this.emitter.fire(undefined);
      } catch {
        /* the file vanished or is unreadable: leave the description empty */
      }
    })();
    return cached?.text ?? '…';
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}

/** QED: Create Example Configs — the standard layout with a few shipped configs and the prompts. */
export async function initWorkspaceCommand(shippedRoot: string, refresh: () => Promise<void>): Promise<void> {
  const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!cwd) {
    void ui.showWarningMessage('QED: open a folder first.');
    return;
  }
  const copies = [
    'schema/model-config.schema.json',
    'models/openai/gpt-5-mini.yaml',
    'models/google/gemini-2.5-pro.yaml',
    'models/custom/vllm-example.yaml',
    'prompts/generate_proof.txt',
    'prompts/generate_final_answer.txt',
  ];
  const made: string[] = [];
  for (const rel of copies) {
    const target = join(cwd, 'configs', rel);
    if (existsSync(target)) continue;
    await mkdir(dirname(target), { recursive: true });
    await copyFile(join(shippedRoot, rel), target);
    made.push(rel);
  }
  await mkdir(join(cwd, 'outputs'), { recursive: true });
  await mkdir(join(cwd, 'data'), { recursive: true });
  // Refresh the view now rather than waiting for the file watcher, which may be slow or
  // unavailable (remote file systems, exhausted inotify watches).
  await refresh();
  const first = join(cwd, 'configs', 'models', 'openai', 'gpt-5-mini.yaml');
  void ui.showInformationMessage(
    `QED: created ${made.length} example file(s) under configs/, and outputs/ and data/ folders.`,
  );
  if (existsSync(first)) await vscode.window.showTextDocument(vscode.Uri.file(first));
}

/** The QED view and its commands (Refresh, Create Example Configs). */
export function registerQedView(s: Services, view: QedView): void {
  s.context.subscriptions.push(view, vscode.window.registerTreeDataProvider('qed.explorer', view));
  registerCommand(s, 'qed.refreshView', 'Refresh', () => view.reload());
  registerCommand(s, 'qed.initWorkspace', 'Create Example Configs', () =>
    initWorkspaceCommand(s.shippedRoot, () => view.reload()),
  );
}
