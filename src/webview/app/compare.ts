// Two result files problem by problem: joined on the problem id, scores side by side with the
// difference highlighted; a pair opens both solutions next to each other. CompareToggle (at the
// end) is the toolbar's Compare button: it swaps the row pane between the comparison and the list.

import type { CompareResult, FileInfo, FullRow, RowSummary } from '../../protocol';
import { checkbox, select, selectValue } from './controls';
import { clear, fmtScore, h } from './dom';
import { explanationBlock, richBlock, type DetailContext } from './detail';
import type { Rpc } from './rpc';

export class CompareView {
  readonly root = h('div', { class: 'compare' });
  private readonly table = h('div', { class: 'compare-table' });
  private readonly pair = h('div', { class: 'compare-pair' });
  private right: number;
  private onlyDiff = false;
  private data: CompareResult | undefined;

  constructor(
    private readonly rpc: Rpc,
    private readonly files: FileInfo[],
    private left: number,
    private readonly opts: { macros?: Record<string, string> },
  ) {
    this.right = files.find((f) => f.file !== left)?.file ?? left;
    const pick = (label: string, value: number, on: (v: number) => void) => {
      const s = select(
        { 'aria-label': `File ${label}` },
        files.map((f) => ({ value: String(f.file), label: f.name })),
        String(value),
      );
      s.addEventListener('change', () => on(Number(selectValue(s))));
      return s;
    };
    const only = checkbox('only rows whose scores differ', false);
    only.addEventListener('change', () => {
      this.onlyDiff = only.checked;
      this.draw();
    });
    this.root.append(
      h(
        'div',
        { class: 'compare-head' },
        h(
          'label',
          {},
          'A ',
          pick('A', this.left, (v) => ((this.left = v), void this.load())),
        ),
        h(
          'label',
          {},
          'B ',
          pick('B', this.right, (v) => ((this.right = v), void this.load())),
        ),
        only,
      ),
      this.table,
      this.pair,
    );
  }

  async load(): Promise<void> {
    clear(this.table);
    this.table.append(h('p', { class: 'muted', text: 'Joining the files…' }));
    try {
      this.data = await this.rpc.request('compare', { left: this.left, right: this.right });
    } catch (e) {
      clear(this.table);
      this.table.append(h('div', { class: 'callout error', text: (e as Error).message }));
      return;
    }
    this.draw();
  }

  private draw(): void {
    clear(this.table);
    const d = this.data;
    if (!d) return;
    const rows = d.rows.filter((r) => !this.onlyDiff || (r.diff !== null && r.diff !== 0) || !r.left || !r.right);
    const both = d.rows.filter((r) => effective(r.left) !== null && effective(r.right) !== null);
    const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
    const ma = mean(both.map((r) => effective(r.left)!));
    const mb = mean(both.map((r) => effective(r.right)!));
    const humans = d.rows.filter((r) => r.left?.human != null || r.right?.human != null).length;
    this.table.append(
      h('p', {
        class: 'muted',
        text: `${d.rows.length} problems joined on ${d.joinedOn}; ${both.length ? `${both.length} scored in both: mean A ${ma.toFixed(2)}, mean B ${mb.toFixed(2)}${humans ? ` (${humans} with a human grade, which counts instead of the model's)` : ''}` : 'no problem is scored in both files, so there are no means to compare (grade both first)'}`,
      }),
    );
    // The pair below belongs to a row that is still listed; otherwise the first listed row is shown.
    if (this.shownKey !== undefined && !rows.some((r) => r.key === this.shownKey)) this.shownKey = undefined;
    if (!rows.length) {
      this.table.append(
        h('p', {
          class: 'notice compare-empty',
          'data-role': 'compare-empty',
          text: this.onlyDiff
            ? 'No problem has different scores in A and B: every problem scored in both got the same score.'
            : 'No problems to compare.',
        }),
      );
      clear(this.pair);
      this.pair.append(
        h('p', {
          class: 'muted compare-hint',
          text: this.onlyDiff ? 'Clear “only rows whose scores differ” to see every problem.' : '',
        }),
      );
      return;
    }
    const t = h(
      'table',
      { class: 'grid' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { text: 'problem' }),
          h('th', { text: 'A' }),
          h('th', { text: 'B' }),
          h('th', { text: 'B − A' }),
        ),
      ),
    );
    const body = h('tbody');
    for (const r of rows.slice(0, 5000)) {
      const cls = r.diff === null ? '' : r.diff > 0 ? 'up' : r.diff < 0 ? 'down' : 'same';
      const tr = h(
        'tr',
        { class: `compare-row ${cls}${r.key === this.shownKey ? ' shown' : ''}`, tabindex: 0, 'data-key': r.key },
        h('td', { text: r.key }),
        scoreCell(r.left),
        scoreCell(r.right),
        h('td', { class: `diff ${cls}`, text: r.diff === null ? '' : r.diff > 0 ? `+${r.diff}` : String(r.diff) }),
      );
      const open = () => void this.openPair(r.left?.index, r.right?.index, r.key);
      tr.addEventListener('click', open);
      tr.addEventListener('keydown', (e) => e.key === 'Enter' && open());
      body.append(tr);
    }
    t.append(body);
    this.table.append(t);
    // The lower half is never blank: the first listed pair is shown until another is picked.
    if (this.shownKey === undefined) {
      const first = rows[0];
      void this.openPair(first.left?.index, first.right?.index, first.key, false);
    }
  }

  private shownKey: string | undefined;
  private pairSeq = 0;

  private async openPair(a: number | undefined, b: number | undefined, key: string, scroll = true): Promise<void> {
    const seq = ++this.pairSeq;
    this.shownKey = key;
    for (const tr of Array.from(this.table.querySelectorAll<HTMLElement>('.compare-row')))
      tr.classList.toggle('shown', tr.dataset.key === key);
    clear(this.pair);
    this.pair.append(h('p', { class: 'muted', text: `Loading ${key}…` }));
    const get = (file: number, i: number | undefined) =>
      i === undefined ? Promise.resolve(undefined) : this.rpc.request('row', { file, index: i });
    const [l, r] = await Promise.all([get(this.left, a), get(this.right, b)]);
    if (seq !== this.pairSeq) return;
    const ctx: DetailContext = { macros: this.opts.macros, stats: { formulas: 0, errors: 0 } };
    const side = (label: string, f: FullRow | undefined) =>
      h(
        'section',
        { class: 'block' },
        h(
          'h3',
          {},
          `${label}: ${f ? fmtScore(f.summary.score, f.summary.max) : 'absent'}`,
          f && f.summary.human !== null
            ? h('span', {
                class: 'badge human',
                title: 'a saved human grade (counts instead of the model’s in the table)',
                text: `human ${fmtScore(f.summary.human, f.summary.max)}`,
              })
            : null,
        ),
        f
          ? richBlock(String(f.row.model_solution ?? ''), 'model_solution', ctx)
          : h('p', { class: 'muted', text: 'No row for this problem.' }),
        f && Array.isArray(f.row.grade)
          ? explanationBlock(
              (f.row.grade as Array<{ desc?: unknown }>).map((g) => String(g?.desc ?? '')).join('\n\n'),
              ctx,
            )
          : null,
      );
    clear(this.pair);
    const problem = String((l ?? r)?.row.problem ?? '');
    this.pair.append(
      h('section', { class: 'block' }, h('h3', { text: key }), richBlock(problem, 'problem', ctx)),
      h('div', { class: 'pair' }, side(this.files[this.left].name, l), side(this.files[this.right].name, r)),
    );
    if (scroll) this.pair.scrollIntoView({ block: 'start' });
  }
}

/** The score that counts: a saved human grade, else the model's. */
function effective(s: RowSummary | null): number | null {
  return s ? (s.human ?? s.score) : null;
}

/** A score cell: the human grade (marked) where there is one, the model's score otherwise. */
function scoreCell(s: RowSummary | null): HTMLElement {
  if (!s) return h('td', { class: 'muted', text: 'absent' });
  if (s.human === null) return h('td', { class: `st-text-${s.status}`, text: fmtScore(s.score, s.max) });
  return h(
    'td',
    {
      class: 'human-score',
      title: `human grade ${fmtScore(s.human, s.max)}; the model gave ${fmtScore(s.score, s.max)}`,
    },
    fmtScore(s.human, s.max),
    ' ',
    h('span', { class: 'badge human', text: 'human' }),
    h('span', { class: 'muted small', text: ` (model ${fmtScore(s.score, s.max)})` }),
  );
}

export interface CompareHost {
  rpc: Rpc;
  files(): FileInfo[];
  file(): number;
  macros(): Record<string, string> | undefined;
  /** The app's root element (`comparing` while the comparison is shown). */
  root: HTMLElement;
  /** Shows the comparison in the row pane. */
  show(el: HTMLElement): void;
  /** Loads the list's file again (leaving the comparison). */
  reload(): void;
  saveState(): void;
}

export class CompareToggle {
  /** The comparison shown, if any. */
  view: CompareView | undefined;

  constructor(private readonly host: CompareHost) {}

  toggle(): void {
    const host = this.host;
    if (this.view) {
      this.view = undefined;
      host.root.classList.remove('comparing');
      host.reload();
      return;
    }
    host.root.classList.add('comparing');
    this.view = new CompareView(host.rpc, host.files(), host.file(), { macros: host.macros() });
    host.show(this.view.root);
    void this.view.load();
    host.saveState();
  }
}
