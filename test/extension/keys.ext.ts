/**
 * API keys from the editor (src/extension/keys.ts): QED: Set API Key puts the key in VS Code's
 * secret storage and runs send it as the bearer token; QED: Clear API Key removes it, after which a
 * run stops at "no key" without calling the model; and a key a server echoes back (in an error
 * message, as some providers do) never reaches the "QED" log.
 */
import * as assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import * as vscode from 'vscode';
import { FakeLlmServer } from '../fake-llm/server';
import { activated, fileIn, qedLogs, readJsonl, waitFor, writeIn } from './helpers';
import { runBenchmarkAnswers, ScriptedUi, type Answer } from './ui';

const CONFIG_ID = 'x/fake-keyed';
const VARIABLE = 'QED_EXT_TEST_KEY';
/** Long enough for the engine's prefix redaction to apply too; unlike anything else in the log. */
const KEY = 'sk-qedext-7Hq2Lm9Zx4Vb8Nc1Kd6Rt3Wy';
const DATA = 'data/ext-keys.jsonl';

suite('API keys', () => {
  let fake: FakeLlmServer;
  let ui: ScriptedUi | undefined;
  /** 'echo': every request is refused with a 401 whose message quotes the key it was sent. */
  let serverMode: 'ok' | 'echo' = 'ok';
  const created: string[] = [];
  const chats = () => fake.requestsOf('chat');

  const runAnswers = (out: string): Record<string, Answer> => runBenchmarkAnswers(CONFIG_ID, DATA, out, 3);

  /** QED: Set API Key, answered as a user would: the workspace's variable, then the key. */
  async function setKey(u: ScriptedUi, typed: string): Promise<void> {
    u.answer({ 'Store a key for': { pick: VARIABLE }, [`API key for ${VARIABLE}`]: { input: typed } });
    await vscode.commands.executeCommand('qed.setApiKey');
  }

  suiteSetup(async () => {
    await activated();
    assert.equal(process.env[VARIABLE], undefined, `${VARIABLE} must not be set in the editor's environment`);
    // The fake refuses any request without `Authorization: Bearer KEY` (a 401 without the key in it).
    fake = await FakeLlmServer.start({
      latencyMs: 10,
      apiKey: KEY,
      reply: (req) => {
        if (serverMode !== 'echo') return undefined;
        const sent = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
        return {
          kind: 'status',
          status: 401,
          message: `Incorrect API key provided: ${sent}. You can find your API key at https://example.invalid/keys.`,
        };
      },
    });
    created.push(
      writeIn(
        `configs/models/${CONFIG_ID}.yaml`,
        [
          '# The loopback fake LLM server of keys.ext.ts, behind a key.',
          'model: fake-keyed',
          'api: custom',
          `base_url: ${fake.url}/v1`,
          `api_key_env: ${VARIABLE}`,
          'concurrent_requests: 1',
          'max_retries: 1',
          'sleep_on_error: 0',
          'read_cost: 0',
          'write_cost: 0',
          '',
        ].join('\n'),
      ),
      writeIn(
        DATA,
        [1, 2, 3].map((i) => JSON.stringify({ problem_id: `KEY-${i}`, problem: `Prove that ${i} > 0.` })).join('\n') +
          '\n',
      ),
    );
  });

  teardown(() => {
    ui?.restore();
    ui = undefined;
    serverMode = 'ok';
  });

  suiteTeardown(async () => {
    // Leave no key behind for the suites after this one (a no-op when the last test cleared it).
    const u = new ScriptedUi({ 'Remove the stored key of': { pick: VARIABLE } });
    try {
      await vscode.commands.executeCommand('qed.clearApiKey');
    } finally {
      u.restore();
    }
    await fake?.close();
    for (const f of created) for (const ext of ['', '.lock', '.partial']) rmSync(f + ext, { force: true });
    rmSync(fileIn('data').fsPath, { recursive: true, force: true });
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('Set API Key stores the key; a run sends it to the server as the bearer token', async () => {
    ui = new ScriptedUi();
    await setKey(ui, `  ${KEY}  `); // pasted with blanks around it
    const pick = ui.shown.find((s) => s.title.includes('Store a key for'));
    assert.ok(pick, 'the variable quick pick was not shown');
    // The workspace's own variable is offered first, with the config that uses it.
    assert.equal(pick.labels[0], VARIABLE);
    assert.match(pick.descriptions[0] ?? '', new RegExp(`used by ${CONFIG_ID}`));
    assert.equal(ui.shown.find((s) => s.kind === 'inputBox')?.title, `API key for ${VARIABLE}`);
    assert.ok(ui.messagesOf('info').includes(`QED: key for ${VARIABLE} stored.`), ui.messagesOf('info').join(' | '));

    const rel = 'outputs/ext-keyed.jsonl';
    const out = fileIn(rel).fsPath;
    created.push(out);
    fake.clearRequests();
    ui.answer(runAnswers(rel));
    await vscode.commands.executeCommand('qed.runBenchmark');
    assert.deepEqual(ui.unanswered(), []);
    assert.deepEqual(ui.messagesOf('error'), []);
    assert.match(ui.messagesOf('info').at(-1) ?? '', /^QED: finished: 3\/3 rows, 0 failed/);
    assert.equal(chats().length, 3);
    for (const r of chats())
      assert.equal(r.headers.authorization, `Bearer ${KEY}`, 'the Authorization header (trimmed key)');
    assert.deepEqual(
      readJsonl(out).map((r) => [r.problem_id, r.error]),
      [
        ['KEY-1', undefined],
        ['KEY-2', undefined],
        ['KEY-3', undefined],
      ],
    );
  });

  test('a key the server echoes in its errors never reaches the QED log (nor the results file)', async () => {
    ui = new ScriptedUi();
    await setKey(ui, KEY);
    const rel = 'outputs/ext-echo.jsonl';
    const out = fileIn(rel).fsPath;
    created.push(out);
    fake.clearRequests();
    serverMode = 'echo';
    // The first request gets a retryable 503 quoting the key (logged as a retry), then 401s.
    fake.script({ kind: 'status', status: 503, message: `Overloaded; your key ${KEY} is fine, try again.` });
    ui.answer(runAnswers(rel));
    await vscode.commands.executeCommand('qed.runBenchmark');
    assert.deepEqual(ui.unanswered(), []);
    const warning = ui.messagesOf('warning').at(-1) ?? '';
    assert.match(warning, /^QED: finished: 0\/3 rows, 3 failed/);
    assert.equal(chats().length, 4, 'one retry, then one request per row');

    // The log file on disk (found on Linux) and the Output view's "QED" document both end with the
    // run's last line, and neither has the key.
    const finalLine = 'run: finished: 0/3 rows, 3 failed';
    const logs = await waitFor(`the QED log file and Output view to show '${finalLine}'`, async () => {
      const all = await qedLogs();
      const complete =
        all.some((l) => l.where.startsWith('output:')) &&
        (process.platform !== 'linux' || all.some((l) => l.where.endsWith('/QED.log')));
      return complete && all.every((l) => l.text.includes(finalLine)) && all;
    });
    if (process.env.QED_EXT_TEST_SHOW_LOG) console.log(logs.map((l) => `--- ${l.where}\n${l.text}`).join('\n'));
    for (const { where, text } of logs) {
      // The server's messages did reach the log (so the check below means something)…
      assert.match(text, /Incorrect API key provided/, `${where} has no trace of the 401`);
      assert.match(text, /Overloaded/, `${where} has no trace of the retried 503`);
      // …but not the key, whole or its first 12 characters.
      assert.ok(!text.includes(KEY.slice(0, 12)), `${where} contains the API key:\n${text}`);
    }
    const file = JSON.stringify(readJsonl(out));
    assert.match(file, /Incorrect API key provided/);
    assert.ok(!file.includes(KEY.slice(0, 12)), `the results file contains the API key: ${file}`);
    for (const m of ui.messages)
      assert.ok(!m.text.includes(KEY.slice(0, 12)), `a notification shows the key: ${m.text}`);
  });

  test('after Clear API Key a run stops at "no key" naming the variable, and calls nothing', async () => {
    ui = new ScriptedUi();
    await setKey(ui, KEY);
    ui.answer({ 'Remove the stored key of': { pick: VARIABLE } });
    await vscode.commands.executeCommand('qed.clearApiKey');
    const pick = ui.shown.at(-1)!;
    assert.match(
      pick.descriptions[pick.labels.indexOf(VARIABLE)] ?? '',
      /^stored/,
      'the stored key is listed as stored',
    );
    assert.ok(
      ui.messagesOf('info').includes(`QED: stored key for ${VARIABLE} removed.`),
      ui.messagesOf('info').join(' | '),
    );

    const rel = 'outputs/ext-nokey.jsonl';
    const out = fileIn(rel).fsPath;
    created.push(out);
    fake.clearRequests();
    const before = ui.messages.length;
    ui.answer(runAnswers(rel));
    await vscode.commands.executeCommand('qed.runBenchmark');
    const after = ui.messages.slice(before);
    assert.deepEqual(
      after.map((m) => [m.level, m.text, m.buttons]),
      [['warning', `QED: no key for ${VARIABLE}.`, ['Set API Key']]],
    );
    assert.equal(fake.requests.length, 0, 'requests that reached the server');
    assert.ok(!existsSync(out), 'a results file was written');

    // Secret storage no longer has it: Clear API Key does not list the variable as stored.
    ui.answer({});
    await vscode.commands.executeCommand('qed.clearApiKey');
    assert.ok(!ui.shown.at(-1)!.labels.includes(VARIABLE), `still listed: ${ui.shown.at(-1)!.labels.join(', ')}`);
  });
});
