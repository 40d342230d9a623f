// The row page: problem beside proof, reference solution or golden answer, the grading scheme
// item by item with the grader's explanation and any human grade, the conversation with its chain
// of thought folded away, and the bookkeeping (tokens, cost, time, metadata).

import type { FullRow } from '../../protocol';
import { clear, fmtInt, fmtSeconds, fmtUsd, h } from './dom';
import { renderPlainMath, renderRich } from './render';
import { fillLazy, ONE_PIECE_CHARS } from './lazyRich';
import { rowCallouts, rowTitle } from './rowHead';
import { num, obj, str } from './values';
import { lazyFold, memoryCalls, readTrace, Timeline, type Calls } from './trace';

/** Plain-math texts longer than this are first shown as plain text (markdown texts are rendered
 * in blocks as they scroll into view, see lazyRich.ts). */
export const RICH_LIMIT = 300_000;
/** Collapsed sections longer than this are rendered when first opened. */
const EAGER_LIMIT = 64_000;

export interface DetailContext {
  macros?: Record<string, string>;
  /** Math rendering figures of the page, for the status line and tests. */
  stats: { formulas: number; errors: number };
  /** Folded sections to build after the page is on screen (see runDeferred). */
  deferred?: Array<() => void>;
  /** An agent row sent without its history (FullRow.calls): where its calls are fetched from. */
  calls?: Calls;
  /** Called when a block of a long text is rendered later (as it scrolls into view). */
  onRender?: () => void;
}

/** Rendered markdown + math in a container: long texts in blocks (first screen now, the rest as
 * it scrolls into view), very long plain-math texts as plain text with a button. */
export function richBlock(
  text: string,
  field: string,
  ctx: DetailContext,
  opts: { plain?: boolean; cls?: string } = {},
): HTMLElement {
  const box = h('div', {
    class: `rich${opts.plain ? ' plain-math' : ''}${opts.cls ? ` ${opts.cls}` : ''}`,
    'data-field': field,
  });
  const fill = () => {
    const r = opts.plain ? renderPlainMath(text, { macros: ctx.macros }) : renderRich(text, { macros: ctx.macros });
    ctx.stats.formulas += r.mathCount;
    ctx.stats.errors += r.mathErrors;
    box.innerHTML = r.html;
  };
  if (!opts.plain && text.length > ONE_PIECE_CHARS) fillLazy(box, text, ctx);
  else if (text.length > RICH_LIMIT) {
    const pre = h('pre', { class: 'plain-text' }, text.slice(0, 2_000_000));
    const btn = h(
      'button',
      { type: 'button', class: 'link-button' },
      `Render ${Math.round(text.length / 1000)} kB of text (may take a while)`,
    );
    btn.addEventListener('click', () => {
      clear(box);
      box.append(h('p', { class: 'muted', text: 'Rendering…' }));
      setTimeout(fill, 20);
    });
    box.append(
      h(
        'p',
        { class: 'notice' },
        `This text is long (${Math.round(text.length / 1000)} kB): shown as plain text. `,
        btn,
      ),
      pre,
    );
  } else if (text.trim() === '') box.append(h('p', { class: 'muted', text: '(empty)' }));
  else fill();
  return box;
}

const POINTS_TAG = /<points>\s*([^<]{0,80}?)\s*<\/points>/gi;

/**
 * A grader's explanation ends with its verdict in a `<points>1 out of 7</points>` tag: the tag is
 * taken out of the text (markdown would show it raw) and shown as a badge beside the label.
 */
export function explanationBlock(text: string, ctx: DetailContext): HTMLElement {
  const points: string[] = [];
  const body = text.replace(POINTS_TAG, (_m, p: string) => (points.push(p.trim()), '')).trimEnd();
  return h(
    'div',
    { class: 'explanation' },
    h(
      'div',
      { class: 'label' },
      "Grader's explanation",
      ...points.map((p) =>
        h('span', { class: 'badge points', title: "the grader's verdict (its <points> tag)", text: p }),
      ),
    ),
    richBlock(body, 'grade', ctx),
  );
}

let currentDefer: Array<() => void> | undefined;

/**
 * A collapsible section. Open: built now. Folded and small: built just after the page is shown
 * (so the first paint is not held up by what is hidden). Folded and large: built on first opening.
 */
function fold(
  title: string | Node,
  build: () => Node,
  opts: { open?: boolean; size?: number; cls?: string; field?: string } = {},
): HTMLDetailsElement {
  const d = h('details', {
    class: `fold${opts.cls ? ` ${opts.cls}` : ''}`,
    open: !!opts.open,
    'data-section': opts.field,
  });
  d.append(h('summary', {}, title));
  let built = false;
  const ensure = () => {
    if (built) return;
    built = true;
    d.append(build());
  };
  if (opts.open) ensure();
  else {
    d.addEventListener('toggle', () => d.open && ensure());
    if ((opts.size ?? 0) <= EAGER_LIMIT) {
      if (currentDefer) currentDefer.push(ensure);
      else ensure();
    }
  }
  return d;
}

/**
 * Builds the deferred folded sections a few at a time after the page has been painted; sets
 * `data-complete` on the page (and its final formula counts) when done.
 */
export function runDeferred(page: HTMLElement, ctx: DetailContext): void {
  const tasks = ctx.deferred ?? [];
  const finish = () => {
    page.dataset.formulas = String(ctx.stats.formulas);
    page.dataset.mathErrors = String(ctx.stats.errors);
    page.dataset.complete = 'true';
  };
  if (!tasks.length) return finish();
  const step = () => {
    if (!page.isConnected) return;
    // One task (a folded section, a block of a long text) per turn, so a frame comes between.
    tasks.shift()!();
    if (tasks.length) setTimeout(step, 0);
    else finish();
  };
  requestAnimationFrame(() => setTimeout(step, 0));
}

function section(title: string, body: Node, cls = ''): HTMLElement {
  return h('section', { class: `block ${cls}` }, h('h3', { text: title }), body);
}

function costLine(label: string, c: Record<string, unknown> | undefined): HTMLElement | null {
  if (!c) return null;
  return h(
    'tr',
    {},
    h('th', { text: label }),
    h(
      'td',
      {},
      `${fmtInt(num(c.input_tokens))} in · ${fmtInt(num(c.output_tokens))} out${num(c.reasoning_tokens) !== undefined ? ` (${fmtInt(num(c.reasoning_tokens))} reasoning)` : ''} · ${fmtUsd(num(c.cost))} · ${fmtSeconds(c.time)}`,
    ),
  );
}

const SHOWN = new Set([
  'problem',
  'model_solution',
  'solution',
  'answer',
  'grading_guidelines',
  'grading_scheme',
  'schema_0',
  'grade',
  'score',
  'history',
  'agent_trace',
  'cost_run',
  'grade_cost',
  'human_grade',
  'error',
  'grade_error',
  'extracted_answer',
  'judge_method',
]);

export function renderDetail(full: FullRow, ctx: DetailContext, actions: HTMLElement): HTMLElement {
  currentDefer = ctx.deferred;
  try {
    return buildDetail(full, ctx, actions);
  } finally {
    currentDefer = undefined;
  }
}

function buildDetail(full: FullRow, ctx: DetailContext, actions: HTMLElement): HTMLElement {
  const row = full.row;
  const page = h('article', { class: 'row-page', 'data-row-index': full.index, 'data-rev': full.rev });
  // Blocks rendered as they scroll into view keep the page's formula counts up to date.
  ctx.onRender = () => {
    if (page.dataset.complete !== 'true') return;
    page.dataset.formulas = String(ctx.stats.formulas);
    page.dataset.mathErrors = String(ctx.stats.errors);
  };

  // Header: id, the model's grade and the human one side by side, actions.
  const human = obj(row.human_grade);
  const title = rowTitle(full);
  page.append(
    h(
      'header',
      { class: 'row-head' },
      h(
        'div',
        { class: 'row-title' },
        h('h2', { text: title.id }),
        title.badges.map((b) => h('span', { class: b.cls, title: b.title, 'data-field': b.field }, b.text)),
        h('span', { class: 'muted' }, title.where),
      ),
      actions,
    ),
  );

  const callouts = rowCallouts(full);
  if (callouts.length)
    page.append(
      h(
        'div',
        { class: 'callouts' },
        callouts.map((c) =>
          h(
            'div',
            { class: `callout ${c.kind}`, 'data-field': c.field },
            c.lead ? h('strong', { text: c.lead }) : null,
            c.text,
          ),
        ),
      ),
    );

  // Problem and proof side by side.
  const problem = str(row.problem) ?? '';
  const solution = typeof row.model_solution === 'string' ? row.model_solution : undefined;
  page.append(
    h(
      'div',
      { class: 'pair' },
      section('Problem', richBlock(problem, 'problem', ctx), 'problem'),
      section(
        'Model solution',
        solution !== undefined
          ? richBlock(solution, 'model_solution', ctx)
          : h('p', { class: 'muted', text: 'No model_solution column.' }),
        'solution',
      ),
    ),
  );

  // Final-answer rows: the golden answer, what was extracted and how it was judged.
  const answer = row.answer;
  if (row.extracted_answer !== undefined || row.judge_method !== undefined) {
    page.append(
      section(
        'Answer check',
        h(
          'table',
          { class: 'facts' },
          h(
            'tr',
            {},
            h('th', { text: 'Golden answer' }),
            h('td', {}, richBlock(String(answer ?? ''), 'answer', ctx, { plain: true, cls: 'inline' })),
          ),
          h(
            'tr',
            {},
            h('th', { text: 'Extracted answer' }),
            h(
              'td',
              {},
              richBlock(String(row.extracted_answer ?? ''), 'extracted_answer', ctx, { plain: true, cls: 'inline' }),
            ),
          ),
          h(
            'tr',
            {},
            h('th', { text: 'Decided by' }),
            h('td', {
              'data-field': 'judge_method',
              text:
                row.judge_method === 'llm'
                  ? 'the LLM judge'
                  : row.judge_method === 'deterministic'
                    ? 'the deterministic check (no judge call)'
                    : String(row.judge_method ?? '–'),
            }),
          ),
        ),
        'answer-check',
      ),
    );
  } else if (answer !== undefined && answer !== null && String(answer).trim() !== '') {
    page.append(
      fold('Golden answer', () => richBlock(String(answer), 'answer', ctx, { plain: true }), {
        open: true,
        field: 'answer',
      }),
    );
  }

  const reference = str(row.solution);
  if (reference !== undefined)
    page.append(
      fold('Reference solution', () => richBlock(reference, 'solution', ctx), {
        size: reference.length,
        field: 'solution',
      }),
    );
  for (const col of ['grading_guidelines', 'grading_scheme']) {
    const v = row[col];
    // Rubrics are line-structured ("(Partial)", numbered items…): shown as written, with math.
    if (typeof v === 'string' && v.trim())
      page.append(
        fold(
          col === 'grading_guidelines' ? 'Grading guidelines' : 'Grading scheme',
          () => richBlock(v, col, ctx, { plain: true }),
          { size: v.length, field: col },
        ),
      );
  }

  page.append(gradingSection(full, ctx, human));

  // An agent's rows: the trace as a timeline, the raw calls folded below it (built when opened).
  // Other rows: the conversation, each message folded, chain of thought marked.
  const trace = readTrace(row.agent_trace);
  if (trace) {
    const cost = num(obj(row.cost_run)?.cost);
    const calls = full.calls !== undefined && ctx.calls ? ctx.calls : memoryCalls(row.history);
    page.append(new Timeline(trace, calls, (text, field) => richBlock(text, field, ctx), cost).root);
    const n = calls.total ?? 0;
    const hist = row.history;
    const labels = new Map(trace.steps.filter((st) => st.h !== undefined).map((st) => [st.h!, st.label || st.kind]));
    if (n)
      page.append(
        lazyFold(
          `Raw calls (history, ${n} entr${n === 1 ? 'y' : 'ies'})`,
          () => (Array.isArray(hist) ? historySection(hist, ctx) : rawCalls(calls, n, labels, ctx)),
          'raw-history',
        ),
      );
    page.append(
      lazyFold(
        'Raw trace (agent_trace as JSON)',
        () => h('pre', { class: 'plain-text', 'data-field': 'agent_trace' }, jsonText(row.agent_trace)),
        'raw-trace',
      ),
    );
  } else if (Array.isArray(row.history) && row.history.length) page.append(historySection(row.history, ctx));

  page.append(factsSection(full));
  return page;
}

function gradingSection(full: FullRow, ctx: DetailContext, human: Record<string, unknown> | undefined): HTMLElement {
  const row = full.row;
  const schema = Array.isArray(row.schema_0) ? row.schema_0.map(obj) : [];
  const grade = Array.isArray(row.grade) ? row.grade.map(obj) : [];
  const humanPoints =
    human && Array.isArray(human.points)
      ? (human.points as unknown[])
      : human && num(human.points) !== undefined
        ? [human.points]
        : [];
  const box = h('section', { class: 'block grading' }, h('h3', { text: 'Grading' }));
  if (!schema.length && !grade.length) {
    box.append(h('p', { class: 'muted', text: 'No grading scheme or grade in this row.' }));
  }
  const n = Math.max(schema.length, grade.length);
  for (let k = 0; k < n; k++) {
    const item = schema[k];
    const g = grade[k];
    const max = num(item?.points);
    const pts = g ? (g.points === null ? null : num(g.points)) : undefined;
    const cls =
      pts === undefined || pts === null
        ? 'not_graded'
        : pts <= 0
          ? 'zero'
          : max !== undefined && pts >= max
            ? 'full'
            : 'partial';
    const hp = num(humanPoints[k]);
    const head = h(
      'div',
      { class: 'item-head' },
      h('span', { class: 'item-title' }, renderTitle(str(item?.title) ?? `Item ${k + 1}`, ctx)),
      h(
        'span',
        { class: `badge st-${cls}`, title: 'awarded / max' },
        `${pts === undefined ? '–' : pts === null ? '?' : pts} / ${max ?? '?'}`,
      ),
      hp !== undefined
        ? h('span', { class: 'badge human', title: 'human grade' }, `human ${hp} / ${max ?? '?'}`)
        : null,
    );
    const rubric = str(item?.desc);
    const explanation = str(g?.desc);
    box.append(
      h(
        'div',
        { class: `item st-border-${cls}` },
        head,
        rubric
          ? fold('Rubric', () => richBlock(rubric, 'schema_0', ctx, { plain: true }), {
              size: rubric.length,
              cls: 'rubric',
              open: rubric.length < 1500,
            })
          : null,
        explanation !== undefined
          ? explanationBlock(explanation, ctx)
          : h('p', { class: 'muted', text: 'Not graded yet.' }),
      ),
    );
  }
  if (human) {
    box.append(
      h(
        'div',
        { class: 'human-grade', 'data-field': 'human_grade' },
        h(
          'div',
          { class: 'human-head' },
          h('strong', { text: `Human grade: ${String(human.total ?? '?')} points` }),
          ` by ${String(human.reviewer ?? 'someone')}${str(human.at) && !Number.isNaN(Date.parse(String(human.at))) ? `, ${new Date(String(human.at)).toLocaleString()}` : ''}`,
        ),
        str(human.note) ? richBlock(String(human.note), 'human_grade', ctx) : null,
      ),
    );
  }
  const gc = obj(row.grade_cost);
  const stamp = obj(row.qed_grade);
  const by = [
    stamp
      ? `graded by ${String(stamp.config ?? stamp.model ?? '?')}${stamp.mode ? ` (${String(stamp.mode)})` : ''}`
      : '',
    gc ? `grading cost ${fmtUsd(num(gc.cost))}` : '',
    stamp && str(stamp.finished_at) ? new Date(String(stamp.finished_at)).toLocaleString() : '',
  ].filter(Boolean);
  if (by.length) box.append(h('p', { class: 'muted small', text: by.join(' · ') }));
  return box;
}

function renderTitle(title: string, ctx: DetailContext): HTMLElement {
  const span = h('span', { class: 'plain-math' });
  const r = renderPlainMath(title, { macros: ctx.macros });
  ctx.stats.formulas += r.mathCount;
  ctx.stats.errors += r.mathErrors;
  span.innerHTML = r.html;
  return span;
}

function historySection(history: unknown[], ctx: DetailContext, top = true): HTMLElement {
  const box = h(
    'section',
    { class: 'block history', 'data-field': 'history' },
    top ? h('h3', { text: `Conversation (${history.length} message${history.length === 1 ? '' : 's'})` }) : null,
  );
  history.forEach((entry, k) => {
    const e = obj(entry);
    if (!e) {
      box.append(h('pre', { class: 'plain-text' }, jsonText(entry).slice(0, 100_000)));
      return;
    }
    if (Array.isArray(e.messages)) {
      // One call of an agent: its messages, folded together.
      const msgs = e.messages;
      const title = h(
        'span',
        {},
        h('span', { class: 'tag', text: `call ${k + 1}` }),
        h('span', {
          class: 'muted',
          text: ` ${str(e.step) ?? ''} · ${msgs.length} message${msgs.length === 1 ? '' : 's'}`,
        }),
      );
      box.append(lazyFold(title, () => historySection(msgs, ctx, false), 'msg call'));
      return;
    }
    const content =
      typeof e.content === 'string' ? e.content : e.content === undefined ? jsonText(e) : jsonText(e.content);
    const cot = e.type === 'cot' || e.type === 'reasoning' || e.role === 'reasoning';
    const role = str(e.role) ?? str(e.type) ?? `step ${k + 1}`;
    const title = h(
      'span',
      {},
      cot
        ? h('span', { class: 'tag cot-tag', text: 'chain of thought' })
        : h('span', { class: `tag role-${role.replace(/\W/g, '')}`, text: role }),
      h('span', {
        class: 'muted',
        text: ` ${content.length < 1000 ? `${content.length} chars` : `${(content.length / 1000).toFixed(1)}k chars`}`,
      }),
    );
    box.append(
      fold(title, () => richBlock(content, 'history', ctx), {
        size: content.length,
        cls: cot ? 'msg cot' : `msg role-${role.replace(/\W/g, '')}`,
        open: false,
      }),
    );
  });
  return box;
}

/** JSON of any value, never throwing (undefined and cycles shown in words). */
function jsonText(v: unknown): string {
  try {
    return JSON.stringify(v, null, 2) ?? String(v);
  } catch {
    return String(v);
  }
}

/** An agent row's calls, one fold each; each call is fetched (when not in memory) as it is opened. */
function rawCalls(calls: Calls, n: number, labels: Map<number, string>, ctx: DetailContext): HTMLElement {
  const box = h('section', { class: 'block history', 'data-field': 'history' });
  const shown = Math.min(n, 2000);
  for (let k = 0; k < shown; k++) {
    box.append(
      lazyFold(
        h(
          'span',
          {},
          h('span', { class: 'tag', text: `call ${k + 1}` }),
          h('span', { class: 'muted', text: labels.has(k) ? ` ${labels.get(k)!.slice(0, 200)}` : '' }),
        ),
        () => {
          const slot = h('div', {}, h('p', { class: 'muted', text: 'Loading…' }));
          calls.get(k).then(
            (entry) => {
              clear(slot);
              const e = obj(entry);
              slot.append(historySection(e && Array.isArray(e.messages) ? e.messages : [entry], ctx, false));
            },
            (err: unknown) => {
              clear(slot);
              slot.append(
                h('p', { class: 'step-note warn' }, `⚠ history[${k}] could not be read: ${(err as Error).message}`),
              );
            },
          );
          return slot;
        },
        'msg call',
      ),
    );
  }
  if (n > shown)
    box.append(h('p', { class: 'muted', text: `… and ${n - shown} more calls (open the steps above to read them)` }));
  return box;
}

function factsSection(full: FullRow): HTMLElement {
  const row = full.row;
  const t = h('table', { class: 'facts' });
  t.append(
    costLine('Generation', obj(row.cost_run)) ??
      h('tr', {}, h('th', { text: 'Generation' }), h('td', { text: 'no cost recorded' })),
    costLine('Grading', obj(row.grade_cost)) ??
      h('tr', {}, h('th', { text: 'Grading' }), h('td', { text: 'no cost recorded' })),
  );
  if (row.finish_reason !== undefined)
    t.append(h('tr', {}, h('th', { text: 'finish_reason' }), h('td', { text: String(row.finish_reason) })));
  const run = obj(row.qed_run);
  if (run) {
    const parts = [
      `${String(run.config ?? '?')} (${String(run.api ?? '?')}: ${String(run.model ?? '?')})`,
      run.mode ? `${String(run.mode)} mode` : '',
      str(run.finished_at) ? new Date(String(run.finished_at)).toLocaleString() : '',
    ];
    t.append(h('tr', {}, h('th', { text: 'Generated by' }), h('td', { text: parts.filter(Boolean).join(' · ') })));
  }
  const long: HTMLElement[] = [];
  for (const [k, v] of Object.entries(row)) {
    if (
      SHOWN.has(k) ||
      k === 'finish_reason' ||
      k === 'qed_run' ||
      k === 'qed_grade' ||
      k === 'problem_id' ||
      k === 'question_id'
    )
      continue;
    const text = typeof v === 'string' ? v : JSON.stringify(v, null, 1);
    if (text.length > 200 || text.includes('\n'))
      long.push(
        fold(k, () => h('pre', { class: 'plain-text', 'data-field': k }, text), {
          size: text.length,
          cls: 'meta-long',
        }),
      );
    else t.append(h('tr', {}, h('th', { text: k }), h('td', { 'data-field': k, text })));
  }
  return h(
    'section',
    { class: 'block meta' },
    h('h3', { text: 'Metadata' }),
    t,
    long,
    h('p', {
      class: 'muted',
      text: `${Math.round(full.bytes / 100) / 10} kB on ${full.summary.live ? 'journal ' : ''}line ${full.line}`,
    }),
  );
}
