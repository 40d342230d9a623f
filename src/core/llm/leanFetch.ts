// A small `fetch` for the openai SDK's JSON requests, on node:http(s) with keep-alive agents.
// Node's built-in fetch (undici) builds WHATWG streams, Request and Response objects for every
// request; for a short JSON body and reply that costs about as much CPU as the rest of a request
// together, which adds up at hundreds of requests a second. This one sends the body as it is
// (request line and headers stored at once, no per-header validation pass) and answers with a
// LeanResponse: the reply in one buffer, its headers in a small list, no stream unless someone
// asks for `body`. Anything else (a body that is not a string: file uploads) goes to the built-in
// fetch, as does everything when QED_HTTP=fetch.
//
// What the openai SDK reads from a reply (node_modules/openai/client.js makeRequest,
// internal/parse.js): ok, status, url, headers.get / headers.entries, json() or text(), and
// `body` only to cancel it before a retry of its own. LeanResponse has all of Response's reading
// side (clone, arrayBuffer, bytes, blob, body as a stream) so any other reader works too.

import http from 'node:http';
import https from 'node:https';

const agents = {
  http: new http.Agent({ keepAlive: true }),
  https: new https.Agent({ keepAlive: true }),
};

/** A reply's headers: names lower-case, repeated ones joined by ', ' as fetch does. Read-only. */
export class LeanHeaders {
  /** [name, value, name, value…] */
  readonly #list: string[];

  constructor(raw: readonly string[]) {
    const list: string[] = [];
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i].toLowerCase();
      let j = 0;
      while (j < list.length && list[j] !== name) j += 2;
      if (j < list.length) list[j + 1] += `, ${raw[i + 1]}`;
      else list.push(name, raw[i + 1]);
    }
    this.#list = list;
  }

  get(name: string): string | null {
    const l = this.#list;
    for (let i = 0; i < l.length; i += 2) if (l[i] === name) return l[i + 1];
    const lower = name.toLowerCase();
    if (lower !== name) for (let i = 0; i < l.length; i += 2) if (l[i] === lower) return l[i + 1];
    return null;
  }

  has(name: string): boolean {
    return this.get(name) !== null;
  }

  getSetCookie(): string[] {
    const v = this.get('set-cookie');
    return v === null ? [] : [v];
  }

  forEach(fn: (value: string, name: string, parent: LeanHeaders) => void): void {
    for (const [k, v] of this.#sorted()) fn(v, k, this);
  }

  /** In name order, as Headers iterates. */
  entries(): IterableIterator<[string, string]> {
    return this.#sorted()[Symbol.iterator]();
  }

  keys(): IterableIterator<string> {
    const names = this.#sorted().map(([k]) => k);
    return names[Symbol.iterator]();
  }

  values(): IterableIterator<string> {
    const values = this.#sorted().map(([, v]) => v);
    return values[Symbol.iterator]();
  }

  #sorted(): Array<[string, string]> {
    const l = this.#list;
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i < l.length; i += 2) pairs.push([l[i], l[i + 1]]);
    return pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

/** The reading side of a fetch Response, over a reply held in one buffer. */
export class LeanResponse {
  readonly ok: boolean;
  readonly redirected = false;
  readonly type = 'basic';
  #bytes: Buffer | null;
  #used = false;
  #stream: ReadableStream<Uint8Array> | null | undefined;

  constructor(
    bytes: Buffer | null,
    readonly status: number,
    readonly statusText: string,
    readonly headers: LeanHeaders,
    readonly url: string,
  ) {
    this.#bytes = bytes;
    this.ok = status >= 200 && status <= 299;
  }

  get bodyUsed(): boolean {
    return this.#used;
  }

  /** A stream over the reply, made only when asked for (reading it uses the body up). */
  get body(): ReadableStream<Uint8Array> | null {
    if (this.#stream === undefined) {
      const bytes = this.#bytes;
      this.#stream =
        bytes === null
          ? null
          : new ReadableStream<Uint8Array>({
              start: (c) => {
                this.#used = true;
                if (bytes.length) c.enqueue(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
                c.close();
              },
            });
    }
    return this.#stream;
  }

  #take(): Buffer {
    if (this.#used || this.#stream) throw new TypeError('Body is unusable: Body has already been read');
    this.#used = true;
    return this.#bytes ?? Buffer.alloc(0);
  }

  async text(): Promise<string> {
    return this.#take().toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(this.#take().toString('utf8')) as unknown;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const b = this.#take();
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer;
  }

  async bytes(): Promise<Uint8Array> {
    return new Uint8Array(await this.arrayBuffer());
  }

  async blob(): Promise<Blob> {
    return new Blob([await this.arrayBuffer()], { type: this.headers.get('content-type') ?? '' });
  }

  clone(): LeanResponse {
    if (this.#used || this.#stream) throw new TypeError('Response.clone: Body has already been consumed.');
    return new LeanResponse(this.#bytes, this.status, this.statusText, this.headers, this.url);
  }
}

/** The request line's parts for a URL, worked out once per URL (a client calls few of them). */
interface Target {
  secure: boolean;
  hostname: string;
  port: string;
  path: string;
  host: string;
  href: string;
}
const targets = new Map<string, Target | null>();

function targetOf(input: string | URL): Target | null {
  const key = typeof input === 'string' ? input : input.href;
  let t = targets.get(key);
  if (t !== undefined) return t;
  const url = typeof input === 'string' ? new URL(input) : input;
  const secure = url.protocol === 'https:';
  t =
    secure || url.protocol === 'http:'
      ? {
          secure,
          hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
          port: url.port,
          path: `${url.pathname}${url.search}`,
          host: url.host,
          href: url.href,
        }
      : null;
  if (targets.size >= 256) targets.clear();
  targets.set(key, t);
  return t;
}

const NO_BODY = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT']);

/** The request's headers as node:http's flat [name, value…] list, with Host and Content-Length. */
function headerList(h: RequestInit['headers'], t: Target, method: string, body: string | undefined): string[] {
  const out: string[] = [];
  let host = false;
  let length = false;
  const add = (k: string, v: string) => {
    const l = k.toLowerCase();
    if (l === 'host') host = true;
    else if (l === 'content-length') length = true;
    out.push(k, v);
  };
  if (h instanceof Headers) h.forEach((v, k) => add(k, v));
  else if (Array.isArray(h)) for (const [k, v] of h) add(k, v);
  else if (h) for (const [k, v] of Object.entries(h)) if (v !== undefined) add(k, String(v));
  if (!host) out.push('host', t.host);
  // As node:http sets it when the headers are left to it: the body's length, 0 for a POST without one.
  if (!length && (body !== undefined || !NO_BODY.has(method.toUpperCase())))
    out.push('content-length', String(body === undefined ? 0 : Buffer.byteLength(body)));
  return out;
}

const aborted = (signal: AbortSignal): unknown =>
  signal.reason ?? new DOMException('This operation was aborted', 'AbortError');

export function leanFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  const body = init.body;
  if (
    process.env.QED_HTTP === 'fetch' ||
    input instanceof Request ||
    (body !== undefined && body !== null && typeof body !== 'string')
  )
    return fetch(input, init);
  const t = targetOf(input);
  if (!t) return fetch(input, init);
  const signal = init.signal ?? undefined;
  const method = init.method ?? 'GET';
  const text = typeof body === 'string' ? body : undefined;
  return new Promise<Response>((resolve, reject) => {
    if (signal?.aborted) return reject(aborted(signal));
    let settled = false;
    const req = (t.secure ? https : http).request({
      method,
      hostname: t.hostname,
      port: t.port,
      path: t.path,
      headers: headerList(init.headers, t, method, text) as unknown as http.OutgoingHttpHeaders,
      agent: t.secure ? agents.https : agents.http,
    });
    const fail = (e: unknown) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      reject(e);
    };
    const onAbort = () => {
      req.destroy();
      fail(aborted(signal!));
    };
    req.on('response', (res: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', fail);
      res.on('end', () => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        const status = res.statusCode ?? 502;
        const empty = status === 204 || status === 205 || status === 304;
        const bytes = empty ? null : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
        resolve(
          new LeanResponse(
            bytes,
            status >= 200 && status <= 599 ? status : 502,
            res.statusMessage ?? '',
            new LeanHeaders(res.rawHeaders),
            t.href,
          ) as unknown as Response,
        );
      });
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', fail);
    req.end(text);
  });
}
