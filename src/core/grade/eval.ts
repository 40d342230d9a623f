import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseJsonlText } from '../data/jsonl';
import { decodeText } from '../data/text';
import type { Row } from '../data/types';
import { QedError } from '../errors';
import type { BoundClient } from '../llm';
import type { CostRecord, RetryInfo } from '../llm/types';
import { addCost, asCost, ZERO_COST } from '../llm/cost';
import { fillTemplate, type PromptTemplate } from '../run/prompts';
import { jobOptions, processRows, type JobProgress, type JobSummary, type RowJobOptions } from '../run/rows';
import type { RunIdentity, RunStamp } from '../run/store';
import { judgeAnswerDeterministically } from './answer';
import { parseItems, parsePoints, parseVerdict, proofBenchExplanation, stripSelfEvaluation } from './parse';
import { plainCopy } from '../data/copy';

/** proof: IMO-ProofBench rubric (7/6/1/0 with guidelines); proofbench: marking scheme; final-answer: answer judging. */
export type GradeMode = 'proof' | 'proofbench' | 'final-answer';

/** Column names, overridable as in the original stack's options. */
export interface GradeColumns {
  problem: string;
  modelSolution: string;
  solution: string;
  answer: string;
  grading: string;
}

export function defaultColumns(mode: GradeMode): GradeColumns {
  return {
    problem: 'problem',
    modelSolution: 'model_solution',
    solution: 'solution',
    answer: 'answer',
    grading: mode === 'proofbench' ? 'grading_scheme' : 'grading_guidelines',
  };
}

/** The prompts a grading job uses: the main one for its mode, and the per-item one for several-item schemes. */
export interface GradePrompts {
  main: PromptTemplate;
  items?: PromptTemplate;
}

/** Everything needed to grade one row, shared by `qed eval` and the viewer's single-row regrade. */
export interface Grader {
  client: BoundClient;
  identity: RunIdentity;
  mode: GradeMode;
  columns: GradeColumns;
  prompts: GradePrompts;
}

export interface SchemaItem {
  title: string;
  desc: string;
  points: number;
}

export interface GradeEntry {
  points: number | null;
  desc: string;
}

export interface GradedRow {
  row: Row;
  cost: CostRecord;
  /** 'parse_failure' when the reply could not be read; 'empty' when graded 0 without a call. */
  flag?: 'parse_failure' | 'empty';
}

const hasRunError = (row: Row) => row.error !== undefined && row.error !== null && row.error !== '';

/** A row is graded for good when it has a numeric score and no grading error. */
export function isGraded(row: Row): boolean {
  return typeof row.score === 'number' && (row.grade_error === undefined || row.grade_error === null);
}

/** The scheme a row is graded against: its own several-item `schema_0`, else one item from its guidelines. */
export function schemaOf(row: Row, grader: Pick<Grader, 'mode' | 'columns'>): SchemaItem[] {
  const existing = row.schema_0;
  if (grader.mode !== 'final-answer' && Array.isArray(existing) && existing.length > 1 && existing.every(isSchemaItem))
    return existing as SchemaItem[];
  if (grader.mode === 'final-answer')
    return [{ title: 'Answer Correctness', desc: String(row[grader.columns.answer] ?? ''), points: 1 }];
  return [{ title: 'Proof Grade', desc: String(row[grader.columns.grading] ?? ''), points: 7 }];
}

function isSchemaItem(v: unknown): boolean {
  const o = v as SchemaItem;
  return (
    typeof o === 'object' && o !== null && typeof o.title === 'string' && typeof o.points === 'number' && o.points >= 0
  );
}

/**
 * Checks, before anything is spent, that every row to grade has the columns its mode needs.
 * The error names the file, the line and the missing column, and lists the columns that exist.
 */
export function checkColumns(
  rows: Row[],
  grader: Pick<Grader, 'mode' | 'columns'>,
  file: string,
  lines?: number[],
): void {
  const c = grader.columns;
  const needed = [
    c.problem,
    c.modelSolution,
    ...(grader.mode === 'final-answer'
      ? [c.answer]
      : grader.mode === 'proofbench'
        ? [c.grading]
        : [c.solution, c.grading]),
  ];
  rows.forEach((row, i) => {
    if (hasRunError(row)) return;
    for (const col of needed) {
      if (row[col] === undefined || row[col] === null) {
        const multi = col === c.grading && Array.isArray(row.schema_0) && row.schema_0.length > 1;
        if (multi) continue;
        throw new QedError(
          `row ${i + 1} has no column '${col}', which ${grader.mode} grading needs`,
          { file, line: lines?.[i] ?? i + 1, field: col },
          `columns present: ${Object.keys(row).join(', ')}; name another column with the matching --*-column option`,
        );
      }
    }
  });
}

/** Grades one row (no retry of parse failures here: the next run re-asks them). */
export async function gradeRow(
  input: Row,
  key: string,
  grader: Grader,
  signal?: AbortSignal,
  onRetry?: (info: RetryInfo) => void,
): Promise<GradedRow> {
  const c = grader.columns;
  const schema = schemaOf(input, grader);
  const solution = stripSelfEvaluation(String(input[c.modelSolution] ?? ''));
  const row: Row = plainCopy(input, 'grade_error');
  row.schema_0 = schema;
  // A parse failure of the same grader was paid for too: keep the running total.
  const prevStamp = input.qed_grade as Partial<RunStamp> | undefined;
  const carried: CostRecord =
    (prevStamp?.config_hash === grader.identity.config_hash && !isGraded(input)
      ? asCost(input.grade_cost)
      : undefined) ?? ZERO_COST;
  const stamp = (attempts: number): RunStamp =>
    Object.assign(plainCopy(grader.identity), {
      key,
      attempts,
      finished_at: new Date().toISOString(),
    }) as unknown as RunStamp;

  if (!solution.trim()) {
    row.grade = schema.map(() => ({ points: 0, desc: 'The solution is empty: graded 0 without calling the grader.' }));
    row.score = 0;
    row.grade_cost = carried;
    if (grader.mode === 'final-answer') {
      row.extracted_answer = '';
      row.judge_method = 'deterministic';
    }
    row.qed_grade = stamp(0);
    return { row, cost: ZERO_COST, flag: 'empty' };
  }

  const problem = String(input[c.problem] ?? '');
  let reply: string;
  let cost: CostRecord;
  let attempts: number;
  const ask = async (prompt: string) => {
    const r = await grader.client.complete([{ role: 'user', content: prompt }], { signal, onRetry });
    reply = r.text;
    cost = { cost: r.cost, input_tokens: r.usage.inputTokens, output_tokens: r.usage.outputTokens, time: r.time };
    attempts = r.attempts;
  };

  if (grader.mode === 'final-answer') {
    const golden = String(input[c.answer] ?? '');
    const det = judgeAnswerDeterministically(solution, golden);
    row.extracted_answer = det.extracted;
    // An unclosed \boxed{ is read to the end of the text: say so beside the answer.
    if (det.warning) row.extraction_warning = det.warning;
    else delete row.extraction_warning;
    if (det.verdict !== 'undecided') {
      const points = det.verdict === 'equivalent' ? 1 : 0;
      row.grade = [{ points, desc: `Decided without a judge: ${det.reason}` }];
      row.score = points;
      row.judge_method = 'deterministic';
      row.grade_cost = carried;
      row.qed_grade = stamp(0);
      return { row, cost: ZERO_COST };
    }
    await ask(
      fillTemplate(grader.prompts.main, {
        problem_statement: problem,
        golden_answer: golden,
        candidate_answer: det.extracted,
      }),
    );
    row.judge_method = 'llm';
    const v = parseVerdict(reply!);
    return finish(v.ok ? { grade: [{ points: v.value ? 1 : 0, desc: reply! }] } : { error: v.error });
  }

  if (schema.length > 1) {
    if (!grader.prompts.items) throw new Error('several-item scheme without an items prompt');
    const items = schema
      .map((s, i) => `Item ${i + 1} (at most ${s.points} points): ${s.title}\n${s.desc}`)
      .join('\n\n');
    await ask(
      fillTemplate(grader.prompts.items, {
        problem_statement: problem,
        reference_solution: String(input[c.solution] ?? ''),
        grading_items: items,
        candidate_solution: solution,
      }),
    );
    const p = parseItems(
      reply!,
      schema.map((s) => s.points),
    );
    return finish(p.ok ? { grade: p.value } : { error: p.error });
  }

  const vars = {
    problem_statement: problem,
    reference_solution: String(input[c.solution] ?? ''),
    grading_guidelines: String(input[c.grading] ?? ''),
    candidate_solution: solution,
  };
  await ask(fillTemplate(grader.prompts.main, vars));
  const p = parsePoints(reply!, schema[0].points);
  const desc = grader.mode === 'proofbench' ? proofBenchExplanation(reply!) : reply!;
  return finish(p.ok ? { grade: [{ points: p.value, desc }] } : { error: p.error });

  function finish(r: { grade: GradeEntry[] } | { error: string }): GradedRow {
    row.grade_cost = addCost(carried, cost!);
    row.qed_grade = stamp(attempts!);
    if ('grade' in r) {
      row.grade = r.grade;
      row.score = r.grade.reduce((s, g) => s + (g.points ?? 0), 0);
      return { row, cost: cost! };
    }
    // Never a quiet 0: no score, the reason, and the raw reply kept for a human to read.
    row.grade = schema.map((_, i) => ({ points: null, desc: i === 0 ? reply! : '' }));
    row.score = null;
    row.grade_error = `could not read the grader's reply: ${r.error}`;
    return { row, cost: cost!, flag: 'parse_failure' };
  }
}

export type GradeProgress = JobProgress;
export type GradeSummary = JobSummary & { skippedRunErrors: number };

export interface GradeJobOptions extends RowJobOptions {
  /** The results file to grade; it is read once the output's lock is held. */
  file: string;
  /**
   * The rows to grade when they do not come from `file` as JSONL (a Hugging Face dataset's split,
   * read beforehand; `file` is then its cached copy, named in errors).
   */
  rows?: Row[];
  /** Where the graded file goes; the input itself by default (rewritten atomically). */
  outputPath: string;
  grader: Grader;
}

/** The rows of a results file's text, with their 1-based lines. */
function resultRows(bytes: Buffer | undefined, file: string): { rows: Row[]; lines: number[] } {
  if (!bytes) throw new QedError('file not found', { file });
  const parsed = parseJsonlText(decodeText(bytes, file), file);
  return { rows: parsed.rows.map((r) => r.row), lines: parsed.rows.map((r) => r.line) };
}

/**
 * Grades a results file, resumably: rows graded by this grader before are kept, rows whose reply
 * could not be parsed are asked again, rows whose generation failed are left as they are. The
 * file is read holding the output's lock, so an edit saved before the job took it is graded
 * with its row rather than overwritten.
 */
export async function gradeResults(opts: GradeJobOptions): Promise<GradeSummary> {
  const { grader } = opts;
  const inPlace = resolve(opts.file) === resolve(opts.outputPath);
  let rows: Row[] = [];
  let gradableCount = 0;
  const summary = await processRows({
    ...jobOptions(opts),
    identity: grader.identity,
    stampColumn: 'qed_grade',
    stopOnFailure: grader.client.config.throwErrorOnFailure,
    costColumn: 'grade_cost',
    // Graded before: by us (stamp checked by the store) or by another tool (a numeric score and a grade).
    isDone: (row) => isGraded(row) && (row.qed_grade !== undefined || Array.isArray(row.grade)),
    isValidKey: (k) => /^#\d+$/.test(k) && Number(k.slice(1)) < rows.length,
    keyOf: (_row, index) => `#${index}`,
    tasks: [],
    order: [],
    prepare: (output) => {
      let input = output;
      if (opts.rows) input = undefined;
      else if (!inPlace) {
        try {
          input = readFileSync(opts.file);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') input = undefined;
          else if (code === 'EISDIR') throw new QedError('this is a folder, not a JSONL file', { file: opts.file });
          else throw e;
        }
      }
      const read = opts.rows ? { rows: opts.rows, lines: undefined } : resultRows(input, opts.file);
      rows = read.rows;
      if (!rows.length) throw new QedError('the results file has no rows', { file: opts.file });
      checkColumns(rows, grader, opts.file, read.lines);
      const keys = rows.map((_, i) => `#${i}`);
      const tasks = rows.map((row, i) => ({ key: keys[i], row })).filter((t) => !hasRunError(t.row));
      gradableCount = tasks.length;
      return { tasks, order: rows.map((row, i) => ({ key: keys[i], fallback: row })) };
    },
    work: async (task, ctx) => {
      const g = await gradeRow(task.row, task.key, grader, ctx.signal, ctx.onRetry);
      if (g.flag === 'parse_failure') ctx.log(`row ${Number(task.key.slice(1)) + 1}: ${String(g.row.grade_error)}`);
      return { row: g.row, cost: g.cost, flag: g.flag };
    },
    onFailure: (task, e, elapsedSec) => {
      const row: Row = {
        ...task.row,
        score: null,
        grade_error: `grading request failed: ${e.message}`,
        grade_cost: { cost: 0, input_tokens: 0, output_tokens: 0, time: elapsedSec },
      };
      row.qed_grade = {
        ...grader.identity,
        key: task.key,
        attempts: e.attempts,
        finished_at: new Date().toISOString(),
      } satisfies RunStamp;
      return row;
    },
  });
  return { ...summary, skippedRunErrors: rows.length - gradableCount };
}
