import * as vscode from 'vscode';
import { ui } from './prompts';
import { registerCommand, type Services } from './services';
import { join } from 'node:path';
import { pickModelConfig, requireTrust, workspaceRoot } from './picks';
import { engine } from './lazy';

export interface SlurmContext {
  state: vscode.Memento;
  log: vscode.LogOutputChannel;
  shippedRoot: string;
}

/** How the jobs start the qed CLI shipped with the extension (Electron is not a plain node). */
function qedCommand(): string[] {
  return [process.versions.electron ? 'node' : process.execPath, join(__dirname, 'cli.js')];
}

/**
 * QED: Launch on SLURM — the `qed slurm` launch from the palette (e.g. over Remote-SSH on a login
 * node): pick model, judge, benchmark and GPUs, read the job scripts and derived configs in an
 * editor, then confirm to submit.
 */
export async function launchSlurmCommand(ctx: SlurmContext): Promise<void> {
  if (!requireTrust('submit SLURM jobs')) return;
  const cwd = workspaceRoot();
  if (!cwd) return;
  const { cluster } = await engine();

  const model = await ui.showInputBox({
    title: 'Launch on SLURM (1/4): model',
    prompt: 'A Hugging Face id (served with vLLM) or a model folder holding config.json',
    value: ctx.state.get<string>('qed.slurm.model') ?? 'lm-provers/QED-Nano',
  });
  if (!model) return;

  const judgeKind = await ui.showQuickPick(
    [
      { label: 'A model config (API judge)', value: 'api' },
      { label: 'A Hugging Face model (vLLM judge, served in the grading job)', value: 'vllm' },
      { label: 'No grading', value: 'none' },
    ],
    { title: 'Launch on SLURM (2/4): judge' },
  );
  if (!judgeKind) return;
  let judge: string | undefined;
  if (judgeKind.value === 'api') {
    judge = await pickModelConfig(cwd, ctx.shippedRoot, 'Launch on SLURM (2/4): judge config', 'Which model grades?');
    if (!judge) return;
  } else if (judgeKind.value === 'vllm') {
    judge = await ui.showInputBox({
      title: 'Launch on SLURM (2/4): judge model',
      prompt: 'Hugging Face id or model folder',
      value: 'Qwen/Qwen3-32B',
    });
    if (!judge) return;
  }

  const bench = await ui.showQuickPick(
    [
      {
        label: 'IMO-ProofBench',
        description: 'proofs, graded with the IMO-ProofBench rubric',
        finalAnswer: false,
        proofbench: false,
      },
      { label: 'IMO-AnswerBench', description: 'final answers', finalAnswer: true, proofbench: false },
      { label: 'ProofBench', description: 'proofs, graded with marking schemes', finalAnswer: false, proofbench: true },
    ],
    { title: 'Launch on SLURM (3/4): benchmark' },
  );
  if (!bench) return;

  const gpus = await ui.showQuickPick(
    ['8', '4', '2', '1', '0'].map((g) => ({
      label: g,
      description: g === '0' ? 'no GPU (CPU-only test clusters)' : `GPU${g === '1' ? '' : 's'} per node`,
    })),
    { title: 'Launch on SLURM (4/4): GPUs per node' },
  );
  if (!gpus) return;
  await ctx.state.update('qed.slurm.model', model);

  const plan = cluster.planLaunch({
    model,
    judge,
    finalAnswer: bench.finalAnswer,
    proofbench: bench.proofbench,
    nodes: 1,
    gpus: Number(gpus.label),
    port: 8000,
    healthTimeout: 1800,
    vllmCommand: process.env.QED_VLLM_COMMAND ?? 'vllm',
    qed: qedCommand(),
    cwd,
    shippedRoot: ctx.shippedRoot,
  });
  for (const w of plan.warnings) ctx.log.warn(`Launch on SLURM: ${w}`);

  // The dry run first: every script and config the launch would write, in an editor.
  const preview = await vscode.workspace.openTextDocument({
    language: 'shellscript',
    content: `# qed slurm launch preview: nothing is written or submitted until you confirm.\n# Results: ${plan.results}\n\n${cluster.planText(plan)}`,
  });
  await vscode.window.showTextDocument(preview, { preview: true });

  const jobsText = plan.gradeScript
    ? 'a generation job and a grading job that starts once it succeeded'
    : 'a generation job (no grading)';
  const go = await ui.showInformationMessage(
    `Submit ${jobsText} to SLURM?`,
    { modal: true, detail: `Scripts, configs and logs go to ${plan.outDir}.` },
    'Submit',
  );
  if (go !== 'Submit') return;
  if (!cluster.onPath('sbatch')) {
    void ui.showErrorMessage(
      'QED: sbatch is not on PATH here: open this folder on a SLURM login node (e.g. over Remote-SSH).',
    );
    return;
  }
  const launch = cluster.submitLaunch(plan);
  const ids = launch.jobs.map((j) => `${j.kind === 'generate' ? 'generation' : 'grading'} ${j.id}`).join(', ');
  ctx.log.info(`Launch on SLURM: ${ids}; logs in ${plan.logs}; results ${plan.results}`);
  void ui.showInformationMessage(`QED: submitted ${ids}. Results: ${plan.results}`);
}

export function registerLaunchSlurm(s: Services): void {
  registerCommand(s, 'qed.launchSlurm', 'Launch on SLURM', () => launchSlurmCommand(s));
}
