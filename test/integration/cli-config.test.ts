/** `qed config list | validate | test` through the built CLI. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeLlmServer } from '../fake-llm/server';
import { qed, workspace } from './helpers';

let server: FakeLlmServer;
before(async () => {
  server = await FakeLlmServer.start();
});
after(() => server.close());

test('list shows workspace configs beside the shipped ones; validate reports file:line:column and exits 1 on errors', async () => {
  const ws = workspace({
    'configs/models/mine/good.yaml': `model: m\napi: custom\nbase_url: ${'http://127.0.0.1:1'}/v1\n`,
    'configs/models/mine/bad.yaml': 'model: m\napi: openia\nmax_token: 5\n',
  });
  const list = await qed(['config', 'list'], { cwd: ws });
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /mine\/good\s+custom: m/);
  assert.match(list.stdout, /mine\/bad .*1 error/);
  assert.match(list.stdout, /openai\/gpt-5-mini .*\(shipped\)/);
  const all = await qed(['config', 'validate'], { cwd: ws });
  assert.equal(all.code, 1);
  assert.match(all.stdout, /bad\.yaml:2:6: error: 'api'/);
  assert.match(all.stdout, /bad\.yaml:3:1: warning: .*did you mean 'max_tokens'/);
  const good = await qed(['config', 'validate', 'configs/models/mine/good.yaml'], { cwd: ws });
  assert.equal(good.code, 0, good.stdout);
  assert.match(good.stdout, /1 config\(s\) checked: 0 error\(s\), 0 warning\(s\)/);
});

test('config test makes one small request and reports latency, tokens and cost', async () => {
  const ws = workspace({
    'configs/models/mine/fake.yaml': `model: m\napi: custom\nbase_url: ${server.url}/v1\nmax_tokens: 50000\nread_cost: 2\nwrite_cost: 4\n`,
  });
  server.clearRequests();
  const r = await qed(['config', 'test', 'mine/fake'], { cwd: ws });
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /mine\/fake \(custom: m\) answered in \d+\.\d\d s: \d+ input \+ \d+ output tokens, \$0\.\d{4}/,
  );
  const [req] = server.requestsOf('chat');
  assert.equal(req.body.max_tokens, 1024, 'a small output budget whatever the config says');
  assert.equal(server.requestsOf('chat').length, 1);
});
