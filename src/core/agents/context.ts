import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { configIdentity } from '../config/identity';
import type { ModelConfig } from '../config/types';
import { addCost, ZERO_COST } from '../llm/cost';
import { LlmError } from '../llm/errors';
import type { Limiter } from '../llm/limiter';
import type { BoundClient } from '../llm';
import type { ChatMessage, CostRecord, RetryInfo, ToolCall } from '../llm/types';
import type { StepJournal, StoredReply } from './journal';
import { PyRandom } from './pyrandom';
import type { AgentMessage, AgentTrace, HistoryStep, TraceStep } from './types';

/** A model a scaffold can call: a client with the config that built it, or another agent. */
export interface AgentModel {
  /** The config id shown in traces, e.g. 'openai/gpt-5-nano'. */
  id: string;
  /** The model config behind the client (for an agent used as a model: its own main model's). */
  config: ModelConfig;
  client: BoundClient;
  /** configIdentity(config), computed once. */
  identity?: string;
  /**
   * Set when this "model" is an agent config (the Python stack allows an agent wherever a model
   * config is named): a call runs that agent on the messages' text, and its answer is the reply.
   */
  agent?: (ctx: AgentRun, stmt: string) => Promise<{ answer: string }>;
}

/** What every row of an agent job shares. */
export interface AgentEnv {
  journal: StepJournal;
  /** One budget for every request of the job: rows and the agent's own parallelism share it. */
  limiter: Limiter;
}

/** What a scaffold says about a call, besides its messages. */
export type StepInfo = Omit<TraceStep, 'h' | 'model' | 'input_tokens' | 'output_tokens' | 'cost' | 'time' | 'reused'>;

export interface CallOptions {
  /** The `step` name of the history entry (the Python stack's names); default: the call key. */
  historyStep?: string;
  timestep?: number;
  /** Function tools offered to the model (chat completions format). */
  tools?: unknown[];
  /** A place reserved in advance (see `reserve`), so the trace follows a graph's order, not the replies'. */
  slot?: Slot;
}

/** A trace step and history entry reserved before their call starts. */
export interface Slot {
  step: TraceStep;
  entry: HistoryStep;
}

/** A finished call: the reply and the conversation as it now stands. */
export interface CallReply {
  text: string;
  cot?: string;
  toolCalls?: ToolCall[];
  /** The request messages, the chain of thought (type 'cot') if any, then the reply. */
  messages: AgentMessage[];
  /** The trace step of this call, for the scaffold to add a score or a note once it has read the reply. */
  step: TraceStep;
}

/** The messages sent to the API: chain of thought dropped, `developer` sent as system instructions. */
function wire(messages: AgentMessage[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const m of messages) {
    if (m.type === 'cot') continue;
    const role = m.role === 'developer' ? 'system' : m.role;
    const msg: ChatMessage = { role, content: m.content ?? '' };
    if (m.tool_calls?.length) msg.toolCalls = m.tool_calls;
    if (m.tool_call_id !== undefined) msg.toolCallId = m.tool_call_id;
    out.push(msg);
  }
  return out;
}

/**
 * One problem solved by a scaffold. Every model call goes through `call()`, which names it by its
 * place in the algorithm: a call the step journal already holds (same request) is replayed at no
 * cost, any other is made under the job's shared budget and journalled before it counts. As the
 * scaffolds' control flow depends only on the replies (and on a random generator seeded by the
 * row), a rerun walks the same path and continues where the last one stopped.
 *
 * Trace steps and history entries take their place when a call starts, so their order follows the
 * algorithm, not the order in which replies arrive.
 */
export class AgentRun {
  private readonly random: PyRandom;
  /** What a nested agent shares with the agent that called it: one trace, one history, one bill. */
  private readonly shared: {
    steps: TraceStep[];
    history: HistoryStep[];
    cost: CostRecord;
    attempts: number;
    pending: Set<Promise<unknown>>;
  };

  constructor(
    private readonly env: AgentEnv,
    readonly rowKey: string,
    readonly scaffold: string,
    private readonly opts: { signal?: AbortSignal; onRetry?: (info: RetryInfo) => void },
    /** For a nested agent: the prefix of its call keys and labels, and the state it shares. */
    private readonly nest?: { key: string; label: string; parent: AgentRun },
  ) {
    // Every call in flight listens to the row's signal (through its own child): many at once is expected.
    if (opts.signal) setMaxListeners(0, opts.signal);
    const seed = createHash('sha256')
      .update(`qed-agent:${rowKey}${nest ? `:${nest.key}` : ''}`)
      .digest();
    this.random = new PyRandom(seed.readUInt32BE(0) * 2 ** 21 + (seed.readUInt32BE(4) >>> 11));
    this.shared = nest
      ? nest.parent.shared
      : { steps: [], history: [], cost: ZERO_COST, attempts: 0, pending: new Set() };
  }

  get steps(): TraceStep[] {
    return this.shared.steps;
  }

  get history(): HistoryStep[] {
    return this.shared.history;
  }

  private get cost(): CostRecord {
    return this.shared.cost;
  }

  private set cost(c: CostRecord) {
    this.shared.cost = c;
  }

  private get attempts(): number {
    return this.shared.attempts;
  }

  private set attempts(n: number) {
    this.shared.attempts = n;
  }

  private get pending(): Set<Promise<unknown>> {
    return this.shared.pending;
  }

  /** A random generator seeded by the row: the same choices on every rerun of this problem. */
  get rng(): PyRandom {
    return this.random;
  }

  get totalCost(): CostRecord {
    return this.cost;
  }

  get totalAttempts(): number {
    return this.attempts;
  }

  /** Records a decision that made no call (a selection, a filter). */
  decide(step: StepInfo): void {
    this.steps.push(this.nest ? { ...step, label: this.nest.label + step.label } : { ...step });
  }

  /** Makes (or replays) one model call. Throws LlmError when the request fails for good. */
  call(
    key: string,
    model: AgentModel,
    messages: AgentMessage[],
    step: StepInfo,
    opts: CallOptions = {},
  ): Promise<CallReply> {
    const p = this.doCall(key, model, messages, step, opts);
    this.pending.add(p);
    void p.then(
      () => this.pending.delete(p),
      () => this.pending.delete(p),
    );
    return p;
  }

  /**
   * Promise.all that waits for every call to settle before it throws: the replies of calls that
   * were still running when a sibling failed are journalled, so the rerun does not pay for them.
   */
  async all<T>(work: Array<Promise<T>>): Promise<T[]> {
    const settled = await Promise.allSettled(work);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
  }

  /** Waits for every call started so far (a scaffold that failed leaves none running). */
  async settle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  /** Reserves the next trace step and history entry for a call that will start later. */
  reserve(): Slot {
    const step = { kind: '', label: '', h: this.history.length } as TraceStep;
    const entry: HistoryStep = { step: '', timestep: 0, messages: [] };
    this.steps.push(step);
    this.history.push(entry);
    return { step, entry };
  }

  private async doCall(
    key: string,
    model: AgentModel,
    messages: AgentMessage[],
    info: StepInfo,
    opts: CallOptions,
  ): Promise<CallReply> {
    const { step, entry } = opts.slot ?? this.reserve();
    Object.assign(step, info, { model: model.id });
    if (this.nest) {
      key = this.nest.key + key;
      step.label = this.nest.label + step.label;
    }
    entry.step = opts.historyStep ?? key;
    entry.timestep = opts.timestep ?? 0;
    if (model.agent) return this.viaAgent(key, model, messages, step, entry);

    const sent = wire(messages);
    const hash = createHash('sha256')
      .update(JSON.stringify({ m: (model.identity ??= configIdentity(model.config)), s: sent, t: opts.tools ?? null }))
      .digest('hex')
      .slice(0, 32);
    let reply = this.env.journal.get(this.rowKey, key, hash);
    if (reply) {
      step.reused = true;
    } else {
      if (this.opts.signal?.aborted) throw new LlmError('request cancelled', 'cancelled');
      // The retry loop gives each attempt its own child of the row's signal (the SDK leaves a
      // listener on the signal it is given), so the row's signal can be handed on as it is.
      let r;
      try {
        r = await this.env.limiter.run(
          () =>
            model.client.complete(sent, { signal: this.opts.signal, onRetry: this.opts.onRetry, tools: opts.tools }),
          this.opts.signal,
        );
      } catch (e) {
        if (this.opts.signal?.aborted) throw new LlmError('request cancelled', 'cancelled');
        throw e;
      }
      reply = { text: r.text, usage: r.usage, cost: r.cost, time: r.time, attempts: r.attempts };
      if (r.cot !== undefined) reply.cot = r.cot;
      if (r.toolCalls?.length) reply.toolCalls = r.toolCalls;
      if (r.finishReason !== undefined) reply.finishReason = r.finishReason;
      await this.env.journal.append(this.rowKey, key, hash, reply);
      this.attempts += r.attempts;
    }
    return this.record(step, entry, messages, reply);
  }

  /**
   * A call answered by another agent, as the Python stack runs one in place of a model: the
   * messages' texts, one per line, are its problem; its answer is the reply. Its own calls join
   * this trace (labelled with the step that asked) and this bill; this step costs nothing itself.
   */
  private async viaAgent(
    key: string,
    model: AgentModel,
    messages: AgentMessage[],
    step: TraceStep,
    entry: HistoryStep,
  ): Promise<CallReply> {
    const stmt = messages
      .filter((m) => m.type !== 'cot')
      .map((m) => `${m.content ?? ''}\n`)
      .join('')
      .trim();
    const sub = new AgentRun(this.env, this.rowKey, this.scaffold, this.opts, {
      key: `${key}/`,
      label: `${step.candidate ?? step.label} › `,
      parent: this,
    });
    const res = await model.agent!(sub, stmt);
    step.note = `answered by the agent ${model.id}: its steps are labelled '${step.candidate ?? step.label} ›'`;
    step.cost = 0;
    const out: AgentMessage[] = [
      { role: 'user', content: stmt },
      { role: 'assistant', content: res.answer },
    ];
    entry.messages = out;
    return { text: res.answer, messages: out, step };
  }

  private record(step: TraceStep, entry: HistoryStep, messages: AgentMessage[], reply: StoredReply): CallReply {
    const cost: CostRecord = {
      cost: reply.cost,
      input_tokens: reply.usage.inputTokens,
      output_tokens: reply.usage.outputTokens,
      time: reply.time,
    };
    this.cost = addCost(this.cost, cost);
    step.input_tokens = cost.input_tokens;
    step.output_tokens = cost.output_tokens;
    step.cost = cost.cost;
    step.time = cost.time;
    if (reply.finishReason === 'length') step.note = 'the reply was cut off by max_tokens';
    const out: AgentMessage[] = messages.map((m) => ({ ...m }));
    if (reply.cot !== undefined) out.push({ role: 'assistant', type: 'cot', content: reply.cot });
    const last: AgentMessage = { role: 'assistant', content: reply.text };
    if (reply.toolCalls?.length) last.tool_calls = reply.toolCalls;
    out.push(last);
    entry.messages = out;
    return { text: reply.text, cot: reply.cot, toolCalls: reply.toolCalls, messages: out, step };
  }

  /** The `agent_trace` column. */
  trace(final?: AgentTrace['final']): AgentTrace {
    return { v: 1, scaffold: this.scaffold, steps: this.steps, ...(final ? { final } : {}) };
  }
}
