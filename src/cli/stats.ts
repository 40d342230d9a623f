import {
  expandStatsPaths,
  loadStatsFiles,
  MERGE_METHODS,
  renderJson,
  renderMarkdown,
  renderText,
  summarizeGrader,
  summarizeResults,
  type MergeMethod,
  type StatsReport,
} from '../core/stats';
import { QedError } from '../core/errors';
import { parse } from './args';
import { formatTokens, formatUsd } from './progress';

export const STATS_HELP = `qed stats — summarise result files

Usage: qed stats FILE|FOLDER… [--json | --markdown] [--grader] [--merge-method mean|max|min]

  FILE|FOLDER     result .jsonl files; a folder stands for its *.jsonl files (sorted by name)
  --json          print the summary as a JSON object
  --markdown      print markdown tables instead of aligned text
  --grader        compare a grader's graded_score with human points (grader-experiment files)
  --merge-method  how the original's figures merge several files: mean (default), max or min
                  of the per-file Overall; with --grader, of each row's graded_score

Two tables. First the original's figures (its stats.py): its column names, its definitions and
its printing, so published numbers reproduce — Overall leaves rows without a score out for one
file and counts them as 0 across files; CoT = generation output tokens − grader input tokens;
Sol = grader input tokens; TokC/TokI split at score ≥ 6 (one file) or ≥ 5 (several); a file
without score reads graded_score. Our figure is beside each, named, and notes say where the
original would stop or where a figure misleads. With --grader: MAE, Accuracy (missing grades as
0), Local Consistency (its tie rule), Advantage Diff, token figures, Score Distribution.

Then our figures: Overall (graded rows only) in points and % of the max points (schema_0);
unreadable grades (grade_error, or a grade without a score), run errors and ungraded rows beside
it, never folded in; human overrides apart; reasoning tokens (recorded, else chars/4); output
tokens of rows with full marks vs below. Ids containing 'Basic' split Basic / Advanced, otherwise
2024-2025 / Others. Each file is a run, and a file holding run_index > 0 has one run per
run_index; with several runs each figure is merged by mean, sample std (n − 1), min and max.
With --grader: MAE and bucket accuracy over rows with both scores, exact accuracy, pairwise
ordering agreement per problem (grader ties count ½), distribution and bucket confusion.

Exit status: 0 done (warnings, e.g. runs of different lengths, go to stderr), 2 bad input
(the message names file, line and field).
`;

const OPTIONS = {
  json: { type: 'boolean' },
  markdown: { type: 'boolean' },
  grader: { type: 'boolean' },
  'merge-method': { type: 'string' },
} as const;

export async function statsCommand(args: string[]): Promise<number> {
  const { values: v, positionals } = parse(args, OPTIONS, 'stats');
  if (!positionals.length)
    throw new QedError(
      'name at least one result file or folder',
      { field: 'stats' },
      "e.g. qed stats outputs/gpt-5-mini.jsonl (see 'qed stats --help')",
    );
  if (v.json && v.markdown) throw new QedError('choose one of --json and --markdown', { field: 'stats' });
  const mm = v['merge-method'] ?? 'mean';
  if (typeof mm !== 'string' || !(MERGE_METHODS as readonly string[]).includes(mm)) {
    throw new QedError(`expected one of ${MERGE_METHODS.join(', ')}, got '${String(mm)}'`, { field: '--merge-method' });
  }
  const mergeMethod = mm as MergeMethod;
  const cwd = process.cwd();
  const files = await expandStatsPaths(positionals, cwd);
  const inputs = await loadStatsFiles(files, cwd);
  const report: StatsReport = v.grader
    ? summarizeGrader(inputs, { mergeMethod })
    : summarizeResults(inputs, { mergeMethod });
  for (const w of report.warnings) process.stderr.write(`qed stats: warning: ${w}\n`);
  const opts = { formatTokens, formatUsd };
  process.stdout.write(
    v.json ? renderJson(report) : v.markdown ? renderMarkdown(report, opts) : renderText(report, opts),
  );
  return 0;
}
