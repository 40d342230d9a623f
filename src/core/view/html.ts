// The viewer's page, the same for both hosts: one stylesheet, one script (with the render's
// nonce), no inline script, and the Content-Security-Policy the host chose.

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

export function viewerHtml(o: ViewerHtmlOptions): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(o.csp)}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${esc(o.styleUri)}">
${(o.fontUris ?? []).map((u) => `<link rel="preload" href="${esc(u)}" as="font" type="font/woff2" crossorigin>\n`).join('')}<title>${esc(o.title)}</title>
</head>
<body data-host="${esc(o.host)}">
<div id="app">${o.firstScreen ?? '<p class="boot">Loading the results viewer…</p>'}</div>
<script nonce="${esc(o.nonce)}" src="${esc(o.scriptUri)}"></script>
</body>
</html>
`;
}
