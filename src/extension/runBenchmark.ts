import * as vscode from 'vscode';
import { basename, extname, isAbsolute, join, relative } from 'node:path';
import type { KeyStore } from './keys';
import { clientFor, confirmCost, pickModelConfig, requireTrust, workspaceRoot } from './picks';
import type { Jobs } from './jobs';
import { engine } from './lazy';

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
  const { config: { loadConfig }, data: { readDataset }, run: runner, prompts, solver: { singleCallSolver }, identity: { runIdentity }, format: { jobState, reusedPart }, agents, estimate: { estimateRunCost, describeEstimate } } = await engine();

  // 1. Model or agent config.
  const configRef = preset?.configFile ?? (await pickModelConfig(cwd, ctx.shippedRoot, 'Run Benchmark (1/4): model config', 'Which model or agent?', undefined, true));
  if (!configRef) return;
  const cfg = await loadConfig(configRef, { cwd, shippedRoot: ctx.shippedRoot });

  // 2. Dataset.
  const files = await vscode.workspace.findFiles('**/*.{jsonl,json,csv}', '{**/node_modules/**,**/outputs/**,**/.git/**,**/configs/**,**/package*.json,**/tsconfig*.json}', 500);
  const dataItems: Array<vscode.QuickPickItem & { value?: string }> = files
    .map((f) => ({ label: relative(cwd, f.fsPath), value: f.fsPath }))
    .sort((a, b) => a.label.localeCompare(b.label));
  dataItems.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
  dataItems.push({ label: '$(folder-opened) Browse…', value: '#browse' });
  dataItems.push({ label: '$(cloud-download) Hugging Face dataset…', value: '#hub', description: 'e.g. lm-provers/IMOProofBench' });
  const dataPick = await vscode.window.showQuickPick(dataItems, { title: 'Run Benchmark (2/4): dataset', placeHolder: 'Which problems?', matchOnDescription: true });
  if (!dataPick?.value) return;
  let dataPath = dataPick.value;
  let split = 'train';
  if (dataPath === '#browse') {
    const uri = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { Datasets: ['jsonl', 'json', 'csv'] }, defaultUri: vscode.Uri.file(cwd) });
    if (!uri?.[0]) return;
    dataPath = uri[0].fsPath;
  } else if (dataPath === '#hub') {
    const id = await vscode.window.showInputBox({ title: 'Hugging Face dataset id', value: 'lm-provers/IMOProofBench', validateInput: (v) => (/^[\w.-]+\/[\w.-]+$/.test(v) ? undefined : 'owner/name') });
    if (!id) return;
    const s = await vscode.window.showInputBox({ title: 'Split', value: 'train' });
    if (s === undefined) return;
    dataPath = id;
    split = s || 'train';
  }

  // 3. Mode and n.
  const modePick = await vscode.window.showQuickPick(
    [
      { label: 'Proof', description: 'write a full proof (IMO-ProofBench, ProofBench)', mode: 'proof' as const },
      { label: 'Final answer', description: 'reason, then give the answer in \\boxed{} (IMO-AnswerBench)', mode: 'final-answer' as const },
    ],
    { title: 'Run Benchmark (3/4): mode' },
  );
  if (!modePick) return;
  const nText = await vscode.window.showInputBox({ title: 'Run Benchmark (3/4): runs per problem', value: '1', validateInput: (v) => (/^[1-9]\d*$/.test(v) ? undefined : 'A positive whole number') });
  if (!nText) return;

  // 4. Output path.
  const outFolder = vscode.workspace.getConfiguration('qed').get<string>('outputFolder') || 'outputs';
  const dataName = basename(dataPath, extname(dataPath)).replace(/[^\w.-]+/g, '_');
  const defaultOut = join(outFolder, `${cfg.id.replace(/[\\/]/g, '_').replace(/\.(ya?ml|json)$/i, '')}__${dataName}${modePick.mode === 'final-answer' ? '__answer' : ''}.jsonl`);
  const outText = await vscode.window.showInputBox({ title: 'Run Benchmark (4/4): results file', value: defaultOut, prompt: 'Relative to the workspace folder. An existing file with the same run is resumed.' });
  if (!outText) return;
  const outputPath = isAbsolute(outText) ? outText : join(cwd, outText);

  const dataset = await readDataset(dataPath, { split });
  const prompt = await prompts.loadPrompt(modePick.mode, ctx.shippedRoot);
  const mode = modePick.mode;
  const problems = dataset.rows.map((r) => String(r.problem ?? ''));
  let solver: import('../core/run/solver').Solver;
  let identity: import('../core/run/store').RunIdentity;
  let rowsAtOnce: number;
  let describe: string;
  if (cfg.kind === 'agent') {
    // An agent: its scaffold and models; every model gets the same key and host checks as a plain run.
    const maxConcurrency = vscode.workspace.getConfiguration('qed').get<number>('maxConcurrency') || undefined;
    const agent = await agents.loadAgent(cfg, { cwd, shippedRoot: ctx.shippedRoot, getKey: (v) => ctx.keys.get(v), maxConcurrency, keyHint: 'run "QED: Set API Key"' });
    for (const m of new Set(Object.values(agent.models).map((x) => x.config))) if (!(await clientFor(ctx, m))) return;
    if (!(await confirmCost((outputTokens) => estimateRunCost(agent.models.model.config, problems, prompt.text, { n: Number(nText), callsPerProblem: agent.callsPerProblem, outputTokens }), describeEstimate))) return;
    solver = agent;
    identity = agent.identity(prompt, mode);
    rowsAtOnce = agent.rowsAtOnce;
    describe = `${cfg.id} (agent: scaffold ${agent.scaffold}, model ${agent.models.model.id}, at most ${agent.budget} requests at once)`;
  } else {
    if (!(await confirmCost((outputTokens) => estimateRunCost(cfg, problems, prompt.text, { n: Number(nText), outputTokens }), describeEstimate))) return;
    const client = await clientFor(ctx, cfg);
    if (!client) return;
    solver = singleCallSolver(client);
    identity = runIdentity(cfg, prompt, mode);
    rowsAtOnce = client.limiter.size;
    describe = `${cfg.id} (${cfg.api}: ${cfg.model})`;
  }
  for (const w of dataset.warnings ?? []) ctx.log.warn(w);
  ctx.log.info(`run: ${describe} on ${dataset.source} (${dataset.rows.length} rows, n=${nText}, ${modePick.mode}) → ${outputPath}`);

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
  const show = summary.failed ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  const choice = await show(`QED: ${line}.`, open, ...(summary.failed ? ['Show Log'] : []));
  if (choice === open) await vscode.window.showTextDocument(vscode.Uri.file(outputPath));
  else if (choice === 'Show Log') ctx.log.show();
}
