import * as vscode from 'vscode';
import { ui } from './prompts';
import { registerCommand, type Services } from './services';

/** What the status bar and the Cancel Job command need to know of a running job. */
export interface JobInfo {
  id: number;
  kind: 'run' | 'grade';
  label: string;
  started: number;
  done: number;
  total: number;
  failed: number;
  cost: number;
  controller: AbortController;
  /** The results file the job writes: the QED view opens it live. */
  output?: string;
}

/**
 * The jobs (runs, gradings) running in this window: one status bar item summing them up, and
 * cancellation from the command palette as well as from their notifications.
 */
export class Jobs implements vscode.Disposable {
  private readonly jobs = new Map<number, JobInfo>();
  private next = 1;
  private anyRunning = false;
  private readonly item: vscode.StatusBarItem;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor() {
    this.item = vscode.window.createStatusBarItem('qed.jobs', vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'QED jobs';
    // Opens the QED view, whose Running jobs section has progress, cost and a cancel button per job.
    this.item.command = 'qed.explorer.focus';
  }

  /** Registers a job; cancelling it (here or from its notification) aborts `controller`. */
  start(kind: JobInfo['kind'], label: string, controller: AbortController, output?: string): JobInfo {
    const job: JobInfo = {
      id: this.next++,
      kind,
      label,
      started: Date.now(),
      done: 0,
      total: 0,
      failed: 0,
      cost: 0,
      controller,
      output,
    };
    this.jobs.set(job.id, job);
    this.refresh();
    return job;
  }

  /**
   * Runs a job under a cancellable progress notification, registered here for the status bar and
   * QED: Cancel Job. `work` gets the abort signal and a progress callback.
   */
  run<T>(
    kind: JobInfo['kind'],
    label: string,
    work: (signal: AbortSignal, onProgress: (p: JobProgressLike) => void) => Promise<T>,
    log?: vscode.LogOutputChannel,
    output?: string,
  ): Thenable<T> {
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `QED: ${label}`, cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => {
          log?.info(`${label}: cancel requested; finished rows are kept`);
          controller.abort();
        });
        const job = this.start(kind, label, controller, output);
        let lastPct = 0;
        try {
          return await work(controller.signal, (p) => {
            const pct = p.total ? ((p.done + p.failed) / p.total) * 100 : 100;
            progress.report({ increment: pct - lastPct, message: progressMessage(p) });
            lastPct = pct;
            this.update(job, p);
          });
        } finally {
          this.finish(job);
        }
      },
    );
  }

  update(job: JobInfo, p: { done: number; total: number; failed: number; cost: { cost: number } }): void {
    job.done = p.done;
    job.total = p.total;
    job.failed = p.failed;
    job.cost = p.cost.cost;
    this.refresh();
  }

  finish(job: JobInfo): void {
    this.jobs.delete(job.id);
    this.refresh();
  }

  list(): JobInfo[] {
    return [...this.jobs.values()];
  }

  /** QED: Cancel Job — the job given (from the QED view), else picks among running jobs. */
  async cancelCommand(arg?: { job?: JobInfo }): Promise<void> {
    if (arg?.job && this.jobs.has(arg.job.id)) {
      arg.job.controller.abort();
      void ui.showInformationMessage(`QED: cancelling ${arg.job.label}; finished rows are kept.`);
      return;
    }
    const running = this.list();
    if (!running.length) {
      void ui.showInformationMessage('QED: no job is running.');
      return;
    }
    const pick =
      running.length === 1
        ? running[0]
        : (
            await ui.showQuickPick(
              running.map((j) => ({ label: j.label, description: describe(j), job: j })),
              { title: 'Cancel which job?' },
            )
          )?.job;
    if (!pick) return;
    pick.controller.abort();
    void ui.showInformationMessage(`QED: cancelling ${pick.label}; finished rows are kept.`);
  }

  private refresh(): void {
    const running = this.list();
    // refresh() runs on every progress report: tell the context only when it changes.
    if (running.length > 0 !== this.anyRunning) {
      this.anyRunning = running.length > 0;
      void vscode.commands.executeCommand('setContext', 'qed.jobsRunning', this.anyRunning);
    }
    if (!running.length) {
      this.item.hide();
    } else {
      const done = running.reduce((s, j) => s + j.done, 0);
      const total = running.reduce((s, j) => s + j.total, 0);
      const cost = running.reduce((s, j) => s + j.cost, 0);
      this.item.text = `$(sync~spin) QED ${done}/${total} · $${cost.toFixed(2)}`;
      this.item.tooltip = new vscode.MarkdownString(
        running.map((j) => `**${j.label}**: ${describe(j)}`).join('\n\n') +
          '\n\nClick to show the running jobs (each with a cancel button).',
      );
      this.item.show();
    }
    this.changed.fire();
  }

  dispose(): void {
    for (const j of this.jobs.values()) j.controller.abort();
    this.item.dispose();
    this.changed.dispose();
  }
}

/** The progress figures a job reports (JobProgress of the engine, structurally). */
export interface JobProgressLike {
  done: number;
  total: number;
  failed: number;
  cost: { cost: number };
  flags?: Record<string, number>;
  /** The step of a job made of several (the demo: "run proof", "grade proof"…), shown first. */
  step?: string;
}

/** Formats a job's progress for a notification. */
export function progressMessage(p: JobProgressLike): string {
  const unread = p.flags?.parse_failure ?? 0;
  return `${p.step ? `${p.step}: ` : ''}${p.done}/${p.total} rows${p.failed ? ` · ${p.failed} failed` : ''}${unread ? ` · ${unread} unreadable` : ''} · $${p.cost.cost.toFixed(4)}`;
}

function describe(j: JobInfo): string {
  return `${j.done}/${j.total} rows${j.failed ? `, ${j.failed} failed` : ''}, $${j.cost.toFixed(4)}`;
}

/** QED: Cancel Job (from the palette, or the inline button of a job in the QED view). */
export function registerJobCommands(s: Services): void {
  registerCommand(s, 'qed.cancelJob', 'Cancel Job', (arg?: { job?: JobInfo }) => s.jobs.cancelCommand(arg));
}
