/**
 * Long jobs from the editor (src/extension/jobs.ts): QED: Run Benchmark and QED: Grade Results
 * cancelled with QED: Cancel Job keep the rows they finished, leave no lock behind, and the same
 * command run again only does the rest. The model is the loopback fake LLM server, started in this
 * extension host; the third request of the first run hangs until the cancel aborts it, so where the
 * job stops does not depend on timing.
 */
import * as assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import * as vscode from 'vscode';
import { FakeLlmServer, type RecordedRequest } from '../fake-llm/server';
import { activated, fileIn, readJsonl, settled, waitFor, writeIn } from './helpers';
import { runBenchmarkAnswers, ScriptedUi, type Answer } from './ui';

const CONFIG_ID = 'x/fake-jobs';
const DATA = 'data/ext-jobs.jsonl';
const N = 8;
/** A grader reply the IMO-ProofBench rubric reads as 7 points. */
const GRADE_REPLY = 'The proof is complete and correct.\n<points>7</points>';

/** Which row a request is about: every problem / solution text carries its id in brackets. */
function rowOf(req: RecordedRequest): string | undefined {
  return /\[([A-Z]+-\d+)\]/.exec(JSON.stringify(req.body?.messages ?? ''))?.[1];
}

suite('jobs: cancel and resume', () => {
  let fake: FakeLlmServer;
  let ui: ScriptedUi | undefined;
  /** What the fake answers once its script is used up (undefined: its default reply). */
  let replyText: string | undefined;
  const created: string[] = [];
  const chats = () => fake.requestsOf('chat');

  const runAnswers = (out: string): Record<string, Answer> => runBenchmarkAnswers(CONFIG_ID, DATA, out, N);

  /** The job files a results file has while a job works on it; none may outlive the job. */
  const leftovers = (file: string) => ['.lock', '.partial'].filter((ext) => existsSync(file + ext));

  suiteSetup(async () => {
    await activated();
    fake = await FakeLlmServer.start({
      latencyMs: 20,
      reply: () => (replyText === undefined ? undefined : { text: replyText }),
    });
    created.push(
      writeIn(
        `configs/models/${CONFIG_ID}.yaml`,
        [
          '# The loopback fake LLM server of jobs.ext.ts (no key: a local server).',
          'model: fake-jobs',
          'api: custom',
          `base_url: ${fake.url}/v1`,
          'concurrent_requests: 1',
          'max_retries: 0',
          'read_cost: 0',
          'write_cost: 0',
          '',
        ].join('\n'),
      ),
      writeIn(
        DATA,
        Array.from({ length: N }, (_, i) =>
          JSON.stringify({
            problem_id: `EXT-${i + 1}`,
            problem: `Prove that ${i + 1} + ${i + 1} = ${2 * (i + 1)}. [EXT-${i + 1}]`,
            grading_guidelines: '(7) any correct proof',
          }),
        ).join('\n') + '\n',
      ),
    );
  });

  teardown(() => {
    ui?.restore();
    ui = undefined;
    replyText = undefined;
  });

  suiteTeardown(async () => {
    await fake?.close();
    for (const f of created) for (const ext of ['', '.lock', '.partial']) rmSync(f + ext, { force: true });
    rmSync(fileIn('data').fsPath, { recursive: true, force: true });
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('Run Benchmark cancelled mid-way keeps the finished rows, and running it again asks only for the rest', async () => {
    const rel = 'outputs/ext-cancel.jsonl';
    const out = fileIn(rel).fsPath;
    created.push(out);
    fake.clearRequests();
    fake.script({}, {}, { kind: 'hang' }); // rows 1 and 2 are answered; the third request hangs until cancelled

    ui = new ScriptedUi(runAnswers(rel));
    const first = vscode.commands.executeCommand('qed.runBenchmark');
    await waitFor('the third request of the run', () => chats().length >= 3);
    await vscode.commands.executeCommand('qed.cancelJob');
    await settled('the cancelled run to end', first);

    assert.deepEqual(ui.unanswered(), []);
    assert.deepEqual(ui.messagesOf('error'), []);
    const info = ui.messagesOf('info');
    assert.ok(info.includes(`QED: cancelling ${CONFIG_ID}; finished rows are kept.`), `messages: ${info.join(' | ')}`);
    assert.match(info.at(-1) ?? '', /^QED: cancelled: 2\/8 rows, 0 failed, \$\d+\.\d{4}\.$/);
    assert.equal(chats().length, 3, 'requests of the cancelled run');

    const kept = readJsonl(out);
    assert.deepEqual(
      kept.map((r) => r.problem_id),
      ['EXT-1', 'EXT-2'],
      'rows in the file after the cancel',
    );
    for (const r of kept) {
      assert.match(String(r.model_solution), /^Fake reply [0-9a-f]{8}\./, `model_solution of ${String(r.problem_id)}`);
      assert.equal(r.error, undefined, `error of ${String(r.problem_id)}`);
      assert.ok(r.qed_run, `qed_run stamp of ${String(r.problem_id)}`);
    }
    assert.deepEqual(leftovers(out), [], 'job files left next to the results');

    // The same command, same answers: it resumes, asking the model only for the 6 missing rows.
    fake.clearRequests();
    ui.answer(runAnswers(rel));
    await vscode.commands.executeCommand('qed.runBenchmark');
    assert.deepEqual(ui.unanswered(), []);
    assert.deepEqual(ui.messagesOf('error'), []);
    assert.match(ui.messagesOf('info').at(-1) ?? '', /^QED: finished: 8\/8 rows, 2 reused, 0 failed, \$\d+\.\d{4}\.$/);
    assert.deepEqual(
      chats().map(rowOf),
      ['EXT-3', 'EXT-4', 'EXT-5', 'EXT-6', 'EXT-7', 'EXT-8'],
      'rows asked of the model by the second run',
    );
    const all = readJsonl(out);
    assert.deepEqual(
      all.map((r) => r.problem_id),
      Array.from({ length: N }, (_, i) => `EXT-${i + 1}`),
    );
    for (const r of all)
      assert.ok(
        typeof r.model_solution === 'string' && r.model_solution.startsWith('Fake reply') && r.error === undefined,
        `row ${String(r.problem_id)}: ${JSON.stringify(r).slice(0, 200)}`,
      );
    // The rows of the first run are kept as they were, not redone.
    assert.deepEqual(all.slice(0, 2), kept);
    assert.deepEqual(leftovers(out), []);
  });

  test('Run Benchmark with an agent config: cancelled mid-problem, the rerun continues from its last finished call', async () => {
    const agentId = 'x/fake-agent';
    created.push(
      writeIn(
        'configs/agents/ext-ds.yaml',
        [
          'scaffold_name: deepseek_agent',
          'n_threads: 1',
          'pool_size: 2',
          'verification_pool_size: 2',
          'verifications_per_refinement: 1',
          'max_iterations: 1',
          'generation_prompt: "Prove it. {question}"',
          'verifier_prompt: "Check it. {proof}"',
          'refinement_prompt: "Improve it. {proof} {proof_analysis}"',
          '',
        ].join('\n'),
      ),
      writeIn(
        `configs/models/${agentId}.yaml`,
        ['type: agent', `model_config: models/${CONFIG_ID}`, 'scaffold_config: agents/ext-ds', ''].join('\n'),
      ),
      writeIn(
        'data/ext-agent.jsonl',
        JSON.stringify({
          problem_id: 'AG-1',
          problem: 'Prove that 1 + 1 = 2. [AG-1]',
          grading_guidelines: '(7) any proof',
        }) + '\n',
      ),
    );
    const rel = 'outputs/ext-agent.jsonl';
    const out = fileIn(rel).fsPath;
    created.push(out, `${out}.steps`);
    fake.clearRequests();
    // One request at a time (concurrent_requests: 1): four calls answered, the fifth hangs until cancelled.
    fake.script({}, {}, {}, {}, { kind: 'hang' });
    ui = new ScriptedUi(runBenchmarkAnswers(agentId, 'data/ext-agent.jsonl', rel, 1));
    const first = vscode.commands.executeCommand('qed.runBenchmark');
    await waitFor('the fifth call of the agent', () => chats().length >= 5);
    await vscode.commands.executeCommand('qed.cancelJob');
    await settled('the cancelled agent run to end', first);
    assert.deepEqual(ui.unanswered(), []);
    assert.deepEqual(ui.messagesOf('error'), []);
    assert.ok(existsSync(`${out}.steps`), 'the finished calls wait in the step journal');

    // 2 proofs + 4 verifications + 2 refinements + 4 verifications = 12 calls; 4 were paid for.
    fake.clearRequests();
    ui.answer(runBenchmarkAnswers(agentId, 'data/ext-agent.jsonl', rel, 1));
    await vscode.commands.executeCommand('qed.runBenchmark');
    assert.deepEqual(ui.messagesOf('error'), []);
    assert.match(ui.messagesOf('info').at(-1) ?? '', /^QED: finished: 1\/1 rows, 0 failed/);
    assert.equal(chats().length, 8, 'only the calls that had not finished');
    const [row] = readJsonl(out);
    const trace = row.agent_trace as { scaffold: string; steps: Array<{ h?: number; reused?: boolean }> };
    assert.equal(trace.scaffold, 'deepseek_agent');
    assert.equal(trace.steps.filter((s) => s.h !== undefined).length, 12);
    assert.equal(trace.steps.filter((s) => s.reused).length, 4);
    assert.equal(existsSync(`${out}.steps`), false);
    assert.deepEqual(leftovers(out), []);
  });

  test('Grade Results cancelled mid-way keeps the graded rows, and grading again grades only the rest', async () => {
    const rel = 'outputs/ext-grade.jsonl';
    const rows = Array.from({ length: 6 }, (_, i) => ({
      problem_id: `GR-${i + 1}`,
      problem: `Prove that ${i + 1} is a whole number.`,
      solution: 'Count up from 1.',
      model_solution: `It is one of 1, 2, 3, … [GR-${i + 1}]`,
      grading_guidelines: '(7) any correct proof',
    }));
    const file = writeIn(rel, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    created.push(file);
    fake.clearRequests();
    replyText = GRADE_REPLY;
    fake.script({ text: GRADE_REPLY }, { text: GRADE_REPLY }, { kind: 'hang' });

    const answers: Record<string, Answer> = {
      '(2/3): how to grade': { pick: 'IMO-ProofBench rubric' },
      '(3/3): grader model': { pick: CONFIG_ID },
    };
    ui = new ScriptedUi(answers);
    const first = vscode.commands.executeCommand('qed.gradeResults', vscode.Uri.file(file));
    await waitFor('the third grading request', () => chats().length >= 3).catch((e: Error) => {
      throw new Error(
        `${e.message}; prompts: ${JSON.stringify(ui?.shown)}; messages: ${JSON.stringify(ui?.messages)}; requests: ${chats().length}`,
      );
    });
    await vscode.commands.executeCommand('qed.cancelJob');
    await settled('the cancelled grading to end', first);

    assert.deepEqual(ui.unanswered(), []);
    assert.deepEqual(ui.messagesOf('error'), []);
    assert.match(
      ui.messagesOf('info').at(-1) ?? '',
      /^QED: grading cancelled: 2\/6 rows, 0 unreadable replies, 0 failed, \$\d+\.\d{4}\.$/,
    );
    const afterCancel = readJsonl(file);
    assert.deepEqual(
      afterCancel.map((r) => r.problem_id),
      rows.map((r) => r.problem_id),
      'every row stays in the file, in order',
    );
    afterCancel.forEach((r, i) => {
      if (i < 2) {
        assert.equal(r.score, 7, `score of ${String(r.problem_id)}`);
        assert.ok(r.qed_grade && r.grade_error === undefined, `grade of ${String(r.problem_id)}: ${JSON.stringify(r)}`);
      } else {
        // Not graded yet: exactly the row as it was, no half-written grade.
        assert.deepEqual(r, rows[i], `row ${String(r.problem_id)} after the cancel`);
      }
    });
    assert.deepEqual(leftovers(file), []);

    fake.clearRequests();
    ui.answer(answers);
    await vscode.commands.executeCommand('qed.gradeResults', vscode.Uri.file(file));
    assert.deepEqual(ui.messagesOf('error'), []);
    assert.match(
      ui.messagesOf('info').at(-1) ?? '',
      /^QED: graded: 6\/6 rows, 2 reused, 0 unreadable replies, 0 failed/,
    );
    assert.deepEqual(chats().map(rowOf), ['GR-3', 'GR-4', 'GR-5', 'GR-6'], 'rows sent to the grader by the second run');
    const graded = readJsonl(file);
    assert.deepEqual(
      graded.map((r) => r.score),
      [7, 7, 7, 7, 7, 7],
    );
    assert.deepEqual(graded.slice(0, 2), afterCancel.slice(0, 2), 'the rows graded before are kept as they were');
    assert.deepEqual(leftovers(file), []);
  });
});
