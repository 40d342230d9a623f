// An agent's row can carry hundreds of calls in its `history` (each with its whole prompt): tens
// of MB. The row page asks for such a row without them (`row` with `lazyCalls`) and fetches the
// calls it shows, a few at a time, when a step is opened (`calls`).

import type { Row } from '../data/types';
import { EditRefused } from './edit';
import type { ResultsIndex } from './resultsIndex';

/** Calls sent in one `calls` answer at most. */
export const MAX_CALLS_PER_REQUEST = 50;

/** A row made by an agent: an `agent_trace` object and a `history` list. */
export function hasAgentCalls(row: Row): boolean {
  const t = row.agent_trace;
  return t !== null && typeof t === 'object' && !Array.isArray(t) && Array.isArray(row.history);
}

/**
 * The row without its history, and how many entries that history had (undefined: left as it was).
 * `from` names where the row was read: its history is kept for the `calls` that follow.
 */
export function withoutCalls(
  row: Row,
  from?: { index: ResultsIndex; i: number; rev: string },
): { row: Row; calls?: number } {
  if (!hasAgentCalls(row)) return { row };
  const rest: Row = { ...row };
  delete rest.history;
  if (from) remember(from.index, from.i, from.rev, row.history as unknown[]);
  return { row: rest, calls: (row.history as unknown[]).length };
}

/**
 * history[from, from + count) of row i, read again from the file. Refused ('changed') when the
 * line is no longer the one the page shows (its fingerprint `rev`).
 */
export async function readCalls(
  index: ResultsIndex,
  i: number,
  rev: string,
  from: number,
  count: number,
): Promise<{ entries: unknown[]; total: number }> {
  const history = await historyOf(index, i, rev);
  const start = Math.max(0, Math.floor(from) || 0);
  const n = Math.max(0, Math.min(MAX_CALLS_PER_REQUEST, Math.floor(count) || 0));
  return { entries: history.slice(start, start + n), total: history.length };
}

/**
 * The history of the row read last, kept a minute: opening step after step of one large row then
 * parses its line once. One row at most, whatever the number of files or views.
 */
let last: { index: ResultsIndex; i: number; generation: number; rev: string; history: unknown[] } | undefined;
let forget: ReturnType<typeof setTimeout> | undefined;

async function historyOf(index: ResultsIndex, i: number, rev: string): Promise<unknown[]> {
  if (last && last.index === index && last.i === i && last.rev === rev && last.generation === index.generation) {
    keep();
    return last.history;
  }
  const got = await index.readRow(i);
  if (got.rev !== rev)
    throw new EditRefused(
      'changed',
      'the row changed on disk since it was opened',
      index.file,
      index.table.line[i],
      'the view shows it again',
    );
  const history = Array.isArray(got.row.history) ? (got.row.history as unknown[]) : [];
  remember(index, i, rev, history);
  return history;
}

function remember(index: ResultsIndex, i: number, rev: string, history: unknown[]): void {
  last = { index, i, generation: index.generation, rev, history };
  keep();
}

function keep(): void {
  if (forget) clearTimeout(forget);
  forget = setTimeout(() => (last = undefined), 60_000);
  forget.unref?.();
}
