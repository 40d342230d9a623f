import { expandStatsPaths, loadStatsFiles, renderJson, renderMarkdown, renderText, summarizeGrader, summarizeResults, type StatsReport } from '../core/stats';
import { QedError } from '../core/errors';
import { parse } from './args';
import { formatTokens, formatUsd } from './progress';

export const STATS_HELP = `qed stats — summarise result files

Usage: qed stats FILE|FOLDER… [--json | --markdown] [--grader]

  FILE|FOLDER   result .jsonl files; a folder stands for its *.jsonl files (sorted by name)
  --json        print the summary as a JSON object
  --markdown    print markdown tables instead of aligned text
  --grader      compare a grader's graded_score with human points (grader-experiment files):
                MAE, bucket accuracy {0},{1–3},{4–6},{7}, pairwise ordering agreement per
                problem (grader ties count ½), and the score distribution

Overall is the mean score in points over graded rows, also shown as a percentage of the max
points (sum of schema_0 points). Parse failures (grade_error, or a grade without a score), run
errors (error) and ungraded rows are counted beside it, never folded into it. Human overrides
(human_grade) are a separate figure. Ids containing 'Basic' split Basic / Advanced, otherwise ids
containing 2024 or 2025 split 2024-2025 / Others. Token counts marked "est. chars/4" are
estimated from the text when no count was recorded.

Each file is a run; a file holding run_index > 0 has one run per run_index. With several runs the
per-run figures are merged by mean, sample standard deviation (n − 1), min and max.

Exit status: 0 done (warnings, e.g. runs of different lengths, go to stderr), 2 bad input
(the message names file, line and field).
`;

const OPTIONS = {
  json: { type: 'boolean' },
  markdown: { type: 'boolean' },
  grader: { type: 'boolean' },
} as const;

export async function statsCommand(args: string[]): Promise<number> {
  const { values: v, positionals } = parse(args, OPTIONS, 'stats');
  if (!positionals.length) throw new QedError('name at least one result file or folder', { field: 'stats' }, "e.g. qed stats outputs/gpt-5-mini.jsonl (see 'qed stats --help')");
  if (v.json && v.markdown) throw new QedError('choose one of --json and --markdown', { field: 'stats' });
  const cwd = process.cwd();
  const files = await expandStatsPaths(positionals, cwd);
  const inputs = await loadStatsFiles(files, cwd);
  const report: StatsReport = v.grader ? summarizeGrader(inputs) : summarizeResults(inputs);
  for (const w of report.warnings) process.stderr.write(`qed stats: warning: ${w}\n`);
  const opts = { formatTokens, formatUsd };
  process.stdout.write(v.json ? renderJson(report) : v.markdown ? renderMarkdown(report, opts) : renderText(report, opts));
  return 0;
}
