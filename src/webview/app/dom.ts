// Small DOM helpers. Text always goes in through textContent; the only HTML inserted as markup
// is what the renderer returns (render/, which escapes everything the model wrote).

import { formatUsd } from '../../core/format';

type Attrs = Record<string, string | number | boolean | undefined | null>;
type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Array<Child | Child[]>
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = String(v);
    else if (k === 'text') el.textContent = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: Array<Child | Child[]>): void {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'number' ? String(c) : c);
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.firstChild.remove();
}

export function fmtScore(score: number | null, max: number | null): string {
  if (score === null) return '–';
  const s = Number.isInteger(score) ? String(score) : score.toFixed(2);
  return max === null ? s : `${s}/${Number.isInteger(max) ? max : max.toFixed(2)}`;
}

/** A money figure as everywhere else (core `formatUsd`), or '–' where there is none. */
export function fmtUsd(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : formatUsd(x);
}

/** 1234567 → "1,234,567" (as en-US writes it; without Intl, whose first use costs tens of ms on a page load). */
export function fmtInt(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  const n = Math.round(x);
  if (Math.abs(n) >= 1e21) return n.toLocaleString('en-US');
  return String(n).replace(/\B(?=(\d{3})+$)/g, ',');
}

export function fmtBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} kB`;
  return `${n} B`;
}

export function fmtSeconds(x: unknown): string {
  if (typeof x !== 'number' || !Number.isFinite(x)) return '–';
  if (x < 60) return `${x.toFixed(1)} s`;
  const m = Math.floor(x / 60);
  return m < 60 ? `${m} min ${Math.round(x % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export const STATUS_LABEL = {
  full: 'full marks',
  partial: 'partial',
  zero: 'zero',
  not_graded: 'not graded',
  parse_error: 'grader reply unreadable',
  run_error: 'generation failed',
} as const;

export const STATUS_SHORT = {
  full: 'full',
  partial: 'partial',
  zero: 'zero',
  not_graded: 'not graded',
  parse_error: 'parse error',
  run_error: 'run error',
} as const;

/** The banner's words for a file's reading progress (a fraction below 1). */
export function progressText(message: string, fraction: number): string {
  return `${message} (${Math.round(fraction * 100)}%)`;
}
