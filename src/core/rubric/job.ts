import type { Row } from '../data/types';
import { QedError } from '../errors';
import type { BoundClient } from '../llm';
import { addCost, ZERO_COST } from '../llm/cost';
import type { CostRecord } from '../llm/types';
import type { Parsed } from '../grade/parse';
import { jobOptions, processRows, type JobSummary, type RowJobOptions } from '../run/rows';
import type { RunIdentity, RunStamp } from '../run/store';
import { carriedCost, previousRows, rowKeys } from './keys';
import { plainCopy } from '../data/copy';

/** The columns one annotation tool owns in its output rows. */
export interface AnnotationColumns {
  /** Stamp column (identity of the config and prompt, key, attempts), e.g. 'qed_scheme'. */
  stamp: string;
  /** `{cost, input_tokens, output_tokens, time}` of the row's requests, re-asks included. */
  cost: string;
  /** Optionally the same cost in USD as a plain number, under the original's name (e.g. 'cost_model'). */
  usd?: string;
  /** Set (with the reason) when the reply could not be read or the request failed; the row is re-asked next run. */
  error: string;
  /** The raw reply, kept only beside an error so a human can see what came back. */
  reply: string;
  /** The result columns; null when the row failed, so a stale value never passes for a fresh one. */
  fields: string[];
  /** Result columns written like `fields` but not needed for a row to count as done (rows written before they existed stay done). */
  extra?: string[];
}

export interface AnnotateOptions extends RowJobOptions {
  rows: Row[];
  /** The input file (for messages). */
  file: string;
  client: BoundClient;
  identity: RunIdentity;
  columns: AnnotationColumns;
  /** Columns whose text identifies a row when it has no id (see rowKeys). */
  contentColumns: string[];
  /** The prompt for one row. */
  prompt: (row: Row) => string;
  /** Reads a reply into the values of `columns.fields`. */
  parse: (reply: string) => Parsed<Record<string, unknown>>;
}

const isSet = (v: unknown) => v !== undefined && v !== null && v !== '';

/**
 * One request per row, its reply parsed into columns: the shape shared by `qed schemes` and
 * `qed filter`, as a thin layer over processRows (journal, lock, resume, progress, stamps).
 * A reply that cannot be read is never stored as a result: the row gets null fields, the error
 * and the raw reply, counts as a 'parse_failure', and is asked again by the next run.
 */
export async function annotateRows(opts: AnnotateOptions): Promise<JobSummary> {
  const { rows, columns: c, identity } = opts;
  const written = [...c.fields, ...(c.extra ?? [])];
  if (!rows.length) throw new QedError('the dataset has no rows', { file: opts.file });
  const { keys, keyOf } = rowKeys(rows, opts.contentColumns);
  const known = new Set(keys);
  const previous = opts.overwrite ? new Map<string, Row>() : await previousRows(opts.outputPath, c.stamp);

  const base = (input: Row): Row => {
    const leave: string[] = [];
    for (const col of [c.stamp, c.cost, c.usd, c.error, c.reply, ...written]) if (col) leave.push(col);
    return plainCopy(input, ...leave);
  };
  const stamp = (key: string, attempts: number): RunStamp =>
    Object.assign(plainCopy(identity), { key, attempts, finished_at: new Date().toISOString() }) as unknown as RunStamp;

  return processRows({
    ...jobOptions(opts),
    identity,
    stampColumn: c.stamp,
    stopOnFailure: opts.client.config.throwErrorOnFailure,
    costColumn: c.cost,
    isDone: (row) => !isSet(row[c.error]) && c.fields.every((f) => row[f] !== undefined && row[f] !== null),
    isValidKey: (k) => known.has(k),
    keyOf,
    tasks: rows.map((row, i) => ({ key: keys[i], row })),
    // Dataset order; rows not done yet (a cancelled job) are simply absent until a later run.
    order: keys.map((key) => ({ key })),
    work: async (task, ctx) => {
      const r = await opts.client.complete([{ role: 'user', content: opts.prompt(task.row) }], {
        signal: ctx.signal,
        onRetry: ctx.onRetry,
      });
      const cost: CostRecord = {
        cost: r.cost,
        input_tokens: r.usage.inputTokens,
        output_tokens: r.usage.outputTokens,
        time: r.time,
      };
      const carried = carriedCost(previous.get(task.key), c.stamp, c.cost, c.error, identity) ?? ZERO_COST;
      const row = base(task.row);
      const parsed = opts.parse(r.text);
      if (parsed.ok) {
        for (const f of written) row[f] = parsed.value[f];
      } else {
        for (const f of written) row[f] = null;
        const cut = r.finishReason === 'length' ? ' (the reply was cut off at the token limit)' : '';
        row[c.error] = `could not read the model's reply: ${parsed.error}${cut}`;
        row[c.reply] = r.text;
        ctx.log(`${task.key}: ${String(row[c.error])}`);
      }
      row[c.cost] = addCost(carried, cost);
      if (c.usd) row[c.usd] = (row[c.cost] as CostRecord).cost;
      row[c.stamp] = stamp(task.key, r.attempts);
      return { row, cost, flag: parsed.ok ? undefined : 'parse_failure' };
    },
    onFailure: (task, e, elapsedSec) => {
      const row = base(task.row);
      for (const f of written) row[f] = null;
      row[c.error] = `request failed: ${e.message}`;
      row[c.cost] = addCost(carriedCost(previous.get(task.key), c.stamp, c.cost, c.error, identity) ?? ZERO_COST, {
        ...ZERO_COST,
        time: elapsedSec,
      });
      if (c.usd) row[c.usd] = (row[c.cost] as CostRecord).cost;
      row[c.stamp] = stamp(task.key, e.attempts);
      return row;
    },
  });
}
