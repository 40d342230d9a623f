/**
 * String-level clean-up of LaTeX answers, and helpers that split an answer at the top level
 * (outside every bracket) without parsing it.
 */
import { matchBrace } from './extract';

/** Replaces every `\name{arg}` (balanced braces) by `fn(arg)`. */
export function mapCommand(s: string, names: readonly string[], fn: (arg: string) => string): string {
  const re = new RegExp(`\\\\(?:${names.join('|')})(?![a-zA-Z])\\s*\\{`, 'g');
  let out = '';
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    // Skip matches preceded by another backslash (`\\text` is a line break then `text`).
    const start = m.index;
    const end = matchBrace(s, start + m[0].length);
    if (end < 0) break;
    out += s.slice(pos, start) + fn(s.slice(start + m[0].length, end));
    pos = end + 1;
    re.lastIndex = end + 1;
  }
  return out + s.slice(pos);
}

const UNICODE: [RegExp, string][] = [
  [/[\u2212\u2013\u2014\uFE63\uFF0D]/g, '-'],
  [/\u00D7/g, '\\times '],
  [/[\u00B7\u22C5\u2219]/g, '\\cdot '],
  [/\u2264/g, '\\le '],
  [/\u2265/g, '\\ge '],
  [/\u2260/g, '\\ne '],
  [/\u221E/g, '\\infty '],
  [/\u03C0/g, '\\pi '],
  [/\u00B0/g, '^\\circ '],
  [/\u221A/g, '\\sqrt '],
  [/\u222A/g, '\\cup '],
  [/\u2229/g, '\\cap '],
  [/\u2208/g, '\\in '],
  [/\u2205/g, '\\emptyset '],
  [/\u00B1/g, '\\pm '],
  [/[\u00A0\u2000-\u200B\u202F\u3000]/g, ' '],
];

/** Words that may follow a number as a unit; they are dropped with a flag (see parse.ts). */
export const UNIT_WORDS = new Set([
  'cm',
  'mm',
  'm',
  'km',
  'cm^2',
  'm^2',
  'units',
  'unit',
  'square units',
  'sq units',
  'degrees',
  'degree',
  'deg',
  'radians',
  'rad',
  'seconds',
  'second',
  's',
  'minutes',
  'min',
  'hours',
  'days',
  'steps',
  'moves',
  'ways',
  'points',
  'coins',
  'people',
  'students',
]);

/**
 * Normalises LaTeX so that purely notational differences disappear: math delimiters, `\left`,
 * `\dfrac`, spacing commands, relation spellings, font commands, thousands separators written as
 * `{,}` or `\,`, trailing punctuation. Meaning is never changed.
 */
export function normalizeLatex(input: string): string {
  let s = input;
  for (const [re, r] of UNICODE) s = s.replace(re, r);
  s = s.replace(/\r\n?/g, '\n');
  // Box wrappers around the whole (or part of the) answer.
  s = mapCommand(s, ['boxed', 'fbox', 'framebox'], (a) => a);
  // Sizing and delimiter modifiers go; `\left.` and `\right.` (no delimiter) go with their dot.
  s = s.replace(/\\(?:left|right|middle|[bB]igg?[lrm]?)(?![a-zA-Z])\s*\.?/g, '');
  // Math-mode delimiters.
  s = s.replace(/\\\\(\[[^\]]*\])?/g, ' ');
  s = s.replace(/\\[[\]()]/g, ' ');
  s = s.replace(/\$/g, ' ');
  // Fraction and binomial variants.
  s = s.replace(/\\[dtc]frac(?![a-zA-Z])/g, '\\frac').replace(/\\[dt]binom(?![a-zA-Z])/g, '\\binom');
  // Style switches that carry no meaning.
  s = s.replace(/\\(?:displaystyle|textstyle|scriptstyle|scriptscriptstyle|limits|nolimits)(?![a-zA-Z])/g, ' ');
  s = mapCommand(s, ['mathbf', 'boldsymbol', 'bm', 'mathit', 'mathsf', 'mathnormal', 'pmb'], (a) => `{${a}}`);
  s = mapCommand(
    s,
    ['textbf', 'textit', 'emph', 'textrm', 'textnormal', 'textsf', 'texttt', 'mbox', 'textup', 'textmd', 'hbox'],
    (a) => `\\text{${a}}`,
  );
  s = mapCommand(s, ['mathrm', 'operatorname'], (a) =>
    /^\s*[A-Za-z]{2,}\s*$/.test(a) && !/^(?:lcm|gcd|mod|log|ln|sin|cos|tan|max|min|deg)$/i.test(a.trim())
      ? `\\text{${a}}`
      : `\\operatorname{${a.trim()}}`,
  );
  s = s.replace(/\\operatorname\{([a-zA-Z])\}/g, '$1');
  // Thousands separators that cannot be read any other way: 1{,}000 and 1\,000.
  for (let i = 0; i < 4; i++) s = s.replace(/(\d)(?:\{,\}|\\,|\\!|\\ |\{\\,\})(\d{3})(?!\d)/g, '$1$2');
  // Spacing commands.
  s = s.replace(/\\(?:hspace|hskip|vspace|kern|mkern|mskip)\*?\s*\{[^}]*\}/g, ' ');
  s = s.replace(
    /\\(?:quad|qquad|enspace|thinspace|medspace|thickspace|negthinspace|space|nobreakspace)(?![a-zA-Z])/g,
    ' ',
  );
  s = s.replace(/\\[,;:!> ]/g, ' ').replace(/~/g, ' ');
  // Relation spellings.
  s = s.replace(/\\(?:geqslant|geq)(?![a-zA-Z])/g, '\\ge ').replace(/\\(?:leqslant|leq)(?![a-zA-Z])/g, '\\le ');
  s = s
    .replace(/\\neq(?![a-zA-Z])/g, '\\ne ')
    .replace(/\\lt(?![a-zA-Z])/g, '<')
    .replace(/\\gt(?![a-zA-Z])/g, '>');
  s = s.replace(/>=/g, '\\ge ').replace(/<=/g, '\\le ').replace(/!=/g, '\\ne ');
  s = s.replace(/\\(?:dots[bcmio]?|ldots|cdots)(?![a-zA-Z])/g, '\\ldots ').replace(/\.\.\.|\u2026/g, '\\ldots ');
  s = s.replace(/\\(?:ast|star)(?![a-zA-Z])|\*/g, '\\cdot ');
  s = s.replace(/\\(?:to|rightarrow|longrightarrow|mapsto)(?![a-zA-Z])/g, '\\to ');
  // Degrees.
  s = s.replace(
    /\^\s*\{\s*\\circ\s*\}|\^\s*\\circ(?![a-zA-Z])|\\degree(?![a-zA-Z])|\\textdegree(?![a-zA-Z])/g,
    '^\\circ ',
  );
  // Empty text groups.
  s = s.replace(/\\text\s*\{\s*\}/g, ' ');
  return tidy(s);
}

/** Whitespace and trailing punctuation; single-character groups in scripts; common short forms. */
function tidy(input: string): string {
  let s = input.replace(/\s+/g, ' ').trim();
  // Trailing full stops, commas and the like (but not a decimal point inside a number).
  for (;;) {
    const t = s.replace(/(?:\s|\\text\{\s*[.;,]?\s*\}|[.;,](?!\d))+$/, '').trim();
    if (t === s) break;
    s = t;
  }
  // Leading "answer:" style labels.
  s = s.replace(/^(?:\\text\{\s*)?(?:final answer|answer|ans)\s*[:：]\s*\}?\s*/i, '');
  // Remove spaces except between two letters (words, or a command and a letter) and between two
  // digits (`1 2` is not `12`).
  s = s.replace(/(?<=([a-zA-Z0-9])?) (?=([a-zA-Z0-9])?)/g, (_m, ...rest) => {
    const [before, after] = rest as [string | undefined, string | undefined];
    if (before && after && /[a-zA-Z]/.test(before) === /[a-zA-Z]/.test(after)) return ' ';
    return '';
  });
  // Canonical short forms: x^{2} -> x^2, \frac12 -> \frac{1}{2}, \sqrt3 -> \sqrt{3}.
  s = s.replace(/([\^_])\{([A-Za-z0-9])\}/g, '$1$2');
  s = s.replace(/\\frac(\d)(\d)/g, '\\frac{$1}{$2}').replace(/\\sqrt(\d)/g, '\\sqrt{$1}');
  return s;
}

// ---------------------------------------------------------------------------------------------
// Top-level splitting

const OPEN_RE =
  /^(?:\\\{|\\langle(?![a-zA-Z])|\\lfloor(?![a-zA-Z])|\\lceil(?![a-zA-Z])|\\lvert(?![a-zA-Z])|\\lVert(?![a-zA-Z])|[([{])/;
const CLOSE_RE =
  /^(?:\\\}|\\rangle(?![a-zA-Z])|\\rfloor(?![a-zA-Z])|\\rceil(?![a-zA-Z])|\\rvert(?![a-zA-Z])|\\rVert(?![a-zA-Z])|[)\]}])/;

export interface Piece {
  text: string;
  /** The separator that ended this piece ('' for the last one). */
  sep: string;
}

/**
 * Splits at top-level occurrences of the separators (outside (), [], {}, \{\}, \langle\rangle,
 * floor and ceiling brackets). Brackets are counted without regard to their kind, so the
 * half-open interval `[1,2)` nests correctly. Returns undefined when brackets do not balance.
 */
export function splitTop(s: string, seps: RegExp): Piece[] | undefined {
  const out: Piece[] = [];
  let depth = 0;
  let start = 0;
  let i = 0;
  const sticky = new RegExp(seps.source, 'y');
  while (i < s.length) {
    const rest = s.slice(i);
    const o = OPEN_RE.exec(rest);
    if (o) {
      depth++;
      i += o[0].length;
      continue;
    }
    const c = CLOSE_RE.exec(rest);
    if (c) {
      depth--;
      if (depth < 0) return undefined;
      i += c[0].length;
      continue;
    }
    if (s[i] === '\\') {
      // Skip a whole command name so that separators never match inside it.
      const m = /^\\(?:[a-zA-Z]+|.)/.exec(rest);
      if (depth === 0) {
        sticky.lastIndex = i;
        const sm = sticky.exec(s);
        if (sm) {
          out.push({ text: s.slice(start, i), sep: sm[0] });
          i += sm[0].length;
          start = i;
          continue;
        }
      }
      i += m ? m[0].length : 1;
      continue;
    }
    if (depth === 0) {
      sticky.lastIndex = i;
      const sm = sticky.exec(s);
      if (sm && sm[0].length > 0) {
        out.push({ text: s.slice(start, i), sep: sm[0] });
        i += sm[0].length;
        start = i;
        continue;
      }
    }
    i++;
  }
  if (depth !== 0) return undefined;
  out.push({ text: s.slice(start), sep: '' });
  return out;
}

/**
 * When the whole string is one bracketed group, returns its brackets and content:
 * `(1,2]` gives { open: '(', close: ']', inner: '1,2' }.
 */
export function outerBrackets(s: string): { open: string; close: string; inner: string } | undefined {
  const o = OPEN_RE.exec(s);
  if (!o) return undefined;
  let depth = 0;
  let i = 0;
  while (i < s.length) {
    const rest = s.slice(i);
    const a = OPEN_RE.exec(rest);
    if (a) {
      depth++;
      i += a[0].length;
      continue;
    }
    const c = CLOSE_RE.exec(rest);
    if (c) {
      depth--;
      i += c[0].length;
      if (depth === 0) {
        if (i !== s.length) return undefined;
        return { open: o[0], close: c[0], inner: s.slice(o[0].length, i - c[0].length) };
      }
      continue;
    }
    if (s[i] === '\\') {
      const m = /^\\(?:[a-zA-Z]+|.)/.exec(rest);
      i += m ? m[0].length : 1;
      continue;
    }
    i++;
  }
  return undefined;
}

/** Normalises prose for comparison: text commands dropped, single spaces, no final stop (case kept). */
export function normalizeText(s: string): string {
  let t = normalizeLatexKeepSpaces(s);
  t = mapCommand(t, ['text', 'mathrm', 'textrm', 'mbox', 'operatorname'], (a) => ` ${a} `);
  t = t.replace(/[{}]/g, ' ').replace(/\\,|\\;|\\ |~/g, ' ');
  return t
    .replace(/\s+/g, ' ')
    .replace(/[\s.;:,!]+$/, '')
    .trim();
}

/** Like normalizeLatex but keeps spaces between tokens (for prose). */
function normalizeLatexKeepSpaces(s: string): string {
  let t = s;
  for (const [re, r] of UNICODE) t = t.replace(re, r);
  t = t.replace(/\$/g, ' ');
  t = mapCommand(t, ['textbf', 'textit', 'emph', 'textrm', 'textnormal', 'mbox', 'boxed', 'fbox'], (a) => ` ${a} `);
  t = t.replace(/\\[dtc]frac(?![a-zA-Z])/g, '\\frac');
  t = t
    .replace(/\\(?:geqslant|geq)(?![a-zA-Z])/g, '\\ge ')
    .replace(/\\(?:leqslant|leq)(?![a-zA-Z])/g, '\\le ')
    .replace(/\\neq(?![a-zA-Z])/g, '\\ne ');
  t = t.replace(/\\(?:left|right)(?![a-zA-Z])\s*\.?/g, '');
  return t;
}
