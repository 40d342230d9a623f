import { resolve } from 'node:path';
import { readDataset } from '../core/data';
import type { Dataset } from '../core/data/types';
import { QedError } from '../core/errors';
import { annotateRows, loadSchemePrompt, parseScheme, requireText, SCHEME_COLUMNS, schemePrompt } from '../core/rubric';
import type { JobSummary } from '../core/run/rows';
import { parse, positiveInt, str } from './args';
import { cancellable, identityOf, modelClient } from './job';
import { ProgressReporter, formatDuration, formatTokens, formatUsd } from './progress';

export const SCHEMES_HELP = `qed schemes — write a 0–7 marking scheme for every problem

Usage: qed schemes --model-config <name> --data-path <file> [options]

  --model-config NAME      the model that writes the schemes                       (required)
  --data-path PATH|ID      problems with reference solutions (.jsonl/.json/.csv/.parquet, or a
                           Hugging Face dataset id)                                  (required)
  --output-path FILE       where the rows go (default outputs/grading_schemes.jsonl)
  --prompt FILE            your prompt (placeholders {problem_statement}, {reference_solution})
  --problem-column NAME    default problem
  --solution-column NAME   default solution
  --split NAME             split of a Hugging Face dataset (default train)
  --overwrite              write every scheme again, discarding earlier ones
  --concurrency N          at most N requests at once
  --quiet                  only the summary

Writes per row: grading_scheme (checkpoints with whole points adding up to 7, zero-credit items,
deductions — the reply without its preamble), scheme_cost, and the qed_scheme stamp. A reply
without such a scheme gives grading_scheme null, scheme_error and the raw reply in
scheme_reply; rerunning asks only those rows again.
Exit status: 0 all done, 1 some rows have no scheme, 2 bad input, 130 cancelled.
`;

const OPTIONS = {
  'model-config': { type: 'string' },
  'data-path': { type: 'string' },
  'output-path': { type: 'string' },
  prompt: { type: 'string' },
  'problem-column': { type: 'string' },
  'solution-column': { type: 'string' },
  split: { type: 'string' },
  overwrite: { type: 'boolean' },
  concurrency: { type: 'string' },
  quiet: { type: 'boolean' },
} as const;

/** The closing line of an annotation job: what was done, what could not be read, what it cost. */
export function annotationSummaryLine(s: JobSummary, what: string): string {
  const unread = s.flags.parse_failure ?? 0;
  const state = s.cancelled ? 'cancelled' : s.failed || unread ? 'finished with problems' : 'finished';
  return [
    `${state}: ${s.done - unread}/${s.total} rows ${what}`,
    `${s.reused} reused`,
    `${unread} unreadable replies (asked again on the next run)`,
    `${s.failed} failed requests`,
    `${formatTokens(s.cost.input_tokens)} input + ${formatTokens(s.cost.output_tokens)} output tokens`,
    `cost ${formatUsd(s.cost.cost)}`,
    `in ${formatDuration(s.elapsedSec)}`,
    `→ ${s.outputPath}`,
  ].join(', ');
}

/** The options every rubric tool shares: the model, the data and where the rows go. */
export async function openJob(v: Record<string, string | boolean | undefined>, defaultOutput: string, what: string): Promise<{ ref: string; dataset: Dataset; outputPath: string; concurrency?: number }> {
  const ref = str(v['model-config']);
  const dataPath = str(v['data-path']);
  if (!ref) throw new QedError('missing --model-config', { field: '--model-config' }, "e.g. --model-config openai/gpt-5 (see 'qed config list')");
  if (!dataPath) throw new QedError(`missing --data-path (${what})`, { field: '--data-path' });
  const concurrency = positiveInt(v.concurrency, 'concurrency');
  const dataset = await readDataset(dataPath, { split: str(v.split) ?? 'train' });
  return { ref, dataset, outputPath: resolve(str(v['output-path']) ?? defaultOutput), concurrency };
}

export async function schemesCommand(args: string[], env: { shippedRoot: string }): Promise<number> {
  const { values: v } = parse(args, OPTIONS, 'schemes');
  const { ref, dataset, outputPath, concurrency } = await openJob(v, 'outputs/grading_schemes.jsonl', 'problems with reference solutions');
  const problem = str(v['problem-column']) ?? 'problem';
  const solution = str(v['solution-column']) ?? 'solution';
  requireText(dataset.rows, problem, dataset.file, 'the problem statement', { option: '--problem-column' });
  requireText(dataset.rows, solution, dataset.file, 'the reference solution the scheme is built from', { option: '--solution-column' });
  const prompt = await loadSchemePrompt(env.shippedRoot, str(v.prompt));
  const { cfg, client } = await modelClient(ref, env.shippedRoot, concurrency);

  const reporter = new ProgressReporter();
  const quiet = !!v.quiet;
  for (const w of dataset.warnings ?? []) reporter.log(`warning: ${w}`);
  const replaced = dataset.rows.filter((r) => r.grading_scheme !== undefined && r.grading_scheme !== null).length;
  if (replaced) reporter.log(`note: ${replaced} input row(s) already have a grading_scheme; the output gets the new one`);
  if (!quiet) reporter.log(`qed schemes: ${cfg.id} (${cfg.api}: ${cfg.model}) on ${dataset.rows.length} problems of ${dataset.source} → ${outputPath}`);

  return cancellable(reporter, async (signal) => {
    const summary = await annotateRows({
      rows: dataset.rows,
      file: dataset.file,
      outputPath,
      client,
      identity: identityOf(cfg, prompt, 'scheme'),
      columns: SCHEME_COLUMNS,
      contentColumns: [problem, solution],
      prompt: (row) => schemePrompt(prompt, String(row[problem]), String(row[solution])),
      parse: (reply) => {
        const p = parseScheme(reply);
        return p.ok ? { ok: true, value: { grading_scheme: p.value.text } } : p;
      },
      overwrite: !!v.overwrite,
      concurrency: client.limiter.size,
      signal,
      onProgress: quiet ? undefined : (p) => reporter.update(p),
      onLog: (line) => reporter.log(line),
    });
    if (!quiet) reporter.update(summary, true);
    reporter.done();
    process.stderr.write(annotationSummaryLine(summary, 'with a scheme') + '\n');
    if (summary.cancelled) return 130;
    return summary.failed || summary.flags.parse_failure ? 1 : 0;
  });
}
