// What `qed view`'s server renders itself: a deep link's first screen and the renderer's warm-up.
// Built apart as dist/screens.js (KaTeX and markdown-it are large) and required by viewServer.ts
// when a server starts, so the CLI's other commands do not load them.

export { firstScreenHtml } from '../webview/firstScreen';
export { warmUp } from '../webview/render/warmUp';
