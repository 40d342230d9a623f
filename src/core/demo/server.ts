// The demo model: a loopback HTTP server speaking the OpenAI chat completions API, so that the real
// `qed run` / `qed eval` path (openai SDK, retries, cost, journal) runs without a key or network.
// It answers every problem with the dataset's OWN reference solution (and answer), and grades with
// a fixed demo rule. Every reply says it comes from the demo.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Row } from '../data/types';

/** The model names the demo server answers to (both contain "demo"). */
export const DEMO_MODEL = 'qed-demo';
export const DEMO_GRADER = 'qed-demo-grader';

/** The first line of every demo solution. */
export const DEMO_SOLVER_NOTE =
  "*Demo model (qed demo): this reply is the dataset's own reference solution, not a model's work.*";
/** The first line of every demo grade. */
export const DEMO_GRADER_NOTE =
  "*Demo grader (qed demo): not a real judgement: full marks when the candidate repeats the dataset's reference word for word, else none.*";

export interface DemoServer {
  /** e.g. http://127.0.0.1:40123/v1 — a config's base_url. */
  baseUrl: string;
  /** Chat completion requests answered so far. */
  readonly requests: number;
  close(): Promise<void>;
}

interface Known {
  text: string;
  solution: string;
  answer: string;
}

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();
const tokens = (s: string) => Math.max(1, Math.ceil(s.length / 4));

/** The problem of `rows` whose text occurs in `prompt` (the longest when several do). */
function findProblem(known: Known[], prompt: string): Known | undefined {
  const p = squash(prompt);
  let best: Known | undefined;
  for (const k of known) if (k.text && p.includes(k.text) && (!best || k.text.length > best.text.length)) best = k;
  return best;
}

/** The demo model's reply to a request for a solution. */
export function demoSolution(known: Known | undefined): string {
  if (!known)
    return `${DEMO_SOLVER_NOTE}\n\nThis problem is not in the demo's dataset, so there is no reference solution to give.`;
  const body = known.solution || 'The dataset gives no reference solution for this problem.';
  return `${DEMO_SOLVER_NOTE}\n\n${body}${known.answer ? `\n\nThe final answer is $\\boxed{${known.answer}}$.` : ''}`;
}

/** The demo grader's reply: the format each grading prompt asks for (a verdict, items or points). */
export function demoGrade(known: Known | undefined, prompt: string): string {
  const p = squash(prompt);
  // The reference occurs once as the reference and once more in a candidate that repeats it.
  const repeated = (s: string | undefined) => !!s && p.split(squash(s)).length - 1 >= 2;
  // The final-answer judge: the golden answer and the candidate's answer.
  if (/\\boxed\{\s*Correct\s*\}/.test(prompt))
    return `${DEMO_GRADER_NOTE}\n\n\\boxed{${repeated(known?.answer) ? 'Correct' : 'Incorrect'}}`;
  const full = repeated(known?.solution);
  const why = full
    ? 'The candidate repeats the reference solution.'
    : known
      ? 'The candidate does not repeat the reference solution.'
      : 'The problem is not in the demo dataset.';
  const items = [...prompt.matchAll(/Item (\d+) \(at most (\d+) points\)/g)];
  if (items.length)
    return `${DEMO_GRADER_NOTE}\n\n${items.map((m) => `<item id="${m[1]}">${why}<points>${full ? m[2] : 0}</points></item>`).join('\n')}`;
  return `${DEMO_GRADER_NOTE}\n\n${why}\n\n<points>${full ? 7 : 0}</points>`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((res, rej) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => res(Buffer.concat(chunks).toString('utf8')));
    req.on('error', rej);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

type Content = string | Array<{ type?: string; text?: string }> | null | undefined;
const textOf = (c: Content): string =>
  typeof c === 'string' ? c : Array.isArray(c) ? c.map((x) => x.text ?? '').join('') : '';

/**
 * Starts the demo model on 127.0.0.1 (a free port unless `port` is given). `rows` are the
 * dataset's rows: `problem` is matched against each request's text, `solution` and `answer` are
 * what the model replies with.
 */
export async function startDemoServer(
  rows: readonly Row[],
  opts: { port?: number; problemColumn?: string } = {},
): Promise<DemoServer> {
  const col = opts.problemColumn ?? 'problem';
  const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));
  const known: Known[] = rows.map((r) => ({
    text: squash(str(r[col])),
    solution: str(r.solution),
    answer: str(r.answer),
  }));
  let requests = 0;
  let nextId = 0;
  const server = createServer((req, res) => {
    void (async () => {
      const url = req.url ?? '';
      if (req.method === 'GET' && /^\/v1\/models\/?$/.test(url)) {
        send(res, 200, {
          object: 'list',
          data: [DEMO_MODEL, DEMO_GRADER].map((id) => ({ id, object: 'model', owned_by: 'qed-demo' })),
        });
        return;
      }
      if (req.method !== 'POST' || !/^\/v1\/chat\/completions\/?$/.test(url)) {
        send(res, 404, {
          error: {
            message: `the demo model answers POST /v1/chat/completions only, not ${req.method} ${url}`,
            type: 'not_found',
          },
        });
        return;
      }
      let body: { model?: string; messages?: Array<{ role?: string; content?: Content }>; stream?: boolean };
      try {
        body = JSON.parse(await readBody(req)) as typeof body;
      } catch {
        send(res, 400, { error: { message: 'the request body is not JSON', type: 'invalid_request_error' } });
        return;
      }
      if (body.stream) {
        send(res, 400, { error: { message: 'the demo model does not stream', type: 'invalid_request_error' } });
        return;
      }
      requests++;
      const prompt = (body.messages ?? []).map((m) => textOf(m.content)).join('\n');
      const found = findProblem(known, prompt);
      const model = body.model ?? DEMO_MODEL;
      const text = model === DEMO_GRADER ? demoGrade(found, prompt) : demoSolution(found);
      const p = tokens(prompt);
      const c = tokens(text);
      send(res, 200, {
        id: `chatcmpl-demo-${++nextId}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
        usage: { prompt_tokens: p, completion_tokens: c, total_tokens: p + c },
      });
    })().catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, { error: { message: String(e), type: 'server_error' } });
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
