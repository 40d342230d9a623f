import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { looksLikeHubId, readDataset, readJsonlRows, type Row } from '../core/data';
import { QedError } from '../core/errors';
import { loadConfig } from '../core/config';
import { gradeResults, type GradeMode, type GradeSummary } from '../core/grade/eval';
import { buildGrader } from '../core/grade/grader';
import { recordedFileMode } from '../core/grade/regrade';
import { parse, positiveInt, str } from './args';
import { JobConsole, clientOf, exitStatus, useRequestLog } from './job';
import { formatTokens, formatUsd, formatDuration, jobState, reusedPart } from './progress';

export const EVAL_HELP = `qed eval — grade a results file with an LLM grader

Usage: qed eval --model-config <grader> --data-path <results.jsonl> [options]

  --model-config NAME       the grader's model config (as for qed run)                 (required)
  --data-path FILE|ID       a results file written by 'qed run' (or the original stack), or a
                            Hugging Face dataset id (then --output-path is needed)     (required)
  --split NAME              the split of a Hugging Face dataset (default train)
  --output-path FILE        where the graded file goes (default: rewrite --data-path atomically)
  --final-answer            judge final answers (IMO-AnswerBench): a deterministic check first,
                            the LLM judge only when it cannot decide (default: the mode the file
                            was graded in before, else the IMO-ProofBench rubric)
  --proofbench              grade with a marking scheme (ProofBench) instead of the
                            IMO-ProofBench rubric
  --prompt FILE             your grading prompt (placeholders: {problem_statement},
                            {reference_solution}, {grading_guidelines}, {candidate_solution},
                            or the original's {student_answer}, {solution}, {guidelines};
                            for --final-answer: {problem_statement}, {golden_answer},
                            {candidate_answer}, or {gold_answer}, {student_answer}). A file
                            that is a Python format string ({{ }} for braces) is read as one.
  --overwrite               grade every row again, discarding earlier grades
  --problem-column NAME         default problem
  --model-solution-column NAME  default model_solution
  --solution-column NAME        default solution
  --answer-column NAME          default answer
  --grading-column NAME         default grading_guidelines (grading_scheme with --proofbench)
  --concurrency N           at most N grader requests at once
  --log-requests DIR        write every grader request and its reply to DIR/<model>/ as JSON
                            files (one per request; the key removed)
  --quiet                   only the summary

Writes per row: grade (points and explanation per scheme item), schema_0, score, grade_cost,
and for --final-answer extracted_answer and judge_method. A reply that cannot be read gives
score null and grade_error (the raw reply is kept in grade[0].desc); rerunning re-asks only those.
Exit status: 0 all graded, 1 some rows could not be graded, 2 bad input, 130 cancelled.
`;

const OPTIONS = {
  'model-config': { type: 'string' },
  'data-path': { type: 'string' },
  split: { type: 'string' },
  'output-path': { type: 'string' },
  'final-answer': { type: 'boolean' },
  proofbench: { type: 'boolean' },
  prompt: { type: 'string' },
  overwrite: { type: 'boolean' },
  'problem-column': { type: 'string' },
  'model-solution-column': { type: 'string' },
  'solution-column': { type: 'string' },
  'answer-column': { type: 'string' },
  'grading-column': { type: 'string' },
  concurrency: { type: 'string' },
  'log-requests': { type: 'string' },
  quiet: { type: 'boolean' },
} as const;

export function gradeSummaryLine(s: GradeSummary): string {
  const parse = s.flags.parse_failure ?? 0;
  const state = jobState(s, s.failed > 0 || parse > 0);
  return [
    `${state}: ${s.done - parse}/${s.total} rows graded`,
    reusedPart(s),
    `${parse} unreadable grader replies (re-asked on the next run)`,
    `${s.failed} failed requests`,
    s.skippedRunErrors ? `${s.skippedRunErrors} rows skipped (their generation failed)` : '',
    `${formatTokens(s.cost.input_tokens)} input + ${formatTokens(s.cost.output_tokens)} output tokens`,
    `cost ${formatUsd(s.cost.cost)}`,
    `in ${formatDuration(s.elapsedSec)}`,
    `→ ${s.outputPath}`,
  ]
    .filter(Boolean)
    .join(', ');
}

export async function evalCommand(args: string[], env: { shippedRoot: string }): Promise<number> {
  const { values: v } = parse(args, OPTIONS, 'eval');
  const ref = str(v['model-config']);
  const dataPath = str(v['data-path']);
  if (!ref)
    throw new QedError(
      'missing --model-config (the grader)',
      { field: '--model-config' },
      "e.g. --model-config openai/gpt-5 (see 'qed config list')",
    );
  if (!dataPath) throw new QedError('missing --data-path (the results file to grade)', { field: '--data-path' });
  if (v['final-answer'] && v.proofbench)
    throw new QedError('--final-answer and --proofbench exclude each other', { field: '--proofbench' });
  const split = str(v.split);
  // A Hugging Face dataset (as the original's eval reads one): its split's rows, graded into --output-path.
  const fromHub = dataPath.startsWith('hf:') || (!existsSync(resolve(dataPath)) && looksLikeHubId(dataPath));
  let input: { file: string; source: string; rows: Row[]; hubRows?: Row[] };
  if (fromHub) {
    if (!str(v['output-path'])) {
      throw new QedError(
        '--output-path is needed to grade a Hugging Face dataset (it is not a file that can be rewritten)',
        { field: '--output-path' },
        'e.g. --output-path outputs/graded.jsonl',
      );
    }
    const ds = await readDataset(dataPath, { split: split ?? 'train' });
    input = { file: ds.file, source: ds.source, rows: ds.rows, hubRows: ds.rows };
  } else {
    if (split !== undefined && split !== 'train') {
      throw new QedError(
        `a local results file has one split, 'train' (got --split ${split})`,
        { file: resolve(dataPath), field: '--split' },
        '--split picks the split of a Hugging Face dataset id',
      );
    }
    const read = await readJsonlRows(dataPath);
    input = { file: read.file, source: read.file, rows: read.rows.map((r) => r.row) };
  }
  // Without a mode option, a file graded before keeps its mode (a regrade or a resumed job must not mix modes).
  const recorded = recordedFileMode(input.rows);
  const mode: GradeMode = v['final-answer'] ? 'final-answer' : v.proofbench ? 'proofbench' : (recorded ?? 'proof');
  const columns = {
    problem: str(v['problem-column']),
    modelSolution: str(v['model-solution-column']),
    solution: str(v['solution-column']),
    answer: str(v['answer-column']),
    grading: str(v['grading-column']),
  };
  const concurrency = positiveInt(v.concurrency, 'concurrency');

  useRequestLog(v['log-requests']);
  const cfg = await loadConfig(ref, { cwd: process.cwd(), shippedRoot: env.shippedRoot });
  const grader = (await buildGrader(
    cfg,
    { mode, shippedRoot: env.shippedRoot, promptFile: str(v.prompt), columns },
    (m) => clientOf(m, concurrency),
  ))!;
  const client = grader.client;
  const outputPath = resolve(str(v['output-path']) ?? dataPath);
  const out = new JobConsole(!!v.quiet);
  out.say(
    `qed eval: grader ${cfg.id} (${grader.identity.api}: ${grader.identity.model}), ${mode} grading of ${input.rows.length} rows of ${input.source} → ${outputPath}`,
  );

  return out.run(async (signal) => {
    const summary = await gradeResults({
      file: input.file,
      ...(input.hubRows ? { rows: input.hubRows } : {}),
      outputPath,
      grader,
      overwrite: !!v.overwrite,
      concurrency: client.limiter.size,
      signal,
      ...out.hooks,
    });
    out.finish(summary, gradeSummaryLine(summary));
    return exitStatus(summary);
  });
}
