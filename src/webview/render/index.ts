// The rendering core of the viewer: model text (markdown + LaTeX math) → an HTML string.
// Pure functions with no DOM and no Node built-ins: the same code runs in the webview bundle and
// in Node (tests, benches).
//
// Pipeline: normalise newlines and neutralise placeholder sentinels → split out math spans
// (scan.ts; the `$` rule is documented there) → markdown-it over the text with placeholders
// (markdown.ts) → each placeholder in running text becomes KaTeX HTML (math.ts).
//
// Output contract:
//   - rendered formula:  <span class="math-inline|math-display" data-latex="source">KaTeX</span>
//   - failed formula:    <span class="math-error" title="message" data-latex="source">source
//                        with its delimiters</span>   (+ class math-error-display for display)
//   - links: http(s) and mailto only, rel="noopener noreferrer"; images never load (a link or
//     their alt text); raw HTML is shown as text; code stays code.
//   - CSS hooks for the viewer (besides KaTeX's own katex.css): .math-error (error colour),
//     .math-error-display, .math-display (display: block; overflow-x: auto), .math-inline,
//     .md-image, and .render-plain (white-space: pre-wrap; used above MAX_MARKDOWN_CHARS).
//   - mathCount counts the formulas rendered into text (math that ends up inside code is not
//     math); mathErrors the ones shown as source (KaTeX error, refused command such as \href, or
//     over a size budget).

import { escapeHtml } from './escape';
import { MAX_FORMULAS, MathRenderer } from './math';
import { neutraliseSentinels, placeholder, renderMarkdown } from './markdown';
import type { MathPiece } from './scan';
import { scanMath } from './scan';

export interface RenderOptions {
  /** User KaTeX macros from a setting, e.g. { "\\RR": "\\mathbb{R}" }. */
  macros?: Record<string, string>;
}

export interface RenderResult {
  html: string;
  mathCount: number;
  mathErrors: number;
}

/**
 * Above this size markdown is skipped: markdown-it stays linear but slow on hostile input
 * (about 1.6 s per MB of `[[[[…`), and no real proof is this long. The text is then rendered as by
 * renderPlainMath inside <div class="render-plain"> (style it `white-space: pre-wrap`).
 */
export const MAX_MARKDOWN_CHARS = 500_000;

function normalise(text: string): string {
  const s = typeof text === 'string' ? text : String(text ?? '');
  return neutraliseSentinels(s.replace(/\r\n?/g, '\n').replace(/\0/g, '\uFFFD'));
}

/** Markdown + math → HTML. */
export function renderRich(text: string, options?: RenderOptions): RenderResult {
  const src = normalise(text);
  if (src.length > MAX_MARKDOWN_CHARS) {
    const plain = plainMath(src, options);
    return { ...plain, html: `<div class="render-plain">${plain.html}</div>` };
  }
  const math: MathPiece[] = [];
  const parts: string[] = [];
  const budget = { limit: MAX_FORMULAS, found: 0, skipped: 0 };
  for (const p of scanMath(src, true, budget)) {
    if (p.kind === 'text') parts.push(p.text);
    else {
      parts.push(placeholder(math.length));
      math.push(p);
    }
  }
  const renderer = new MathRenderer(options?.macros);
  renderer.countSkipped(budget.skipped);
  const html = renderMarkdown(parts.join(''), {
    raw: math.map((m) => m.raw),
    renderMath: (k) => renderer.render(math[k].tex, math[k].display, math[k].raw),
  });
  return { html, mathCount: renderer.mathCount, mathErrors: renderer.mathErrors };
}

/**
 * Math only, for fields that are not markdown: text is escaped verbatim (newlines kept, for a
 * `white-space: pre-wrap` container), except that `\$` shows as `$`.
 */
export function renderPlainMath(text: string, options?: RenderOptions): RenderResult {
  return plainMath(normalise(text), options);
}

function plainMath(src: string, options: RenderOptions | undefined): RenderResult {
  const renderer = new MathRenderer(options?.macros);
  const budget = { limit: MAX_FORMULAS, found: 0, skipped: 0 };
  let html = '';
  for (const p of scanMath(src, false, budget)) {
    if (p.kind === 'math') html += renderer.render(p.tex, p.display, p.raw);
    else html += escapeHtml(p.text.includes('\\$') ? p.text.replace(/(\\\\)|\\(\$)/g, '$1$2') : p.text);
  }
  renderer.countSkipped(budget.skipped);
  return { html, mathCount: renderer.mathCount, mathErrors: renderer.mathErrors };
}
