/**
 * Reads an answer string into a small structure: a single expression, a list (unordered
 * collection, ordered tuple), an interval or union, a relation, a labelled value (`x = 3`,
 * `f(x) = …`), "no solution", prose, or prose mixed with math. The bracket and list structure is
 * read here; each mathematical leaf is parsed by the LaTeX parser of `@cortex-js/compute-engine`.
 */
import { LatexSyntax } from '@cortex-js/compute-engine/latex-syntax';
import { fromMathJson, Node, Unsupported } from './expr';
import { mapCommand, normalizeLatex, normalizeText, outerBrackets, splitTop, UNIT_WORDS } from './latex';

export type Bound = { inf: -1 | 1; closed: false } | { node: Node; closed: boolean };

export interface ExprAns {
  t: 'expr';
  node: Node;
  src: string;
  /** A unit word that followed the number (cm, units, ...). */
  unit?: string;
  /** Written with a degree sign. */
  degrees?: boolean;
  /** Written as a percentage. */
  percent?: boolean;
  /** `1,000`: a thousands separator or a list of two numbers. */
  ambiguousComma?: boolean;
}

export type Ans =
  | ExprAns
  | {
      t: 'list';
      items: Ans[];
      /** bare: `1, 2` or `1 and 2`; set: `\{1, 2\}`; tuple: `(1, 2)` or `[1, 2]`. */
      kind: 'bare' | 'set' | 'tuple';
      open?: string;
      close?: string;
      ellipsis: boolean;
      seps: string[];
    }
  | { t: 'interval'; lo: Bound; hi: Bound }
  | { t: 'union'; parts: Ans[] }
  | { t: 'rel'; terms: Node[]; ops: string[]; src: string }
  | { t: 'labeled'; label: Label; value: Ans }
  | { t: 'empty' }
  | { t: 'text'; text: string }
  | { t: 'mixed'; parts: Array<{ text: string } | { math: Ans; src: string }>; text: string }
  | { t: 'opaque'; src: string; why: string };

export interface Label {
  /** As written after normalisation, e.g. `f(x)`, `n`, `(a,b)`. */
  src: string;
  /** The name: `f` for `f(x)`, `n` for `n`, '' for a tuple of names. */
  name: string;
  /** The argument names of a function label, or the names of a tuple label. */
  params: string[];
  kind: 'symbol' | 'function' | 'tuple';
}

let syntax: LatexSyntax | undefined;
function latexSyntax(): LatexSyntax {
  syntax ??= new LatexSyntax();
  return syntax;
}

/** Longest leaf handed to the LaTeX parser: longer ones are left to the LLM judge. */
export const MAX_LEAF = 600;

// ---------------------------------------------------------------------------------------------
// Prose detection

const SHORT_WORDS = new Set([
  'an',
  'and',
  'or',
  'of',
  'if',
  'is',
  'be',
  'by',
  'for',
  'all',
  'odd',
  'the',
  'any',
  'are',
  'not',
  'no',
  'in',
  'on',
  'at',
  'to',
  'as',
  'it',
  'its',
  'one',
  'two',
  'set',
  'has',
  'can',
  'but',
  'nor',
  'so',
  'we',
  'iff',
  'let',
  'mod',
  'sum',
  'max',
  'min',
  'yes',
  'and',
]);
const MATH_WORDS = new Set([
  'sin',
  'cos',
  'tan',
  'cot',
  'sec',
  'csc',
  'log',
  'ln',
  'exp',
  'gcd',
  'lcm',
  'deg',
  'det',
  'arg',
  'dim',
]);

const SYMBOL = String.raw`(?:[A-Za-z]|\\(?:alpha|beta|gamma|delta|epsilon|varepsilon|zeta|eta|theta|vartheta|iota|kappa|lambda|mu|nu|xi|rho|sigma|tau|upsilon|phi|varphi|chi|psi|omega|Gamma|Delta|Theta|Lambda|Xi|Sigma|Phi|Psi|Omega)(?![a-zA-Z]))(?:_(?:[A-Za-z0-9]|\{[A-Za-z0-9,]+\}))?`;
const SYMBOL_RE = new RegExp(`^${SYMBOL}$`);
const FUNC_LABEL_RE = new RegExp(`^(${SYMBOL})\\((${SYMBOL}(?:,${SYMBOL})*)\\)$`);
const TUPLE_LABEL_RE = new RegExp(`^\\((${SYMBOL}(?:,${SYMBOL})+)\\)$`);

function isProseWord(w: string): boolean {
  const l = w.toLowerCase();
  if (MATH_WORDS.has(l)) return false;
  if (SHORT_WORDS.has(l)) return true;
  return l.length >= 4 && /^[a-z]+$/.test(l) && !/^[A-Z]+$/.test(w);
}

/** Words of prose in a LaTeX string (outside command names); text inside `\text{}` counts too. */
function proseWords(s: string): string[] {
  const words: string[] = [];
  const stripped = s.replace(/\\[a-zA-Z]+/g, (cmd) => (cmd === '\\text' ? ' ' : ' '));
  for (const m of stripped.matchAll(/[A-Za-z]{2,}/g)) if (isProseWord(m[0])) words.push(m[0]);
  return words;
}

const CONNECTIVE_RE = /^\s*(?:,?\s*(?:and|or)\s*|,)\s*$/i;

// ---------------------------------------------------------------------------------------------
// Entry point

/** The "there is nothing" family: no solution, none, the empty set. */
const EMPTY_TEXT_RE =
  /^(?:there (?:is|are|exist|exists) )?no(?: (?:real|integer|positive|negative|natural|such|possible|valid|integral))*(?: (?:solutions?|values?|numbers?|integers?|pairs?|triples?|such \w+|\w))(?: exists?)?$|^(?:the )?empty set$|^none$|^no such \w+(?: exists?)?$/;
const EMPTY_MATH = new Set(['\\emptyset', '\\varnothing', '\\{\\}', '\\O', '\\o', '\\{\\,\\}']);

export function isEmptyAnswer(raw: string): boolean {
  const n = normalizeLatex(raw);
  if (EMPTY_MATH.has(n)) return true;
  const t = normalizeText(raw).toLowerCase();
  return EMPTY_TEXT_RE.test(t);
}

export function parseAnswer(raw: string): Ans {
  if (isEmptyAnswer(raw)) return { t: 'empty' };
  const segments = segment(raw);
  const texts = segments.filter((s): s is { text: string } => 'text' in s);
  if (texts.every((t) => t.text.trim() === '' || CONNECTIVE_RE.test(t.text))) {
    // Only connectives between the math parts: read it all as math.
    const joined = segments
      .map((s) =>
        'math' in s ? s.math : /(?:and|or)/i.test(s.text) ? ' \\text{and} ' : s.text.trim() === '' ? ' ' : ',',
      )
      .join('');
    return parseMath(joined);
  }
  const parts: Array<{ text: string } | { math: Ans; src: string }> = [];
  for (const s of segments) {
    if ('text' in s) {
      const t = normalizeText(s.text);
      if (t !== '') parts.push({ text: t });
    } else if (s.math.trim() !== '') parts.push({ math: parseMath(s.math), src: normalizeLatex(s.math) });
  }
  return { t: 'mixed', parts, text: normalizeText(raw) };
}

type Segment = { text: string } | { math: string };

/**
 * Splits an answer into prose and math. `\text{…}` holding words (not a unit, not a connective)
 * is prose; so are runs of prose words written without any command ("odd n", "n is prime").
 * Dollar signs only delimit the pieces; the same rules apply inside and outside them.
 */
function segment(raw: string): Segment[] {
  const out: Segment[] = [];
  const pushWords = (p: string): void => {
    const re = /(?:(?<![\\A-Za-z])[A-Za-z]{2,}(?![A-Za-z])[\s,.;:]*)+/g;
    let last = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(p)) !== null) {
      const words = m[0].match(/[A-Za-z]{2,}/g) ?? [];
      if (!words.some(isProseWord)) continue;
      if (words.every((w) => /^(?:and|or)$/i.test(w))) continue;
      out.push({ math: p.slice(last, m.index) });
      out.push({ text: m[0] });
      last = m.index + m[0].length;
    }
    out.push({ math: p.slice(last) });
  };
  const pushMath = (m: string): void => {
    let last = 0;
    const re = /\\(?:text|textbf|textit|textrm|mbox|emph)\s*\{/g;
    let mm: RegExpExecArray | null;
    while ((mm = re.exec(m)) !== null) {
      let depth = 1;
      let j = mm.index + mm[0].length;
      for (; j < m.length && depth > 0; j++) {
        if (m[j] === '\\') j++;
        else if (m[j] === '{') depth++;
        else if (m[j] === '}') depth--;
      }
      if (depth !== 0) break;
      const content = m.slice(mm.index + mm[0].length, j - 1);
      const c = content.trim().toLowerCase();
      if (c === '' || CONNECTIVE_RE.test(content) || UNIT_WORDS.has(c) || proseWords(content).length === 0) {
        // Not prose: keep the group as math, and do not look for words inside it.
        pushWords(m.slice(last, mm.index));
        out.push({ math: m.slice(mm.index, j) });
        last = j;
        re.lastIndex = j;
        continue;
      }
      pushWords(m.slice(last, mm.index));
      out.push({ text: content });
      last = j;
      re.lastIndex = j;
    }
    pushWords(m.slice(last));
  };
  for (const p of raw.split(/(?<!\\)\$+/)) pushMath(p);
  // Merge neighbours of the same kind and drop empty math.
  const merged: Segment[] = [];
  for (const s of out) {
    if ('math' in s && s.math.trim() === '') continue;
    const prev = merged[merged.length - 1];
    if (prev && 'math' in prev && 'math' in s) prev.math += ' ' + s.math;
    else if (prev && 'text' in prev && 'text' in s) prev.text += ' ' + s.text;
    else merged.push({ ...s });
  }
  return merged;
}

// ---------------------------------------------------------------------------------------------
// Math

const LIST_SEPS = /,|;|\\qedand(?![a-zA-Z])|\\qedor(?![a-zA-Z])/;
const REL_SEPS =
  /=|<|>|\\le(?![a-zA-Z])|\\ge(?![a-zA-Z])|\\ne(?![a-zA-Z])|\\in(?![a-zA-Z])|\\notin(?![a-zA-Z])|\\equiv(?![a-zA-Z])|\\approx(?![a-zA-Z])|\\sim(?![a-zA-Z])|\\to(?![a-zA-Z])|\\subseteq?(?![a-zA-Z])|\\mid(?![a-zA-Z])/;

/** Parses an answer that holds only math (and perhaps connectives or units). */
export function parseMath(raw: string): Ans {
  let s = raw;
  // Connectives written as text become list separators.
  s = mapCommand(s, ['text', 'textrm', 'mbox', 'textnormal'], (a) => {
    const w = a.trim().toLowerCase();
    if (/^,?\s*and$/.test(w)) return ' \\qedand ';
    if (/^,?\s*or$/.test(w)) return ' \\qedor ';
    return `\\text{${a}}`;
  });
  s = s.replace(
    /(^|[^\\A-Za-z])(and|or)(?![A-Za-z])/gi,
    (_m, pre: string, w: string) => `${pre} \\qed${w.toLowerCase()} `,
  );
  const n = normalizeLatex(s);
  if (n === '') return { t: 'opaque', src: n, why: 'empty' };
  return parseList(n);
}

function parseList(n: string): Ans {
  if (/^-?\d{1,3}(?:,\d{3})+$/.test(n)) {
    const node = leafNode(n.replace(/,/g, ''));
    if (node.t === 'expr') return { ...node, ambiguousComma: true };
  }
  const pieces = splitTop(n, LIST_SEPS);
  if (!pieces) return { t: 'opaque', src: n, why: 'unbalanced brackets' };
  const nonEmpty = pieces.filter((p) => p.text.trim() !== '');
  if (nonEmpty.length <= 1) {
    const one = parseUnion(nonEmpty.length ? nonEmpty[0].text : n);
    const spread = distribute(one);
    return spread.length === 1 ? one : { t: 'list', kind: 'bare', items: spread, ellipsis: false, seps: [] };
  }
  let items = nonEmpty.map((p) => parseUnion(p.text));
  const ellipsis = nonEmpty.some((p) => /^\\ldots$/.test(p.text));
  const seps = pieces.slice(0, -1).map((p) => (p.sep.startsWith('\\qed') ? p.sep.slice(4) : p.sep));
  // `x = 1, 2`: the label of the first item covers the rest.
  const first = items[0];
  if (first.t === 'labeled' && items.slice(1).every((it) => it.t === 'expr')) {
    items = [first, ...items.slice(1).map((it): Ans => ({ t: 'labeled', label: first.label, value: it }))];
  }
  return { t: 'list', kind: 'bare', items: items.flatMap(distribute), ellipsis, seps };
}

/** `x ∈ {1, 2}` and `f(x) = a, b` become one labelled item per value. */
function distribute(a: Ans): Ans[] {
  if (a.t === 'labeled' && a.value.t === 'list' && a.value.kind !== 'tuple' && !a.value.ellipsis) {
    const label = a.label;
    return a.value.items.map((v): Ans => ({ t: 'labeled', label, value: v }));
  }
  return [a];
}

function parseUnion(n: string): Ans {
  const pieces = splitTop(n, /\\cup(?![a-zA-Z])/);
  if (!pieces) return { t: 'opaque', src: n, why: 'unbalanced brackets' };
  if (pieces.length === 1) return parseItem(n);
  return { t: 'union', parts: pieces.map((p) => parseItem(p.text)) };
}

function parseLabel(s: string): Label | undefined {
  if (SYMBOL_RE.test(s)) return { src: s, name: s, params: [], kind: 'symbol' };
  const f = FUNC_LABEL_RE.exec(s);
  if (f) {
    const params = f[2].split(',');
    return new Set(params).size === params.length ? { src: s, name: f[1], params, kind: 'function' } : undefined;
  }
  const t = TUPLE_LABEL_RE.exec(s);
  if (t) {
    const params = t[1].split(',');
    return new Set(params).size === params.length ? { src: s, name: '', params, kind: 'tuple' } : undefined;
  }
  return undefined;
}

const INFINITY_RE = /^([+-]?)\\infty$/;

function bound(s: string, closed: boolean): Bound | undefined {
  const inf = INFINITY_RE.exec(s);
  if (inf) return { inf: inf[1] === '-' ? -1 : 1, closed: false };
  const a = leafNode(s);
  return a.t === 'expr' ? { node: a.node, closed } : undefined;
}

function parseItem(raw: string): Ans {
  const n = raw.trim();
  if (n === '') return { t: 'opaque', src: n, why: 'empty item' };
  if (EMPTY_MATH.has(n)) return { t: 'empty' };
  // a ± b stands for the two values a + b and a - b.
  const pm = n.split(/\\pm(?![a-zA-Z])/);
  if (pm.length === 2) {
    const plus = parseItem(`${pm[0]}+${pm[1]}`);
    const minus = parseItem(`${pm[0]}-${pm[1]}`);
    return { t: 'list', kind: 'bare', items: [plus, minus], ellipsis: false, seps: [','] };
  }
  if (pm.length > 2 || /\\mp(?![a-zA-Z])/.test(n)) return { t: 'opaque', src: n, why: 'several ± signs' };

  const br = outerBrackets(n);
  if (br) {
    const { open, close, inner } = br;
    if (open === '\\{' && close === '\\}') {
      if (splitTop(inner, /:|\\mid(?![a-zA-Z])|\|/)?.length !== 1)
        return { t: 'opaque', src: n, why: 'set-builder notation' };
      const pieces = splitTop(inner, /,|;/);
      if (!pieces) return { t: 'opaque', src: n, why: 'unbalanced brackets' };
      const items = pieces.filter((p) => p.text.trim() !== '').map((p) => parseUnion(p.text));
      if (items.length === 0) return { t: 'empty' };
      return {
        t: 'list',
        kind: 'set',
        items,
        ellipsis: pieces.some((p) => p.text === '\\ldots'),
        seps: pieces.slice(0, -1).map((p) => p.sep),
      };
    }
    if ((open === '(' || open === '[') && (close === ')' || close === ']')) {
      const pieces = splitTop(inner, /,|;/);
      if (!pieces) return { t: 'opaque', src: n, why: 'unbalanced brackets' };
      if (pieces.length === 1) {
        // Grouping brackets around a single item.
        return open === '(' && close === ')'
          ? parseList(inner)
          : { t: 'opaque', src: n, why: 'one item in square brackets' };
      }
      const texts = pieces.map((p) => p.text);
      if (texts.length === 2 && (open !== (close === ')' ? '(' : '[') || texts.some((t) => INFINITY_RE.test(t)))) {
        const lo = bound(texts[0], open === '[');
        const hi = bound(texts[1], close === ']');
        if (!lo || !hi) return { t: 'opaque', src: n, why: 'interval end points' };
        return { t: 'interval', lo, hi };
      }
      const items = texts.map((t) => parseUnion(t));
      return {
        t: 'list',
        kind: 'tuple',
        items,
        open,
        close,
        ellipsis: texts.includes('\\ldots'),
        seps: pieces.slice(0, -1).map((p) => p.sep),
      };
    }
    if (open.startsWith('\\langle')) {
      const pieces = splitTop(inner, /,/);
      if (!pieces) return { t: 'opaque', src: n, why: 'unbalanced brackets' };
      return {
        t: 'list',
        kind: 'tuple',
        items: pieces.map((p) => parseUnion(p.text)),
        open: '(',
        close: ')',
        ellipsis: false,
        seps: [],
      };
    }
  }

  const rel = splitTop(n, REL_SEPS);
  if (!rel) return { t: 'opaque', src: n, why: 'unbalanced brackets' };
  if (rel.length > 1) {
    const ops = rel.slice(0, -1).map((p) => p.sep);
    const lhs = rel[0].text;
    if (rel.length === 2 && (ops[0] === '=' || ops[0] === '\\in')) {
      const label = parseLabel(lhs);
      if (label) return { t: 'labeled', label, value: parseList(rel[1].text) };
      if (ops[0] === '\\in') return { t: 'opaque', src: n, why: 'membership' };
    }
    if (ops.some((o) => !['=', '<', '>', '\\le', '\\ge', '\\ne'].includes(o)))
      return { t: 'opaque', src: n, why: `relation ${ops.join(' ')}` };
    const terms: Node[] = [];
    for (const p of rel) {
      const leaf = leafNode(p.text);
      if (leaf.t !== 'expr' || leaf.unit || leaf.degrees || leaf.percent)
        return { t: 'opaque', src: n, why: 'relation terms' };
      terms.push(leaf.node);
    }
    return { t: 'rel', terms, ops, src: n };
  }
  return leafNode(n);
}

/** End of the group that starts at `i` (a bracket, a brace group, a command with its arguments, a number, a letter). */
function operandEnd(s: string, i: number): number {
  const c = s[i];
  if (c === undefined) return i;
  if (c === '(' || c === '[' || c === '{') {
    const close = c === '(' ? ')' : c === '[' ? ']' : '}';
    let depth = 0;
    for (let j = i; j < s.length; j++) {
      if (s[j] === '\\') {
        j++;
        continue;
      }
      if (s[j] === c) depth++;
      else if (s[j] === close && --depth === 0) return j + 1;
    }
    return s.length;
  }
  if (c === '\\') {
    const m = /^\\[a-zA-Z]+/.exec(s.slice(i));
    let j = i + (m ? m[0].length : 2);
    while (s[j] === '{' || s[j] === '[') j = operandEnd(s, j);
    return j;
  }
  const m = /^(?:\d+(?:\.\d+)?|[A-Za-z])/.exec(s.slice(i));
  return i + (m ? m[0].length : 1);
}

/**
 * True when an inline slash is followed by an implicit product, as in `1/2x` or `2/3\pi`: some
 * read it as 1/(2x), others as x/2, so it is not interpreted at all.
 */
export function ambiguousSlash(s: string): boolean {
  for (let i = s.indexOf('/'); i >= 0; i = s.indexOf('/', i + 1)) {
    let j = i + 1;
    while (s[j] === ' ') j++;
    if (s[j] === '-' || s[j] === '+') j++;
    j = operandEnd(s, j);
    // Suffixes that bind tighter than the product: powers, subscripts, factorials.
    for (;;) {
      if (s[j] === '^' || s[j] === '_') j = operandEnd(s, j + 1);
      else if (s[j] === '!') j++;
      else break;
    }
    while (s[j] === ' ') j++;
    const rest = s.slice(j);
    if (/^[A-Za-z0-9([{]/.test(rest)) return true;
    if (
      /^\\(?!(?:cdot|times|div|right|le|ge|ne|cup|quad|rfloor|rceil|rvert|rVert|rangle|ldots)(?![a-zA-Z]))[a-zA-Z]/.test(
        rest,
      )
    )
      return true;
  }
  return false;
}

/** Parses one mathematical expression (no list, no relation), with a trailing unit or degree sign. */
export function leafNode(raw: string): Ans {
  let s = raw.trim();
  let unit: string | undefined;
  let degrees = false;
  let percent = false;
  if (s.length > MAX_LEAF) return { t: 'opaque', src: s, why: 'too long' };
  // Trailing unit: `5\text{cm}`, `5\text{ square units}`, `5 cm`.
  const um = /^(.*?)\\text\{\s*([A-Za-z][A-Za-z ^2]*?)\s*\}$/.exec(s);
  if (um) {
    const w = um[2].trim().toLowerCase();
    if (UNIT_WORDS.has(w) && um[1].trim() !== '') {
      unit = w === 'degree' || w === 'degrees' || w === 'deg' ? undefined : w;
      degrees = unit === undefined;
      s = um[1].trim();
    }
  }
  if (/\^\\circ$/.test(s)) {
    degrees = true;
    s = s.replace(/\^\\circ$/, '');
  }
  if (/\\%$/.test(s)) {
    percent = true;
  }
  if (/\\text\{|\\qed(?:and|or)/.test(s)) return { t: 'opaque', src: s, why: 'text inside math' };
  if (/\d\s+\d/.test(s)) return { t: 'opaque', src: s, why: 'digits separated by a space' };
  if (ambiguousSlash(s)) return { t: 'opaque', src: s, why: 'a/bc: unclear whether c is in the denominator' };
  if (s === '') return { t: 'opaque', src: raw, why: 'empty' };
  let json: unknown;
  try {
    json = latexSyntax().parse(s);
  } catch (e) {
    return { t: 'opaque', src: s, why: `parser: ${e instanceof Error ? e.message : String(e)}` };
  }
  try {
    const node = fromMathJson(json);
    return {
      t: 'expr',
      node,
      src: s,
      ...(unit ? { unit } : {}),
      ...(degrees ? { degrees } : {}),
      ...(percent ? { percent } : {}),
    };
  } catch (e) {
    if (e instanceof Unsupported) return { t: 'opaque', src: s, why: e.message };
    if (e instanceof RangeError) return { t: 'opaque', src: s, why: 'too deeply nested' };
    throw e;
  }
}
