/**
 * A server that echoes the API key — in replies, reasoning, error bodies, retry notices and
 * unparsable bodies — must not get it stored or shown: not in the results file, its journal, the
 * grading columns, nor on stdout / stderr, whole or as a 10-character prefix.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeLlmServer, promptOf, type FakeStep, type RecordedRequest } from '../fake-llm/server';
import { problems, qed, readJsonl, stopAfter, workspace } from './helpers';

/** problems(n) with a reference solution, so the results can be graded. */
const data = (n: number): string =>
  problems(n)
    .trim()
    .split('\n')
    .map((l) => JSON.stringify({ ...(JSON.parse(l) as object), solution: 'by arithmetic' }))
    .join('\n') + '\n';

const KEY = 'sk-echo-SECRET-0123456789abcdefXYZ';
const env = { ECHO_KEY: KEY };
/** The first 10 characters: what V8 quotes of a body it cannot parse. */
const PREFIX = KEY.slice(0, 10);

let server: FakeLlmServer;
/** Grader replies instead of the generation ones. */
let grading = false;
/** Row 5 is not answered (the first run is killed while it waits, its journal left on disk). */
let holdRow5 = true;
const attempts = new Map<string, number>();

/** Row N of problems(): "Show that N + N = 2N." — each row meets another kind of echo. */
function reply(req: RecordedRequest): FakeStep {
  const heard = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
  const user = promptOf(req.api, req.body).lastUser;
  if (grading) {
    if (user.includes('Show that 2 + 2'))
      return { kind: 'status', status: 401, message: `Incorrect API key provided: ${heard}` };
    return { text: `Key ${heard} looks fine. <points>7 out of 7</points>`, reasoning: `thinking about ${heard}` };
  }
  const row = /Show that (\d+) \+/.exec(user)?.[1] ?? '?';
  const n = (attempts.get(row) ?? 0) + 1;
  attempts.set(row, n);
  switch (row) {
    case '1':
      return {
        text: `Your key is ${heard}; cut short: ${heard.slice(0, 14)}…`,
        reasoning: `The header said ${heard}.`,
      };
    case '2':
      // A retried fault: the notice on stderr must not carry the key.
      return n === 1
        ? { kind: 'status', status: 500, message: `upstream rejected ${heard}` }
        : { text: `Recovered. ${heard}` };
    case '3':
      return { kind: 'status', status: 400, message: `Invalid API key: ${heard}` };
    case '5':
      return holdRow5 ? { kind: 'hang' } : { text: 'Plain reply.' };
    default:
      // 200 with a body that starts with the key: the parse error quotes its first characters.
      return { kind: 'raw', status: 200, body: `${heard} is not JSON`, contentType: 'application/json' };
  }
}

before(async () => {
  server = await FakeLlmServer.start({ apiKey: KEY, reply });
});
after(() => server.close());

const config = () =>
  `model: m\napi: custom\nbase_url: ${server.url}/v1\napi_key_env: ECHO_KEY\nmax_retries: 1\nsleep_on_error: 0.01\nconcurrent_requests: 1\n`;

function assertNoKey(where: string, text: string): void {
  assert.ok(!text.includes(KEY), `${where}: the key leaked`);
  assert.ok(!text.includes(PREFIX), `${where}: a prefix of the key leaked`);
}

test('run, resume, eval and config test against a server that echoes the key', async () => {
  const ws = workspace({ 'configs/models/mine/echo.yaml': config(), 'data.jsonl': data(5) });
  const out = join(ws, 'out.jsonl');
  const journal = `${out}.partial`;
  const args = ['run', '--model-config', 'mine/echo', '--data-path', 'data.jsonl', '--output-path', 'out.jsonl'];

  // Killed once four rows are journaled, row 5 hanging: the journal stays on disk to be read.
  const killed = await qed(args, { cwd: ws, env, onSpawn: stopAfter(journal, 4, 'SIGKILL') });
  assert.equal(killed.signal, 'SIGKILL');
  assert.ok(existsSync(journal));
  const journaled = readFileSync(journal, 'utf8');
  assertNoKey('journal', journaled);
  assertNoKey('run output', killed.stdout + killed.stderr);
  assert.match(journaled, /Your key is \[redacted\]; cut short: \[redacted\]…/);

  // The rerun finishes the file; rows 3 and 4 fail again, with the same echoes.
  holdRow5 = false;
  const r = await qed(args, { cwd: ws, env });
  assert.equal(r.code, 1, r.stderr);
  assertNoKey('rerun output', r.stdout + r.stderr);
  const text = readFileSync(out, 'utf8');
  assertNoKey('results file', text);
  const rows = readJsonl(out);
  assert.equal(rows.length, 5);
  assert.match(String(rows[0].model_solution), /\[redacted\]/);
  assert.match(JSON.stringify(rows[0].history), /The header said \[redacted\]/);
  assert.match(String(rows[2].error), /Invalid API key: \[redacted\]/);
  assert.match(String(rows[3].error), /malformed response from the API: the body is not valid JSON/);
  assert.ok(attempts.get('2')! >= 2, 'row 2 was retried');

  // Grading: replies and a 401 that echo the key.
  grading = true;
  const g = await qed(
    ['eval', '--model-config', 'mine/echo', '--data-path', 'out.jsonl', '--output-path', 'graded.jsonl'],
    { cwd: ws, env },
  );
  assert.equal(g.code, 1, g.stderr);
  assertNoKey('eval output', g.stdout + g.stderr);
  const graded = readFileSync(join(ws, 'graded.jsonl'), 'utf8');
  assertNoKey('graded file', graded);
  assert.match(graded, /Incorrect API key provided: \[redacted\]/);
  assert.match(graded, /Key \[redacted\] looks fine/);

  // qed config test shows the reply and the error, both without the key.
  grading = false;
  attempts.clear();
  for (const _ of [1, 3]) {
    const t = await qed(['config', 'test', 'mine/echo'], { cwd: ws, env });
    assertNoKey('config test', t.stdout + t.stderr);
  }
});
