// Splits model text into prose and math spans BEFORE any markdown parsing, so that `_`, `*`,
// `\\`, `<`, `&` inside a formula never reach the markdown parser.
//
// Delimiters (all scanned left to right; the earliest opener wins):
//   $…$        inline    \(…\)   inline
//   $$…$$      display   \[…\]   display
//   \begin{align}…\end{align} (and the other names in TOP_LEVEL_ENVS) at top level: display
//
// The dollar rule:
//   - a `$` preceded by a backslash (`\$`) is a literal dollar; so is every run of 3+ dollars;
//   - an inline opener `$` is followed by a character; if that character is a space, the `$`
//     must not be glued to a word on its left ("5$ and 6$" is prose);
//   - its closer is the NEXT unescaped `$`, which must not be followed by a digit ("costs $5 and
//     $10", "$5-$10"), and, when a space precedes it, must not be followed by a word character or
//     by what usually starts a formula (`\ ( [ { | $`). If the next `$` does not qualify, the
//     opener is plain text and scanning resumes just after it: in "$5, but $x$" the first `$` is
//     a dollar sign and `$x$` is still math. Spaces inside the delimiters are allowed (`$ XZ $`,
//     `$a, b, $ and`), as in the IMO-Bench data;
//   - inline math never crosses a blank line (a paragraph break), except inside a
//     \begin…\end (where real data has lost `\\` row breaks as blank lines);
//   - `$$` pairs with the next `$$` under the same blank-line rule, and must hold something.
// Other delimiters: `\(…\)` never crosses a blank line; `\[…\]` and environments may (real data
// has blank lines inside aligned blocks) but an opener is abandoned when a second opener of the
// same kind comes before its closer. An unmatched opener is always left as text: nothing ever
// swallows the rest of the document. Every scan stops at the next delimiter of its own kind, so the
// whole pass is linear in the input size.
//
// In markdown mode, fenced code blocks and inline code spans are skipped (math inside code stays
// code). Any math that markdown nevertheless puts inside code is restored to its source later.

export interface TextPiece {
  kind: 'text';
  text: string;
}

export interface MathPiece {
  kind: 'math';
  display: boolean;
  /** What KaTeX is given (delimiters removed; blockquote markers of continuation lines removed). */
  tex: string;
  /** The exact source span, delimiters included. */
  raw: string;
}

export type Piece = TextPiece | MathPiece;

/** Environments that start display math when they appear outside any math. */
export const TOP_LEVEL_ENVS: ReadonlySet<string> = new Set([
  'align',
  'align*',
  'aligned',
  'alignat',
  'alignat*',
  'alignedat',
  'equation',
  'equation*',
  'gather',
  'gather*',
  'gathered',
  'multline',
  'multline*',
  'eqnarray',
  'eqnarray*',
  'flalign',
  'flalign*',
  'split',
  'cases',
  'dcases',
  'rcases',
  'array',
  'matrix',
  'pmatrix',
  'bmatrix',
  'Bmatrix',
  'vmatrix',
  'Vmatrix',
]);

const BACKSLASH = 0x5c;
const DOLLAR = 0x24;
const BACKTICK = 0x60;
const NEWLINE = 0x0a;
const GT = 0x3e;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c || c === 0x0b || c === 0xa0;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isWordChar(c: number): boolean {
  if (c < 0x80) return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a);
  return /[\p{L}\p{N}]/u.test(String.fromCharCode(c));
}

/**
 * After a closing `$` that has a space before it, only what can end a formula may follow: not a
 * word character nor what usually starts one (`\`, `(`, `[`, `{`, `|`, `$`). So in "$5, but $x$"
 * the second `$` is no closer and the first stays a dollar sign.
 */
function mayFollowSpacedCloser(c: number): boolean {
  if (Number.isNaN(c) || isSpace(c)) return true;
  if (isWordChar(c)) return false;
  return c !== BACKSLASH && c !== 0x28 && c !== 0x5b && c !== 0x7b && c !== 0x7c && c !== DOLLAR;
}

/** Inside `$…$` / `$$…$$`, blank lines are tolerated within a \begin…\end (lost `\\` rows). */
function trackEnv(s: string, at: number, depth: number): number {
  if (s.startsWith('\\begin{', at)) return depth + 1;
  if (s.startsWith('\\end{', at)) return depth > 0 ? depth - 1 : 0;
  return depth;
}

/** True when the line after the newline at `nl` is blank (only spaces, tabs and `>` markers). */
function blankLineFollows(s: string, nl: number): boolean {
  for (let k = nl + 1; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c === NEWLINE) return true;
    if (c !== 0x20 && c !== 0x09 && c !== GT && c !== 0x0d) return false;
  }
  return true;
}

/** Position after blockquote markers, indentation and one list marker at the start of a line. */
function contentStart(s: string, ls: number, le: number): number {
  let p = ls;
  for (;;) {
    while (p < le && (s.charCodeAt(p) === 0x20 || s.charCodeAt(p) === 0x09)) p++;
    if (p < le && s.charCodeAt(p) === GT) {
      p++;
      continue;
    }
    break;
  }
  let q = p;
  const c = s.charCodeAt(q);
  if (c === 0x2d || c === 0x2a || c === 0x2b) q++;
  else {
    let digits = 0;
    while (q < le && digits < 9 && isDigit(s.charCodeAt(q))) {
      q++;
      digits++;
    }
    if (digits > 0 && (s.charCodeAt(q) === 0x2e || s.charCodeAt(q) === 0x29)) q++;
    else q = p;
  }
  if (q > p && q < le && (s.charCodeAt(q) === 0x20 || s.charCodeAt(q) === 0x09)) {
    p = q;
    while (p < le && (s.charCodeAt(p) === 0x20 || s.charCodeAt(p) === 0x09)) p++;
  }
  return p;
}

/** Character ranges [start, end) of fenced code blocks (``` or ~~~), fence lines included. */
export function fencedRanges(s: string): [number, number][] {
  const out: [number, number][] = [];
  let open: { ch: number; len: number; start: number } | null = null;
  let ls = 0;
  while (ls <= s.length) {
    let le = s.indexOf('\n', ls);
    if (le === -1) le = s.length;
    const p = contentStart(s, ls, le);
    const ch = s.charCodeAt(p);
    if (ch === BACKTICK || ch === 0x7e) {
      let q = p;
      while (q < le && s.charCodeAt(q) === ch) q++;
      const len = q - p;
      if (open === null) {
        if (len >= 3) {
          const tick = ch === BACKTICK ? s.indexOf('`', q) : -1;
          if (tick === -1 || tick >= le) open = { ch, len, start: ls };
        }
      } else if (ch === open.ch && len >= open.len && s.slice(q, le).trim() === '') {
        out.push([open.start, le]);
        open = null;
      }
    }
    ls = le + 1;
  }
  if (open !== null) out.push([open.start, s.length]);
  return out;
}

/** Scans one stretch of text that holds no fenced code. */
class RegionScanner {
  private readonly pieces: Piece[] = [];
  private textStart = 0;
  private runs: { starts: Map<number, number>; pos: number[]; len: number[]; next: number[] } | null = null;
  private breaks: number[] | null = null;
  private readonly envEnds = new Map<string, { end: number; lastBegin: number }>();

  constructor(
    private readonly s: string,
    private readonly markdown: boolean,
    private readonly budget: MathBudget,
  ) {}

  scan(): Piece[] {
    const s = this.s;
    const special = this.markdown ? /[\\`$]/g : /[\\$]/g;
    let i = 0;
    for (;;) {
      special.lastIndex = i;
      const m = special.exec(s);
      if (m === null) break;
      i = m.index;
      const c = s.charCodeAt(i);
      if (c === BACKSLASH) {
        const n = s.charCodeAt(i + 1);
        if (n === 0x28) {
          const e = this.tryPair(i, 0x28, 0x29, false);
          if (e > 0) {
            i = this.emit(i, e, false, s.slice(i + 2, e - 2));
            continue;
          }
        } else if (n === 0x5b) {
          const e = this.tryPair(i, 0x5b, 0x5d, true);
          if (e > 0) {
            i = this.emit(i, e, true, s.slice(i + 2, e - 2));
            continue;
          }
        } else if (n === 0x62 && s.startsWith('\\begin{', i)) {
          const e = this.tryEnv(i);
          if (e > 0) {
            i = this.emit(i, e, true, s.slice(i, e));
            continue;
          }
        }
        i += 2;
        continue;
      }
      if (c === BACKTICK) {
        i = this.skipCodeSpan(i);
        continue;
      }
      // A run of dollars.
      let r = 1;
      while (s.charCodeAt(i + r) === DOLLAR) r++;
      if (r === 1) {
        const e = this.tryInlineDollar(i);
        if (e > 0) {
          i = this.emit(i, e, false, s.slice(i + 1, e - 1));
          continue;
        }
      } else if (r === 2) {
        const e = this.tryDisplayDollar(i);
        if (e > 0) {
          i = this.emit(i, e, true, s.slice(i + 2, e - 2));
          continue;
        }
      }
      i += r;
    }
    if (this.textStart < s.length) this.pieces.push({ kind: 'text', text: s.slice(this.textStart) });
    return this.pieces;
  }

  private emit(start: number, end: number, display: boolean, tex: string): number {
    const s = this.s;
    if (this.budget.found >= this.budget.limit) {
      // Past the budget the span stays in the surrounding text (shown as its source).
      this.budget.skipped++;
      return end;
    }
    this.budget.found++;
    if (start > this.textStart) this.pieces.push({ kind: 'text', text: s.slice(this.textStart, start) });
    this.pieces.push({ kind: 'math', display, tex: stripQuoteMarkers(s, start, tex), raw: s.slice(start, end) });
    this.textStart = end;
    return end;
  }

  /** `$…$`: returns the index after the closer, or -1. */
  private tryInlineDollar(i: number): number {
    const s = this.s;
    if (i + 1 >= s.length) return -1;
    // "5$ and 6$": a `$` glued to a word and followed by a space reads as a closer, not an opener.
    if (isSpace(s.charCodeAt(i + 1)) && i > 0 && isWordChar(s.charCodeAt(i - 1))) return -1;
    return this.scanDollarBody(i + 1, (j) => {
      const next = s.charCodeAt(j + 1);
      if (isDigit(next)) return -1;
      if (isSpace(s.charCodeAt(j - 1)) && !mayFollowSpacedCloser(next)) return -1;
      if (s.slice(i + 1, j).trim() === '') return -1;
      return j + 1;
    });
  }

  /** `$$…$$`: returns the index after the closer, or -1. */
  private tryDisplayDollar(i: number): number {
    const s = this.s;
    return this.scanDollarBody(i + 2, (j) =>
      s.charCodeAt(j + 1) !== DOLLAR ? undefined : s.slice(i + 2, j).trim() === '' ? -1 : j + 2,
    );
  }

  /**
   * The body of a `$`-delimited formula from `from` on: escaped characters are skipped, a blank
   * line outside an environment ends the search (-1), and at each `$` `atDollar` decides: the index
   * after the closer, -1 to give up, or undefined to go on.
   */
  private scanDollarBody(from: number, atDollar: (j: number) => number | undefined): number {
    const s = this.s;
    let envDepth = 0;
    for (let j = from; j < s.length; j++) {
      const c = s.charCodeAt(j);
      if (c === BACKSLASH) {
        envDepth = trackEnv(s, j, envDepth);
        j++; // the escaped character
      } else if (c === NEWLINE) {
        if (envDepth === 0 && blankLineFollows(s, j)) return -1;
      } else if (c === DOLLAR) {
        const end = atDollar(j);
        if (end !== undefined) return end;
      }
    }
    return -1;
  }

  /** `\(…\)` or `\[…\]`: returns the index after the closer, or -1. */
  private tryPair(i: number, open: number, close: number, blankLinesAllowed: boolean): number {
    const s = this.s;
    let j = i + 2;
    while (j < s.length) {
      const c = s.charCodeAt(j);
      if (c === BACKSLASH) {
        const n = s.charCodeAt(j + 1);
        if (n === close) return s.slice(i + 2, j).trim() === '' ? -1 : j + 2;
        if (n === open) return -1;
        j += 2;
        continue;
      }
      if (c === NEWLINE && !blankLinesAllowed && blankLineFollows(s, j)) return -1;
      j++;
    }
    return -1;
  }

  /** `\begin{name}…\end{name}` for a name in TOP_LEVEL_ENVS: index after `\end{name}`, or -1. */
  private tryEnv(i: number): number {
    const s = this.s;
    const m = /\\begin\{([A-Za-z]{1,20}\*?)\}/y;
    m.lastIndex = i;
    const hit = m.exec(s);
    if (hit === null) return -1;
    const name = hit[1];
    if (!TOP_LEVEL_ENVS.has(name)) return -1;
    const bodyStart = i + hit[0].length;
    // The next \end{name} and the last \begin{name} before it are cached per name, so a run of
    // openers waiting for one far closer costs one search, not one per opener.
    let known = this.envEnds.get(name);
    if (known === undefined || (known.end !== -1 && known.end < bodyStart)) {
      const end = s.indexOf(`\\end{${name}}`, bodyStart);
      known = { end, lastBegin: end === -1 ? -1 : s.lastIndexOf(hit[0], end) };
      this.envEnds.set(name, known);
    }
    if (known.end === -1) return -1;
    // Another \begin{name} before the closer: this opener is unmatched (the later one matches).
    if (known.lastBegin !== i) return -1;
    return known.end + name.length + 6;
  }

  /** At a backtick run: skip a whole code span when it closes, else just the run. */
  private skipCodeSpan(i: number): number {
    const runs = this.backtickRuns();
    const k = runs.starts.get(i);
    if (k === undefined) return i + 1;
    const len = runs.len[k];
    const closer = runs.next[k];
    if (closer === -1) return i + len;
    const closeAt = runs.pos[closer];
    if (this.paragraphBreakBetween(i, closeAt)) return i + len;
    return closeAt + len;
  }

  private backtickRuns(): NonNullable<RegionScanner['runs']> {
    if (this.runs !== null) return this.runs;
    const s = this.s;
    const pos: number[] = [];
    const len: number[] = [];
    let i = s.indexOf('`');
    while (i !== -1) {
      let r = 1;
      while (s.charCodeAt(i + r) === BACKTICK) r++;
      pos.push(i);
      len.push(r);
      i = s.indexOf('`', i + r);
    }
    const next = new Array<number>(pos.length).fill(-1);
    const lastOfLen = new Map<number, number>();
    for (let k = pos.length - 1; k >= 0; k--) {
      next[k] = lastOfLen.get(len[k]) ?? -1;
      lastOfLen.set(len[k], k);
    }
    const starts = new Map<number, number>();
    pos.forEach((p, k) => starts.set(p, k));
    this.runs = { starts, pos, len, next };
    return this.runs;
  }

  private paragraphBreakBetween(a: number, b: number): boolean {
    if (this.breaks === null) {
      const s = this.s;
      const breaks: number[] = [];
      let nl = s.indexOf('\n');
      while (nl !== -1) {
        if (blankLineFollows(s, nl)) breaks.push(nl);
        nl = s.indexOf('\n', nl + 1);
      }
      this.breaks = breaks;
    }
    // First break at or after a.
    const br = this.breaks;
    let lo = 0;
    let hi = br.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (br[mid] < a) lo = mid + 1;
      else hi = mid;
    }
    return lo < br.length && br[lo] < b;
  }
}

/** Inside a blockquote, continuation lines of a formula carry `>` markers that are not TeX. */
function stripQuoteMarkers(s: string, start: number, tex: string): string {
  if (tex.indexOf('\n') === -1) return tex;
  const ls = s.lastIndexOf('\n', start - 1) + 1;
  let p = ls;
  while (p < start && (s.charCodeAt(p) === 0x20 || s.charCodeAt(p) === 0x09)) p++;
  if (s.charCodeAt(p) !== GT) return tex;
  return tex.replace(/\n[ \t]*(?:>[ \t]?)+/g, '\n');
}

/** At most `limit` math pieces are produced; further spans stay text and are counted in `skipped`. */
export interface MathBudget {
  limit: number;
  found: number;
  skipped: number;
}

/**
 * Splits `src` into text and math pieces. `markdown`: skip fenced code blocks and code spans.
 * Adjacent text pieces are merged; concatenating every piece's text/raw gives `src` back.
 */
export function scanMath(
  src: string,
  markdown: boolean,
  budget: MathBudget = { limit: Infinity, found: 0, skipped: 0 },
): Piece[] {
  const out: Piece[] = [];
  const pushText = (text: string): void => {
    if (text === '') return;
    const last = out[out.length - 1];
    if (last !== undefined && last.kind === 'text') last.text += text;
    else out.push({ kind: 'text', text });
  };
  const scanRegion = (from: number, to: number): void => {
    if (to <= from) return;
    for (const p of new RegionScanner(src.slice(from, to), markdown, budget).scan()) {
      if (p.kind === 'text') pushText(p.text);
      else out.push(p);
    }
  };
  let at = 0;
  if (markdown) {
    for (const [a, b] of fencedRanges(src)) {
      scanRegion(at, a);
      pushText(src.slice(a, b));
      at = b;
    }
  }
  scanRegion(at, src.length);
  return out;
}
