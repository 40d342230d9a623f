// Regrading one row of a results file: the one path behind the viewer's Regrade, the CodeLens and
// the QED: Regrade Row command. Only that row's line changes; the file's lock is held while the
// grader works, so a job started meanwhile is refused rather than overwriting the new grade.

import { loadConfig } from '../config/load';
import type { ModelConfig } from '../config/types';
import type { Row } from '../data/types';
import { QedError } from '../errors';
import type { BoundClient } from '../llm';
import type { CostRecord, RetryInfo } from '../llm/types';
import { lockForEdit, type JobLock } from '../run/lock';
import type { RunIdentity, RunStamp } from '../run/store';
import { EditRefused, assertNotLocked, replaceRow, rowForEdit } from '../view/edit';
import { acquireIndex, type ResultsIndex } from '../view/resultsIndex';
import { checkColumns, gradeRow, type GradeMode, type Grader } from './eval';
import { graderPlan } from './grader';

export interface RegradeResult {
  row: Row;
  cost: CostRecord;
  /** 1-based line of the row in the file. */
  line: number;
  flag?: 'parse_failure' | 'empty';
  /** The grader that graded it. */
  grader: Grader;
}

export interface RegradeOptions {
  /** The fingerprint of the row as the user saw it (the viewer); without it, the row as it is now. */
  expect?: string;
  signal?: AbortSignal;
  onRetry?: (info: RetryInfo) => void;
  /** Told once the grader is known, before it is asked. */
  onStart?: (grader: Grader) => void;
}

const hasRunError = (row: Row) => row.error !== undefined && row.error !== null && row.error !== '';

/** Row `i` as it is now, checked against the fingerprint the user saw when there is one. */
async function currentRow(index: ResultsIndex, i: number, expect?: string): Promise<{ row: Row; rev: string }> {
  if (expect !== undefined) return rowForEdit(index, i, expect);
  assertNotLocked(index.file);
  await index.refresh();
  if (!index.complete) await index.waitForRows(i + 1);
  if (!Number.isInteger(i) || i < 0 || i >= index.table.n)
    throw new EditRefused('changed', `there is no row ${i + 1} (the file has ${index.table.n})`, index.file);
  return index.readRow(i);
}

/**
 * Regrades row `i` (0-based) of an indexed results file. `pick` gives the grader for the row
 * (see graderForRow: by default the row's own recorded grading), or undefined when the user gave
 * up; then nothing happens and undefined is returned. Nothing is written if the row changed since
 * it was read (or since the user saw it, with `expect`) or if a job holds the file.
 */
export async function regradeIndexedRow(
  index: ResultsIndex,
  i: number,
  pick: Grader | ((row: Row) => Promise<Grader | undefined>),
  opts: RegradeOptions = {},
): Promise<RegradeResult | undefined> {
  const file = index.file;
  const { row, rev } = await currentRow(index, i, opts.expect);
  const line = index.table.line[i];
  if (hasRunError(row))
    throw new EditRefused('invalid', 'this row has no solution to grade: its generation failed', file, line);
  const grader = typeof pick === 'function' ? await pick(row) : pick;
  if (!grader) return undefined;
  checkColumns([row], grader, file, [line]);
  opts.signal?.throwIfAborted();
  let lock: JobLock;
  try {
    lock = lockForEdit(file);
  } catch (e) {
    if (e instanceof QedError) throw EditRefused.from('locked', e);
    throw e;
  }
  try {
    // Under the lock, the row must still be the one the grader was chosen for.
    await index.refresh();
    const now = i < index.table.n ? await index.readRow(i) : undefined;
    if (now?.rev !== rev)
      throw new EditRefused(
        'changed',
        'this row changed on disk since it was read; nothing was written',
        file,
        line,
        'look at the row again, then repeat the action',
      );
    opts.onStart?.(grader);
    const g = await gradeRow(row, `#${i}`, grader, opts.signal, opts.onRetry);
    opts.signal?.throwIfAborted();
    await replaceRow(index, i, rev, g.row, { locked: true });
    return { row: g.row, cost: g.cost, line: index.table.line[i], flag: g.flag, grader };
  } finally {
    lock.release();
  }
}

/** Regrades row `index` (0-based) of a results file (see regradeIndexedRow); undefined when the user gave up. */
export async function regradeRow(
  file: string,
  index: number,
  grader: Grader | ((row: Row) => Promise<Grader | undefined>),
  opts: RegradeOptions = {},
): Promise<RegradeResult | undefined> {
  const { index: idx, release } = acquireIndex(file);
  try {
    await idx.open();
    return await regradeIndexedRow(idx, index, grader, opts);
  } finally {
    release();
  }
}

/** What a row's `qed_grade` stamp says about how it was graded. */
export interface RecordedGrading {
  /** The grader config as it was named (e.g. 'openai/gpt-5'). */
  config: string;
  configHash?: string;
  /** The main prompt: a user's file (absolute path) or `configs/prompts/<shipped file>`. */
  prompt?: string;
  promptHash?: string;
  mode: GradeMode;
}

const MODES: readonly GradeMode[] = ['proof', 'proofbench', 'final-answer'];
const isMode = (v: unknown): v is GradeMode => MODES.includes(v as GradeMode);

/**
 * The grading mode of a row: the one its `qed_grade` stamp records, else what its columns say
 * (an answer-correctness scheme or a judge method: final answer; a marking scheme without
 * guidelines: ProofBench; otherwise the IMO-ProofBench rubric). The one rule for the CLI, the
 * viewer and VS Code.
 */
export function gradingModeOf(row: Row | undefined): GradeMode {
  if (!row) return 'proof';
  const stamp = row.qed_grade as { mode?: unknown } | undefined;
  if (stamp && typeof stamp === 'object' && isMode(stamp.mode)) return stamp.mode;
  const schema = row.schema_0 as Array<{ title?: unknown }> | undefined;
  if (Array.isArray(schema) && schema[0]?.title === 'Answer Correctness') return 'final-answer';
  if (row.judge_method !== undefined) return 'final-answer';
  if ('grading_scheme' in row && !('grading_guidelines' in row)) return 'proofbench';
  return 'proof';
}

/** The grading a file records: the mode of its first row with a `qed_grade` stamp, if any. */
export function recordedFileMode(rows: Row[]): GradeMode | undefined {
  const stamped = rows.find((r) => recordedGrading(r));
  return stamped ? gradingModeOf(stamped) : undefined;
}

/** How a row was graded, from its `qed_grade` stamp (undefined: not graded by qed). */
export function recordedGrading(row: Row): RecordedGrading | undefined {
  const s = row.qed_grade as Partial<RunStamp> | undefined;
  if (!s || typeof s !== 'object' || typeof s.config !== 'string' || !s.config) return undefined;
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  return {
    config: s.config,
    configHash: str(s.config_hash),
    prompt: str(s.prompt),
    promptHash: str(s.prompt_hash),
    mode: isMode(s.mode) ? s.mode : gradingModeOf({ ...row, qed_grade: undefined }),
  };
}

/** What the user chose in the regrade dialog; unset fields: as the row was graded. */
export interface RegradeChoice {
  /** A grader config (name or path); unset: the one the row records. */
  ref?: string;
  mode?: GradeMode;
}

export interface RowGrader {
  grader: Grader;
  recorded?: RecordedGrading;
  /** How this grading differs from the row's recorded one (empty: the row stays like the rest of the file). */
  differences: string[];
}

/** How grading with `identity` differs from the recorded grading of a row (empty: not at all, or nothing recorded). */
export function gradingDifferences(recorded: RecordedGrading | undefined, identity: RunIdentity): string[] {
  const differences: string[] = [];
  if (!recorded) return differences;
  if (recorded.configHash !== identity.config_hash)
    differences.push(
      recorded.config === identity.config
        ? `the config '${recorded.config}' has changed since`
        : `grader '${identity.config}' instead of '${recorded.config}'`,
    );
  if (identity.mode !== recorded.mode) differences.push(`${identity.mode} grading instead of ${recorded.mode}`);
  else if (recorded.promptHash !== identity.prompt_hash)
    differences.push(`the grading prompt${recorded.prompt ? ` ${recorded.prompt}` : ''} has changed since`);
  return differences;
}

/** The words the dialogs show when a regrade leaves the row unlike the rest of the file. */
export function mismatchWarning(differences: string[]): string {
  return `this row will no longer match the rest of the file (${differences.join('; ')}): qed eval will then refuse the file as a mixed run until it is graded again with --overwrite`;
}

/**
 * The grader for regrading `row`: by default the config, prompt and mode its `qed_grade` stamp
 * records (so the regraded row stays one run with the rest of the file), or what the user chose
 * instead, with the differences listed. `client` builds the config's client (VS Code asks for a
 * key there); undefined when the user gave up.
 */
export async function graderForRow(
  row: Row,
  choice: RegradeChoice,
  env: { cwd: string; shippedRoot: string; client: (cfg: ModelConfig) => Promise<BoundClient | undefined> },
): Promise<RowGrader | undefined> {
  const recorded = recordedGrading(row);
  const mode = choice.mode ?? recorded?.mode ?? gradingModeOf(row);
  const ref = choice.ref ?? recorded?.config;
  if (!ref) throw new QedError('this row records no grader (it was not graded by qed): choose a grader config');
  const cfg = await loadConfig(ref, { cwd: env.cwd, shippedRoot: env.shippedRoot });
  // The recorded prompt file when the mode is the recorded one (a user's --prompt file is kept
  // by its path; a shipped one by its name).
  const userPrompt =
    recorded?.prompt && mode === recorded.mode && !recorded.prompt.startsWith('configs/prompts/')
      ? recorded.prompt
      : undefined;
  const plan = await graderPlan(cfg, { mode, shippedRoot: env.shippedRoot, promptFile: userPrompt });
  const differences = gradingDifferences(recorded, plan.identity);
  const client = await env.client(plan.cfg);
  if (!client) return undefined;
  return { grader: plan.make(client), recorded, differences };
}
