// A small `fetch` for the openai SDK's JSON requests, on node:http(s) with keep-alive agents.
// Node's built-in fetch (undici) builds WHATWG streams, Request and Response objects for every
// request; for a short JSON body and reply that costs about as much CPU as the rest of a request
// together, which adds up at hundreds of requests a second. This one sends the body as it is and
// collects the reply into a Response made from one buffer. Anything else (a body that is not a
// string: file uploads) goes to the built-in fetch, as does everything when QED_HTTP=fetch.

import http from 'node:http';
import https from 'node:https';

const agents = {
  http: new http.Agent({ keepAlive: true }),
  https: new https.Agent({ keepAlive: true }),
};

function plainHeaders(h: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  if (h instanceof Headers) h.forEach((v, k) => (out[k] = v));
  else if (Array.isArray(h)) for (const [k, v] of h) out[k] = v;
  else for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = String(v);
  return out;
}

export function leanFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  const body = init.body;
  if (process.env.QED_HTTP === 'fetch' || input instanceof Request || (body !== undefined && body !== null && typeof body !== 'string')) return fetch(input, init);
  const url = input instanceof URL ? input : new URL(input);
  const secure = url.protocol === 'https:';
  if (!secure && url.protocol !== 'http:') return fetch(input, init);
  const signal = init.signal ?? undefined;
  return new Promise<Response>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new DOMException('This operation was aborted', 'AbortError'));
    let settled = false;
    const done = (f: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      f();
    };
    const req = (secure ? https : http).request(url, { method: init.method ?? 'GET', headers: plainHeaders(init.headers), agent: secure ? agents.https : agents.http }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => done(() => reject(e)));
      res.on('end', () =>
        done(() => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
          const status = res.statusCode ?? 502;
          const empty = status === 204 || status === 205 || status === 304;
          try {
            resolve(new Response(empty ? null : Buffer.concat(chunks), { status: status >= 200 && status <= 599 ? status : 502, statusText: res.statusMessage ?? '', headers }));
          } catch (e) {
            reject(e);
          }
        }),
      );
    });
    const onAbort = () =>
      done(() => {
        req.destroy();
        reject(signal?.reason ?? new DOMException('This operation was aborted', 'AbortError'));
      });
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (e) => done(() => reject(e)));
    req.end(typeof body === 'string' ? body : undefined);
  });
}
