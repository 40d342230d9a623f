import type * as vscode from 'vscode';
import type { RenderedRow, ViewerState } from '../protocol';
import type { JobInfo } from './jobs';
import type { PickManyState, Prompts } from './prompts';

/**
 * What `activate()` returns: `vscode.extensions.getExtension('qed-workbench.qed-workbench').exports`.
 * Small and typed; the extension-host tests use it instead of patching `vscode.window`.
 */
export interface QedApi {
  readonly version: 1;
  readonly jobs: {
    /** The runs and gradings running in this window. */
    list(): JobInfo[];
    /** Fires when a job starts, makes progress or ends. */
    readonly onDidChange: vscode.Event<void>;
  };
  readonly panels: {
    /** The open results viewers: the files each shows. */
    list(): Array<{ files: string[]; title: string; active: boolean; notice?: string }>;
    /**
     * The row page the viewer of `files` (else the active or only viewer) shows, the state the
     * page saved, and the banner over its list when one is shown (e.g. the demo's); undefined when
     * no viewer is open, `row` null when no row page is open. Answered only in the extension's
     * test mode.
     */
    rendered(files?: string[]): Promise<{ row: RenderedRow | null; state?: ViewerState; banner?: string } | undefined>;
  };
  readonly summaries: {
    /** The summaries shown (Show Summary), newest last: their read-only `qed-summary:` URIs. */
    list(): vscode.Uri[];
  };
  readonly prompts: {
    /**
     * Answers the extension's quick picks, input boxes and messages with `p` (its functions; VS
     * Code's for the rest) until the result is disposed.
     */
    use(p: Partial<Prompts>): vscode.Disposable;
    /**
     * The multi-select pick VS Code shows for `pickMany` (labels, ticked, highlighted), undefined
     * when none is open: tests drive it with VS Code's own quickInput commands. Test mode only.
     */
    pickManyShown(): PickManyState | undefined;
  };
}
