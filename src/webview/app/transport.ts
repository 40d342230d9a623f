// How the viewer reaches its host. Inside VS Code: the webview API (postMessage both ways, state
// kept by VS Code across reloads). Served by `qed view`: HTTP POST for requests on the page's
// own (token-bearing) path, server-sent events for the host's events, state in sessionStorage.

import type { HostMessage, ViewerMessage, ViewerState } from '../../protocol';
import { pageFolder, sessionStateKey } from './state';

export interface Transport {
  readonly kind: 'vscode' | 'http';
  send(msg: ViewerMessage): void;
  onMessage(fn: (m: HostMessage) => void): void;
  getState(): ViewerState | undefined;
  setState(s: ViewerState): void;
}

interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(s: unknown): void;
}

declare global {
  function acquireVsCodeApi(): VsCodeApi;
}

const HOST_KINDS = new Set(['init', 'response', 'event', 'probe']);

function isHostMessage(v: unknown): v is HostMessage {
  return typeof v === 'object' && v !== null && HOST_KINDS.has((v as { kind?: unknown }).kind as string);
}

class VsCodeTransport implements Transport {
  readonly kind = 'vscode' as const;
  private readonly api = acquireVsCodeApi();
  private readonly listeners: Array<(m: HostMessage) => void> = [];

  constructor() {
    window.addEventListener('message', (e: MessageEvent) => {
      if (isHostMessage(e.data)) for (const fn of this.listeners) fn(e.data);
    });
  }
  send(msg: ViewerMessage): void {
    this.api.postMessage(msg);
  }
  onMessage(fn: (m: HostMessage) => void): void {
    this.listeners.push(fn);
  }
  getState(): ViewerState | undefined {
    return (this.api.getState() as ViewerState | undefined) ?? undefined;
  }
  setState(s: ViewerState): void {
    this.api.setState(s);
  }
}

class HttpTransport implements Transport {
  readonly kind = 'http' as const;
  private readonly listeners: Array<(m: HostMessage) => void> = [];
  private readonly session = Math.random().toString(36).slice(2) + Date.now().toString(36);
  /** The page's folder: `/<token>/`; every call stays under it. */
  private readonly base = pageFolder(location.pathname);
  private events: EventSource | undefined;

  private deliver(m: HostMessage): void {
    for (const fn of this.listeners) fn(m);
  }

  send(msg: ViewerMessage): void {
    if (msg.kind === 'ready') this.listen();
    fetch(`${this.base}api`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-qed-session': this.session },
      body: JSON.stringify(msg),
      cache: 'no-store',
    })
      .then(async (res) => {
        if (msg.kind === 'cancel') return;
        const body: unknown = await res.json().catch(() => undefined);
        if (isHostMessage(body)) this.deliver(body);
        else if (msg.kind === 'request')
          this.deliver({
            kind: 'response',
            id: msg.id,
            ok: false,
            error: { code: 'failed', message: `the server answered ${res.status} ${res.statusText}` },
          });
      })
      .catch((e: unknown) => {
        if (msg.kind === 'request')
          this.deliver({
            kind: 'response',
            id: msg.id,
            ok: false,
            error: {
              code: 'failed',
              message: `cannot reach qed view (${e instanceof Error ? e.message : String(e)}); is it still running?`,
            },
          });
      });
  }

  private listen(): void {
    if (this.events) return;
    this.events = new EventSource(`${this.base}events`);
    this.events.onmessage = (e: MessageEvent<string>) => {
      try {
        const m: unknown = JSON.parse(e.data);
        if (isHostMessage(m)) this.deliver(m);
      } catch {
        /* not ours */
      }
    };
  }
  onMessage(fn: (m: HostMessage) => void): void {
    this.listeners.push(fn);
  }
  private get key(): string {
    return sessionStateKey(this.base);
  }
  getState(): ViewerState | undefined {
    try {
      const raw = sessionStorage.getItem(this.key);
      return raw ? (JSON.parse(raw) as ViewerState) : undefined;
    } catch {
      return undefined;
    }
  }
  setState(s: ViewerState): void {
    try {
      sessionStorage.setItem(this.key, JSON.stringify(s));
    } catch {
      /* storage full or disabled: the state is only a convenience */
    }
  }
}

export function connect(): Transport {
  return typeof acquireVsCodeApi === 'function' ? new VsCodeTransport() : new HttpTransport();
}
