/** The openai client's transport (src/core/llm/leanFetch.ts) against a loopback server. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { leanFetch, type LeanHeaders } from '../../src/core/llm/leanFetch';
import { plainCopy } from '../../src/core/data/copy';

async function server(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const s = http.createServer(handler);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      s.closeAllConnections();
      return new Promise((r) => s.close(() => r()));
    },
  };
}

test('leanFetch: sends method, headers and body; gives status, headers and body back', async () => {
  const srv = await server((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      res.writeHead(429, {
        'content-type': 'application/json',
        'retry-after': '3',
        'x-echo': String(req.headers['x-key']),
      });
      res.end(JSON.stringify({ method: req.method, body, length: req.headers['content-length'] }));
    });
  });
  try {
    const res = await leanFetch(`${srv.url}/v1/chat`, {
      method: 'POST',
      headers: new Headers({ 'x-key': 'k1', 'content-type': 'application/json' }),
      body: '{"a":"é"}',
    });
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '3');
    assert.equal(res.headers.get('x-echo'), 'k1');
    assert.deepEqual(await res.json(), {
      method: 'POST',
      body: '{"a":"é"}',
      length: String(Buffer.byteLength('{"a":"é"}')),
    });
    const plain = await leanFetch(new URL(`${srv.url}/x`), { method: 'POST', headers: { 'x-key': 'k2' }, body: 'hi' });
    assert.equal(plain.headers.get('x-echo'), 'k2');
  } finally {
    await srv.close();
  }
});

test('leanFetch: an abort rejects at once with the signal reason; a refused connection rejects', async () => {
  const srv = await server(() => {
    /* never answers */
  });
  try {
    const c = new AbortController();
    const p = leanFetch(`${srv.url}/slow`, { method: 'POST', body: '{}', signal: c.signal });
    setTimeout(() => c.abort(), 20);
    await assert.rejects(p, (e: Error) => e.name === 'AbortError');
    const already = new AbortController();
    already.abort(new Error('stop'));
    await assert.rejects(leanFetch(`${srv.url}/x`, { signal: already.signal }), /stop/);
  } finally {
    await srv.close();
  }
  await assert.rejects(
    leanFetch(srv.url, { method: 'POST', body: '{}' }),
    (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED',
  );
});

test('leanFetch: the reply reads as a fetch Response does (headers by any case, joined, in name order; body once; clone; stream)', async () => {
  const srv = await server((_req, res) => {
    res.setHeader('X-Multi', ['a', 'b']);
    res.writeHead(200, { 'Content-Type': 'application/json', 'x-request-id': 'r1' });
    res.end('{"ok":true}');
  });
  try {
    const res = await leanFetch(`${srv.url}/v1/x`, { method: 'POST', body: '{}' });
    assert.equal(res.ok, true);
    assert.equal(res.url, `${srv.url}/v1/x`);
    assert.equal(res.headers.get('Content-Type'), 'application/json');
    assert.equal(res.headers.get('x-multi'), 'a, b');
    assert.equal(res.headers.get('absent'), null);
    const names = [...(res.headers as unknown as LeanHeaders).entries()].map(([k]) => k);
    assert.deepEqual(names, [...names].sort());
    assert.ok(names.includes('x-request-id'));
    const copy = res.clone();
    assert.deepEqual(await res.json(), { ok: true });
    await assert.rejects(res.text(), TypeError, 'a body is read once');
    assert.equal(res.bodyUsed, true);
    const chunks: Uint8Array[] = [];
    for await (const c of copy.body as unknown as AsyncIterable<Uint8Array>) chunks.push(c);
    assert.equal(Buffer.concat(chunks).toString(), '{"ok":true}');
    const empty = await leanFetch(`${srv.url}/v1/x`);
    assert.equal(await empty.text(), '{"ok":true}');
  } finally {
    await srv.close();
  }
});

test('plainCopy: the same fields in the same order, less the ones left out; a __proto__ column stays a column', () => {
  const row = JSON.parse('{"a":1,"error":"x","__proto__":{"p":1},"b":[2]}') as Record<string, unknown>;
  const copy = plainCopy(row, 'error');
  assert.deepEqual(Object.keys(copy), ['a', '__proto__', 'b']);
  assert.equal(Object.getPrototypeOf(copy), Object.prototype);
  assert.equal(JSON.stringify(copy), '{"a":1,"__proto__":{"p":1},"b":[2]}');
  assert.equal(copy.b, row.b);
});
