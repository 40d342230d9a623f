// The first screen of a deep-linked row (`qed view …?row=N`), written as HTML by `qed view`'s
// server into the page it sends, so the row is painted before the viewer's script has even been
// compiled. It is the viewer's own layout and classes at the moment the script shows that row (the
// toolbar, the list pane still empty, the row page's header and the problem beside the first
// screen of the proof), with the same renderer and the same first block (lazyRich.ts); the rest
// of the page comes with the script, which takes the screen over once its own row page is painted
// (app.ts). The page stays inert until then: nothing on it can be clicked yet.
//
// Everything the row holds is untrusted: the texts go through the renderer (which escapes what the
// model wrote), the rest through escapeHtml.

import type { Capabilities, FullRow } from '../protocol';
import { renderRich } from './render';
import { escapeHtml } from './render/escape';
import { firstScreenBlocks, ONE_PIECE_CHARS } from './app/lazyRich';
import { actionsBlocked, overrideLabel, rowCallouts, rowTitle } from './app/rowHead';
import { progressText } from './app/dom';

export interface FirstScreenOptions {
  /** The file shown: its name in the toolbar, its path as the name's tooltip. */
  fileName: string;
  filePath: string;
  macros?: Record<string, string>;
  /** What the host can do (a Regrade it cannot run is drawn disabled, as the viewer draws it). */
  caps: Capabilities;
  /** The file is still being read: the banner the viewer shows meanwhile. */
  reading?: { message: string; fraction: number };
}

/** The class of the server-rendered screen, which the viewer looks for when it starts. */
export const FIRST_SCREEN_CLASS = 'first-screen';

const attr = (s: string) => escapeHtml(s);

/** KaTeX's MathML copy of a formula (what screen readers read). Never inside the model's text,
 * which the renderer escapes: only KaTeX writes this markup. */
const MATHML = /<span class="katex-mathml"><math[\s\S]*?<\/math><\/span>/g;

/** Rendered, without the formulas' MathML copies: the first screen is inert (hidden from screen
 * readers, who get the viewer's page) and half its elements would be those copies. */
function render(text: string, macros: Record<string, string> | undefined): string {
  return renderRich(text, { macros }).html.replace(MATHML, '');
}

/**
 * A text as the row page shows it: whole when short, else the first of the blocks the viewer
 * renders before its row page is shown (lazyRich.ts; about 1,500 characters, a screenful of a
 * proof column in a common window). The rest, below the fold, comes with the viewer: laid out
 * here it would only delay the paint (measured: 300 against 352 ms to the first screen).
 */
function rich(text: string, field: string, macros: Record<string, string> | undefined): string {
  if (text.trim() === '') return `<div class="rich" data-field="${field}"><p class="muted">(empty)</p></div>`;
  if (text.length <= ONE_PIECE_CHARS) return `<div class="rich" data-field="${field}">${render(text, macros)}</div>`;
  const first = firstScreenBlocks(text).blocks[0];
  return `<div class="rich lazy" data-field="${field}"><div class="rich-block first">${render(first, macros)}</div></div>`;
}

export function firstScreenHtml(full: FullRow, o: FirstScreenOptions): string {
  const title = rowTitle(full);
  const badges = title.badges
    .map(
      (b) =>
        `<span class="${attr(b.cls)}" title="${attr(b.title)}" data-field="${b.field}">${escapeHtml(b.text)}</span>`,
    )
    .join('');
  const callouts = rowCallouts(full)
    .map(
      (c) =>
        `<div class="callout ${c.kind}"${c.field ? ` data-field="${c.field}"` : ''}>${c.lead ? `<strong>${escapeHtml(c.lead)}</strong>` : ''}${escapeHtml(c.text)}</div>`,
    )
    .join('');
  const problem = typeof full.row.problem === 'string' ? full.row.problem : '';
  const solution = full.row.model_solution;
  // The action bar as it will be (rowActions.ts), inert: the row page's header keeps its height.
  const blocked = actionsBlocked(full, o.caps);
  const bar = [
    ['List', 'back'],
    ['◀', 'icon'],
    ['▶', 'icon'],
    ['Regrade…', blocked.regrade ? 'primary disabled' : 'primary'],
    [overrideLabel(full), blocked.override ? 'primary disabled' : 'primary'],
    ['Export', ''],
    ['Link', ''],
  ]
    .map(([text, cls]) => `<span class="button-stand-in ${cls}">${escapeHtml(text)}</span>`)
    .join('');
  // elementtiming: the benches read when the row's first screen was painted (Element Timing API).
  return (
    `<div class="qed-app row-open ${FIRST_SCREEN_CLASS}" inert aria-busy="true">` +
    `<header class="toolbar"><span class="file-name" title="${attr(o.filePath)}">${escapeHtml(o.fileName)}</span></header>` +
    `<div class="chips"><button type="button" class="chip placeholder" tabindex="-1" aria-hidden="true"><span class="dot"></span>…</button></div>` +
    (o.reading && o.reading.fraction < 1
      ? `<div class="banner progress">${escapeHtml(progressText(o.reading.message, o.reading.fraction))}</div>`
      : '') +
    `<main class="split"><section class="list-pane"></section><section class="detail">` +
    `<article class="row-page" data-row-index="${full.index}">` +
    `<header class="row-head"><div class="row-title"><h2 elementtiming="qed-first-screen">${escapeHtml(title.id)}</h2>${badges}<span class="muted">${escapeHtml(title.where)}</span></div><div class="actions">${bar}</div></header>` +
    (callouts ? `<div class="callouts">${callouts}</div>` : '') +
    `<div class="pair">` +
    `<section class="block problem"><h3>Problem</h3>${rich(problem, 'problem', o.macros)}</section>` +
    `<section class="block solution"><h3>Model solution</h3>${
      typeof solution === 'string'
        ? rich(solution, 'model_solution', o.macros)
        : '<p class="muted">No model_solution column.</p>'
    }</section>` +
    `</div></article></section></main></div>`
  );
}
