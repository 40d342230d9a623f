// Copying from the row pane: the clipboard helper, and the pane's clicks (a formula copies its
// LaTeX, a right-click copies it with delimiters; only web links leave the page).

import { h } from './dom';
import { toast } from './dialogs';

export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    return;
  } catch {
    // No clipboard permission (some browsers, some webviews): the selection route.
  }
  const ta = h('textarea', { class: 'offscreen', 'aria-hidden': 'true' });
  ta.value = text;
  document.body.append(ta);
  ta.select();
  document.execCommand('copy');
  ta.remove();
}

/** Link and formula clicks inside the row pane `detail`; `host` is the transport's kind. */
export function bindDetailClicks(detail: HTMLElement, host: 'vscode' | 'http'): void {
  detail.addEventListener('click', (e) => {
    const target = e.target as Element;
    const link = target.closest('a');
    if (link) {
      const href = link.getAttribute('href') ?? '';
      // Only web links leave the page, and never with the page's address as referrer.
      if (!/^https?:\/\//i.test(href)) {
        e.preventDefault();
        return;
      }
      if (host === 'http') {
        e.preventDefault();
        window.open(href, '_blank', 'noopener,noreferrer');
      }
      return;
    }
    const math = target.closest<HTMLElement>('[data-latex]');
    if (math && !window.getSelection()?.toString()) {
      const tex = math.dataset.latex ?? '';
      void copyText(tex).then(() => toast(`Copied LaTeX: ${tex.length > 60 ? `${tex.slice(0, 60)}…` : tex}`));
    }
  });
  detail.addEventListener('contextmenu', (e) => {
    const math = (e.target as Element).closest<HTMLElement>('[data-latex]');
    if (!math || window.getSelection()?.toString()) return;
    e.preventDefault();
    const tex = math.dataset.latex ?? '';
    const wrapped = math.classList.contains('math-display') ? `\\[${tex}\\]` : `$${tex}$`;
    void copyText(wrapped).then(() =>
      toast(`Copied with delimiters: ${wrapped.length > 60 ? `${wrapped.slice(0, 60)}…` : wrapped}`),
    );
  });
}
