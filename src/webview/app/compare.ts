// Two result files problem by problem: joined on the problem id, scores side by side with the
// difference highlighted; a pair opens both solutions next to each other.

import type { CompareResult, FileInfo, FullRow } from '../../protocol';
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
    const pick = (value: number, on: (v: number) => void) => {
      const s = h('select', {}, files.map((f) => h('option', { value: f.file, text: f.name })));
      s.value = String(value);
      s.addEventListener('change', () => on(Number(s.value)));
      return s;
    };
    const only = h('input', { type: 'checkbox' });
    only.addEventListener('change', () => {
      this.onlyDiff = only.checked;
      this.draw();
    });
    this.root.append(
      h(
        'div',
        { class: 'compare-head' },
        h('label', {}, 'A ', pick(this.left, (v) => ((this.left = v), void this.load()))),
        h('label', {}, 'B ', pick(this.right, (v) => ((this.right = v), void this.load()))),
        h('label', { class: 'check' }, only, ' only rows whose scores differ'),
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
    const both = d.rows.filter((r) => r.left?.score != null && r.right?.score != null);
    const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
    const ma = mean(both.map((r) => r.left!.score!));
    const mb = mean(both.map((r) => r.right!.score!));
    this.table.append(h('p', { class: 'muted', text: `${d.rows.length} problems joined on ${d.joinedOn}; ${both.length} scored in both: mean A ${ma.toFixed(2)}, mean B ${mb.toFixed(2)}` }));
    const t = h('table', { class: 'grid' }, h('thead', {}, h('tr', {}, h('th', { text: 'problem' }), h('th', { text: 'A' }), h('th', { text: 'B' }), h('th', { text: 'B − A' }))));
    const body = h('tbody');
    for (const r of rows.slice(0, 5000)) {
      const cls = r.diff === null ? '' : r.diff > 0 ? 'up' : r.diff < 0 ? 'down' : 'same';
      const tr = h(
        'tr',
        { class: `compare-row ${cls}`, tabindex: 0 },
        h('td', { text: r.key }),
        h('td', { class: r.left ? `st-text-${r.left.status}` : 'muted', text: r.left ? fmtScore(r.left.score, r.left.max) : 'absent' }),
        h('td', { class: r.right ? `st-text-${r.right.status}` : 'muted', text: r.right ? fmtScore(r.right.score, r.right.max) : 'absent' }),
        h('td', { class: `diff ${cls}`, text: r.diff === null ? '' : r.diff > 0 ? `+${r.diff}` : String(r.diff) }),
      );
      const open = () => void this.openPair(r.left?.index, r.right?.index, r.key);
      tr.addEventListener('click', open);
      tr.addEventListener('keydown', (e) => e.key === 'Enter' && open());
      body.append(tr);
    }
    t.append(body);
    this.table.append(t);
  }

  private async openPair(a: number | undefined, b: number | undefined, key: string): Promise<void> {
    clear(this.pair);
    this.pair.append(h('p', { class: 'muted', text: `Loading ${key}…` }));
    const get = (file: number, i: number | undefined) => (i === undefined ? Promise.resolve(undefined) : this.rpc.request('row', { file, index: i }));
    const [l, r] = await Promise.all([get(this.left, a), get(this.right, b)]);
    const ctx: DetailContext = { macros: this.opts.macros, stats: { formulas: 0, errors: 0 } };
    const side = (label: string, f: FullRow | undefined) =>
      h(
        'section',
        { class: 'block' },
        h('h3', { text: `${label}: ${f ? fmtScore(f.summary.score, f.summary.max) : 'absent'}` }),
        f ? richBlock(String(f.row.model_solution ?? ''), 'model_solution', ctx) : h('p', { class: 'muted', text: 'No row for this problem.' }),
        f && Array.isArray(f.row.grade)
          ? explanationBlock((f.row.grade as Array<{ desc?: unknown }>).map((g) => String(g?.desc ?? '')).join('\n\n'), ctx)
          : null,
      );
    clear(this.pair);
    const problem = String((l ?? r)?.row.problem ?? '');
    this.pair.append(h('section', { class: 'block' }, h('h3', { text: key }), richBlock(problem, 'problem', ctx)), h('div', { class: 'pair' }, side(this.files[this.left].name, l), side(this.files[this.right].name, r)));
    this.pair.scrollIntoView({ block: 'start' });
  }
}
