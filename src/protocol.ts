/**
 * The messages between the results viewer (src/webview/app, a browser page) and its host (the
 * VS Code panel in src/extension/resultsPanel.ts, or `qed view`'s HTTP server in src/cli/view.ts).
 *
 * One discriminated union each way, on `kind`:
 *
 *   viewer → host   ready (handshake), request (carries an id), cancel (an id)
 *   host → viewer   init (answer to ready), response (same id; result or error), event
 *   test-only       probe (host → viewer), answered by probed (same id): the open row page
 *
 * The viewer sends `ready` once it has loaded; the host answers `init` with the files it serves
 * and what it can do. Every request carries an id unique within the page; its response carries
 * the same id. A `cancel` asks the host to abort a request still running (a regrade, a search):
 * the request then ends with an error of code 'cancelled'. Events are not answers to anything:
 * a file changed on disk, a long request made progress.
 *
 * This file holds types only (plus a few constants), so both the browser bundle and the node
 * hosts import it without pulling anything else in.
 */

export const PROTOCOL_VERSION = 1;

/** How a row did, as the list colours it. */
export type RowStatus = 'full' | 'partial' | 'zero' | 'not_graded' | 'parse_error' | 'run_error';

export const ROW_STATUSES: readonly RowStatus[] = ['full', 'partial', 'zero', 'not_graded', 'parse_error', 'run_error'];

/** What the list shows of one row, computed once on the host when the file is indexed. */
export interface RowSummary {
  /** 0-based position of the row among the file's rows (blank lines do not count). */
  index: number;
  /** 1-based line in the file (in its job journal for a `live` row). */
  line: number;
  /** question_id, else problem_id, else '#index'. */
  id: string;
  source?: string;
  /** null when there is no usable score (not graded, parse failure, run error). */
  score: number | null;
  /** Sum of the schema items' points; null when unknown. */
  max: number | null;
  status: RowStatus;
  model?: string;
  /** Output tokens of the generation (cost_run.output_tokens), null when not recorded. */
  tokens: number | null;
  /** Generation plus grading cost in USD, null when neither is recorded. */
  cost: number | null;
  /** Empty solution, or the model stopped at its token limit. */
  truncated: boolean;
  /** Total of a human override, when the row has one. */
  human: number | null;
  /** Steps of the row's agent trace (only on rows an agent produced). */
  steps?: number;
  /** What the agent's calls cost in USD, null when not recorded (only on rows an agent produced). */
  agentCost?: number | null;
  /**
   * Read from the journal of a job still running (`<file>.partial`): not in the file yet, so it
   * cannot be regraded or overridden until the job ends.
   */
  live?: boolean;
}

/** `steps` and `agentCost`: rows without an agent trace come last in both directions. */
export type SortKey = 'index' | 'id' | 'score' | 'tokens' | 'cost' | 'steps' | 'agentCost';

/** Every filter is optional; present ones must all hold. */
export interface RowFilter {
  /** A regular expression (JavaScript syntax) searched in the row's text. */
  text?: string;
  /** Case-sensitive text search (default: insensitive). */
  caseSensitive?: boolean;
  /** Search only this column (default: every text column, grades and history included). */
  textField?: string;
  scoreMin?: number;
  scoreMax?: number;
  /** true: rows with a numeric score; false: rows without one. */
  hasGrade?: boolean;
  parseFailure?: boolean;
  truncated?: boolean;
  runError?: boolean;
  /** Has a human override. */
  overridden?: boolean;
  /** Only these statuses. */
  statuses?: RowStatus[];
  /** true: rows an agent produced (with an `agent_trace`); false: the others. */
  agent?: boolean;
  /** Bounds on the number of agent steps (rows without a trace never match a bound). */
  stepsMin?: number;
  stepsMax?: number;
  /** Bounds on the agent cost in USD (rows without a recorded agent cost never match a bound). */
  agentCostMin?: number;
  agentCostMax?: number;
  /** A metadata column equal to a value (compared as text). */
  column?: { name: string; value: string };
}

export interface RowQuery {
  filter: RowFilter;
  sort: SortKey;
  descending?: boolean;
}

/** A metadata column the list can filter on, with its values (most frequent first). */
export interface MetaColumn {
  name: string;
  values: Array<{ value: string; count: number }>;
}

export interface FileInfo {
  /** Position in the host's list of files: the `file` field of requests. */
  file: number;
  path: string;
  name: string;
}

export interface FileSummary extends FileInfo {
  bytes: number;
  /** Rows indexed so far (all of them when `complete`). */
  rows: number;
  /** False while the host is still reading the file (the counts grow). */
  complete: boolean;
  /** Set while the rows' summaries (scores, flags: what filters and sorts use) are still being read: rows summarised so far. */
  summarized?: number;
  /** Lines that are not JSON objects (skipped; shown as a warning). */
  badLines: Array<{ line: number; message: string }>;
  columns: string[];
  meta: MetaColumn[];
  statusCounts: Record<RowStatus, number>;
  /** Grows each time the file changes on disk; pages of an older generation are stale. */
  generation: number;
  /** A job holds the file (`<file>.lock` exists): actions that write are refused. */
  locked: boolean;
  /** Rows shown from a running (or interrupted) job's journal, `<file>.partial`. */
  live?: { rows: number; journal: string };
}

export interface PageResult {
  generation: number;
  /** Rows matching the filter. */
  matched: number;
  /** Rows in the file. */
  total: number;
  offset: number;
  rows: RowSummary[];
  /** Set when the text search stopped before the end (time bound) or the file is still being read. */
  incomplete?: { reason: string; searched: number };
}

export interface FullRow {
  file: number;
  index: number;
  line: number;
  /** The row exactly as parsed from its line (long strings may be cut: see `cut`). */
  row: Record<string, unknown>;
  summary: RowSummary;
  /** A fingerprint of the line's bytes: actions that write send it back as `expect`. */
  rev: string;
  bytes: number;
  /** Columns whose text was cut for transfer: name → full length in characters. */
  cut?: Record<string, number>;
  /**
   * An agent's row asked for with `lazyCalls`: its `history` was left out of `row` and has this
   * many entries; ask for them with `calls`.
   */
  calls?: number;
}

/**
 * The `agent_trace` column of a row an agent produced, as the agent scaffolds write it. The viewer
 * reads it leniently (any field may be missing or of the wrong type in a damaged file).
 */
export interface AgentTrace {
  v: 1;
  /** 'deepseek_agent', 'nomos', 'rc', 'rsa', 'selfcheck', 'math_agent', 'static_math_agent'… */
  scaffold: string;
  steps: AgentTraceStep[];
  /** The final choice, e.g. {candidate: 'p3', score: 0.75, note: 'highest mean verification score'}. */
  final?: { candidate?: string; score?: number; note: string };
}

export interface AgentTraceStep {
  /** generate, verify, refine, score, summarize, consolidate, compare, select, merge, improve, approaches, plan, tool, check, correct, filter… */
  kind: string;
  label: string;
  round?: number;
  /** The candidate this step produced. */
  candidate?: string;
  /** The candidates this step read. */
  of?: string[];
  score?: number;
  /** The scale's maximum of `score`. */
  max?: number;
  /** A compare / select / check outcome. */
  verdict?: string;
  note?: string;
  /** Index into the row's `history` (absent on decision steps that made no call). */
  h?: number;
  model?: string;
  input_tokens?: number;
  output_tokens?: number;
  /** USD, unrounded. */
  cost?: number;
  /** Seconds. */
  time?: number;
  /** Replayed from the step journal after a resume (paid in an earlier session). */
  reused?: boolean;
}

/** One entry of an agent row's `history`: the messages of one model call. */
export interface AgentHistoryEntry {
  step: string;
  timestep: number;
  messages: Array<{
    role: string;
    content: string;
    type?: string;
    tool_name?: string;
    tool_calls?: Array<{ id: string; name: string; arguments: unknown }>;
  }>;
}

/** A grader the host can regrade with. */
export interface GraderChoice {
  /** What to send back as `grader`. */
  ref: string;
  label: string;
  description?: string;
}

export type GradeModeName = 'proof' | 'proofbench' | 'final-answer';

export interface GraderList {
  graders: GraderChoice[];
  /** Ref offered first (the --grader option, the qed.defaultGrader setting). */
  preferred?: string;
  /** The host shows its own picker (VS Code): send `regrade` without `grader`. */
  hostPicker: boolean;
  /** Why regrading is not possible here (e.g. a restricted workspace), when it is not. */
  unavailable?: string;
}

export interface HumanGrade {
  points: number[];
  total: number;
  note: string;
  reviewer: string;
  /** ISO time of the override. */
  at: string;
}

export interface CostFigures {
  cost: number;
  input_tokens: number;
  output_tokens: number;
  time: number;
}

export interface EditResult {
  row: FullRow;
  /** What the grader call cost (regrade only). */
  cost?: CostFigures;
  /** 'parse_failure' when the grader's reply could not be read (the row records it). */
  flag?: string;
}

export interface CompareRow {
  key: string;
  left: RowSummary | null;
  right: RowSummary | null;
  /** right − left, when both have a score; a saved human grade counts instead of the model's. */
  diff: number | null;
}

export interface CompareResult {
  left: number;
  right: number;
  /** Column the rows were joined on. */
  joinedOn: string;
  rows: CompareRow[];
}

/** Request name → [parameters, result]. Adding a request means adding one line here. */
export interface RequestMap {
  summary: [{ file: number }, FileSummary];
  page: [{ file: number; query: RowQuery; offset: number; limit: number }, PageResult];
  /** Where a row (by index) sits in the filtered, sorted list; -1 when filtered out. */
  locate: [{ file: number; query: RowQuery; index: number }, { position: number; matched: number }];
  /** `lazyCalls`: an agent's row comes without its `history` (see FullRow.calls). */
  row: [{ file: number; index: number; maxFieldChars?: number; lazyCalls?: boolean }, FullRow];
  /** Entries [from, from + count) of an agent row's history (at most 50); 'changed' when the row is no longer `rev`. */
  calls: [
    { file: number; index: number; rev: string; from: number; count: number; maxFieldChars?: number },
    { entries: unknown[]; total: number },
  ];
  graders: [{ file: number }, GraderList];
  regrade: [{ file: number; index: number; expect: string; grader?: string; mode?: GradeModeName }, EditResult];
  override: [
    { file: number; index: number; expect: string; points: number[]; note: string; reviewer?: string },
    EditResult,
  ];
  /** Removes a human grade. */
  clearOverride: [{ file: number; index: number; expect: string }, EditResult];
  compare: [{ left: number; right: number; query?: RowQuery }, CompareResult];
  /** The row, or the filtered rows (at most `limit`), as markdown. */
  export: [
    { file: number; index?: number; query?: RowQuery; limit?: number },
    { markdown: string; rows: number; saved?: string },
  ];
}

export type RequestType = keyof RequestMap;
export type RequestParams<K extends RequestType> = RequestMap[K][0];
export type RequestResult<K extends RequestType> = RequestMap[K][1];

/** One request as sent: `{ kind: 'request', id, type: 'page', params: {...} }`. */
export type AnyRequest = {
  [K in RequestType]: { kind: 'request'; id: number; type: K; params: RequestParams<K> };
}[RequestType];

export interface ViewerState {
  /** Set by the viewer with setState; the VS Code serializer reopens `path` after a reload. */
  path?: string;
  /** Every file the view shows (several when comparing runs), reopened together after a reload. */
  paths?: string[];
  /** The compare view is shown (two files or more). */
  compare?: boolean;
  file?: number;
  query?: RowQuery;
  open?: number | null;
  selected?: number;
  fontSize?: number;
  scrollTop?: number;
  /** The banner the host opened the view with (the demo's), shown again when it is restored. */
  notice?: string;
}

export type ViewerMessage =
  | { kind: 'ready'; protocol: number; state?: ViewerState }
  | AnyRequest
  | { kind: 'cancel'; id: number }
  /** Test-only: the answer to the host's `probe`. */
  | { kind: 'probed'; id: number; row: RenderedRow | null; state?: ViewerState; banner?: string };

/**
 * Test-only (the VS Code host asks it for the extension-host tests, through the API `activate()`
 * returns): what the open row page shows, so a test can check the webview without a browser.
 */
export interface RenderedRow {
  index: number;
  /** The deferred sections are built (the formula counts are final). */
  complete: boolean;
  /** The page's text as rendered (KaTeX output included). */
  text: string;
  /** Formulas rendered, and those KaTeX could not render. */
  formulas: number;
  mathErrors: number;
}

export type ErrorCode = 'cancelled' | 'changed' | 'locked' | 'invalid' | 'unavailable' | 'not_found' | 'failed';

export interface ProtocolError {
  code: ErrorCode;
  message: string;
}

export interface Capabilities {
  regrade: boolean;
  override: boolean;
  /** Shown when regrade is false. */
  regradeUnavailable?: string;
  /** The host saves exports itself (VS Code); otherwise the page downloads them. */
  saveExport: boolean;
}

export interface ViewerSettings {
  fontSize?: number;
  /** KaTeX macros, e.g. {"\\RR": "\\mathbb{R}"}. */
  macros?: Record<string, string>;
  /** Reviewer name offered in the override form. */
  reviewer?: string;
  /** A note the viewer always shows over the list, e.g. that these are demo results. */
  notice?: string;
}

export type HostEvent =
  /** The file changed on disk: rows were appended, one row was rewritten by an action, or the whole file was replaced. */
  | {
      type: 'changed';
      file: number;
      change: 'appended' | 'row' | 'rewritten' | 'removed';
      generation: number;
      rows: number;
      index?: number;
    }
  /** Indexing or a long request made progress (`id` names the request, absent for indexing). */
  | { type: 'progress'; file: number; id?: number; message: string; fraction?: number }
  /** The host asks the viewer to open a row (e.g. the command was run again with a row). */
  | { type: 'reveal'; file: number; index: number };

export type HostMessage =
  | {
      kind: 'init';
      protocol: number;
      files: FileInfo[];
      capabilities: Capabilities;
      settings: ViewerSettings;
      state?: ViewerState;
      host: 'vscode' | 'http' | 'stub';
    }
  | { kind: 'response'; id: number; ok: true; result: unknown }
  | { kind: 'response'; id: number; ok: false; error: ProtocolError }
  | { kind: 'event'; event: HostEvent }
  /** Test-only: asks the page for its open row (answered by `probed`, same id). */
  | { kind: 'probe'; id: number };
