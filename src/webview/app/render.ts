// The one place the viewer takes its renderer from (markdown + KaTeX, in src/webview/render).
export { renderRich, renderPlainMath, type RenderResult, type RenderOptions } from '../render';
