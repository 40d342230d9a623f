import { annotateRows, loadSchemePrompt, parseScheme, requireText, SCHEME_COLUMNS, schemePrompt } from '../core/rubric';
import { parse, str } from './args';
import {
  ANNOTATION_OPTIONS,
  JobConsole,
  annotationSummaryLine,
  exitStatus,
  identityOf,
  modelClient,
  openJob,
} from './job';

export const SCHEMES_HELP = `qed schemes — write a 0–7 marking scheme for every problem

Usage: qed schemes --model-config <name> --data-path <file> [options]

  --model-config NAME      the model that writes the schemes                       (required)
  --data-path PATH|ID      problems with reference solutions (.jsonl/.json/.csv/.parquet, or a
                           Hugging Face dataset id)                                  (required)
  --output-path FILE       where the rows go (default outputs/grading_schemes.jsonl)
  --prompt FILE            your prompt (placeholders {problem_statement}, {reference_solution},
                           or the original's {problem}, {solution})
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

const OPTIONS = ANNOTATION_OPTIONS;

export async function schemesCommand(args: string[], env: { shippedRoot: string }): Promise<number> {
  const { values: v } = parse(args, OPTIONS, 'schemes');
  const { ref, dataset, outputPath, concurrency } = await openJob(
    v,
    'outputs/grading_schemes.jsonl',
    'problems with reference solutions',
  );
  const problem = str(v['problem-column']) ?? 'problem';
  const solution = str(v['solution-column']) ?? 'solution';
  requireText(dataset.rows, problem, dataset.file, 'the problem statement', { option: '--problem-column' });
  requireText(dataset.rows, solution, dataset.file, 'the reference solution the scheme is built from', {
    option: '--solution-column',
  });
  const prompt = await loadSchemePrompt(env.shippedRoot, str(v.prompt));
  const { cfg, client } = await modelClient(ref, env.shippedRoot, concurrency);

  const out = new JobConsole(!!v.quiet);
  out.warn(dataset.warnings);
  const replaced = dataset.rows.filter((r) => r.grading_scheme !== undefined && r.grading_scheme !== null).length;
  if (replaced)
    out.reporter.log(`note: ${replaced} input row(s) already have a grading_scheme; the output gets the new one`);
  out.say(
    `qed schemes: ${cfg.id} (${cfg.api}: ${cfg.model}) on ${dataset.rows.length} problems of ${dataset.source} → ${outputPath}`,
  );

  return out.run(async (signal) => {
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
      ...out.hooks,
    });
    out.finish(summary, annotationSummaryLine(summary, 'with a scheme'));
    return exitStatus(summary);
  });
}
