// The markdown-it instance, hardened for untrusted model output, and the placeholder protocol
// that lets math survive markdown untouched.
//
// Math spans are replaced by placeholders  U+E000 <index in base 36> U+E001  before markdown
// runs (private-use characters markdown gives no meaning to; any in the input are replaced by
// U+FFFD first). After parsing:
//   - in text tokens (the only place rendered math may go) a placeholder becomes the formula's
//     HTML, rendered on demand;
//   - in a link destination it is restored to its source before the link is validated;
//   - anywhere else (code spans and blocks, attributes) the final pass restores the escaped
//     source, so math that markdown put in code shows as code.

import MarkdownIt from 'markdown-it';
import type { Options, Renderer, StateCore, Token } from 'markdown-it';
import { escapeHtml } from './escape';

export const PH_OPEN = '\uE000';
export const PH_CLOSE = '\uE001';
const PH_ANY = /\uE000([0-9a-z]{1,8})\uE001/g;
const SENTINELS = /[\uE000\uE001]/g;

/** Only these link schemes are live; everything else stays text. */
const SAFE_URL = /^(?:https?:|mailto:)/i;
const HTTP_URL = /^https?:/i;

export function placeholder(index: number): string {
  return PH_OPEN + index.toString(36) + PH_CLOSE;
}

export interface RenderEnv {
  /** Source of every protected math span, by placeholder index. */
  raw: string[];
  /** HTML for placeholder `index` in running text. */
  renderMath(index: number): string;
}

/** The env of the render in progress (markdown-it's link normalisers receive no env). */
let active: RenderEnv | null = null;

function restoreSource(s: string, env: RenderEnv | null): string {
  if (s.indexOf(PH_OPEN) === -1) return s;
  return s.replace(PH_ANY, (_m, k: string) => env?.raw[parseInt(k, 36)] ?? '\uFFFD');
}

function textWithMath(content: string, env: RenderEnv): string {
  if (content.indexOf(PH_OPEN) === -1) return escapeHtml(content);
  let out = '';
  let last = 0;
  for (const m of content.matchAll(PH_ANY)) {
    const at = m.index ?? 0;
    out += escapeHtml(content.slice(last, at));
    const k = parseInt(m[1], 36);
    out += k < env.raw.length ? env.renderMath(k) : '\uFFFD';
    last = at + m[0].length;
  }
  return out + escapeHtml(content.slice(last));
}

function sanitizeFenceInfo(info: string): string {
  const lang = info.trim().split(/\s/, 1)[0] ?? '';
  return /^[A-Za-z0-9_+#.-]{1,32}$/.test(lang) ? lang : '';
}

function build(): MarkdownIt {
  const md = new MarkdownIt('default', {
    html: false,
    linkify: false,
    typographer: false,
    breaks: false,
    xhtmlOut: false,
  });

  md.validateLink = (url: string): boolean => SAFE_URL.test(url.trim());
  const baseNormalizeLink = md.normalizeLink;
  const baseNormalizeLinkText = md.normalizeLinkText;
  md.normalizeLink = (url: string): string => baseNormalizeLink(restoreSource(url, active));
  md.normalizeLinkText = (url: string): string => baseNormalizeLinkText(restoreSource(url, active));

  // Fence info strings become a class name: keep a plain language tag only.
  md.core.ruler.after('block', 'qed_fence_info', (state: StateCore) => {
    for (const t of state.tokens) if (t.type === 'fence') t.info = sanitizeFenceInfo(restoreSource(t.info, active));
  });

  // Before escapes and entities are merged into text:
  //  - an entity must not forge a placeholder (&#xE000;);
  //  - an escaped math delimiter that was not part of a formula keeps its backslash, so an
  //    unmatched `\[` or `\(` shows as written.
  md.core.ruler.before('text_join', 'qed_text_special', (state: StateCore) => {
    for (const block of state.tokens) {
      if (block.type !== 'inline' || block.children === null) continue;
      for (const t of block.children) {
        if (t.type !== 'text_special') continue;
        if (t.info === 'entity') t.content = t.content.replace(SENTINELS, '\uFFFD');
        else if (t.info === 'escape' && /^\\[()[\]]$/.test(t.markup)) t.content = t.markup;
      }
    }
  });

  const rules = md.renderer.rules;
  rules.text = (tokens: Token[], idx: number, _o: Options, env: RenderEnv) => textWithMath(tokens[idx].content, env);
  rules.html_block = (tokens: Token[], idx: number) => escapeHtml(tokens[idx].content);
  rules.html_inline = (tokens: Token[], idx: number) => escapeHtml(tokens[idx].content);

  rules.link_open = (tokens: Token[], idx: number, options: Options, _env: RenderEnv, self: Renderer) => {
    const t = tokens[idx];
    const href = t.attrGet('href') ?? '';
    const title = t.attrGet('title');
    t.attrs = [];
    if (SAFE_URL.test(href)) t.attrSet('href', href);
    if (title !== null) t.attrSet('title', title);
    t.attrSet('rel', 'noopener noreferrer');
    return self.renderToken(tokens, idx, options);
  };

  // No image is ever loaded: an http(s) image becomes a link labelled with its alt text, any
  // other one (validateLink already refused data:, file:, …) just its alt text.
  rules.image = (tokens: Token[], idx: number, options: Options, env: RenderEnv, self: Renderer) => {
    const t = tokens[idx];
    const src = t.attrGet('src') ?? '';
    const alt = restoreSource(self.renderInlineAsText(t.children ?? [], options, env), env).trim();
    const label = escapeHtml(`[image${alt === '' ? '' : `: ${alt}`}]`);
    if (HTTP_URL.test(src)) {
      const title = t.attrGet('title');
      const titleAttr = title ? ` title="${escapeHtml(restoreSource(title, env))}"` : '';
      return `<a class="md-image" href="${escapeHtml(src)}"${titleAttr} rel="noopener noreferrer">${label}</a>`;
    }
    return `<span class="md-image">${label}</span>`;
  };

  return md;
}

let instance: MarkdownIt | null = null;

/** Renders markdown whose math spans are already placeholders. */
export function renderMarkdown(src: string, env: RenderEnv): string {
  instance ??= build();
  const previous = active;
  active = env;
  let html: string;
  try {
    html = instance.render(src, env);
  } finally {
    active = previous;
  }
  // Whatever placeholder is left sits in code or an attribute: its escaped source goes there.
  if (html.indexOf(PH_OPEN) !== -1)
    html = html.replace(PH_ANY, (_m, k: string) => escapeHtml(env.raw[parseInt(k, 36)] ?? '\uFFFD'));
  return html;
}

/** Private-use sentinel characters in the input could forge placeholders. */
export function neutraliseSentinels(s: string): string {
  return s.indexOf(PH_OPEN) === -1 && s.indexOf(PH_CLOSE) === -1 ? s : s.replace(SENTINELS, '\uFFFD');
}
