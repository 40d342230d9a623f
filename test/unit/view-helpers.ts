/** Shared by the viewer's host-side tests: scratch folders and protocol requests to a ViewerHost. */
import { after } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ViewerHost } from '../../src/core/view/host';
import type { AnyRequest, HostMessage, RequestParams, RequestResult, RequestType } from '../../src/protocol';

/** A maker of scratch folders, all removed after the test file. */
export function scratchDirs(prefix: string): () => string {
  const made: string[] = [];
  after(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
  return () => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    made.push(d);
    return d;
  };
}

/** Sends one request through the protocol and returns its result (an error with `code` if it failed). */
export async function ask<K extends RequestType>(
  host: ViewerHost,
  type: K,
  params: RequestParams<K>,
): Promise<RequestResult<K>> {
  const reply = (await host.handle({ kind: 'request', id: 1, type, params } as AnyRequest)) as Extract<
    HostMessage,
    { kind: 'response' }
  >;
  if (!reply.ok) throw Object.assign(new Error(reply.error.message), { code: reply.error.code });
  return reply.result as RequestResult<K>;
}
