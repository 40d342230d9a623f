// Renders a stats report as aligned text tables, markdown tables, or JSON.

import type { OriginalGrader, OriginalResults } from './original';
import type {
  Aggregate,
  GraderReport,
  GraderSummary,
  MergedSummary,
  ResultsReport,
  StatsReport,
  Summary,
} from './types';
import { SCORE_BUCKETS } from './types';

export interface RenderOptions {
  /** Formats a whole number of tokens (default: the plain number). */
  formatTokens?: (n: number) => string;
  /** Formats an amount in USD (default: `$` and four decimals). */
  formatUsd?: (x: number) => string;
}

/** A table before it is laid out: headers, which columns are numeric (right-aligned), rows. */
export interface Table {
  title?: string;
  headers: string[];
  /** 'r' right-aligns a column; default left. */
  align: Array<'l' | 'r'>;
  rows: string[][];
  /** Lines printed under the table. */
  notes?: string[];
}

const NONE = '—';

interface Fmt {
  int: (x: number | null) => string;
  points: (x: number | null) => string;
  percent: (x: number | null) => string;
  fraction: (x: number | null) => string;
  tokens: (x: number | null) => string;
  usd: (x: number | null) => string;
}

function formatters(opts: RenderOptions): Fmt {
  const tok = opts.formatTokens ?? ((n: number) => String(n));
  const usd = opts.formatUsd ?? ((x: number) => `$${x.toFixed(4)}`);
  const orNone = (f: (x: number) => string) => (x: number | null) => (x === null ? NONE : f(x));
  return {
    int: orNone((x) => (Number.isInteger(x) ? String(x) : x.toFixed(2))),
    points: orNone((x) => x.toFixed(2)),
    percent: orNone((x) => `${x.toFixed(1)}%`),
    fraction: orNone((x) => `${(100 * x).toFixed(1)}%`),
    tokens: orNone((x) => tok(Math.round(x))),
    usd: orNone(usd),
  };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** One line of the figures table: how to read it from a summary and from the merged runs. */
interface Figure {
  label: string;
  fmt: keyof Fmt;
  value: (s: Summary) => number | null;
  merged: (m: MergedSummary) => Aggregate;
  detail?: (s: Summary) => string;
}

function excluded(s: { parse_failures: number; run_errors: number }): string {
  const parts = [
    s.parse_failures ? plural(s.parse_failures, 'unreadable grade') : '',
    s.run_errors ? plural(s.run_errors, 'run error') : '',
  ].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')} not in the mean)` : '';
}

function figures(top: Summary, f: Fmt): Figure[] {
  const max = top.max_points !== null ? ` / ${top.max_points}` : '';
  const list: Figure[] = [
    { label: 'rows', fmt: 'int', value: (s) => s.rows, merged: (m) => m.rows },
    { label: 'graded', fmt: 'int', value: (s) => s.graded, merged: (m) => m.graded, detail: () => 'score is a number' },
    {
      label: 'unreadable grades',
      fmt: 'int',
      value: (s) => s.parse_failures,
      merged: (m) => m.parse_failures,
      detail: () => 'grader reply not parsed; not in the mean',
    },
    {
      label: 'run errors',
      fmt: 'int',
      value: (s) => s.run_errors,
      merged: (m) => m.run_errors,
      detail: () => 'generation failed; not in the mean',
    },
    {
      label: 'not graded',
      fmt: 'int',
      value: (s) => s.not_graded,
      merged: (m) => m.not_graded,
      detail: () => 'no score and no grade yet',
    },
    {
      label: `Overall (graded rows only, points${max})`,
      fmt: 'points',
      value: (s) => s.overall,
      merged: (m) => m.overall,
      detail: (s) => `mean over ${plural(s.graded, 'graded row')}${excluded(s)}`,
    },
    {
      label: 'Overall (graded rows only, % of max)',
      fmt: 'percent',
      value: (s) => s.overall_percent,
      merged: (m) => m.overall_percent,
    },
  ];
  top.splits.groups.forEach((g, k) => {
    list.push(
      {
        label: `${g.name} (graded rows only, points)`,
        fmt: 'points',
        value: (s) => s.splits.groups[k].mean,
        merged: (m) => m.splits.groups[k].mean,
        detail: (s) =>
          `${s.splits.groups[k].graded} graded of ${plural(s.splits.groups[k].rows, 'row')}${excluded(s.splits.groups[k])}`,
      },
      {
        label: `${g.name} (graded rows only, % of max)`,
        fmt: 'percent',
        value: (s) => s.splits.groups[k].percent,
        merged: (m) => m.splits.groups[k].percent,
      },
    );
  });
  list.push(
    {
      label: 'human overrides',
      fmt: 'int',
      value: (s) => s.human.count,
      merged: (m) => m.human_count,
      detail: () => 'human_grade rows, kept apart from the score',
    },
    {
      label: 'human grade (points)',
      fmt: 'points',
      value: (s) => s.human.mean,
      merged: (m) => m.human_mean,
      detail: (s) => (s.human.percent !== null ? `${f.percent(s.human.percent)} of their totals` : ''),
    },
    {
      label: `${top.tokens.cot.label}, mean`,
      fmt: 'tokens',
      value: (s) => s.tokens.cot.mean,
      merged: (m) => m.tokens.cot_mean,
      detail: (s) => `sum ${f.tokens(s.tokens.cot.sum)} over ${plural(s.tokens.cot.rows, 'row')}`,
    },
    {
      label: `${top.tokens.solution.label}, mean`,
      fmt: 'tokens',
      value: (s) => s.tokens.solution.mean,
      merged: (m) => m.tokens.solution_mean,
      detail: (s) => `sum ${f.tokens(s.tokens.solution.sum)}`,
    },
    {
      label: 'output tokens, mean',
      fmt: 'tokens',
      value: (s) => s.tokens.output.mean,
      merged: (m) => m.tokens.output_mean,
      detail: (s) => `over ${plural(s.tokens.output.rows, 'row')} without run error`,
    },
    {
      label: 'output tokens, sum',
      fmt: 'tokens',
      value: (s) => (s.tokens.output.rows ? s.tokens.output.sum : null),
      merged: (m) => m.tokens.output_sum,
    },
    {
      label: 'output tokens, full marks',
      fmt: 'tokens',
      value: (s) => s.tokens.output_correct.mean,
      merged: (m) => m.tokens.output_correct_mean,
      detail: (s) => `mean over ${plural(s.tokens.output_correct.rows, 'row')} with score = max`,
    },
    {
      label: 'output tokens, below full marks',
      fmt: 'tokens',
      value: (s) => s.tokens.output_incorrect.mean,
      merged: (m) => m.tokens.output_incorrect_mean,
      detail: (s) => `mean over ${plural(s.tokens.output_incorrect.rows, 'row')} with score < max`,
    },
    {
      label: 'truncated',
      fmt: 'fraction',
      value: (s) => s.truncated_fraction,
      merged: (m) => m.truncated_fraction,
      detail: (s) => `${s.truncated} of ${plural(s.rows - s.run_errors, 'row')} without run error: empty or cut off`,
    },
    { label: 'cost, generation', fmt: 'usd', value: (s) => s.cost.generation, merged: (m) => m.cost.generation },
    { label: 'cost, grading', fmt: 'usd', value: (s) => s.cost.grading, merged: (m) => m.cost.grading },
    { label: 'cost, total', fmt: 'usd', value: (s) => s.cost.total, merged: (m) => m.cost.total },
  );
  return list;
}

/** The per-run / per-file table: one line per summary, the key figures as columns. */
function listTable(title: string, first: string, items: readonly Summary[], f: Fmt): Table {
  const [a, b] = items[0].splits.groups.map((g) => g.name);
  return {
    title,
    headers: [
      first,
      'rows',
      'graded',
      'unreadable',
      'run err',
      'overall (graded)',
      '%',
      a,
      b,
      'human',
      'out tok',
      'truncated',
      'cost',
    ],
    align: ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    rows: items.map((s) => [
      s.label,
      String(s.rows),
      String(s.graded),
      String(s.parse_failures),
      String(s.run_errors),
      f.points(s.overall),
      f.percent(s.overall_percent),
      f.points(s.splits.groups[0].mean),
      f.points(s.splits.groups[1].mean),
      s.human.count ? `${s.human.count} × ${f.points(s.human.mean)}` : '0',
      f.tokens(s.tokens.output.mean),
      f.fraction(s.truncated_fraction),
      f.usd(s.cost.total),
    ]),
  };
}

const four = (x: number | null) => (x === null ? NONE : x.toFixed(4));

/** Our figure beside each of the original's columns (by its name), or ''. */
function oursBeside(r: ResultsReport, o: OriginalResults, f: Fmt): (name: string) => string {
  const m = o.kind === 'several runs' ? r.merged : null;
  const across = m ? ', mean of runs' : '';
  const groupName = (k: 0 | 1) => r.splits.groups[k].name;
  const group = (k: 0 | 1) => (m ? m.splits.groups[k].mean.mean : r.splits.groups[k].mean);
  const t = r.tokens;
  return (name) => {
    switch (name) {
      case 'Overall':
        return `Overall (graded rows only${across}) ${four(m ? m.overall.mean : r.overall)}; unreadable grades ${r.parse_failures}, run errors ${r.run_errors}, not graded ${r.not_graded}`;
      case 'Std':
        return m ? `std of Overall (graded rows only) ${four(m.overall.std)}` : '';
      case o.columns[o.kind === 'several runs' ? 2 : 1].name:
        return `${groupName(0)} (graded rows only${across}) ${four(group(0))}`;
      case o.columns[o.kind === 'several runs' ? 3 : 2].name:
        return `${groupName(1)} (graded rows only${across}) ${four(group(1))}`;
      case 'CoT Min':
        return o.cot_negative_rows
          ? `below zero on ${o.cot_negative_rows} of ${plural(o.cot_rows, 'row')}: not a token count (see the note)`
          : '';
      case 'CoT Mean':
        return `${t.cot.label}, mean ${f.tokens(m ? m.tokens.cot_mean.mean : t.cot.mean)}`;
      case 'Sol Mean':
        return `${t.solution.label}, mean ${f.tokens(m ? m.tokens.solution_mean.mean : t.solution.mean)}`;
      case 'Tok Mean':
        return `output tokens, mean ${f.tokens(m ? m.tokens.output_mean.mean : t.output.mean)} (rows without run error)`;
      case 'Tok Sum/Run':
        return `output tokens, sum ${f.tokens(m ? m.tokens.output_sum.mean : t.output.rows ? t.output.sum : null)}${m ? ' (mean of runs)' : ''}`;
      case 'TokC Mean':
        return `output tokens, full marks ${f.tokens(t.output_correct.mean)} over ${plural(t.output_correct.rows, 'row')} (score = max)`;
      case 'TokI Mean':
        return `output tokens, below full marks ${f.tokens(t.output_incorrect.mean)} over ${plural(t.output_incorrect.rows, 'row')}`;
      case 'Truncated Frac':
        return `truncated (empty or cut off) ${f.fraction(r.truncated_fraction)}`;
      default:
        return '';
    }
  };
}

/** The original's results table: its column names, the values as it prints them, ours beside. */
export function originalResultsTable(r: ResultsReport, opts: RenderOptions = {}): Table {
  const o = r.original;
  const beside = oursBeside(r, o, formatters(opts));
  const correct = `TokC / TokI: score ≥ ${o.correct_from} / below (a missing score counts 0)`;
  return {
    title: `The original's figures (stats.py, --merge-method ${o.merge_method}): ${o.title}`,
    headers: ['column', 'value', 'ours beside'],
    align: ['l', 'r', 'l'],
    rows: o.columns.map((c) => [c.name, c.text, beside(c.name)]),
    notes: [correct, ...o.notes],
  };
}

/** The tables of a results report, in display order: the original's figures, then ours. */
export function resultsTables(r: ResultsReport, opts: RenderOptions = {}): Table[] {
  const f = formatters(opts);
  const figs = figures(r, f);
  const tables: Table[] = [originalResultsTable(r, opts)];
  const head = `Our figures — ${r.files.length === 1 ? r.label : plural(r.files.length, 'file')}: ${plural(r.rows, 'row')}, ${plural(r.run_count, 'run')}, split ${r.splits.groups.map((g) => g.name).join(' / ')}`;
  if (!r.merged) {
    tables.push({
      title: head,
      headers: ['figure', 'value', 'detail'],
      align: ['l', 'r', 'l'],
      rows: figs.map((g) => [g.label, f[g.fmt](g.value(r)), g.detail?.(r) ?? '']),
    });
    return tables;
  }
  const m = r.merged;
  tables.push({
    title: `${head}; per-run figures across ${plural(m.runs, 'run')} (std: sample, n − 1)`,
    headers: ['figure', 'mean', 'std', 'min', 'max', 'runs'],
    align: ['l', 'r', 'r', 'r', 'r', 'r'],
    rows: figs.map((g) => {
      const a = g.merged(m);
      return [g.label, f[g.fmt](a.mean), f[g.fmt](a.std), f[g.fmt](a.min), f[g.fmt](a.max), String(a.n)];
    }),
  });
  tables.push({
    title: 'all rows together',
    headers: [
      'rows',
      'graded',
      'unreadable grades',
      'run errors',
      'not graded',
      'overall (graded rows only)',
      '%',
      'cost, generation',
      'cost, grading',
      'cost, total',
    ],
    align: ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    rows: [
      [
        String(r.rows),
        String(r.graded),
        String(r.parse_failures),
        String(r.run_errors),
        String(r.not_graded),
        f.points(r.overall),
        f.percent(r.overall_percent),
        f.usd(r.cost.generation),
        f.usd(r.cost.grading),
        f.usd(r.cost.total),
      ],
    ],
  });
  const multiRunFile = r.runs.length > r.files.length;
  if (multiRunFile || r.files.length === 1) tables.push(listTable('per run', 'run', r.runs, f));
  if (r.files.length > 1) tables.push(listTable('per file', 'file', r.files, f));
  return tables;
}

function graderFigures(s: GraderSummary, f: Fmt): string[][] {
  return [
    ['rows', String(s.rows), ''],
    ['compared', String(s.compared), 'rows with a grader score and human points'],
    ['grader missing', String(s.grader_missing), 'graded_score null or grade_error set; left out'],
    ['human missing', String(s.human_missing), 'no human points; left out'],
    ['MAE (compared rows only)', f.points(s.mae), 'mean |graded_score − points|'],
    ['bucket accuracy (compared rows only)', f.fraction(s.bucket_accuracy), 'same bucket of {0} {1–3} {4–6} {7}'],
    ['exact accuracy', f.fraction(s.exact_accuracy), 'same whole points'],
    [
      'pairwise agreement',
      f.fraction(s.pairwise.per_problem_mean),
      `mean over ${plural(s.pairwise.problems, 'problem')}; grader ties count ½`,
    ],
    [
      'pairwise, pooled',
      f.fraction(s.pairwise.pooled),
      `over ${plural(s.pairwise.pairs, 'pair')} with different human points`,
    ],
  ];
}

function distributionTables(s: GraderSummary, prefix: string): Table[] {
  return [
    {
      title: `${prefix}score distribution (compared rows)`,
      headers: ['points', 'grader', 'human'],
      align: ['r', 'r', 'r'],
      rows: s.distribution.grader.map((g, p) => [String(p), String(g), String(s.distribution.human[p])]),
    },
    {
      title: `${prefix}buckets: human (rows) × grader (columns)`,
      headers: ['human \\ grader', ...SCORE_BUCKETS],
      align: ['l', ...SCORE_BUCKETS.map(() => 'r' as const)],
      rows: s.bucket_confusion.map((row, h) => [SCORE_BUCKETS[h], ...row.map(String)]),
    },
  ];
}

/** The original's `--grader` summary table and its score distribution, ours beside. */
export function originalGraderTables(
  r: GraderSummary,
  o: OriginalGrader,
  opts: RenderOptions = {},
  prefix = '',
): Table[] {
  const f = formatters(opts);
  const beside: Record<string, string> = {
    MAE: `MAE (compared rows only) ${four(r.mae)}; grader missing ${r.grader_missing}, human missing ${r.human_missing}`,
    Accuracy: `bucket accuracy (compared rows only) ${f.fraction(r.bucket_accuracy)}`,
    'Local Consistency': `pairwise agreement (pairs with different human points, ties ½) ${f.fraction(r.pairwise.per_problem_mean)}`,
  };
  return [
    {
      title: `${prefix}The original's figures (stats.py --grader, --merge-method ${o.merge_method}, ${plural(o.files, 'file')}): ${o.title}`,
      headers: ['metric', 'value', 'ours beside'],
      align: ['l', 'r', 'l'],
      rows: o.figures.map((x) => [x.name, x.text, beside[x.name] ?? '']),
      notes: [
        "Local Consistency: per problem, the share of row pairs with (grader a ≤ grader b) = (human a ≤ human b); a tie counts as ≤, so a grader tie agrees only when the first row's human points are ≤ the second's",
        ...o.notes,
      ],
    },
    {
      title: `${prefix}The original's Score Distribution (merged graded_score)`,
      headers: ['graded_score', 'count'],
      align: ['r', 'r'],
      rows: o.distribution.map((d) => [d.text, String(d.count)]),
    },
  ];
}

/** The tables of a grader report, in display order: the original's figures, then ours. */
export function graderTables(r: GraderReport, opts: RenderOptions = {}): Table[] {
  const f = formatters(opts);
  const original = r.original
    ? originalGraderTables(r, r.original, opts)
    : r.files.flatMap((s) => (s.original ? originalGraderTables(s, s.original, opts, `${s.label}: `) : []));
  if (r.files.length === 1) {
    return [
      ...original,
      {
        title: `Our figures — grader vs human: ${r.label}`,
        headers: ['figure', 'value', 'detail'],
        align: ['l', 'r', 'l'],
        rows: graderFigures(r, f),
      },
      ...distributionTables(r, ''),
    ];
  }
  const tables: Table[] = [
    ...original,
    {
      title: `Our figures — grader vs human: ${plural(r.files.length, 'file')} (pairs never cross files)`,
      headers: [
        'file',
        'rows',
        'compared',
        'grader missing',
        'MAE (compared)',
        'bucket acc',
        'exact acc',
        'pairwise',
        'pairwise pooled',
      ],
      align: ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
      rows: [...r.files, r].map((s) => [
        s === r ? 'all files' : s.label,
        String(s.rows),
        String(s.compared),
        String(s.grader_missing),
        f.points(s.mae),
        f.fraction(s.bucket_accuracy),
        f.fraction(s.exact_accuracy),
        f.fraction(s.pairwise.per_problem_mean),
        f.fraction(s.pairwise.pooled),
      ]),
    },
  ];
  for (const s of r.files) tables.push(...distributionTables(s, `${s.label}: `));
  return tables;
}

export function reportTables(r: StatsReport, opts: RenderOptions = {}): Table[] {
  return r.mode === 'grader' ? graderTables(r, opts) : resultsTables(r, opts);
}

/** A table as aligned plain text (two spaces between columns, a rule under the headers). */
export function tableText(t: Table): string {
  const widths = t.headers.map((h, c) => Math.max(h.length, ...t.rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) => (t.align[c] === 'r' ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  const out = [];
  if (t.title) out.push(t.title);
  out.push(line(t.headers), widths.map((w) => '─'.repeat(w)).join('  '), ...t.rows.map(line));
  for (const n of t.notes ?? []) out.push(`· ${n}`);
  return out.join('\n');
}

/** A table in GitHub markdown (pipes in cells are escaped). */
export function tableMarkdown(t: Table): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const out = [];
  if (t.title) out.push(`**${esc(t.title)}**`, '');
  out.push(`| ${t.headers.map((h) => esc(h) || ' ').join(' | ')} |`);
  out.push(`|${t.align.map((a) => (a === 'r' ? ' ---: ' : ' --- ')).join('|')}|`);
  for (const r of t.rows) out.push(`| ${r.map(esc).join(' | ')} |`);
  if (t.notes?.length) out.push('', ...t.notes.map((n) => `- ${n}`));
  return out.join('\n');
}

export function renderText(r: StatsReport, opts: RenderOptions = {}): string {
  return reportTables(r, opts).map(tableText).join('\n\n') + '\n';
}

export function renderMarkdown(r: StatsReport, opts: RenderOptions = {}): string {
  return reportTables(r, opts).map(tableMarkdown).join('\n\n') + '\n';
}

export function renderJson(r: StatsReport): string {
  return JSON.stringify(r, null, 2) + '\n';
}
