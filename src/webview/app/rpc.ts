// Requests to the host with ids, their answers, cancellation, and the host's events.

import {
  PROTOCOL_VERSION,
  type ErrorCode,
  type HostEvent,
  type HostMessage,
  type RequestParams,
  type RequestResult,
  type RequestType,
  type ViewerState,
} from '../../protocol';
import type { Transport } from './transport';

export class RpcError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

type Init = Extract<HostMessage, { kind: 'init' }>;

export class Rpc {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    {
      resolve: (v: unknown) => void;
      reject: (e: Error) => void;
      progress?: (message: string, fraction?: number) => void;
    }
  >();
  private readonly eventListeners: Array<(e: HostEvent) => void> = [];
  private initWaiter: ((m: Init) => void) | undefined;

  constructor(readonly transport: Transport) {
    transport.onMessage((m) => this.receive(m));
  }

  private receive(m: HostMessage): void {
    if (m.kind === 'init') {
      this.initWaiter?.(m);
      this.initWaiter = undefined;
      return;
    }
    if (m.kind === 'response') {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new RpcError(m.error.code, m.error.message));
      return;
    }
    if (m.kind === 'probe') {
      // Test-only: what the open row page shows (see RenderedRow).
      const page = document.querySelector<HTMLElement>('.row-page');
      const row = page
        ? {
            index: Number(page.dataset.rowIndex),
            complete: page.dataset.complete === 'true',
            text: page.innerText,
            formulas: Number(page.dataset.formulas ?? 0),
            mathErrors: Number(page.dataset.mathErrors ?? 0),
          }
        : null;
      // The banner over the list as shown (e.g. the demo's notice), when it is.
      const bannerEl = document.querySelector<HTMLElement>('.banner');
      const banner = bannerEl && !bannerEl.hidden ? (bannerEl.textContent ?? '') : undefined;
      this.transport.send({ kind: 'probed', id: m.id, row, state: this.transport.getState(), banner });
      return;
    }
    if (m.kind === 'event') {
      const e = m.event;
      if (e.type === 'progress' && e.id !== undefined) {
        this.pending.get(e.id)?.progress?.(e.message, e.fraction);
        return;
      }
      for (const fn of this.eventListeners) fn(e);
    }
  }

  /** The handshake: resolves with the host's init message. */
  ready(state?: ViewerState): Promise<Init> {
    return new Promise((resolve) => {
      this.initWaiter = resolve;
      this.transport.send({ kind: 'ready', protocol: PROTOCOL_VERSION, state });
    });
  }

  onEvent(fn: (e: HostEvent) => void): void {
    this.eventListeners.push(fn);
  }

  request<K extends RequestType>(
    type: K,
    params: RequestParams<K>,
    opts: { signal?: AbortSignal; progress?: (message: string, fraction?: number) => void } = {},
  ): Promise<RequestResult<K>> {
    const id = this.nextId++;
    return new Promise<RequestResult<K>>((resolve, reject) => {
      if (opts.signal?.aborted) return reject(new RpcError('cancelled', 'cancelled'));
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, progress: opts.progress });
      opts.signal?.addEventListener(
        'abort',
        () => {
          if (!this.pending.has(id)) return;
          this.transport.send({ kind: 'cancel', id });
        },
        { once: true },
      );
      this.transport.send({ kind: 'request', id, type, params } as never);
    });
  }
}
