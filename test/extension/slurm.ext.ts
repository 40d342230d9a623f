/**
 * QED: Launch on SLURM (src/extension/launchSlurm.ts): the quick picks, then the launch previewed
 * in an editor (job scripts and derived configs) and a confirmation; dismissing it submits nothing.
 */
import * as assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activated, waitFor, workspaceRoot, writeIn } from './helpers';
import { ScriptedUi } from './ui';

suite('Launch on SLURM', () => {
  let ui: ScriptedUi | undefined;
  const root = () => workspaceRoot().fsPath;

  suiteSetup(async () => {
    await activated();
  });
  teardown(() => {
    ui?.restore();
    ui = undefined;
  });
  suiteTeardown(async () => {
    rmSync(join(root(), 'ext-slurm-model'), { recursive: true, force: true });
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('model, vLLM judge, benchmark, GPUs → a preview of the scripts and configs; nothing submitted without confirmation', async () => {
    writeIn('ext-slurm-model/config.json', JSON.stringify({ max_position_embeddings: 40960 }));
    ui = new ScriptedUi({
      '(1/4): model': { input: 'ext-slurm-model' },
      '(2/4): judge model': { input: 'Qwen/Qwen3-32B' },
      '(2/4): judge': { pick: 'A Hugging Face model (vLLM judge, served in the grading job)' },
      '(3/4): benchmark': { pick: 'IMO-ProofBench' },
      '(4/4): GPUs': { pick: '0' },
    });
    await vscode.commands.executeCommand('qed.launchSlurm');
    assert.deepEqual(ui.unanswered(), []);
    assert.deepEqual(ui.messagesOf('error'), []);
    const editor = await waitFor(
      'the preview editor',
      () => vscode.window.activeTextEditor?.document.languageId === 'shellscript' && vscode.window.activeTextEditor,
    );
    const text = editor.document.getText();
    assert.ok(editor.document.isUntitled, 'the preview is not a file');
    assert.match(
      text,
      /==> .*outputs\/slurm\/ext-slurm-model\/configs\/ext-slurm-model\.yaml <==\n[\s\S]*max_tokens: 35840\n/,
    );
    assert.match(
      text,
      /==> .*jobs\/generate\.sbatch <==\n#!\/bin\/bash\n[\s\S]*\$VLLM serve .*ext-slurm-model .*--max-model-len 40960/,
    );
    assert.match(text, /==> .*jobs\/grade\.sbatch <==\n[\s\S]*\$VLLM serve Qwen\/Qwen3-32B/);
    assert.doesNotMatch(text, /--gres/, 'no GPU asked for');
    const confirm = ui.messages.find((m) => m.text.startsWith('Submit a generation job and a grading job'));
    assert.ok(confirm, `no confirmation among ${JSON.stringify(ui.messages)}`);
    assert.deepEqual(confirm.buttons, ['Submit']);
    assert.ok(!existsSync(join(root(), 'outputs', 'slurm', 'ext-slurm-model')), 'dismissed: nothing written');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});
