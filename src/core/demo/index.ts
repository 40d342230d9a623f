// `qed demo` and VS Code's "Try the demo": the whole job — run, grade, summarise, view — on a
// built-in demo model served on loopback, with no key and no network. The run and the grading go
// through the real engine (openai SDK → HTTP → journal → results file); only the model is fake,
// and every reply, the results' model name and the viewer's banner say so.

import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadConfig } from '../config/load';
import type { ModelConfig } from '../config/types';
import { readDataset } from '../data';
import type { Row } from '../data/types';
import { QedError } from '../errors';
import { gradeResults, type GradeSummary } from '../grade/eval';
import { buildGrader } from '../grade/grader';
import { createClient } from '../llm';
import { runBenchmark, type RunSummary } from '../run/engine';
import { runIdentity } from '../run/identity';
import { loadPrompt, type RunMode } from '../run/prompts';
import type { JobProgress } from '../run/rows';
import { singleCallSolver } from '../run/solver';
import { DEMO_GRADER, DEMO_MODEL, startDemoServer, type DemoServer } from './server';

export {
  DEMO_GRADER,
  DEMO_MODEL,
  DEMO_GRADER_NOTE,
  DEMO_SOLVER_NOTE,
  startDemoServer,
  type DemoServer,
} from './server';

/** What the viewer's banner says over demo results. */
export const DEMO_NOTICE =
  "Demo: these rows come from qed demo's built-in demo model, which answers with the dataset's own reference solutions; proofs are graded by a demo grader (not a real judgement), final answers by the real answer checker.";

/** The shipped demo problems (`configs/demo/problems.jsonl`). */
export function demoDataPath(shippedRoot: string): string {
  return join(shippedRoot, 'demo', 'problems.jsonl');
}

/** One run of the demo: the rows of one mode, their results file. */
export interface DemoPart {
  mode: RunMode;
  /** The rows of this mode, written as a dataset file. */
  dataFile: string;
  /** The results file (`qed run` writes it, `qed eval` grades it in place). */
  outputFile: string;
  rows: number;
}

export interface DemoPlan {
  server: DemoServer;
  /** The demo model's and grader's config files (base_url = the server). */
  modelConfig: string;
  graderConfig: string;
  /** Proofs first, then final answers; a part without rows is left out. */
  parts: DemoPart[];
  source: string;
  outputDir: string;
}

/** What a plan runs, in words: "3 proof problems and 4 final-answer problems". */
export function demoProblems(plan: DemoPlan): string {
  return plan.parts.map((p) => `${p.rows} ${p.mode === 'proof' ? 'proof' : 'final-answer'} problems`).join(' and ');
}

const configYaml = (name: string, model: string, baseUrl: string, note: string) => `# Written by qed demo: ${note}
# The server lives as long as the qed demo that started it; this file is written afresh each time.
human_readable_id: ${name}
model: ${model}
api: custom
base_url: ${baseUrl}
max_tokens: 4096
temperature: 0
concurrent_requests: 4
read_cost: 0
write_cost: 0
`;

/** The rows of a mode: a row with an answer is a final-answer problem, any other a proof problem. */
function hasAnswer(r: Row): boolean {
  return r.answer !== undefined && r.answer !== null && String(r.answer).trim() !== '';
}

/**
 * Reads the demo problems (the shipped ones, or `dataPath`), starts the demo model on loopback
 * and writes what `qed run` / `qed eval` need into `outputDir`: a dataset file per mode and the
 * model and grader configs. Close `plan.server` when done.
 */
export async function prepareDemo(opts: {
  shippedRoot: string;
  outputDir: string;
  dataPath?: string;
  port?: number;
}): Promise<DemoPlan> {
  const dataPath = opts.dataPath ?? demoDataPath(opts.shippedRoot);
  const dataset = await readDataset(dataPath, {});
  const rows = dataset.rows;
  const bad = rows.findIndex((r) => typeof r.problem !== 'string' || !r.problem.trim());
  if (bad >= 0)
    throw new QedError(
      `row ${bad + 1} has no text in column 'problem'`,
      { file: dataset.file, field: 'problem' },
      'the demo reads problem, solution and answer (or grading_guidelines) columns',
    );
  const outputDir = resolve(opts.outputDir);
  await mkdir(join(outputDir, 'data'), { recursive: true });
  await mkdir(join(outputDir, 'configs'), { recursive: true });
  const server = await startDemoServer(rows, { port: opts.port });
  try {
    const modelConfig = join(outputDir, 'configs', 'demo-model.yaml');
    const graderConfig = join(outputDir, 'configs', 'demo-grader.yaml');
    await writeFile(
      modelConfig,
      configYaml(
        'Demo model (answers with the reference solutions)',
        DEMO_MODEL,
        server.baseUrl,
        "a demo model that answers with the dataset's own reference solutions",
      ),
    );
    await writeFile(
      graderConfig,
      configYaml(
        'Demo grader (not a real judgement)',
        DEMO_GRADER,
        server.baseUrl,
        'a demo grader: full marks when a proof repeats the reference, not a real judgement',
      ),
    );
    const parts: DemoPart[] = [];
    for (const mode of ['proof', 'final-answer'] as const) {
      const mine = rows.filter((r) => hasAnswer(r) === (mode === 'final-answer'));
      if (!mine.length) continue;
      const name = mode === 'proof' ? 'demo-proofs' : 'demo-answers';
      const dataFile = join(outputDir, 'data', `${name}.jsonl`);
      await writeFile(dataFile, mine.map((r) => JSON.stringify(r)).join('\n') + '\n');
      parts.push({ mode, dataFile, outputFile: join(outputDir, `${name}.jsonl`), rows: mine.length });
    }
    return { server, modelConfig, graderConfig, parts, source: dataset.source, outputDir };
  } catch (e) {
    await server.close();
    throw e;
  }
}

export interface DemoResult {
  part: DemoPart;
  run: RunSummary;
  grade: GradeSummary;
}

/**
 * The demo's run and grading through the engine, for a caller without the CLI (VS Code's "Try the
 * demo"): for each part, the same runBenchmark and gradeResults `qed run` and `qed eval` call,
 * starting afresh (overwrite). The caller then shows `part.outputFile` in the viewer with
 * `DEMO_NOTICE`, and closes `plan.server` when the viewer is closed (regrading asks it).
 */
export async function runDemo(
  plan: DemoPlan,
  opts: {
    shippedRoot: string;
    signal?: AbortSignal;
    onLog?: (line: string) => void;
    onProgress?: (what: string, p: JobProgress) => void;
  },
): Promise<DemoResult[]> {
  const cfgOpts = { cwd: plan.outputDir, shippedRoot: opts.shippedRoot };
  const model = (await loadConfig(plan.modelConfig, cfgOpts)) as ModelConfig;
  const graderCfg = await loadConfig(plan.graderConfig, cfgOpts);
  const noKey = { getKey: () => undefined };
  const out: DemoResult[] = [];
  for (const part of plan.parts) {
    const client = await createClient(model, noKey);
    const prompt = await loadPrompt(part.mode, opts.shippedRoot);
    const dataset = await readDataset(part.dataFile, {});
    const run = await runBenchmark({
      dataset,
      outputPath: part.outputFile,
      solver: singleCallSolver(client),
      identity: runIdentity(model, prompt, part.mode),
      prompt,
      mode: part.mode,
      n: 1,
      overwrite: true,
      problemColumn: 'problem',
      concurrency: client.limiter.size,
      signal: opts.signal,
      onLog: opts.onLog,
      onProgress: opts.onProgress && ((p) => opts.onProgress!(`run ${part.mode}`, p)),
    });
    const grader = (await buildGrader(graderCfg, { mode: part.mode, shippedRoot: opts.shippedRoot }, (c) =>
      createClient(c, noKey),
    ))!;
    const grade = await gradeResults({
      file: part.outputFile,
      outputPath: part.outputFile,
      grader,
      overwrite: true,
      concurrency: grader.client.limiter.size,
      signal: opts.signal,
      onLog: opts.onLog,
      onProgress: opts.onProgress && ((p) => opts.onProgress!(`grade ${part.mode}`, p)),
    });
    out.push({ part, run, grade });
  }
  return out;
}
