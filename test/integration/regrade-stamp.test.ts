/**
 * A regrade uses the row's own grading (issue 11, item 3): the grader config, prompt and mode of
 * its qed_grade stamp, so that qed eval afterwards still takes the file as one run.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeLlmServer, type RecordedRequest } from '../fake-llm/server';
import { createClient } from '../../src/core/llm';
import { gradingModeOf, graderForRow, recordedGrading, regradeRow } from '../../src/core/grade/regrade';
import { shippedConfigsRoot } from '../../src/core/paths';
import { ViewerHost } from '../../src/core/view/host';
import { ask } from '../unit/view-helpers';
import { qed, readJsonl, workspace } from './helpers';

let server: FakeLlmServer;
let n = 0;
before(async () => {
  server = await FakeLlmServer.start({ reply: () => ({ text: `Reply ${++n}. <points>6 out of 7</points>` }) });
});
after(() => server.close());

const lastUser = (r: RecordedRequest): string => (r.body?.messages?.at(-1)?.content as string) ?? '';
const PROMPT =
  'MY OWN GRADING PROMPT\n{problem_statement}\n{reference_solution}\n{grading_guidelines}\n{candidate_solution}\n';
const rows = [1, 2, 3].map((i) =>
  JSON.stringify({
    problem_id: `R-${i}`,
    problem: `P${i}`,
    solution: 'S',
    grading_guidelines: 'G',
    model_solution: `proof ${i}`,
  }),
);

function setup(): { dir: string; file: string } {
  const dir = workspace({
    'g.yaml': `model: g\napi: custom\nbase_url: ${server.url}/v1\nmax_retries: 0\n`,
    'my-prompt.txt': PROMPT,
    'r.jsonl': rows.join('\n') + '\n',
  });
  return { dir, file: join(dir, 'r.jsonl') };
}

/** What both hosts (qed view, VS Code) do for "as the row was graded". */
const asGraded = (dir: string) => async (row: Record<string, unknown>) =>
  (await graderForRow(
    row,
    {},
    { cwd: dir, shippedRoot: shippedConfigsRoot(), client: (cfg) => createClient(cfg, { getKey: () => undefined }) },
  ))!.grader;

test('regrade with the stamped config and prompt; qed eval then accepts the file as one run', async () => {
  const { dir, file } = setup();
  const first = await qed(
    ['eval', '--model-config', 'g.yaml', '--data-path', 'r.jsonl', '--prompt', 'my-prompt.txt', '--quiet'],
    { cwd: dir },
  );
  assert.equal(first.code, 0, first.stderr);
  const stamp = readJsonl(file)[1].qed_grade as Record<string, unknown>;
  assert.match(String(stamp.prompt), /my-prompt\.txt$/);

  // The CodeLens / command path…
  server.requests.length = 0;
  const res = (await regradeRow(file, 1, asGraded(dir)))!;
  assert.equal(res.row.score, 6);
  assert.equal(server.requests.length, 1);
  assert.match(lastUser(server.requests[0]), /^MY OWN GRADING PROMPT/, 'the prompt the file was graded with');
  // …and the viewer's, through the protocol, with "as the row was graded" (no grader, no mode).
  const host = new ViewerHost({
    files: [file],
    host: 'stub',
    grader: async ({ row, ref, mode }) =>
      (await graderForRow(
        row,
        { ref, mode },
        {
          cwd: dir,
          shippedRoot: shippedConfigsRoot(),
          client: (cfg) => createClient(cfg, { getKey: () => undefined }),
        },
      ))!.grader,
  });
  await host.open();
  const { rev } = await ask(host, 'row', { file: 0, index: 2 });
  await ask(host, 'regrade', { file: 0, index: 2, expect: rev });
  host.dispose();
  assert.match(lastUser(server.requests[1]), /^MY OWN GRADING PROMPT/);

  const after = readJsonl(file);
  for (const key of ['config', 'config_hash', 'prompt', 'prompt_hash', 'mode']) {
    assert.deepEqual(
      after.map((r) => (r.qed_grade as Record<string, unknown>)[key]),
      Array(3).fill(stamp[key]),
      key,
    );
  }
  const again = await qed(['eval', '--model-config', 'g.yaml', '--data-path', 'r.jsonl', '--prompt', 'my-prompt.txt'], {
    cwd: dir,
  });
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stderr, /different run/);
  assert.match(again.stderr, /3\/3 rows graded/);
});

test('choosing another mode or grader is allowed but listed as a mismatch; the mode rule is one function', async () => {
  const { dir, file } = setup();
  assert.equal(
    (await qed(['eval', '--model-config', 'g.yaml', '--data-path', 'r.jsonl', '--quiet'], { cwd: dir })).code,
    0,
  );
  const row = readJsonl(file)[0];
  assert.deepEqual(recordedGrading(row)?.mode, 'proof');
  const env = {
    cwd: dir,
    shippedRoot: shippedConfigsRoot(),
    client: (cfg: Parameters<typeof createClient>[0]) => createClient(cfg, { getKey: () => undefined }),
  };
  assert.deepEqual((await graderForRow(row, {}, env))!.differences, []);
  const other = (await graderForRow(row, { mode: 'proofbench' }, env))!;
  assert.deepEqual(other.differences, ['proofbench grading instead of proof']);
  // The stamp decides over the columns; without a stamp, the columns do.
  assert.equal(
    gradingModeOf({ ...row, qed_grade: { ...(row.qed_grade as object), mode: 'final-answer' } }),
    'final-answer',
  );
  assert.equal(gradingModeOf({ problem: 'p', schema_0: [{ title: 'Answer Correctness' }] }), 'final-answer');
  assert.equal(gradingModeOf({ problem: 'p', grading_scheme: 's' }), 'proofbench');
  assert.equal(gradingModeOf({ problem: 'p', grading_guidelines: 'g' }), 'proof');
  await assert.rejects(graderForRow({ problem: 'p' }, {}, env), /records no grader/);
});

test('without a mode option, qed eval keeps the mode the file was graded in', async () => {
  const { dir, file } = setup();
  writeFileSync(
    file,
    [1, 2]
      .map((i) =>
        JSON.stringify({
          problem_id: `A-${i}`,
          problem: `P${i}`,
          model_solution: `so \\boxed{${i}}`,
          answer: String(i),
        }),
      )
      .join('\n') + '\n',
  );
  const first = await qed(['eval', '--model-config', 'g.yaml', '--data-path', 'r.jsonl', '--final-answer', '--quiet'], {
    cwd: dir,
  });
  assert.equal(first.code, 0, first.stderr);
  const again = await qed(['eval', '--model-config', 'g.yaml', '--data-path', 'r.jsonl'], { cwd: dir });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /final-answer grading of 2 rows/);
});
