import * as vscode from 'vscode';
import { basename, join, relative } from 'node:path';
import { ui } from './prompts';
import { registerCommand, type Services } from './services';
import type { ResultsPanels } from './resultsPanel';
import type { DemoServer } from '../core/demo';
import { engine } from './lazy';

/**
 * The demo of this window: its loopback server lives while its results panel is open (a regrade
 * from the panel asks the demo grader), and is closed when the panel closes, when the job fails or
 * is cancelled, when a new demo starts, and when the extension is deactivated.
 */
interface DemoSession {
  server: DemoServer;
  panel?: vscode.WebviewPanel;
  closed?: Promise<void>;
}

let session: DemoSession | undefined;
let running = false;

function closeSession(s: DemoSession): Promise<void> {
  s.closed ??= s.server.close();
  if (session === s) session = undefined;
  return s.closed;
}

/**
 * Where the demo writes: `<outputFolder>/demo` of the workspace folder (as `qed demo` writes
 * `outputs/demo`); the extension's own storage when no folder is open or the folder is not trusted
 * (the demo runs no workspace code and calls no API, but it does not write into an untrusted folder).
 */
function demoFolder(s: Services): { dir: string; where: string } {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (folder && vscode.workspace.isTrusted) {
    const out = vscode.workspace.getConfiguration('qed').get<string>('outputFolder') || 'outputs';
    const dir = join(folder.uri.fsPath, out, 'demo');
    return { dir, where: relative(folder.uri.fsPath, dir) || dir };
  }
  const why = folder ? 'this folder is in Restricted Mode' : 'no folder is open';
  return { dir: join(s.context.globalStorageUri.fsPath, 'demo'), where: `the extension's storage (${why})` };
}

/**
 * QED: Try the Demo — VS Code's `qed demo`: serves the built-in demo model on loopback (no key, no
 * network), runs the shipped sample problems through the real run and grading (final answers by
 * the real answer checker, proofs by the demo grader, which says so) under a job's progress
 * notification, then opens both results files in the viewer with the demo banner.
 */
export async function tryDemoCommand(s: Services, panels: ResultsPanels): Promise<void> {
  if (running) {
    void ui.showInformationMessage('QED: the demo is already running (see its progress notification).');
    return;
  }
  running = true;
  try {
    await runTheDemo(s, panels);
  } finally {
    running = false;
  }
}

async function runTheDemo(s: Services, panels: ResultsPanels): Promise<void> {
  const { demo, stats } = await engine();
  // A new demo starts its files afresh: the earlier demo's panel and server go first.
  const earlier = session;
  if (earlier) {
    earlier.panel?.dispose();
    await closeSession(earlier);
  }
  const { dir, where } = demoFolder(s);
  const plan = await demo.prepareDemo({ shippedRoot: s.shippedRoot, outputDir: dir });
  const mine: DemoSession = { server: plan.server };
  session = mine;
  let keepServer = false;
  try {
    const what = demo.demoProblems(plan);
    s.log.info(
      `demo: demo model '${demo.DEMO_MODEL}' on ${plan.server.baseUrl} (loopback; no key, no network), ${what} from ${plan.source} → ${dir}`,
    );
    // One progress for the whole demo: each part is run, then graded; every row counts twice.
    const total = plan.parts.reduce((n, p) => n + 2 * p.rows, 0);
    let stage = '';
    let before = { done: 0, failed: 0 };
    let current = { total: 0, failed: 0 };
    const results = await s.jobs.run(
      'run',
      'Demo (built-in demo model)',
      (signal, onProgress) =>
        demo.runDemo(plan, {
          shippedRoot: s.shippedRoot,
          signal,
          onLog: (line) => s.log.info(`demo: ${line}`),
          onProgress: (step, p) => {
            if (step !== stage) {
              before = { done: before.done + current.total, failed: before.failed + current.failed };
              stage = step;
            }
            current = { total: p.total, failed: p.failed };
            onProgress({
              done: before.done + p.done,
              total,
              failed: before.failed + p.failed,
              cost: p.cost,
              flags: p.flags,
              step,
            });
          },
        }),
      s.log,
      plan.parts[0]?.outputFile,
    );
    const files = results.map((r) => r.part.outputFile);
    const stopped = results.find((r) => r.run.cancelled || r.grade.cancelled || r.run.stopped || r.grade.stopped);
    if (stopped) {
      s.log.info(`demo: cancelled; the rows done so far are in ${dir}`);
      void ui.showInformationMessage(`QED: demo cancelled. The rows done so far are in ${where}.`);
      return;
    }
    const figures: string[] = [];
    for (const r of results) {
      const q = await stats.quickSummary(r.part.outputFile);
      const mean =
        q.meanScore === undefined ? 'no score' : `mean ${q.meanScore.toFixed(2)}${q.meanMax ? `/${q.meanMax}` : ''}`;
      const by = r.part.mode === 'proof' ? 'the demo grader' : 'the answer checker';
      figures.push(`${basename(r.part.outputFile)}: ${q.graded}/${q.rows} graded by ${by}, ${mean}`);
    }
    s.log.info(`demo: done. ${figures.join('; ')}`);

    const panel = await panels.openWithNotice(files, demo.DEMO_NOTICE, 'QED Demo results');
    mine.panel = panel;
    keepServer = true;
    panel.onDidDispose(() => {
      s.log.info('demo: viewer closed; demo model stopped');
      void closeSession(mine);
    });
    const failed = results.reduce((n, r) => n + r.run.failed + r.grade.failed, 0);
    const show = failed ? ui.showWarningMessage : ui.showInformationMessage;
    const summary = 'Show Summary';
    const choice = await show(
      `QED: demo done (${figures.join('; ')}${failed ? `; ${failed} failed` : ''}). Files in ${where}.`,
      summary,
      'Show Log',
    );
    if (choice === summary) {
      const uris = files.map((f) => vscode.Uri.file(f));
      await vscode.commands.executeCommand('qed.showSummary', uris[0], uris);
    } else if (choice === 'Show Log') s.log.show();
  } finally {
    if (!keepServer) await closeSession(mine);
  }
}

/** QED: Try the Demo (also the walkthrough's first step). */
export function registerTryDemo(s: Services, panels: ResultsPanels): void {
  registerCommand(s, 'qed.tryDemo', 'Try the Demo', () => tryDemoCommand(s, panels));
  s.context.subscriptions.push({ dispose: () => void (session && closeSession(session)) });
}
