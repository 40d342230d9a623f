// One formula → HTML with KaTeX, hardened for untrusted model output.
//
// - KaTeX is called with throwOnError: true and every exception is caught here: a formula that
//   fails is shown as its escaped source in <span class="math-error" title="message">.
// - trust is a function that records the command it refuses (\href, \url, \includegraphics,
//   \htmlClass, \htmlId, \htmlStyle, \htmlData): such a formula is also shown as source.
// - maxExpand / maxSize bound macro bombs and giant rules; a formula longer than
//   MAX_FORMULA_CHARS, and every formula past the per-call budgets, is shown as source without
//   calling KaTeX, so one field can never take unbounded time.
// - The macro table is copied for every formula, so a \gdef in one formula cannot leak into the
//   next (KaTeX writes global definitions into the object it is given).
// - KaTeX outcomes are kept in a bounded LRU cache keyed by (display, user macros, source), so
//   rendering a proof again costs a tenth of the first time.

import katex from 'katex';
import { escapeHtml } from './escape';

export const MAX_EXPAND = 1000;
export const MAX_SIZE_EM = 20;
export const MAX_FORMULA_CHARS = 20_000;
/** A rendered formula larger than this is refused (defence in depth against amplification). */
export const MAX_FORMULA_HTML = 5_000_000;
/**
 * KaTeX bounds the NUMBER of macro expansions, not their size: \def\x{<18 KB>}\x\x… turns 18 KB
 * into tens of MB. A formula that defines macros therefore gets a tighter bound on both.
 */
export const MAX_EXPAND_WITH_DEFS = 100;
export const MAX_FORMULA_CHARS_WITH_DEFS = 2_000;
const DEFINES_MACROS =
  /\\(?:[gex]?def|let|futurelet|global|(?:re)?newcommand|providecommand|newenvironment|renewenvironment|DeclareMathOperator)(?![A-Za-z])/;
/** Per call of renderRich / renderPlainMath; past these, formulas are shown as plain source
 * (MAX_FORMULAS is applied by the scanner, the others here). */
export const MAX_FORMULAS = 10_000;
export const MAX_MATH_CHARS = 300_000;
export const MAX_MATH_HTML = 50_000_000;

/** Macros every formula gets (user macros are merged over them). */
export const BUILTIN_MACROS: Readonly<Record<string, string>> = {
  // Olympiad shorthand for the number sets.
  '\\R': '\\mathbb{R}',
  '\\N': '\\mathbb{N}',
  '\\Z': '\\mathbb{Z}',
  '\\Q': '\\mathbb{Q}',
  '\\C': '\\mathbb{C}',
  // LaTeX / amsmath / amsthm commands KaTeX lacks. \label, \eqref and \ref are rewritten
  // before KaTeX sees them (see prepareTex); these macros are the fallback for odd arguments.
  '\\label': '\\@secondoftwo{#1}{}',
  '\\eqref': '\\text{(#1)}',
  '\\ref': '\\text{#1}',
  '\\qed': '\\square',
  '\\qedhere': '\\quad\\square',
  '\\intertext': '\\text{#1}\\\\',
  '\\shortintertext': '\\text{#1}\\\\',
  '\\vspace': '\\@secondoftwo{#1}{}',
  '\\textsc': '\\text{#1}',
  '\\mathds': '\\mathbb{#1}',
  '\\mathbbm': '\\mathbb{#1}',
  '\\nicefrac': '{}^{#1}\\!/_{#2}',
  '\\arc': '\\overset{\\frown}{#1}',
  '\\overarc': '\\overset{\\frown}{#1}',
  '\\lcm': '\\operatorname{lcm}',
  '\\ord': '\\operatorname{ord}',
  '\\rad': '\\operatorname{rad}',
  '\\sgn': '\\operatorname{sgn}',
  '\\divides': '\\mid',
  '\\ensuremath': '\\TextOrMath{$#1$}{#1}',
  // KaTeX knows \textbackslash in text mode only; converted sources use it in math too.
  '\\textbackslash': '\\TextOrMath{\\char92{}}{\\backslash}',
  '\\abs': '\\left\\lvert #1\\right\\rvert',
  '\\norm': '\\left\\lVert #1\\right\\rVert',
  '\\floor': '\\left\\lfloor #1\\right\\rfloor',
  '\\ceil': '\\left\\lceil #1\\right\\rceil',
  // \cA … \cZ: the usual preamble shorthand for calligraphic letters.
  ...Object.fromEntries([...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'].map((l) => [`\\c${l}`, `\\mathcal{${l}}`])),
};

/** Environments KaTeX does not know, mapped to the closest one it does. */
const ENV_REWRITES: [RegExp, string][] = [
  [/\\begin\{eqnarray\*?\}/g, '\\begin{array}{rcl}'],
  [/\\end\{eqnarray\*?\}/g, '\\end{array}'],
  [/\\begin\{multline(\*?)\}/g, '\\begin{gather$1}'],
  [/\\end\{multline(\*?)\}/g, '\\end{gather$1}'],
  [/\\begin\{flalign(\*?)\}/g, '\\begin{align$1}'],
  [/\\end\{flalign(\*?)\}/g, '\\end{align$1}'],
];

const MACRO_NAME = /^\\(?:[A-Za-z@]+|[^A-Za-z@\s])$/;

/** Keeps only well-formed string macros (`\name` → string); anything else is dropped. */
export function sanitizeMacros(user: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (user === undefined || user === null || typeof user !== 'object') return out;
  for (const [k, v] of Object.entries(user)) {
    const name = k.startsWith('\\') ? k : `\\${k}`;
    if (!MACRO_NAME.test(name) || typeof v !== 'string' || v.length > 2000) continue;
    out[name] = v;
  }
  return out;
}

function escapeTextArg(label: string): string {
  return label.replace(/[\\{}^~]/g, '').replace(/[_#%&$]/g, (c) => `\\${c}`);
}

/** A blank line inside an alignment is a lost `\\` (seen in real data); elsewhere it is space. */
function blankLinesToRowBreaks(tex: string): string {
  if (!/\n[ \t]*\n/.test(tex)) return tex;
  let depth = 0;
  return tex.replace(
    /\\(begin|end)\{[^{}\n]{0,30}\}|\n[ \t]*\n(?:[ \t]*\n)*/g,
    (m, be: string | undefined, offset: number) => {
      if (be === 'begin') {
        depth++;
        return m;
      }
      if (be === 'end') {
        depth = Math.max(0, depth - 1);
        return m;
      }
      if (depth === 0) return '\n';
      const before = tex.slice(Math.max(0, offset - 40), offset).trimEnd();
      const after = tex.slice(offset + m.length, offset + m.length + 10).trimStart();
      if (before.endsWith('\\\\') || after.startsWith('\\end') || after.startsWith('\\\\')) return '\n';
      return ' \\\\\n';
    },
  );
}

/** Source rewrites applied before KaTeX (the original source is what data-latex carries). */
export function prepareTex(tex: string): string {
  let t = tex
    .replace(/\\label\{[^{}]{0,200}\}/g, '')
    .replace(/\\eqref\{([^{}]{0,200})\}/g, (_m, l: string) => `\\text{(${escapeTextArg(l)})}`)
    .replace(/\\ref\{([^{}]{0,200})\}/g, (_m, l: string) => `\\text{${escapeTextArg(l)}}`);
  if (t.includes('\\begin{') || t.includes('\\end{')) {
    for (const [re, to] of ENV_REWRITES) t = t.replace(re, to);
  }
  return blankLinesToRowBreaks(t);
}

/**
 * Formula → KaTeX outcome, shared by all calls (the viewer re-renders the same proof when the
 * user comes back to a row). The key holds the display flag, the user macros and the source;
 * the outcome depends on nothing else, so the cache is invisible except in speed. Bounded by
 * the characters it stores; least recently used entries go first.
 */
type Outcome = { html: string } | { error: string };
const CACHE_MAX_CHARS = 8_000_000;
const cache = new Map<string, Outcome>();
let cacheChars = 0;

function cacheGet(key: string): Outcome | undefined {
  const hit = cache.get(key);
  if (hit !== undefined) {
    cache.delete(key);
    cache.set(key, hit);
  }
  return hit;
}

function cachePut(key: string, outcome: Outcome): void {
  const size = key.length + ('html' in outcome ? outcome.html.length : outcome.error.length);
  if (size > CACHE_MAX_CHARS / 8) return;
  cache.set(key, outcome);
  cacheChars += size;
  for (const [k, v] of cache) {
    if (cacheChars <= CACHE_MAX_CHARS) break;
    cache.delete(k);
    cacheChars -= k.length + ('html' in v ? v.html.length : v.error.length);
  }
}

/** Empties the formula cache (benchmarks use it to measure cold renders). */
export function clearMathCache(): void {
  cache.clear();
  cacheChars = 0;
}

function cleanMessage(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  // KaTeX underlines the failing position with U+0332; it only clutters a tooltip.
  return msg.replace(/\u0332/g, '').slice(0, 500);
}

/** Renders the formulas of one call, counting them and enforcing the per-call budgets. */
export class MathRenderer {
  mathCount = 0;
  mathErrors = 0;
  private mathChars = 0;
  private mathHtml = 0;
  private readonly macros: Record<string, string>;
  private readonly macrosKey: string;

  constructor(userMacros: Record<string, string> | undefined) {
    const user = sanitizeMacros(userMacros);
    this.macros = { ...BUILTIN_MACROS, ...user };
    this.macrosKey = Object.keys(user).length === 0 ? '' : JSON.stringify(user);
  }

  render(tex: string, display: boolean, raw: string): string {
    this.mathCount++;
    this.mathChars += tex.length;
    if (this.mathChars > MAX_MATH_CHARS || this.mathHtml > MAX_MATH_HTML) {
      // Over the per-call budget: plain source text, no KaTeX and no wrapper, so the output
      // stays proportional to the input.
      this.mathErrors++;
      return escapeHtml(raw);
    }
    const key = `${display ? 'D' : 'I'}${this.macrosKey}\u0000${tex}`;
    let outcome = cacheGet(key);
    if (outcome === undefined) {
      outcome = this.katex(tex, display);
      cachePut(key, outcome);
    }
    if ('error' in outcome) return this.failed(tex, display, raw, outcome.error);
    this.mathHtml += outcome.html.length;
    const cls = display ? 'math-display' : 'math-inline';
    return `<span class="${cls}" data-latex="${escapeHtml(tex)}">${outcome.html}</span>`;
  }

  private katex(tex: string, display: boolean): Outcome {
    const defines = DEFINES_MACROS.test(tex);
    const limit = defines ? MAX_FORMULA_CHARS_WITH_DEFS : MAX_FORMULA_CHARS;
    if (tex.length > limit) {
      const what = defines ? 'formula with macro definitions' : 'formula';
      return { error: `${what} longer than ${limit} characters: not rendered` };
    }
    let refused: string | null = null;
    let html: string;
    try {
      html = katex.renderToString(prepareTex(tex), {
        displayMode: display,
        throwOnError: true,
        trust: (ctx) => {
          refused = ctx.command;
          return false;
        },
        strict: 'ignore',
        maxExpand: defines ? MAX_EXPAND_WITH_DEFS : MAX_EXPAND,
        maxSize: MAX_SIZE_EM,
        output: 'htmlAndMathml',
        globalGroup: false,
        macros: { ...this.macros },
      });
    } catch (e) {
      return { error: cleanMessage(e) };
    }
    if (refused !== null) return { error: `${refused} is disabled` };
    if (html.length > MAX_FORMULA_HTML) return { error: 'rendered formula too large' };
    return { html };
  }

  /** Formulas the scanner left as text because of MAX_FORMULAS. */
  countSkipped(n: number): void {
    this.mathCount += n;
    this.mathErrors += n;
  }

  private failed(tex: string, display: boolean, raw: string, message: string): string {
    this.mathErrors++;
    const cls = display ? 'math-error math-error-display' : 'math-error';
    return `<span class="${cls}" title="${escapeHtml(message)}" data-latex="${escapeHtml(tex)}">${escapeHtml(raw)}</span>`;
  }
}
