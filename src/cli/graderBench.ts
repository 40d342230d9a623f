import { existsSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { QedError } from '../core/errors';
import {
  BENCH_DATASETS,
  benchColumns,
  benchPrompt,
  loadBenchPrompt,
  loadSchemeItemPrompt,
  prepareHumanGraded,
} from '../core/rubric';
import type { PromptTemplate } from '../core/run/prompts';
import type { JobSummary } from '../core/run/rows';
import { loadStatsFiles, renderJson, renderText, summarizeGrader } from '../core/stats';
import { parse, str } from './args';
import { JobConsole, annotationSummaryLine, identityOf, modelClient, openJob } from './job';
import { formatTokens, formatUsd } from './progress';

export const GRADER_BENCH_HELP = `qed grader-bench — compare grader prompts with human grades

Usage: qed grader-bench --model-config <grader> --output-path <OUT>
                        [--data-path <human-graded set>] [--prompt P1 [--prompt P2 …]] [options]

  --model-config NAME   the grader's model config                                  (required)
  --output-path OUT     with one prompt: the output .jsonl file (or a folder); with several
                        prompts: a folder, holding one <prompt name>.jsonl per prompt (required)
  --data-path PATH|ID   a human-graded set: the problem, the graded response, human points 0..7
                        (column points), optionally the reference solution and the grading
                        guidelines or marking scheme. Default: ${BENCH_DATASETS.default.id}
                        (problem in 'text', scheme in 'schema_0'); with --matharena
                        ${BENCH_DATASETS.matharena.id} (response in 'answer', scheme in
                        'details'). IMO GradingBench headers (Grading ID, Problem ID, Problem,
                        Solution, Grading guidelines, Response, Points, Reward, Problem Source)
                        are renamed automatically
  --matharena           the MathArena grading set: its dataset and columns by default, and
                        always graded without the reference solution
  --prompt FILE         a grader prompt; repeat to compare several (default: the shipped
                        IMO-ProofBench rubric prompt). Placeholders {problem_statement},
                        {grading_guidelines}, {candidate_solution}, and {reference_solution}
                        exactly when --ground-truth is given; or the original's names
                        (README: "Prompt files")
  --dict-prompt FILE    how each item of a marking scheme given as a list is written into
                        {grading_guidelines}: placeholders {title}, {points}, {description};
                        items are separated by a blank line (default: the shipped
                        grading_scheme_item.txt; --dict-prompt '' shows the list as JSON)
  --problem-column NAME           default problem (text for the default set)
  --model-solution-column NAME    the graded response; default model_solution (answer with
                                  --matharena)
  --solution-column NAME          the reference solution; default solution
  --grading-column NAME           the guidelines or scheme; default grading_guidelines
                                  (schema_0 for the default set, details with --matharena)
  --answer-column NAME            accepted for the original's command lines; not used
  --ground-truth        show the grader the reference solution (the solution column)
  --overwrite           grade every row again, discarding earlier grades
  --concurrency N       at most N grader requests at once
  --split NAME          split of a Hugging Face dataset (default train)
  --json                print the closing comparison as JSON (as 'qed stats --grader --json')
  --quiet               only the summaries

Writes per row: every input column, graded_score (the whole number of the last <points> block,
0..7; null with grade_error when the reply cannot be read — asked again on the next run),
points (the human grade, as a number), grader_prompt, grade, schema_0 (the one item graded, its
text the guidelines as the grader saw them), grade_cost and the qed_grade stamp.
At the end it prints 'qed stats --grader' over the output(s): MAE, bucket accuracy, pairwise
ordering agreement and the score distribution, one line per prompt.
Exit status: 0 all graded, 1 some replies unreadable or requests failed, 2 bad input, 130 cancelled.
`;

const OPTIONS = {
  'model-config': { type: 'string' },
  'data-path': { type: 'string' },
  'output-path': { type: 'string' },
  prompt: { type: 'string', multiple: true },
  matharena: { type: 'boolean' },
  'dict-prompt': { type: 'string' },
  'problem-column': { type: 'string' },
  'model-solution-column': { type: 'string' },
  'solution-column': { type: 'string' },
  'grading-column': { type: 'string' },
  'answer-column': { type: 'string' },
  'ground-truth': { type: 'boolean' },
  overwrite: { type: 'boolean' },
  concurrency: { type: 'string' },
  split: { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
} as const;

interface PromptJob {
  template: PromptTemplate;
  /** The prompt as the user named it (the grader_prompt column). */
  label: string;
  outputPath: string;
}

/** A file name for each prompt: its own name without extension, made distinct with -2, -3… */
function stems(templates: PromptTemplate[]): string[] {
  const used = new Set<string>();
  return templates.map((t) => {
    const base = basename(t.source, extname(t.source)).replace(/[^\w.-]+/g, '_') || 'prompt';
    let name = base;
    for (let k = 2; used.has(name); k++) name = `${base}-${k}`;
    used.add(name);
    return name;
  });
}

/** Where each prompt's rows go: OUT itself (one prompt, a file path), else OUT/<prompt>.jsonl. */
function outputsFor(out: string, templates: PromptTemplate[]): string[] {
  const path = resolve(out);
  const isDir = existsSync(path) ? statSync(path).isDirectory() : /[\\/]$/.test(out);
  if (templates.length === 1 && !isDir) return [path];
  if (!isDir && (existsSync(path) || /\.jsonl$/i.test(out))) {
    throw new QedError(
      `${templates.length} prompts write one file each, so --output-path must be a folder`,
      { field: '--output-path' },
      `e.g. --output-path ${out.replace(/\.jsonl$/i, '')}/ (then: qed stats --grader ${out.replace(/\.jsonl$/i, '')})`,
    );
  }
  return stems(templates).map((s) => join(path, `${s}.jsonl`));
}

/** The options that were given, without the undefined ones. */
function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, x]) => x !== undefined)) as Partial<T>;
}

export async function graderBenchCommand(args: string[], env: { shippedRoot: string }): Promise<number> {
  const { values: v } = parse(args, OPTIONS, 'grader-bench');
  const out = str(v['output-path']);
  if (!out)
    throw new QedError(
      'missing --output-path',
      { field: '--output-path' },
      'e.g. --output-path outputs/grader-bench/ (one file per prompt)',
    );
  const matharena = !!v.matharena;
  const groundTruth = !!v['ground-truth'];
  if (matharena && groundTruth) {
    throw new QedError(
      '--matharena grades without the reference solution, so --ground-truth cannot be used with it',
      { field: '--ground-truth' },
      'drop one of the two',
    );
  }
  // As in the original: a default set brings its own column names; a column option always wins.
  const set =
    str(v['data-path']) === undefined ? (matharena ? BENCH_DATASETS.matharena : BENCH_DATASETS.default) : undefined;
  const columns = benchColumns({
    ...set?.columns,
    ...defined({
      problem: str(v['problem-column']),
      modelSolution: str(v['model-solution-column']),
      solution: str(v['solution-column']),
      grading: str(v['grading-column']),
      answer: str(v['answer-column']),
    }),
  });
  const { ref, dataset, concurrency } = await openJob(
    set ? { ...v, 'data-path': set.id } : v,
    out,
    'the human-graded set',
  );
  const rows = prepareHumanGraded(dataset, groundTruth, columns);
  const dictPrompt = str(v['dict-prompt']);
  const itemTemplate = dictPrompt === '' ? undefined : await loadSchemeItemPrompt(env.shippedRoot, dictPrompt);
  // A list-valued scheme is shown through the item template: it is part of what the grader saw.
  const listScheme = rows.some((r) => Array.isArray(r[columns.grading]));
  const modeSuffix = listScheme ? `:items=${itemTemplate?.hash ?? 'json'}` : '';

  const given = (v.prompt as unknown as string[] | undefined) ?? [];
  const seen = new Set<string>();
  for (const p of given) {
    if (seen.has(resolve(p))) throw new QedError('this prompt is given twice', { file: p, field: '--prompt' });
    seen.add(resolve(p));
  }
  const templates = given.length
    ? await Promise.all(given.map((p) => loadBenchPrompt(env.shippedRoot, groundTruth, p)))
    : [await loadBenchPrompt(env.shippedRoot, groundTruth)];
  const outputs = outputsFor(out, templates);
  const jobs: PromptJob[] = templates.map((template, i) => ({
    template,
    label: given[i] ?? template.source,
    outputPath: outputs[i],
  }));
  const { cfg, client } = await modelClient(ref, env.shippedRoot, concurrency);

  const quiet = !!v.quiet;
  const con = new JobConsole(quiet);
  con.warn(dataset.warnings);
  con.say(
    `qed grader-bench: grader ${cfg.id} (${cfg.api}: ${cfg.model}), ${jobs.length} prompt(s) ${groundTruth ? 'with' : 'without'} the reference solution, ${rows.length} human-graded rows of ${dataset.source}`,
  );

  return con.run(async (signal) => {
    const summaries: JobSummary[] = [];
    for (const [i, job] of jobs.entries()) {
      con.say(`prompt ${i + 1}/${jobs.length}: ${job.label} → ${job.outputPath}`);
      const s = await benchPrompt({
        rows,
        file: dataset.file,
        outputPath: job.outputPath,
        client,
        identity: identityOf(
          cfg,
          job.template,
          `${groundTruth ? 'grader-bench:ground-truth' : 'grader-bench:no-reference'}${modeSuffix}`,
        ),
        prompt: job.template,
        promptLabel: job.label,
        columns,
        itemTemplate,
        overwrite: !!v.overwrite,
        concurrency: client.limiter.size,
        signal,
        ...con.hooks,
      });
      con.finish(s, `${job.label}: ${annotationSummaryLine(s, 'graded')}`);
      summaries.push(s);
      if (s.cancelled) return 130;
    }
    // The comparison as 'qed stats --grader' computes it over the files just written, except that the
    // original's figures are given per prompt file (merging different prompts row by row means nothing).
    const inputs = await loadStatsFiles(jobs.map((j) => j.outputPath));
    const report = summarizeGrader(inputs, { originalPerFile: true });
    for (const w of report.warnings) process.stderr.write(`qed grader-bench: warning: ${w}\n`);
    process.stdout.write(v.json ? renderJson(report) : renderText(report, { formatTokens, formatUsd }));
    const target = jobs.length === 1 ? jobs[0].outputPath : resolve(out);
    if (!v.json && !quiet) process.stderr.write(`compare again later with: qed stats --grader ${target}\n`);
    return summaries.some((s) => s.failed || s.flags.parse_failure) ? 1 : 0;
  });
}
