// Long markdown texts on the row page, in blocks: the blocks of the first screen are rendered at
// once, the others wait as their plain source (so the browser's find-in-page finds them and the
// scrollbar is about right) and are rendered when they scroll into view (or all at once before the
// page is printed). Very long texts (a model that looped to
// its token limit) are cut into blocks a slice at a time, so no task holds the page for long.
//
// Blocks end, once they hold about BLOCK_CHARS characters or MAX_BLOCK_FORMULAS formulas, at a
// blank line followed by a line that starts a new paragraph (not a list item, not indented by more
// than a space, outside fenced code, with `$$`, `\[ \]` and `\begin \end` balanced), so each block
// renders as it would inside the whole text; a block that finds no such place within
// MAX_BLOCK_CHARS ends at the next line break (or there, for one very long line). Every decision
// counts characters, formulas and blocks, never time.

import { renderRich } from './render';

/**
 * Texts up to this size are rendered in one piece. Longer ones (a typical proof) are rendered in
 * blocks: the first screen's before the page is shown, the rest as it scrolls into view, so the
 * first frame lays out only what is on screen (its first layout is what a deep link waits for).
 */
export const ONE_PIECE_CHARS = 2_500;
/** What is rendered before the page is shown: blocks until this many characters. */
export const FIRST_SCREEN_CHARS = 2_000;
/** The smallest block cut to complete the first screen. */
const MIN_EAGER_CHARS = 400;
/** A block gathers paragraphs up to about this size. */
export const BLOCK_CHARS = 1_500;
/**
 * A block may also end once it holds about this many formulas, however short it is. Laying out a
 * rendered formula costs far more than laying out its text (KaTeX builds ~70 elements for
 * `$a_{n+1} = 2a_n + 1$`): a 4,000-character block of a looping proof held ~80 formulas, 5,600
 * elements, and laying it out when it scrolled into view took one 60–100 ms frame. Blocks of about
 * 20 formulas are laid out within a frame or two.
 */
export const MAX_BLOCK_FORMULAS = 20;
/** A block never grows past this (then it ends at a line break, or mid-line). */
export const MAX_BLOCK_CHARS = 24_000;
/** Texts longer than this are cut into blocks a slice at a time, in bigger blocks. */
export const SLICED_CHARS = 300_000;
/** Blocks of a text longer than SLICED_CHARS gather paragraphs up to this size (fewer elements). */
export const BIG_BLOCK_CHARS = 4_000;
/** Cutting a long text into blocks: about this many characters per slice of work. */
const CHARS_PER_SLICE = 100_000;

export interface LazyContext {
  macros?: Record<string, string>;
  stats: { formulas: number; errors: number };
  /** Called after a block is rendered (the page's formula counts follow). */
  onRender?: () => void;
}

const LIST_OR_QUOTE = /^(?:[-*+>]|\d{1,9}[.)])(?:\s|$)/;

function count(line: string, what: string): number {
  let n = 0;
  for (let at = line.indexOf(what); at !== -1; at = line.indexOf(what, at + what.length)) n++;
  return n;
}

/** Where the block that starts at `from` ends (an index into `s`, > from). */
export function blockEnd(s: string, from: number, target = BLOCK_CHARS): number {
  let fence: { ch: string; len: number } | null = null;
  let dollars = 0;
  let brackets = 0;
  let envs = 0;
  /** Formulas so far, about: a `$` or `$$` pair, `\(`, `\[` or `\begin` each count one. */
  let formulas = 0;
  let blank = false;
  for (let ls = from; ls < s.length;) {
    let le = s.indexOf('\n', ls);
    if (le === -1) le = s.length;
    const size = ls - from;
    const line = s.slice(ls, Math.min(le, ls + 200));
    // A new paragraph: at most one space of indent (more may continue a list item).
    const lead = line.charCodeAt(0) === 0x20 ? 1 : 0;
    const c = line.charCodeAt(lead);
    if (
      (size >= target || formulas >= MAX_BLOCK_FORMULAS) &&
      blank &&
      fence === null &&
      dollars % 2 === 0 &&
      brackets <= 0 &&
      envs <= 0 &&
      c !== 0x20 &&
      c !== 0x09 &&
      line.trim() !== '' &&
      !LIST_OR_QUOTE.test(line.slice(lead))
    )
      return ls;
    if (size >= MAX_BLOCK_CHARS) return ls;
    if (le - ls > MAX_BLOCK_CHARS) {
      if (ls > from) return ls;
      let end = from + MAX_BLOCK_CHARS;
      const c = s.charCodeAt(end - 1);
      if (c >= 0xd800 && c <= 0xdbff) end--;
      return end;
    }
    const full = le - ls > 200 ? s.slice(ls, le) : line;
    const fm = /^\s{0,3}(`{3,}|~{3,})/.exec(full);
    if (fm) {
      if (fence === null) fence = { ch: fm[1][0], len: fm[1].length };
      else if (fm[1][0] === fence.ch && fm[1].length >= fence.len) fence = null;
    } else if (fence === null) {
      const display = count(full, '$$');
      const open = count(full, '\\[');
      const begins = count(full, '\\begin{');
      dollars += display;
      brackets += open - count(full, '\\]');
      envs += begins - count(full, '\\end{');
      // Every `$` of a line, less one per `$$`, pairs up into formulas: `$x$` is one, `$$x$$` one.
      formulas += (count(full, '$') - display) / 2 + count(full, '\\(') + open + begins;
    }
    blank = full.trim() === '';
    ls = le + 1;
  }
  return s.length;
}

/**
 * The blocks of a long text's first screen: blocks stop near FIRST_SCREEN_CHARS rather than a
 * whole block past it (their formulas are what the page waits for before it is shown). `end` is
 * where the rest of the text begins. The same cut serves the page (fillLazy) and `qed view`'s
 * server-rendered first screen (firstScreen.ts), so both show the same blocks.
 */
export function firstScreenBlocks(text: string): { blocks: string[]; end: number } {
  const blocks: string[] = [];
  let at = 0;
  while (at < text.length && at < FIRST_SCREEN_CHARS) {
    const end = blockEnd(text, at, Math.max(MIN_EAGER_CHARS, Math.min(BLOCK_CHARS, FIRST_SCREEN_CHARS - at)));
    blocks.push(text.slice(at, end));
    at = end;
  }
  return { blocks, end: at };
}

/** Splits a whole text into blocks (tests and benches; the page cuts long texts a slice at a time). */
export function splitBlocks(s: string, target = BLOCK_CHARS): string[] {
  const out: string[] = [];
  for (let at = 0; at < s.length;) {
    const end = blockEnd(s, at, target);
    out.push(s.slice(at, end));
    at = end;
  }
  return out;
}

let observer: IntersectionObserver | undefined;
/** Blocks waiting to be rendered, with how; those of a page no longer shown are let go. */
const pendingRender = new Map<Element, () => void>();

/** Blocks that came into view, rendered one per turn (a frame may come between two). */
const due: Element[] = [];
let draining = false;

function drain(): void {
  const el = due.shift();
  if (el === undefined) {
    draining = false;
    return;
  }
  const fn = pendingRender.get(el);
  pendingRender.delete(el);
  if (fn && el.isConnected) fn();
  setTimeout(drain, 0);
}

function observe(el: HTMLElement, render: () => void): void {
  observer ??= new IntersectionObserver(
    (entries) => {
      for (const e of entries) {
        if (!e.isIntersecting) continue;
        observer!.unobserve(e.target);
        due.push(e.target);
      }
      if (!draining && due.length) {
        draining = true;
        drain();
      }
    },
    { rootMargin: '800px 0px' },
  );
  pendingRender.set(el, render);
  observer.observe(el);
}

/**
 * Renders every block still waiting, at once (before the page is printed: the whole text must be
 * on paper; tests use it to check every formula).
 */
export function renderPending(): void {
  for (const [el, fn] of [...pendingRender]) {
    observer?.unobserve(el);
    pendingRender.delete(el);
    if (el.isConnected) fn();
  }
}

function forgetDetached(): void {
  for (const el of pendingRender.keys()) {
    if (el.isConnected) continue;
    observer?.unobserve(el);
    pendingRender.delete(el);
  }
}

/** Fills `box` with the text in blocks; returns with the first screen rendered (the caller appends `box` in the same task). */
export function fillLazy(box: HTMLElement, text: string, ctx: LazyContext): void {
  box.classList.add('lazy');
  // After this task, when the page being built is in place: let go of the blocks of pages gone.
  setTimeout(forgetDetached, 0);
  const big = text.length > SLICED_CHARS;
  const addBlock = (src: string, eager: boolean): void => {
    const el = document.createElement('div');
    el.className = eager ? 'rich-block first' : 'rich-block';
    const render = () => {
      if (!el.classList.contains('pending')) return;
      const r = renderRich(src, { macros: ctx.macros });
      ctx.stats.formulas += r.mathCount;
      ctx.stats.errors += r.mathErrors;
      el.classList.remove('pending');
      el.style.removeProperty('contain-intrinsic-size');
      el.innerHTML = r.html;
      ctx.onRender?.();
    };
    el.classList.add('pending');
    if (eager) render();
    else {
      // The source stands in for the block until it is rendered: searchable, and about as tall.
      el.textContent = src;
      const lines = src.split('\n').reduce((n, l) => n + 1 + Math.floor(l.length / 100), 0);
      el.style.setProperty('contain-intrinsic-size', `auto ${Math.max(1, lines) * 1.6}em`);
      observe(el, render);
    }
    box.append(el);
  };
  const first = firstScreenBlocks(text);
  for (const src of first.blocks) addBlock(src, true);
  let at = first.end;
  const nextBlock = () => {
    const end = blockEnd(text, at, big ? BIG_BLOCK_CHARS : BLOCK_CHARS);
    addBlock(text.slice(at, end), false);
    at = end;
  };
  if (text.length - at <= SLICED_CHARS) {
    while (at < text.length) nextBlock();
    return;
  }
  // A very long text: the rest is cut into blocks a slice at a time.
  box.dataset.cutting = 'true';
  const slice = () => {
    // Another row was opened meanwhile: the rest is not needed.
    if (!box.isConnected) return;
    for (const until = at + CHARS_PER_SLICE; at < until && at < text.length;) nextBlock();
    if (at < text.length) setTimeout(slice, 0);
    else delete box.dataset.cutting;
  };
  setTimeout(slice, 0);
}
