// `qed view`'s web server: the viewer page and the protocol over HTTP, on 127.0.0.1 only.
//
// Every URL lives under /<token>/, a random secret printed with the address; a request without
// it gets 403, so other users of the machine (or web pages in the browser, which cannot guess it)
// cannot read the results or write to them. Requests: POST /<token>/api with one protocol
// message as JSON, answered by the host's reply. Events: GET /<token>/events, server-sent events.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ViewerHost, type ViewerHostOptions } from '../core/view/host';
import { makeNonce, PRELOAD_FONTS, viewerHtml } from '../core/view/html';
import type { FullRow, HostMessage, ViewerMessage } from '../protocol';
import { clampFont, readLink, savedFontScript } from '../webview/app/state';
import { describeError } from '../core/errors';

export interface ViewServerOptions extends Omit<ViewerHostOptions, 'host'> {
  /** 0 (default): any free port. */
  port?: number;
  /** Folder holding webview.js, webview.css and the KaTeX fonts (default: found beside the CLI). */
  assetsDir?: string;
  /** Fixed token (tests); random by default. */
  token?: string;
  /** How often the files are checked for changes, ms (default 1000). */
  pollMs?: number;
}

export interface ViewServer {
  url: string;
  port: number;
  token: string;
  host: ViewerHost;
  close(): Promise<void>;
}

const ASSET = /^(webview\.js|webview\.css|KaTeX_[A-Za-z0-9-]+\.woff2)$/;
const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  woff2: 'font/woff2',
};
const MAX_BODY = 1 << 20;

/** The folder with the built viewer: beside dist/cli.js, or the repository's dist/ when run from sources. */
export function findAssets(): string {
  const candidates = [__dirname, resolve(__dirname, '..', '..', 'dist'), resolve(__dirname, '..', 'dist')];
  for (const c of candidates) if (existsSync(join(c, 'webview.js')) && existsSync(join(c, 'webview.css'))) return c;
  throw new Error(`the viewer is not built (no webview.js in ${candidates.join(' or ')}): run npm run build`);
}

function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  type = 'text/plain; charset=utf-8',
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-resource-policy': 'same-origin',
    'x-frame-options': 'DENY',
    ...extra,
  });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolveBody, reject) => {
    let size = 0;
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('request too large'));
        req.destroy();
        return;
      }
      parts.push(c);
    });
    req.on('end', () => resolveBody(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startViewServer(opts: ViewServerOptions): Promise<ViewServer> {
  // The renderer (KaTeX, markdown-it) is loaded here, from dist/screens.js beside the CLI's bundle,
  // not with the CLI: its other commands never need it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const screens = require('./screens') as typeof import('./screens');
  const assets = opts.assetsDir ?? findAssets();
  const token = opts.token ?? randomBytes(18).toString('base64url');
  const tokenBuf = Buffer.from(token);
  const host = new ViewerHost({ ...opts, host: 'http' });
  void host.open().catch(() => undefined);
  host.poll(opts.pollMs ?? 1000);
  const cache = new Map<string, Buffer>();
  const streams = new Set<ServerResponse>();
  host.onMessage((m) => {
    const line = `data: ${JSON.stringify(m)}\n\n`;
    for (const s of streams) s.write(line);
  });
  let port = 0;

  /** A file of the built viewer (read once), or undefined when it is missing. */
  const asset = (name: string): Buffer | undefined => {
    let body = cache.get(name);
    if (!body) {
      try {
        body = readFileSync(join(assets, name));
      } catch {
        return undefined;
      }
      cache.set(name, body);
    }
    return body;
  };

  const tokenOk = (seg: string) => {
    const b = Buffer.from(seg);
    return b.length === tokenBuf.length && timingSafeEqual(b, tokenBuf);
  };

  /** The first screen of the row a page address links to, or undefined (no link, no such row). */
  const deepLinkedScreen = async (search: string): Promise<string | undefined> => {
    const link = readLink(search);
    if (link.row === undefined) return undefined;
    const file = link.file ?? 0;
    const info = host.fileInfos[file];
    if (!info) return undefined;
    // Its own session: the request ids of the pages' sessions are theirs.
    const reply = await host.handle(
      { kind: 'request', id: 0, type: 'row', params: { file, index: link.row, lazyCalls: true } },
      'first-screen',
    );
    if (reply?.kind !== 'response' || !reply.ok) return undefined;
    const reading = host.readingProgress(file);
    return screens.firstScreenHtml(reply.result as FullRow, {
      fileName: info.name,
      filePath: info.path,
      macros: opts.settings?.macros,
      caps: host.capabilities(),
      reading: reading && { message: reading.message, fraction: reading.fraction ?? 1 },
    });
  };

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    // Another name for this machine (a DNS-rebinding page) is not us.
    const hostHeader = req.headers.host ?? '';
    if (hostHeader !== `127.0.0.1:${port}` && hostHeader !== `localhost:${port}`) return send(res, 403, 'forbidden\n');
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    // Browsers ask for this on their own; it gives nothing away.
    if (url.pathname === '/favicon.ico') return send(res, 204, '');
    const [, first, ...rest] = url.pathname.split('/');
    if (!first || !tokenOk(first)) return send(res, 403, 'forbidden: this address needs the token qed view printed\n');
    const path = rest.join('/');
    // `/TOKEN?row=2` typed without the slash: the page's files are relative to the address, so
    // they would be asked for beside the token instead of under it.
    if (req.method === 'GET' && !rest.length)
      return send(res, 308, 'moved\n', undefined, { location: `/${first}/${url.search}` });
    if (req.method === 'GET' && path === '') {
      // A deep link (?row=N): the row's first screen is sent with the page (see firstScreen.ts).
      const firstScreen = await deepLinkedScreen(url.search).catch(() => undefined);
      const nonce = makeNonce();
      const csp = `default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; font-src 'self'; script-src 'nonce-${nonce}'; connect-src 'self'; base-uri 'none'; form-action 'none'`;
      const title =
        host.fileInfos.length === 1
          ? `${host.fileInfos[0].name} — QED view`
          : `${host.fileInfos.length} files — QED view`;
      return send(
        res,
        200,
        viewerHtml({
          scriptUri: 'webview.js',
          styleUri: 'webview.css',
          fontUris: PRELOAD_FONTS,
          nonce,
          csp,
          title,
          host: 'http',
          firstScreen,
          // `qed view --font-size`: the first screen is drawn at the size the viewer will use.
          fontSize: opts.settings?.fontSize === undefined ? undefined : clampFont(opts.settings.fontSize),
          // …and at the size the reader chose in this tab, after a reload.
          headScript: firstScreen ? savedFontScript() : undefined,
        }),
        'text/html; charset=utf-8',
        { 'content-security-policy': `${csp}; frame-ancestors 'none'` },
      );
    }
    if (req.method === 'GET' && ASSET.test(path)) {
      const body = asset(path);
      if (!body) return send(res, 404, 'not found\n');
      // The assets never change while this server runs and its token (in every URL) is new each
      // run: the browser may keep them, and reuse its compiled script on the next load.
      return send(res, 200, body, TYPES[path.slice(path.lastIndexOf('.') + 1)], {
        'cache-control': 'private, max-age=86400, immutable',
      });
    }
    if (req.method === 'GET' && path === 'events') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-content-type-options': 'nosniff',
      });
      res.write(': connected\n\n');
      streams.add(res);
      const keep = setInterval(() => res.write(': keep-alive\n\n'), 15000);
      req.on('close', () => {
        clearInterval(keep);
        streams.delete(res);
      });
      return;
    }
    if (req.method === 'POST' && path === 'api') {
      if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
        return send(res, 415, 'expected application/json\n');
      let msg: ViewerMessage;
      try {
        msg = JSON.parse(await readBody(req)) as ViewerMessage;
      } catch {
        return send(res, 400, 'bad request\n');
      }
      if (
        typeof msg !== 'object' ||
        msg === null ||
        !['ready', 'request', 'cancel'].includes((msg as { kind?: string }).kind ?? '')
      )
        return send(res, 400, 'bad request\n');
      const session = String(req.headers['x-qed-session'] ?? '').slice(0, 64);
      const reply: HostMessage | undefined = await host.handle(msg, session);
      return send(res, 200, JSON.stringify(reply ?? { kind: 'none' }), 'application/json; charset=utf-8');
    }
    return send(res, 404, 'not found\n');
  };

  const server: Server = createServer((req, res) => {
    handler(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, `internal error: ${describeError(e)}\n`);
      else res.end();
    });
  });
  // Before the address is out: the renderer compiled, so the first screen of a deep link is sent
  // without its cold start.
  screens.warmUp();
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, '127.0.0.1', () => ok());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/${token}/`,
    port,
    token,
    host,
    close: () =>
      new Promise<void>((ok) => {
        host.dispose();
        for (const s of streams) s.end();
        streams.clear();
        server.close(() => ok());
        server.closeAllConnections?.();
      }),
  };
}
