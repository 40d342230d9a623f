/**
 * One measured figure of a bench, printed for a reader ("figure: value (target …: met)") and as a
 * machine-readable line that `npm run bench` (bench/all.ts) collects into its final table.
 */
export interface Figure {
  /** What is measured, e.g. "index offsets vs wc -l". */
  name: string;
  value: number;
  /** How the value reads, e.g. "×", "ms", "ms/request". */
  unit: string;
  /** The target, as text (e.g. "≤ 2"), and whether the value meets it (undefined: no target). */
  target?: string;
  met?: boolean;
  /** A few words on how it was measured. */
  note?: string;
}

export const FIGURE_PREFIX = '@qed-bench-figure ';

const fmt = (v: number) =>
  Number.isInteger(v)
    ? String(v)
    : Math.abs(v) >= 100
      ? v.toFixed(0)
      : Math.abs(v) >= 10
        ? v.toFixed(1)
        : v.toFixed(3).replace(/\.?0+$/, '') || '0';

export function formatValue(f: Figure): string {
  return `${fmt(f.value)}${f.unit === '×' ? '×' : ` ${f.unit}`}`;
}

export function figure(f: Figure): void {
  const verdict = f.target === undefined ? '' : `  (target ${f.target}: ${f.met ? 'met' : 'NOT met'})`;
  console.log(`▶ ${f.name}: ${formatValue(f)}${verdict}${f.note ? ` — ${f.note}` : ''}`);
  console.log(`${FIGURE_PREFIX}${JSON.stringify(f)}`);
}
