import * as vscode from 'vscode';
import { ui } from './prompts';
import { asUri, registerCommand, type Services } from './services';
import { basename, extname, isAbsolute, join, relative } from 'node:path';
import type { KeyStore } from './keys';
import { clientFor, confirmCost, pickModelConfig, requireTrust, workspaceRoot } from './picks';
import type { Jobs } from './jobs';
import { engine } from './lazy';

/** Never offered as datasets: results, configs, editor and package settings, builds. */
const DATA_EXCLUDE =
  '{**/node_modules/**,**/outputs/**,**/.git/**,**/.vscode/**,**/configs/**,**/dist/**,**/out/**,**/package*.json,**/tsconfig*.json,**/jsconfig*.json,**/.eslintrc*.json}';

/** Rows of the trial run offered first. */
export const TRIAL_ROWS = 3;

/**
 * Run Benchmark's step 4: a trial on the first few problems, all of them once, several runs each,
 * or the first N. Undefined when the user gave up.
 */
async function pickRunSize(rows: number): Promise<{ limit?: number; n: number } | undefined> {
  const title = 'Run Benchmark (4/5): problems and runs';
  const trial = Math.min(TRIAL_ROWS, rows);
  const all = `All ${rows} problem${rows === 1 ? '' : 's'}`;
  const items: Array<vscode.QuickPickItem & { size?: { limit?: number; n: number }; ask?: 'n' | 'limit' }> = [
    ...(rows > trial
      ? [
          {
            label: '$(beaker) Trial run',
            description: `the first ${trial} problems, 1 run each`,
            detail: 'A cheap check of the config and prompt; the full run later resumes after these rows.',
            size: { limit: trial, n: 1 },
          },
        ]
      : []),
    { label: all, description: '1 run each', size: { n: 1 } },
    { label: `${all}, several runs each…`, description: 'pass@k, mean and spread across runs', ask: 'n' },
    { label: 'The first N problems…', description: '1 run each', ask: 'limit' },
  ];
  const pick = await ui.showQuickPick(items, { title, placeHolder: `The dataset has ${rows} problems` });
  if (!pick) return undefined;
  if (pick.size) return pick.size;
  const whole = (v: string) => (/^[1-9]\d*$/.test(v.trim()) ? undefined : 'A positive whole number');
  if (pick.ask === 'n') {
    const n = await ui.showInputBox({ title: `${title}: runs per problem`, value: '4', validateInput: whole });
    return n ? { n: Number(n) } : undefined;
  }
  const limit = await ui.showInputBox({
    title: `${title}: how many problems (from the first)`,
    value: String(Math.min(10, rows)),
    validateInput: whole,
  });
  return limit ? { limit: Number(limit), n: 1 } : undefined;
}

/** Everything the command needs from the extension. */
export interface RunContext {
  keys: KeyStore;
  state: vscode.Memento;
  jobs: Jobs;
  log: vscode.LogOutputChannel;
  shippedRoot: string;
}

/**
 * QED: Run Benchmark — pick a model config, a dataset, a mode and n, then run the engine in the
 * extension host under a cancellable progress notification. Rows are on disk as they finish;
 * running the same selection again resumes.
 */
export async function runBenchmarkCommand(ctx: RunContext, preset?: { configFile?: string }): Promise<void> {
  if (!requireTrust('run benchmarks')) return;
  const cwd = workspaceRoot();
  if (!cwd) return;
  // The engine loads only when a run starts: activation stays cheap.
  const {
    config: { loadConfig },
    data: { readDataset },
    run: runner,
    prompts,
    solver: { singleCallSolver },
    identity: { runIdentity },
    format: { jobState, reusedPart },
    agents,
    estimate: { estimateRunCost, describeEstimate },
  } = await engine();

  // 1. Model or agent config.
  const configRef =
    preset?.configFile ??
    (await pickModelConfig(
      cwd,
      ctx.shippedRoot,
      'Run Benchmark (1/5): model config',
      'Which model or agent?',
      undefined,
      true,
    ));
  if (!configRef) return;
  const cfg = await loadConfig(configRef, { cwd, shippedRoot: ctx.shippedRoot });

  // 2. Dataset.
  const files = await vscode.workspace.findFiles('**/*.{jsonl,json,csv}', DATA_EXCLUDE, 500);
  const dataItems: Array<vscode.QuickPickItem & { value?: string }> = files
    .map((f) => ({ label: relative(cwd, f.fsPath), value: f.fsPath }))
    .sort((a, b) => a.label.localeCompare(b.label));
  dataItems.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
  dataItems.push({ label: '$(folder-opened) Browse…', value: '#browse' });
  dataItems.push({
    label: '$(cloud-download) Hugging Face dataset…',
    value: '#hub',
    description: 'e.g. lm-provers/IMOProofBench',
  });
  const dataPick = await ui.showQuickPick(dataItems, {
    title: 'Run Benchmark (2/5): dataset',
    placeHolder: 'Which problems?',
    matchOnDescription: true,
  });
  if (!dataPick?.value) return;
  let dataPath = dataPick.value;
  let split = 'train';
  if (dataPath === '#browse') {
    const uri = await vscode.window.showOpenDialog({
      canSelectMany: false,
      filters: { Datasets: ['jsonl', 'json', 'csv'] },
      defaultUri: vscode.Uri.file(cwd),
    });
    if (!uri?.[0]) return;
    dataPath = uri[0].fsPath;
  } else if (dataPath === '#hub') {
    const id = await ui.showInputBox({
      title: 'Hugging Face dataset id',
      value: 'lm-provers/IMOProofBench',
      validateInput: (v) => (/^[\w.-]+\/[\w.-]+$/.test(v) ? undefined : 'owner/name'),
    });
    if (!id) return;
    const s = await ui.showInputBox({ title: 'Split', value: 'train' });
    if (s === undefined) return;
    dataPath = id;
    split = s || 'train';
  }

  // 3. Mode.
  const modePick = await ui.showQuickPick(
    [
      { label: 'Proof', description: 'write a full proof (IMO-ProofBench, ProofBench)', mode: 'proof' as const },
      {
        label: 'Final answer',
        description: 'reason, then give the answer in \\boxed{} (IMO-AnswerBench)',
        mode: 'final-answer' as const,
      },
    ],
    { title: 'Run Benchmark (3/5): mode' },
  );
  if (!modePick) return;

  // 4. How many problems and runs: a trial run of a few problems first (the CLI's --limit).
  const dataset = await readDataset(dataPath, { split });
  const size = await pickRunSize(dataset.rows.length);
  if (!size) return;
  const nText = String(size.n);

  // 5. Output path: a trial writes where the full run will, which then resumes after its rows.
  const outFolder = vscode.workspace.getConfiguration('qed').get<string>('outputFolder') || 'outputs';
  const dataName = basename(dataPath, extname(dataPath)).replace(/[^\w.-]+/g, '_');
  const defaultOut = join(
    outFolder,
    `${cfg.id.replace(/[\\/]/g, '_').replace(/\.(ya?ml|json)$/i, '')}__${dataName}${modePick.mode === 'final-answer' ? '__answer' : ''}.jsonl`,
  );
  const outText = await ui.showInputBox({
    title: 'Run Benchmark (5/5): results file',
    value: defaultOut,
    prompt: 'Relative to the workspace folder. An existing file with the same run is resumed.',
  });
  if (!outText) return;
  const outputPath = isAbsolute(outText) ? outText : join(cwd, outText);

  const prompt = await prompts.loadPrompt(modePick.mode, ctx.shippedRoot);
  const mode = modePick.mode;
  const problems = dataset.rows.slice(0, size.limit).map((r) => String(r.problem ?? ''));
  let solver: import('../core/run/solver').Solver;
  let identity: import('../core/run/store').RunIdentity;
  let rowsAtOnce: number;
  let describe: string;
  if (cfg.kind === 'agent') {
    // An agent: its scaffold and models; every model gets the same key and host checks as a plain run.
    const maxConcurrency = vscode.workspace.getConfiguration('qed').get<number>('maxConcurrency') || undefined;
    const agent = await agents.loadAgent(cfg, {
      cwd,
      shippedRoot: ctx.shippedRoot,
      getKey: (v) => ctx.keys.get(v),
      maxConcurrency,
      keyHint: 'run "QED: Set API Key"',
    });
    for (const m of new Set(Object.values(agent.models).map((x) => x.config))) if (!(await clientFor(ctx, m))) return;
    if (
      !(await confirmCost(
        (outputTokens) =>
          estimateRunCost(agent.models.model.config, problems, prompt.text, {
            n: Number(nText),
            callsPerProblem: agent.callsPerProblem,
            outputTokens,
          }),
        describeEstimate,
      ))
    )
      return;
    solver = agent;
    identity = agent.identity(prompt, mode);
    rowsAtOnce = agent.rowsAtOnce;
    describe = `${cfg.id} (agent: scaffold ${agent.scaffold}, model ${agent.models.model.id}, at most ${agent.budget} requests at once)`;
  } else {
    if (
      !(await confirmCost(
        (outputTokens) => estimateRunCost(cfg, problems, prompt.text, { n: Number(nText), outputTokens }),
        describeEstimate,
      ))
    )
      return;
    const client = await clientFor(ctx, cfg);
    if (!client) return;
    solver = singleCallSolver(client);
    identity = runIdentity(cfg, prompt, mode);
    rowsAtOnce = client.limiter.size;
    describe = `${cfg.id} (${cfg.api}: ${cfg.model})`;
  }
  for (const w of dataset.warnings ?? []) ctx.log.warn(w);
  ctx.log.info(
    `run: ${describe} on ${dataset.source} (${size.limit !== undefined ? `the first ${problems.length} of ${dataset.rows.length}` : dataset.rows.length} rows, n=${nText}, ${modePick.mode}) → ${outputPath}`,
  );

  const summary = await ctx.jobs.run(
    'run',
    cfg.id,
    (signal, onProgress) =>
      runner.runBenchmark({
        dataset,
        outputPath,
        solver,
        identity,
        prompt,
        mode,
        n: Number(nText),
        limit: size.limit,
        overwrite: false,
        problemColumn: 'problem',
        concurrency: rowsAtOnce,
        signal,
        onLog: (line) => ctx.log.info(line),
        onProgress,
      }),
    ctx.log,
    outputPath,
  );
  const state = jobState(summary, false);
  const reused = summary.reused ? `, ${reusedPart(summary)}` : '';
  const line = `${state}: ${summary.done}/${summary.total} rows${reused}, ${summary.failed} failed, $${summary.cost.cost.toFixed(4)}`;
  ctx.log.info(`run: ${line} → ${outputPath}`);
  const open = 'Open Results';
  const show = summary.failed ? ui.showWarningMessage : ui.showInformationMessage;
  const choice = await show(`QED: ${line}.`, open, ...(summary.failed ? ['Show Log'] : []));
  if (choice === open) await vscode.window.showTextDocument(vscode.Uri.file(outputPath));
  else if (choice === 'Show Log') ctx.log.show();
}

export function registerRunBenchmark(s: Services): void {
  registerCommand(s, 'qed.runBenchmark', 'Run Benchmark', (arg?: unknown) => {
    const file = asUri(arg)?.fsPath;
    return runBenchmarkCommand(s, file && /\.(ya?ml|json)$/i.test(file) ? { configFile: file } : undefined);
  });
}
