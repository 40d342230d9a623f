/** The openai client's transport (src/core/llm/leanFetch.ts) against a loopback server. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { leanFetch } from '../../src/core/llm/leanFetch';

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
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '3', 'x-echo': String(req.headers['x-key']) });
      res.end(JSON.stringify({ method: req.method, body, length: req.headers['content-length'] }));
    });
  });
  try {
    const res = await leanFetch(`${srv.url}/v1/chat`, { method: 'POST', headers: new Headers({ 'x-key': 'k1', 'content-type': 'application/json' }), body: '{"a":"é"}' });
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '3');
    assert.equal(res.headers.get('x-echo'), 'k1');
    assert.deepEqual(await res.json(), { method: 'POST', body: '{"a":"é"}', length: String(Buffer.byteLength('{"a":"é"}')) });
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
  await assert.rejects(leanFetch(srv.url, { method: 'POST', body: '{}' }), (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED');
});
