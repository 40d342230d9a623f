import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { redact } from './errors';

/**
 * Opt-in request logs (`--log-requests DIR`), as the original's request logger writes them: one
 * JSON file per request, `<DIR>/<model>/<MMDD-HHMMSS.mmm>_idx<N>.json`, holding the request body
 * as sent and then the reply (or the failure). Only bodies and the URL are logged, never headers,
 * and the key is removed from everything written. Logging never fails a request.
 */
export class RequestLog {
  private seq = 0;
  private warned = false;
  private readonly folder: string;

  constructor(
    dir: string,
    readonly solverName: string,
    private readonly secrets: readonly string[],
    private readonly warn: (message: string) => void = (m) => process.stderr.write(`${m}\n`),
  ) {
    this.folder = path.join(dir, solverName.replace(/[\\/:*?"<>|]/g, '_') || 'model');
  }

  /** A fetch that logs each call through `inner` (the global fetch by default). */
  fetch(inner: typeof fetch = globalThis.fetch): typeof fetch {
    return async (input, init) => {
      const n = this.seq++;
      const started = Date.now();
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const record: Record<string, unknown> = {
        solver_name: this.solverName,
        timestamp: new Date(started).toISOString(),
        batch_idx: n,
        request_info: { method: init?.method ?? 'GET', url },
        request: parseBody(init?.body),
      };
      try {
        const res = await inner(input, init);
        // A copy is read for the log; the SDK reads the original.
        void res
          .clone()
          .text()
          .then(
            (text) =>
              this.write(n, started, {
                ...record,
                response_info: { status: res.status, seconds: (Date.now() - started) / 1000 },
                response: parseText(text),
              }),
            (e: unknown) =>
              this.write(n, started, {
                ...record,
                response_info: { status: res.status },
                response: { exception: String(e) },
              }),
          );
        return res;
      } catch (e) {
        void this.write(n, started, {
          ...record,
          response_info: { seconds: (Date.now() - started) / 1000 },
          response: { exception: e instanceof Error ? e.message : String(e) },
        });
        throw e;
      }
    };
  }

  private async write(n: number, started: number, record: Record<string, unknown>): Promise<void> {
    const d = new Date(started);
    const p2 = (x: number, w = 2) => String(x).padStart(w, '0');
    const ts = `${p2(d.getMonth() + 1)}${p2(d.getDate())}-${p2(d.getHours())}${p2(d.getMinutes())}${p2(d.getSeconds())}.${p2(d.getMilliseconds(), 3)}`;
    const file = path.join(this.folder, `${ts}_idx${n}.json`);
    try {
      await fs.mkdir(this.folder, { recursive: true });
      await fs.writeFile(file, `${redact(JSON.stringify(record, null, 2), [...this.secrets])}\n`);
    } catch (e) {
      if (!this.warned)
        this.warn(
          `warning: cannot write the request log ${file}: ${e instanceof Error ? e.message : String(e)} (requests go on unlogged)`,
        );
      this.warned = true;
    }
  }
}

function parseBody(body: unknown): unknown {
  if (body === undefined || body === null) return null;
  return typeof body === 'string' ? parseText(body) : `(${typeof body} body not logged)`;
}

function parseText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
