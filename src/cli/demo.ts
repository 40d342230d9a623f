import { relative } from 'node:path';
import { DEMO_MODEL, DEMO_NOTICE, demoProblems, prepareDemo } from '../core/demo';
import { parse, positiveInt, str } from './args';
import { evalCommand } from './eval';
import { runCommand } from './run';
import { statsCommand } from './stats';
import { viewCommand } from './view';

export const DEMO_HELP = `qed demo — the whole job in a minute, with no key and no network

Usage: qed demo [--data-path FILE] [--output-dir DIR] [--no-view]

Serves a built-in demo model on 127.0.0.1 that answers every problem with the dataset's own
reference solution (and answer), then runs the real pipeline on it:
  qed run   the problems (rows with an 'answer' in final-answer mode, the others as proofs)
  qed eval  final answers by the real answer checker; proofs by a demo grader (full marks when a
            proof repeats the reference; not a real judgement — its grades say so)
  qed stats both results files
  qed view  both files in the browser: prints the address and serves until Ctrl-C

  --data-path FILE    problems to use (.jsonl/.json/.csv with problem, solution, answer or
                      grading_guidelines columns); default: the demo problems shipped with qed
  --output-dir DIR    where results, datasets and the demo configs go (default outputs/demo);
                      each demo starts these files afresh
  --no-view           stop after qed stats instead of serving the viewer (scripts, CI)
  --port N            the viewer's port (default: any free port)

Every reply starts with a line saying it is the demo model's, the results record the model
'qed-demo' (grader 'qed-demo-grader'), and the viewer shows a banner saying these are demo rows.
Exit status: 0 done, otherwise that of the step that failed.
`;

const OPTIONS = {
  'data-path': { type: 'string' },
  'output-dir': { type: 'string' },
  'no-view': { type: 'boolean' },
  port: { type: 'string' },
  quiet: { type: 'boolean' },
} as const;

export async function demoCommand(args: string[], env: { shippedRoot: string }): Promise<number> {
  const { values: v } = parse(args, OPTIONS, 'demo');
  const port = positiveInt(v.port, 'port');
  const quiet = v.quiet ? ['--quiet'] : [];
  const plan = await prepareDemo({
    shippedRoot: env.shippedRoot,
    outputDir: str(v['output-dir']) ?? 'outputs/demo',
    dataPath: str(v['data-path']),
  });
  const rel = (p: string) => relative(process.cwd(), p) || p;
  const say = (line: string) => process.stderr.write(`${line}\n`);
  try {
    say(
      `qed demo: demo model '${DEMO_MODEL}' on ${plan.server.baseUrl} (loopback; no key, no network), ${demoProblems(plan)} from ${plan.source}`,
    );
    for (const part of plan.parts) {
      const fa = part.mode === 'final-answer' ? ['--final-answer'] : [];
      say(
        `\n$ qed run --model-config ${rel(plan.modelConfig)} --data-path ${rel(part.dataFile)} --output-path ${rel(part.outputFile)}${fa.length ? ' --final-answer' : ''} --overwrite`,
      );
      let code = await runCommand(
        [
          '--model-config',
          plan.modelConfig,
          '--data-path',
          part.dataFile,
          '--output-path',
          part.outputFile,
          ...fa,
          '--overwrite',
          ...quiet,
        ],
        env,
      );
      if (code !== 0) return code;
      say(
        `\n$ qed eval --model-config ${rel(plan.graderConfig)} --data-path ${rel(part.outputFile)}${fa.length ? ' --final-answer' : ''} --overwrite`,
      );
      code = await evalCommand(
        ['--model-config', plan.graderConfig, '--data-path', part.outputFile, ...fa, '--overwrite', ...quiet],
        env,
      );
      if (code !== 0) return code;
    }
    const files = plan.parts.map((p) => p.outputFile);
    let code = 0;
    for (const f of files) {
      say(`\n$ qed stats ${rel(f)}`);
      code = await statsCommand([f]);
      if (code !== 0) return code;
    }
    if (v['no-view']) {
      say(`\nqed demo: done. Look at the rows with: qed view ${files.map(rel).join(' ')}`);
      return code;
    }
    say(`\n$ qed view ${files.map(rel).join(' ')}`);
    return await viewCommand([...files, ...(port ? ['--port', String(port)] : [])], env, { notice: DEMO_NOTICE });
  } finally {
    await plan.server.close();
  }
}
