// The agent trace of a row as a timeline: the scaffold's steps in order (kind, label, round, the
// candidate produced and the ones read, score, verdict, note, tokens, cost, time, reused), each
// step's reply and chain of thought folded (built when first opened), the final choice, and a
// table of the candidates. Candidate ids are links: a click goes to the step that produced the
// candidate, hovering lights up every step that produced or read it, and the "Follow" choice
// shows only those steps.
//
// Everything here reads `agent_trace` and `history` leniently: a field of the wrong type is
// reported on its step (as plain text) and left out; nothing the model or the file says is ever
// inserted as markup except through the renderer (which escapes it).

import type { AgentTraceStep } from '../../protocol';
import { button, select, selectValue, setSelectValue, type VscodeSingleSelect } from './controls';
import { append, clear, fmtInt, fmtSeconds, fmtUsd, h } from './dom';
import { obj } from './values';

/** Step headers built at once; more on request (a trace may have thousands of steps). */
export const STEP_BATCH = 200;

type Rich = (text: string, field: string) => HTMLElement;

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
/** A short plain-text picture of any value, for reporting it. */
const show = (v: unknown): string => {
  let s: string;
  try {
    s = typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
  } catch {
    s = String(v);
  }
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
};

/** A step as the timeline shows it: the protocol's step, read defensively (see normalise). */
export interface Step extends Omit<AgentTraceStep, 'of' | 'input_tokens' | 'output_tokens' | 'reused'> {
  /** Position in the trace (0-based). */
  i: number;
  of: string[];
  input?: number;
  output?: number;
  reused: boolean;
  /** Fields that could not be read, in words. */
  problems: string[];
}

export interface Trace {
  scaffold?: string;
  steps: Step[];
  final?: { candidate?: string; score?: number; note?: string };
  /** Problems of the trace as a whole. */
  problems: string[];
}

/** Reads an `agent_trace` value; undefined when it is not an object at all. */
export function readTrace(value: unknown): Trace | undefined {
  const t = obj(value);
  if (!t) return undefined;
  const problems: string[] = [];
  if (!Array.isArray(t.steps))
    problems.push(t.steps === undefined ? 'the trace has no steps' : `steps is not a list: ${show(t.steps)}`);
  const steps = (Array.isArray(t.steps) ? t.steps : []).map((s, i) => readStep(s, i));
  let final: Trace['final'];
  const f = obj(t.final);
  if (f) {
    final = {};
    if (typeof f.candidate === 'string') final.candidate = f.candidate;
    else if (f.candidate !== undefined) problems.push(`final.candidate is not text: ${show(f.candidate)}`);
    if (isNum(f.score)) final.score = f.score;
    else if (f.score !== undefined) problems.push(`final.score is not a number: ${show(f.score)}`);
    if (typeof f.note === 'string') final.note = f.note;
  } else if (t.final !== undefined && t.final !== null) problems.push(`final is not an object: ${show(t.final)}`);
  return { scaffold: typeof t.scaffold === 'string' ? t.scaffold : undefined, steps, final, problems };
}

function readStep(value: unknown, i: number): Step {
  const step: Step = { i, kind: '?', label: '', of: [], reused: false, problems: [] };
  const s = obj(value);
  if (!s) {
    step.problems.push(`this step is not an object: ${show(value)}`);
    return step;
  }
  const p = step.problems;
  const text = (k: string): string | undefined => {
    const v = s[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return String(v);
    p.push(`${k} is not text: ${show(v)}`);
    return undefined;
  };
  const number = (k: string): number | undefined => {
    const v = s[k];
    if (v === undefined || v === null) return undefined;
    if (isNum(v)) return v;
    p.push(`${k} is not a number: ${show(v)}`);
    return undefined;
  };
  const kind = text('kind');
  if (kind === undefined) p.push('the step has no kind');
  step.kind = kind ?? '?';
  step.label = text('label') ?? '';
  step.round = number('round');
  step.candidate = text('candidate');
  if (Array.isArray(s.of)) {
    for (const x of s.of) {
      if (typeof x === 'string') step.of.push(x);
      else p.push(`of holds a value that is not an id: ${show(x)}`);
    }
  } else if (typeof s.of === 'string') step.of.push(s.of);
  else if (s.of !== undefined && s.of !== null) p.push(`of is not a list of ids: ${show(s.of)}`);
  step.score = number('score');
  step.max = number('max');
  step.verdict = text('verdict');
  step.note = text('note');
  const hv = s.h;
  if (hv !== undefined && hv !== null) {
    if (Number.isInteger(hv)) step.h = hv as number;
    else p.push(`h is not a history index: ${show(hv)}`);
  }
  step.model = text('model');
  step.input = number('input_tokens');
  step.output = number('output_tokens');
  step.cost = number('cost');
  step.time = number('time');
  step.reused = s.reused === true;
  return step;
}

/**
 * Where a step's call is read from: the row's `history` in memory, or (for a large agent row sent
 * without it) fetched from the host entry by entry. `total` undefined: the row has no history list.
 */
export interface Calls {
  total: number | undefined;
  get(h: number): Promise<unknown>;
}

export function memoryCalls(history: unknown): Calls {
  const list = Array.isArray(history) ? history : undefined;
  return { total: list?.length, get: async (k) => list?.[k] };
}

/** Calls fetched from the host (`fetch` brings entries [from, from + count)), each kept once fetched. */
export function remoteCalls(total: number, fetch: (from: number, count: number) => Promise<unknown[]>): Calls {
  const cache = new Map<number, Promise<unknown>>();
  return {
    total,
    get: (k) => {
      let p = cache.get(k);
      if (!p) {
        p = fetch(k, 1).then((e) => e[0]);
        // A failed fetch (the row changed, the host went away) is tried again on the next opening.
        p.catch(() => cache.delete(k));
        cache.set(k, p);
      }
      return p;
    },
  };
}

/** The messages of history[h], or why there are none. */
export async function callOf(
  calls: Calls,
  idx: number | undefined,
): Promise<{ messages?: Array<Record<string, unknown>>; problem?: string }> {
  if (idx === undefined) return {};
  const total = calls.total;
  if (total === undefined) return { problem: `h = ${idx}, but the row has no history list` };
  if (idx < 0 || idx >= total)
    return { problem: `h = ${idx} is outside the history (${total} entr${total === 1 ? 'y' : 'ies'})` };
  let entry: unknown;
  try {
    entry = await calls.get(idx);
  } catch (e) {
    return { problem: `history[${idx}] could not be read: ${(e as Error).message}` };
  }
  const e = obj(entry);
  if (!e) return { problem: `history[${idx}] is not an object: ${show(entry)}` };
  // A step entry holds its call's messages; a plain message stands for itself.
  if (Array.isArray(e.messages)) return { messages: e.messages.map((m) => obj(m) ?? { role: '?', content: show(m) }) };
  if (typeof e.role === 'string') return { messages: [e] };
  return { problem: `history[${idx}] has no messages list: ${show(e.messages)}` };
}

const contentOf = (m: Record<string, unknown>): string =>
  typeof m.content === 'string' ? m.content : m.content === undefined || m.content === null ? '' : show(m.content);
const isCot = (m: Record<string, unknown>) => m.type === 'cot' || m.type === 'reasoning' || m.role === 'reasoning';

/** The reply (last assistant message that is not a chain of thought) and the chain of thought before it. */
export function replyOf(messages: Array<Record<string, unknown>>): {
  reply?: string;
  cot?: string;
  request: Array<Record<string, unknown>>;
} {
  let r = -1;
  for (let k = messages.length - 1; k >= 0; k--) {
    if (messages[k].role === 'assistant' && !isCot(messages[k])) {
      r = k;
      break;
    }
  }
  const cots = messages.filter((m, k) => isCot(m) && (r < 0 || k < r));
  const request = messages.filter((m, k) => k !== r && !isCot(m));
  return {
    reply: r >= 0 ? contentOf(messages[r]) : undefined,
    cot: cots.length ? cots.map(contentOf).join('\n\n') : undefined,
    request,
  };
}

const fmtNum = (x: number) => String(Math.round(x * 1000) / 1000);
export const fmtStepScore = (score: number, max?: number) =>
  max !== undefined ? `${fmtNum(score)} / ${fmtNum(max)}` : fmtNum(score);
const scoreClass = (score: number, max?: number) =>
  max === undefined || max <= 0 ? 'not_graded' : score <= 0 ? 'zero' : score >= max ? 'full' : 'partial';

/** Which family a kind belongs to, for its colour. */
function family(kind: string): string {
  if (/^(generate|refine|improve|consolidate|merge|correct|approaches|summarize)$/.test(kind)) return 'make';
  if (/^(verify|score|check)$/.test(kind)) return 'judge';
  if (/^(compare|select|filter)$/.test(kind)) return 'decide';
  if (/^(plan|tool)$/.test(kind)) return 'tool';
  return 'other';
}

/** A note that says a reply could not be read as intended. */
const PARSE_NOTE =
  /no (score|verdict|answer)|not found|could not|couldn't|unparsable|unreadable|parse|counted as|malformed|invalid|missing/i;

/** Candidate ids as they go into a data attribute (space-separated list, matched with ~=). */
const token = (id: string) => id.replace(/\s+/g, '_') || '_';

export class Timeline {
  readonly root: HTMLElement;
  private readonly list = h('ol', { class: 'trace-steps' });
  private readonly more = h('div', { class: 'trace-more' });
  private shown: Step[] = [];
  private built = 0;
  private readonly stepEls = new Map<number, HTMLElement>();
  /** Candidate → the steps that produced it, in order. */
  private readonly producers = new Map<string, number[]>();
  /** Candidate → every step that produced or read it. */
  private readonly related = new Map<string, Set<number>>();
  private readonly scores = new Map<string, Array<{ score: number; max?: number; step: number }>>();
  private follow = '';

  constructor(
    private readonly trace: Trace,
    private readonly calls: Calls,
    private readonly rich: Rich,
    private readonly runCost: number | undefined,
  ) {
    for (const s of trace.steps) {
      if (s.candidate !== undefined) {
        this.producers.set(s.candidate, [...(this.producers.get(s.candidate) ?? []), s.i]);
        this.relate(s.candidate, s.i);
      }
      for (const c of s.of) {
        this.relate(c, s.i);
        if (s.score !== undefined && s.of.length === 1)
          this.scores.set(c, [...(this.scores.get(c) ?? []), { score: s.score, max: s.max, step: s.i }]);
      }
    }
    this.root = h('section', { class: 'block agent-trace', 'data-field': 'agent_trace' });
    this.build();
  }

  private relate(c: string, i: number): void {
    let set = this.related.get(c);
    if (!set) this.related.set(c, (set = new Set()));
    set.add(i);
  }

  /** The step that produced a candidate: the last one before `before` (else the first one at all). */
  producerOf(id: string, before = Infinity): number | undefined {
    const list = this.producers.get(id);
    if (!list?.length) return undefined;
    let best: number | undefined;
    for (const i of list) if (i < before) best = i;
    return best ?? list[0];
  }

  private build(): void {
    const t = this.trace;
    const steps = t.steps;
    const sum = (f: (s: Step) => number | undefined) => steps.reduce((a, s) => a + (f(s) ?? 0), 0);
    const cost = sum((s) => s.cost);
    const calls = steps.filter((s) => s.h !== undefined).length;
    const reused = steps.filter((s) => s.reused).length;
    this.root.append(h('h3', { text: `Agent trace${t.scaffold ? ` · ${t.scaffold}` : ''}` }));
    const facts = [
      `${fmtInt(steps.length)} step${steps.length === 1 ? '' : 's'}`,
      `${fmtInt(calls)} call${calls === 1 ? '' : 's'}`,
      `${fmtUsd(cost)}`,
      `${fmtInt(sum((s) => s.input))} in · ${fmtInt(sum((s) => s.output))} out tokens`,
      fmtSeconds(sum((s) => s.time)) + ' of calls',
    ];
    if (reused) facts.push(`${reused} reused from an earlier session`);
    this.root.append(h('p', { class: 'trace-facts muted', 'data-testid': 'trace-facts' }, facts.join(' · ')));
    if (this.runCost !== undefined && Math.abs(this.runCost - cost) > 1e-9 * Math.max(1, Math.abs(this.runCost))) {
      this.root.append(
        h(
          'p',
          { class: 'callout warn' },
          `The steps' costs add up to ${fmtUsd(cost)}, but cost_run says ${fmtUsd(this.runCost)}.`,
        ),
      );
    }
    for (const p of t.problems) this.root.append(h('p', { class: 'callout warn trace-problem' }, `⚠ ${p}`));
    this.root.append(this.finalBox(), this.candidatesTable());

    // The steps, with a "Follow" choice.
    const follow = select(
      { 'aria-label': 'Follow a candidate', class: 'trace-follow' },
      [
        { value: '', label: `all ${fmtInt(steps.length)} steps` },
        ...[...this.related.keys()].map((c) => ({ value: c, label: `${c} (${this.related.get(c)!.size} steps)` })),
      ],
      '',
    );
    follow.addEventListener('change', () => this.setFollow(selectValue(follow)));
    this.followSelect = follow;
    this.root.append(
      h(
        'div',
        { class: 'trace-bar' },
        h('label', {}, 'Follow ', follow),
        h('span', {
          class: 'muted small',
          text: 'Click a candidate id to go to the step that produced it; hover it to light up the steps that used it.',
        }),
      ),
    );
    this.root.append(this.list, this.more);
    this.setFollow('');

    // Candidate links, anywhere in the section.
    this.root.addEventListener('click', (e) => {
      const chip = (e.target as Element).closest<HTMLElement>('[data-cand]');
      if (!chip) return;
      e.preventDefault();
      e.stopPropagation();
      const from = chip.closest<HTMLElement>('[data-step]');
      const before = from ? Number(from.dataset.step) : Infinity;
      const at = this.producerOf(chip.dataset.cand ?? '', before);
      if (at !== undefined) this.reveal(at);
    });
    this.root.addEventListener('mouseover', (e) => {
      const chip = (e.target as Element).closest<HTMLElement>('[data-cand]');
      this.light(chip?.dataset.cand);
    });
    this.root.addEventListener('mouseleave', () => this.light(undefined));
  }

  private followSelect: VscodeSingleSelect | undefined;
  private lit: string | undefined;

  private light(id: string | undefined): void {
    if (id === this.lit) return;
    this.lit = id;
    for (const el of Array.from(this.list.querySelectorAll('.step.lit'))) el.classList.remove('lit');
    if (id === undefined) return;
    for (const el of Array.from(this.list.querySelectorAll(`.step[data-cands~="${CSS.escape(token(id))}"]`)))
      el.classList.add('lit');
  }

  private chip(id: string, role: 'made' | 'read' | 'final' = 'read'): HTMLElement {
    const at = this.producerOf(id);
    const sc = this.scores.get(id);
    const title = [
      `${id}: ${at === undefined ? 'no step produced it' : `produced by step ${at + 1} (${this.trace.steps[at].label || this.trace.steps[at].kind})`}`,
      sc?.length ? `scores ${sc.map((x) => fmtNum(x.score)).join(', ')}` : '',
    ]
      .filter(Boolean)
      .join(' · ');
    return h('a', {
      href: '#',
      class: `cand cand-${role}${at === undefined ? ' orphan' : ''}`,
      'data-cand': id,
      title,
      text: id,
    });
  }

  private finalBox(): HTMLElement {
    const f = this.trace.final;
    const box = h('div', { class: 'trace-final', 'data-testid': 'trace-final' });
    if (!f) {
      box.append(h('span', { class: 'muted', text: 'The trace records no final choice.' }));
      return box;
    }
    const at = f.candidate !== undefined ? this.producerOf(f.candidate) : undefined;
    const scale =
      f.candidate !== undefined ? this.scores.get(f.candidate)?.find((x) => x.max !== undefined)?.max : undefined;
    append(box, [
      h('strong', { text: 'Final choice: ' }),
      f.candidate !== undefined
        ? this.chip(f.candidate, 'final')
        : h('span', { class: 'muted', text: 'no candidate named' }),
      f.score !== undefined
        ? h('span', {
            class: `badge st-${scoreClass(f.score, scale)}`,
            title: 'its score',
            text: fmtStepScore(f.score, scale),
          })
        : null,
      f.note ? h('span', { class: 'final-note', text: ` ${f.note}` }) : null,
      f.candidate !== undefined && at === undefined
        ? h('span', { class: 'warn-text', text: ` ⚠ no step of the trace produced ${f.candidate}` })
        : null,
    ]);
    return box;
  }

  private candidatesTable(): HTMLElement {
    const ids = [...this.producers.keys()];
    if (!ids.length) return h('div');
    const finalId = this.trace.final?.candidate;
    const table = h(
      'table',
      { class: 'grid trace-candidates', 'data-testid': 'trace-candidates' },
      h(
        'tr',
        {},
        h('th', { text: 'Candidate' }),
        h('th', { text: 'Produced by' }),
        h('th', { text: 'Scores' }),
        h('th', { text: 'Mean' }),
      ),
    );
    for (const id of ids.slice(0, 500)) {
      const at = this.producerOf(id)!;
      const sc = this.scores.get(id) ?? [];
      const max = sc.find((x) => x.max !== undefined)?.max;
      const mean = sc.length ? sc.reduce((a, x) => a + x.score, 0) / sc.length : undefined;
      table.append(
        h(
          'tr',
          { class: id === finalId ? 'final' : '' },
          h('td', {}, this.chip(id, id === finalId ? 'final' : 'made')),
          h('td', { text: `${at + 1}. ${this.trace.steps[at].label || this.trace.steps[at].kind}` }),
          h(
            'td',
            {},
            sc.length
              ? sc.map((x) => h('span', { class: `badge st-${scoreClass(x.score, x.max)}`, text: fmtNum(x.score) }))
              : h('span', { class: 'muted', text: '–' }),
          ),
          h('td', { text: mean !== undefined ? fmtStepScore(mean, max) : '–' }),
        ),
      );
    }
    if (ids.length > 500)
      table.append(
        h('tr', {}, h('td', { colspan: 4, class: 'muted', text: `… and ${ids.length - 500} more candidates` })),
      );
    return h(
      'details',
      { class: 'fold trace-cands', open: ids.length <= 40 },
      h('summary', { text: `Candidates (${ids.length})` }),
      table,
    );
  }

  private setFollow(id: string): void {
    this.follow = id;
    if (this.followSelect && selectValue(this.followSelect) !== id) setSelectValue(this.followSelect, id);
    const rel = id ? this.related.get(id) : undefined;
    this.shown = rel ? this.trace.steps.filter((s) => rel.has(s.i)) : this.trace.steps;
    clear(this.list);
    this.stepEls.clear();
    this.built = 0;
    this.buildMore(STEP_BATCH);
    // The step that produced the final choice starts open.
    const fin = this.trace.final?.candidate;
    if (!id && fin !== undefined) {
      const at = this.producerOf(fin);
      // Far down a long trace it is built with the steps before it (up to a bound).
      if (at !== undefined && at >= this.built && at < 2000) this.buildMore(at + 1 - this.built);
      const el = at !== undefined ? this.stepEls.get(at) : undefined;
      if (el) (el.querySelector('details') as HTMLDetailsElement).open = true;
    }
  }

  private buildMore(n: number): void {
    const end = Math.min(this.shown.length, this.built + n);
    const frag = document.createDocumentFragment();
    for (let k = this.built; k < end; k++) {
      const el = this.stepEl(this.shown[k]);
      this.stepEls.set(this.shown[k].i, el);
      frag.append(el);
    }
    this.list.append(frag);
    this.built = end;
    clear(this.more);
    const left = this.shown.length - this.built;
    if (left > 0) {
      const btn = button(
        `Show ${Math.min(STEP_BATCH, left)} more steps (${fmtInt(left)} not shown)`,
        { 'data-action': 'more-steps' },
        true,
      );
      btn.addEventListener('click', () => this.buildMore(STEP_BATCH));
      const all = h('button', { type: 'button', class: 'link-button', text: 'show all' });
      all.addEventListener('click', () => this.buildMore(left));
      this.more.append(btn, ' ', all);
    }
  }

  /** Scrolls to step i (building the steps up to it, leaving a Follow that hides it), opens and flashes it. */
  reveal(i: number): void {
    if (this.follow && !this.related.get(this.follow)?.has(i)) this.setFollow('');
    const pos = this.shown.findIndex((s) => s.i === i);
    if (pos < 0) return;
    if (pos >= this.built) this.buildMore(pos + 1 - this.built);
    const el = this.stepEls.get(i);
    if (!el) return;
    (el.querySelector('details') as HTMLDetailsElement).open = true;
    el.scrollIntoView({ block: 'start' });
    el.classList.remove('flash');
    void el.offsetWidth;
    el.classList.add('flash');
  }

  private stepEl(s: Step): HTMLElement {
    const fam = family(s.kind);
    const cands = [s.candidate, ...s.of]
      .filter((x): x is string => x !== undefined)
      .map(token)
      .join(' ');
    const isFinal = s.candidate !== undefined && s.candidate === this.trace.final?.candidate;
    const li = h('li', {
      class: `step fam-${fam}${isFinal ? ' final' : ''}${s.reused ? ' reused' : ''}`,
      'data-step': s.i,
      'data-kind': s.kind.slice(0, 40),
      'data-cands': cands,
    });
    const details = h('details', { class: 'step-fold' });
    const head = h(
      'summary',
      { class: 'step-head' },
      h('span', { class: 'step-num', text: String(s.i + 1) }),
      h('span', { class: `kind fam-${fam}`, text: s.kind.length > 24 ? `${s.kind.slice(0, 24)}…` : s.kind }),
      s.round !== undefined
        ? h('span', { class: 'round', title: `round ${s.round}`, text: `R${fmtNum(s.round)}` })
        : null,
      h('span', {
        class: 'step-label',
        title: s.label.length > 300 ? s.label.slice(0, 5000) : undefined,
        text: s.label.length > 300 ? `${s.label.slice(0, 300)}…` : s.label || '(no label)',
      }),
      s.candidate !== undefined
        ? h('span', { class: 'made' }, '→ ', this.chip(s.candidate, isFinal ? 'final' : 'made'))
        : null,
      s.of.length
        ? h(
            'span',
            { class: 'reads' },
            h('span', { class: 'muted', text: 'reads ' }),
            s.of.slice(0, 12).map((c) => this.chip(c)),
            s.of.length > 12 ? h('span', { class: 'muted', text: ` +${s.of.length - 12}` }) : null,
          )
        : null,
      s.score !== undefined
        ? h('span', {
            class: `badge step-score st-${scoreClass(s.score, s.max)}`,
            title: 'score given',
            text: fmtStepScore(s.score, s.max),
          })
        : null,
      s.verdict !== undefined
        ? h(
            'span',
            { class: 'verdict', title: 'verdict' },
            '⇒ ',
            this.producers.has(s.verdict)
              ? this.chip(s.verdict, s.verdict === this.trace.final?.candidate ? 'final' : 'read')
              : h('span', { text: s.verdict.length > 60 ? `${s.verdict.slice(0, 60)}…` : s.verdict }),
          )
        : null,
      s.reused
        ? h('span', {
            class: 'reused-tag',
            title: 'replayed from the step journal after a resume (paid in an earlier session)',
            text: '↺ reused',
          })
        : null,
      h(
        'span',
        { class: 'step-figures' },
        s.input !== undefined || s.output !== undefined
          ? h('span', {
              class: 'tokens',
              title: 'input → output tokens',
              text: `${fmtInt(s.input)} → ${fmtInt(s.output)} tok`,
            })
          : null,
        s.time !== undefined ? h('span', { class: 'time', text: fmtSeconds(s.time) }) : null,
        h('span', {
          class: 'cost',
          title: 'cost of the call (USD)',
          text: s.cost !== undefined ? fmtUsd(s.cost) : s.h === undefined ? '' : '–',
        }),
      ),
    );
    const notes: HTMLElement[] = [];
    if (s.note)
      notes.push(
        h(
          'div',
          { class: `step-note${PARSE_NOTE.test(s.note) ? ' warn' : ''}` },
          PARSE_NOTE.test(s.note) ? '⚠ ' : '',
          s.note.length > 2000 ? `${s.note.slice(0, 2000)}…` : s.note,
        ),
      );
    for (const p of s.problems) notes.push(h('div', { class: 'step-note warn problem' }, `⚠ ${p}`));
    // Inside the summary, so the notes show while the step is folded.
    if (notes.length) head.append(h('div', { class: 'step-notes' }, notes));
    details.append(head);
    let built = false;
    const build = () => {
      if (built) return;
      built = true;
      details.append(this.stepBody(s));
    };
    details.addEventListener('toggle', () => details.open && build());
    li.append(details);
    return li;
  }

  private stepBody(s: Step): HTMLElement {
    const body = h('div', { class: 'step-body' });
    const loading = s.h !== undefined ? h('p', { class: 'muted loading', text: 'Loading the call…' }) : null;
    if (loading) body.append(loading);
    void callOf(this.calls, s.h).then((call) => {
      loading?.remove();
      this.fillBody(body, s, call);
    });
    return body;
  }

  private fillBody(body: HTMLElement, s: Step, call: Awaited<ReturnType<typeof callOf>>): void {
    if (call.problem) body.append(h('p', { class: 'step-note warn' }, `⚠ ${call.problem}`));
    if (!call.messages) {
      if (!call.problem) body.append(h('p', { class: 'muted', text: 'A decision of the scaffold: no model call.' }));
    } else {
      const { reply, cot, request } = replyOf(call.messages);
      if (reply !== undefined) body.append(this.rich(reply, 'trace-reply'));
      else body.append(h('p', { class: 'muted', text: 'The call has no reply.' }));
      if (cot !== undefined)
        body.append(
          lazyFold(`Chain of thought (${sizeText(cot.length)})`, () => this.rich(cot, 'trace-cot'), 'msg cot'),
        );
      if (request.length) {
        body.append(
          lazyFold(
            `Request (${request.length} message${request.length === 1 ? '' : 's'})`,
            () => {
              const box = h('div', { class: 'request' });
              for (const m of request.slice(0, 200)) {
                const role = typeof m.role === 'string' ? m.role : '?';
                const c = contentOf(m);
                const tool = typeof m.tool_name === 'string' ? ` ${m.tool_name}` : '';
                box.append(
                  lazyFold(
                    h(
                      'span',
                      {},
                      h('span', { class: `tag role-${role.replace(/\W/g, '')}`, text: role + tool }),
                      h('span', { class: 'muted', text: ` ${sizeText(c.length)}` }),
                    ),
                    () => this.rich(c, 'trace-request'),
                    'msg',
                  ),
                );
                if (Array.isArray(m.tool_calls) && m.tool_calls.length)
                  box.append(h('pre', { class: 'plain-text', text: show(m.tool_calls).slice(0, 20_000) }));
              }
              return box;
            },
            'request-fold',
          ),
        );
      }
    }
    const facts = [
      s.model ? `model ${s.model}` : '',
      s.h !== undefined ? `history[${s.h}]` : '',
      s.cost !== undefined ? `cost ${fmtUsd(s.cost)} (${Number(s.cost.toPrecision(6))} USD)` : '',
    ].filter(Boolean);
    if (facts.length) body.append(h('p', { class: 'muted small', text: facts.join(' · ') }));
    body.dataset.ready = 'true';
  }
}

function sizeText(n: number): string {
  return n < 1000 ? `${n} chars` : `${(n / 1000).toFixed(1)}k chars`;
}

/** A <details> whose body is built when it is first opened. */
export function lazyFold(title: string | Node, build: () => Node, cls = ''): HTMLDetailsElement {
  const d = h('details', { class: `fold ${cls}` }, h('summary', {}, title));
  let built = false;
  d.addEventListener('toggle', () => {
    if (!d.open || built) return;
    built = true;
    d.append(build());
  });
  return d;
}
