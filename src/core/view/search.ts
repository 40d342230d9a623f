// Text search over the rows of a results file, in a worker thread: the pattern is the user's
// regular expression, so its cost is unknown. The worker reads the rows by their offsets,
// parses each line and tests its text; it stops itself at a time budget (the result then says
// how far it got), and the host kills it outright if a single row keeps it busy much longer
// (a pattern with catastrophic backtracking).

import { Worker } from 'node:worker_threads';
import { QedError } from '../errors';

// Plain JavaScript, run with `eval: true`, so it survives bundling unchanged.
const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { path, journal, starts, lens, pattern, flags, field, budgetMs } = workerData;
const re = new RegExp(pattern, flags);
const n = starts.length;
const hits = new Uint8Array(n);
const t0 = Date.now();
const CAP = 1 << 20;
// Offsets from journal.base on are in the running job's journal (see source.ts); a first run
// has no results file yet.
const openOr = (p) => { try { return fs.openSync(p, 'r'); } catch { return -1; } };
const fd = openOr(path);
const jfd = journal ? openOr(journal.path) : -1;
let buf = Buffer.allocUnsafe(8 << 20);
let bufStart = -1, bufEnd = -1;
function collect(v, out, depth) {
  if (typeof v === 'string') out.push(v);
  else if (typeof v === 'number') out.push(String(v));
  else if (v && typeof v === 'object' && depth < 8) {
    if (Array.isArray(v)) for (const x of v) collect(x, out, depth + 1);
    else for (const k in v) collect(v[k], out, depth + 1);
  }
}
let i = 0;
let lastReport = t0;
for (; i < n; i++) {
  const now = Date.now();
  if (now - t0 > budgetMs) break;
  if (now - lastReport > 250) { parentPort.postMessage({ progress: i / n }); lastReport = now; }
  const s = starts[i], l = lens[i];
  let line;
  if (journal && s >= journal.base) {
    if (jfd < 0) continue;
    const b = Buffer.allocUnsafe(l);
    fs.readSync(jfd, b, 0, l, s - journal.base);
    line = b.toString('utf8');
  } else if (fd < 0) {
    continue;
  } else if (l > buf.length) {
    const b = Buffer.allocUnsafe(l);
    fs.readSync(fd, b, 0, l, s);
    line = b.toString('utf8');
  } else {
    if (s < bufStart || s + l > bufEnd) {
      const got = fs.readSync(fd, buf, 0, buf.length, s);
      bufStart = s; bufEnd = s + got;
    }
    line = buf.toString('utf8', s - bufStart, s - bufStart + l);
  }
  if (s === 0 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
  let row;
  try { row = JSON.parse(line); } catch { continue; }
  const texts = [];
  collect(field ? row[field] : row, texts, 0);
  for (const t of texts) {
    re.lastIndex = 0;
    if (re.test(t.length > CAP ? t.slice(0, CAP) : t)) { hits[i] = 1; break; }
  }
}
if (fd >= 0) fs.closeSync(fd);
if (jfd >= 0) fs.closeSync(jfd);
parentPort.postMessage({ done: true, searched: i, hits }, [hits.buffer]);
`;

export interface SearchOptions {
  pattern: string;
  caseSensitive?: boolean;
  field?: string;
  /** Lines at offsets from `base` on are read from this journal file. */
  journal?: { path: string; base: number };
  /** The worker stops after this long and reports how many rows it searched. */
  budgetMs?: number;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

export interface SearchResult {
  /** 1 for each searched row that matches. */
  hits: Uint8Array;
  /** Rows searched (from the first); fewer than asked when the budget ran out. */
  searched: number;
}

/** Checks a pattern before any work; an invalid one is an 'invalid' QedError with the reason. */
export function compilePattern(pattern: string, caseSensitive = false): RegExp {
  try {
    return new RegExp(pattern, caseSensitive ? '' : 'i');
  } catch (e) {
    throw new QedError(`not a valid regular expression: ${(e as Error).message}`, { field: 'text' });
  }
}

/** Searches the rows whose lines are at (starts[i], lens[i]) of `path`. */
export function searchRows(
  path: string,
  starts: Float64Array,
  lens: Float64Array,
  opts: SearchOptions,
): Promise<SearchResult> {
  compilePattern(opts.pattern, opts.caseSensitive);
  const budgetMs = opts.budgetMs ?? 8000;
  if (!starts.length) return Promise.resolve({ hits: new Uint8Array(0), searched: 0 });
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        path,
        journal: opts.journal,
        starts,
        lens,
        pattern: opts.pattern,
        flags: opts.caseSensitive ? '' : 'i',
        field: opts.field,
        budgetMs,
      },
      resourceLimits: { maxOldGenerationSizeMb: 512 },
    });
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(killer);
      opts.signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      fn();
    };
    // A pattern stuck on one row (catastrophic backtracking) never checks the clock again.
    const killAfter = budgetMs + Math.max(1000, budgetMs / 2);
    const killer = setTimeout(
      () =>
        finish(() =>
          reject(
            new QedError(
              `the search pattern takes too long (stopped after ${(killAfter / 1000).toFixed(1)} s)`,
              { field: 'text' },
              'simplify the regular expression (nested repetition such as (a+)+ can take forever)',
            ),
          ),
        ),
      killAfter,
    );
    const onAbort = () => finish(() => reject(new QedError('search cancelled')));
    opts.signal?.addEventListener('abort', onAbort);
    worker.on('message', (m: { progress?: number; done?: boolean; searched?: number; hits?: Uint8Array }) => {
      if (m.done) finish(() => resolve({ hits: m.hits!, searched: m.searched! }));
      else if (m.progress !== undefined) opts.onProgress?.(m.progress);
    });
    worker.on('error', (e) => finish(() => reject(e)));
    worker.on('exit', (code) => finish(() => reject(new Error(`search worker stopped (${code})`))));
  });
}
