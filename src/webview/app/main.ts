// Entry point of the viewer bundle (dist/webview.js), the same in VS Code and in `qed view`.

import { App } from './app';
import { h } from './dom';
import { Rpc } from './rpc';
import { connect } from './transport';

/** `qed view` follows the browser's colour scheme (a VS Code webview follows the theme's classes). */
function followColourScheme(): void {
  const dark = matchMedia('(prefers-color-scheme: dark)');
  const apply = () =>
    document.body.classList.toggle('qed-dark', dark.matches && !/\bvscode-/.test(document.body.className));
  apply();
  dark.addEventListener('change', apply);
}

function boot(): void {
  // Marks for the benches (bench/view.ts prints where a page load's time went): qed:boot here,
  // then qed:init, qed:row and qed:built as the first row is opened.
  performance.mark('qed:boot');
  followColourScheme();
  const mount = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));
  const rpc = new Rpc(connect());
  new App(mount, rpc).start().catch((e: unknown) => {
    mount.textContent = '';
    mount.append(
      h('div', { class: 'callout error' }, `The viewer could not start: ${e instanceof Error ? e.message : String(e)}`),
    );
  });
}

// Started by `qed view`'s loader after the first screen (html.ts), the page is parsed already:
// boot in a task of its own, not in the one that evaluated this bundle (one long task of ~200 ms).
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
else setTimeout(boot, 0);
