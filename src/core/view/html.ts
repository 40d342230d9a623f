// The viewer's page, the same for both hosts: one stylesheet, one script (with the render's
// nonce), and the Content-Security-Policy the host chose. A page sent with a first screen also
// has one small inline script (with the nonce) that starts the viewer's script after that screen
// is painted.

import { randomBytes } from 'node:crypto';

export interface ViewerHtmlOptions {
  scriptUri: string;
  styleUri: string;
  nonce: string;
  csp: string;
  title: string;
  host: 'vscode' | 'http' | 'stub';
  /** Fonts fetched with the page rather than when the first formula is laid out (KaTeX's fonts block their text until loaded). */
  fontUris?: string[];
  /** Markup shown until the script has started (`qed view`'s first screen of a deep-linked row). */
  firstScreen?: string;
  /** The text size in px the viewer will use (`--qed-font-size`), set before anything is drawn. */
  fontSize?: number;
  /** A script run at the top of the head, before anything is drawn (with the nonce; placed before
   * the stylesheet, so it does not wait for it). */
  headScript?: string;
}

/** KaTeX's fonts nearly every formula uses: preloaded with the page. */
export const PRELOAD_FONTS = ['KaTeX_Main-Regular.woff2', 'KaTeX_Math-Italic.woff2'];

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A fresh nonce for each render of the page. */
export function makeNonce(): string {
  return randomBytes(18)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '');
}

/** The CSP of the VS Code webview (`cspSource` is the webview's resource origin). */
export function webviewCsp(cspSource: string, nonce: string): string {
  return `default-src 'none'; img-src ${cspSource} data:; style-src ${cspSource} 'unsafe-inline'; font-src ${cspSource}; script-src 'nonce-${nonce}'`;
}

/**
 * The viewer's script, started once the first screen has been painted (requestAnimationFrame, then
 * a task). As a plain script tag it often arrived while the first screen was being laid out, and
 * its evaluation (~100 ms) went first, holding the first paint back until after it; sometimes the
 * first screen was never painted before the viewer replaced it. Not preloaded either: fetching and
 * compiling its 600 kB beside the first screen's layout slowed that down on a 2-core machine.
 * Measured on `qed view ?row=1` of a 1 GB file while it is indexed (fresh servers alternated,
 * medians of 10–12): first screen 352 → 272 ms and 336 → 308 ms; the viewer takes over 60–75 ms
 * later than before.
 */
function afterFirstPaint(o: ViewerHtmlOptions): string {
  const src = JSON.stringify(o.scriptUri).replace(/</g, '\\u003c');
  return `<script nonce="${esc(o.nonce)}">requestAnimationFrame(function () { setTimeout(function () { var s = document.createElement('script'); s.nonce = ${JSON.stringify(o.nonce)}; s.src = ${src}; document.body.appendChild(s); }); });</script>`;
}

export function viewerHtml(o: ViewerHtmlOptions): string {
  return `<!DOCTYPE html>
<html lang="en"${o.fontSize ? ` style="--qed-font-size: ${Number(o.fontSize)}px"` : ''}>
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(o.csp)}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
${o.headScript ? `<script nonce="${esc(o.nonce)}">${o.headScript.replace(/<\//g, '<\\/')}</script>\n` : ''}<link rel="stylesheet" href="${esc(o.styleUri)}">
${(o.fontUris ?? []).map((u) => `<link rel="preload" href="${esc(u)}" as="font" type="font/woff2" crossorigin>\n`).join('')}<title>${esc(o.title)}</title>
</head>
<body data-host="${esc(o.host)}">
<div id="app">${o.firstScreen ?? '<p class="boot">Loading the results viewer…</p>'}</div>
${o.firstScreen ? afterFirstPaint(o) : `<script nonce="${esc(o.nonce)}" src="${esc(o.scriptUri)}"></script>`}
</body>
</html>
`;
}
