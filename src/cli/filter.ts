import {
  annotateRows,
  FILTER_COLUMNS,
  filterPrompt,
  loadFilterPrompt,
  parseFilterObject,
  requireText,
  verdictColumns,
  type FilterInputColumns,
} from '../core/rubric';
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

export const FILTER_HELP = `qed filter — an LLM verdict on AoPS-style problems, as columns

Usage: qed filter --model-config <name> --data-path <file> [options]

  --model-config NAME       the model that judges the rows                          (required)
  --data-path PATH|ID       rows with problem and solution, optionally path (the forum
                            category) and candidates (other answers in the thread)  (required)
  --output-path FILE        where the rows go (default outputs/filtered_data.jsonl)
  --prompt FILE             your prompt (placeholders {problem_statement}, {solution}, and
                            optionally {path}, {candidates}; or the original's {problem},
                            {solution}, {path}, {comments})
  --problem-column NAME     default problem
  --solution-column NAME    default solution
  --path-column NAME        default path
  --candidates-column NAME  default candidates
  --split NAME              split of a Hugging Face dataset (default train)
  --overwrite               judge every row again, discarding earlier verdicts
  --concurrency N           at most N requests at once
  --quiet                   only the summary

The model ends its reply with a JSON object (a \`\`\`json fence or prose around it is fine):
{"incomplete": bool, "difficulty": 1-10, "gaps": bool, "wrong": bool, "disagreement": bool,
"computational": bool}. Writes per row, as the original does: extra_cols (the verdict object as
the model wrote it) and cost_model (the row's cost in USD); and, to select rows on,
filter_incomplete, filter_difficulty, filter_gaps, filter_wrong, filter_disagreement,
filter_computational, with filter_cost ({cost, input_tokens, output_tokens, time}) and the
qed_filter stamp. A reply without a valid verdict gives extra_cols and the filter_* columns null,
filter_error and the raw reply in filter_reply; rerunning asks only those rows again. Nothing is
dropped: select rows on the columns.
Exit status: 0 all judged, 1 some rows have no verdict, 2 bad input, 130 cancelled.
`;

const OPTIONS = {
  ...ANNOTATION_OPTIONS,
  'path-column': { type: 'string' },
  'candidates-column': { type: 'string' },
} as const;

export async function filterCommand(args: string[], env: { shippedRoot: string }): Promise<number> {
  const { values: v } = parse(args, OPTIONS, 'filter');
  const { ref, dataset, outputPath, concurrency } = await openJob(
    v,
    'outputs/filtered_data.jsonl',
    'the rows to judge',
  );
  const columns: FilterInputColumns = {
    problem: str(v['problem-column']) ?? 'problem',
    solution: str(v['solution-column']) ?? 'solution',
    path: str(v['path-column']) ?? 'path',
    candidates: str(v['candidates-column']) ?? 'candidates',
  };
  requireText(dataset.rows, columns.problem, dataset.file, 'the problem statement', { option: '--problem-column' });
  requireText(dataset.rows, columns.solution, dataset.file, 'the proposed solution', {
    option: '--solution-column',
    allowEmpty: true,
  });
  const prompt = await loadFilterPrompt(env.shippedRoot, str(v.prompt));
  const { cfg, client } = await modelClient(ref, env.shippedRoot, concurrency);

  const out = new JobConsole(!!v.quiet);
  out.warn(dataset.warnings);
  out.say(
    `qed filter: ${cfg.id} (${cfg.api}: ${cfg.model}) on ${dataset.rows.length} rows of ${dataset.source} → ${outputPath}`,
  );

  return out.run(async (signal) => {
    const summary = await annotateRows({
      rows: dataset.rows,
      file: dataset.file,
      outputPath,
      client,
      identity: identityOf(cfg, prompt, 'filter'),
      columns: FILTER_COLUMNS,
      contentColumns: [columns.problem, columns.solution],
      prompt: (row) => filterPrompt(prompt, row, columns),
      parse: (reply) => {
        const p = parseFilterObject(reply);
        return p.ok ? { ok: true, value: verdictColumns(p.value.verdict, p.value.object) } : p;
      },
      overwrite: !!v.overwrite,
      concurrency: client.limiter.size,
      signal,
      ...out.hooks,
    });
    out.finish(summary, annotationSummaryLine(summary, 'judged'));
    return exitStatus(summary);
  });
}
