/**
 * The results viewer in VS Code's built-in colour themes, in a REAL VS Code (code-server): light
 * and dark (Modern and 2026), high contrast dark and light, switched live in one workbench with
 * Preferences: Color Theme (VS Code re-themes the open webview). For each theme: the page carries
 * the theme kind's body class, the main button (a vscode-elements control) is painted with the
 * button colour VS Code hands the webview (its real theme, not the viewer's own fallback palette),
 * and in high contrast every visible control has a border in the theme's contrast colour, the
 * Regrade and Override dialogs' too. Screenshots per theme (list + open row, each dialog):
 * test-results/host-theme-*.png.
 *
 *   bash scripts/host/run.sh test/host/viewer-themes.ui.ts
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import {
  cleanup,
  log,
  openWorkbench,
  pick,
  quickInput,
  runCommand,
  screenshot,
  setUpHost,
  viewerFrame,
  withWorkbench,
  writeFiles,
} from './harness';

let root: string;
let extensionsDir: string;

before(() => {
  ({ root, extensionsDir } = setUpHost('qed-host-themes'));
});
after(() => {
  if (root) cleanup(root);
});

/**
 * The themes VS Code 1.139 ships (extensions/theme-defaults): `setting` is their
 * `workbench.colorTheme` value, `label` their name in the Color Theme picker.
 */
const THEMES = [
  { setting: 'Light Modern', label: 'Light Modern', kind: 'vscode-light', workbench: 'vs', file: 'light', hc: false },
  { setting: 'Dark Modern', label: 'Dark Modern', kind: 'vscode-dark', workbench: 'vs-dark', file: 'dark', hc: false },
  // The 2026 pair, new in 1.139; each follows a theme of the other kind, so the switch shows.
  { setting: 'Light 2026', label: 'Light 2026', kind: 'vscode-light', workbench: 'vs', file: 'light-2026', hc: false },
  { setting: 'Dark 2026', label: 'Dark 2026', kind: 'vscode-dark', workbench: 'vs-dark', file: 'dark-2026', hc: false },
  {
    setting: 'Default High Contrast',
    label: 'Dark High Contrast',
    kind: 'vscode-high-contrast',
    workbench: 'hc-black',
    file: 'hc-dark',
    hc: true,
  },
  {
    setting: 'Default High Contrast Light',
    label: 'Light High Contrast',
    kind: 'vscode-high-contrast-light',
    workbench: 'hc-light',
    file: 'hc-light',
    hc: true,
  },
] as const;
const KINDS = ['vscode-light', 'vscode-dark', 'vscode-high-contrast', 'vscode-high-contrast-light'];

const ROWS = [1, 2, 3].map((i) => ({
  problem_id: `T-${i}`,
  problem: `Show that $n^2 + n$ is even for every integer $n \\ge ${i}$.`,
  solution: '$n^2 + n = n(n+1)$, a product of two consecutive integers.',
  grading_guidelines: '(Partial) factors the expression\n(Full) complete argument',
  model_solution: `**Proof.** We have $n^2+n = n(n+1)$. One of $n$, $n+1$ is even, so the product is even.\n$$n(n+1) \\equiv 0 \\pmod 2.$$`,
  cost_run: { cost: 0.001, input_tokens: 10, output_tokens: 20, time: 1 },
  schema_0: [{ title: 'Proof Grade', desc: '(Full) complete argument', points: 7 }],
  grade: [{ points: i === 2 ? 3 : 7, desc: i === 2 ? 'Misses the parity step.' : 'Complete.' }],
  score: i === 2 ? 3 : 7,
}));

/** What the page sees of the theme: its body classes, VS Code's variables, the controls' paint. */
interface Look {
  classes: string[];
  /** VS Code's --vscode-button-background as the colour it resolves to ('' when VS Code sets none). */
  buttonVar: string;
  contrastBorder: string;
  /** The computed background of the main button's box (inside its shadow root). */
  buttonPaint: string;
  /** The same for a secondary button (the row's Export) and VS Code's colour for those. */
  secondaryVar: string;
  secondaryPaint: string;
  /** In high contrast: visible controls whose box has no border in the contrast colour. */
  unbordered: string[];
  controls: number;
}

async function look(v: FrameLocator): Promise<Look> {
  // No named functions in here: tsx wraps them in a __name() helper the page does not have.
  return v.locator('body').evaluate((body) => {
    const root = getComputedStyle(document.documentElement);
    // VS Code's variables as the colours the browser computes them to (rgb(…)), '' for unset.
    const [buttonVar, secondaryVar, contrastBorder, focusBorder] = [
      '--vscode-button-background',
      '--vscode-button-secondaryBackground',
      '--vscode-contrastBorder',
      '--vscode-focusBorder',
    ].map((name) => {
      const value = root.getPropertyValue(name).trim();
      if (!value) return '';
      const probe = document.createElement('div');
      probe.style.backgroundColor = value;
      body.append(probe);
      const c = getComputedStyle(probe).backgroundColor;
      probe.remove();
      return c;
    });
    const main = document.querySelector('vscode-button[data-action=regrade]')?.shadowRoot?.querySelector('.base');
    const second = document.querySelector('vscode-button[data-action=export-row]')?.shadowRoot?.querySelector('.base');
    const visible = Array.from(
      document.querySelectorAll('vscode-button, vscode-textfield, vscode-single-select, vscode-checkbox'),
    ).filter((el) => (el as HTMLElement).offsetParent !== null && !el.closest('[hidden]'));
    const unbordered: string[] = [];
    for (const el of visible) {
      // The control's box is some element in its shadow root (a text field's input sits in a
      // bordered wrapper, a check box's mark in a bordered square): any of them drawing a
      // contrast-coloured line will do; the focused control draws the focus colour instead, as
      // VS Code's own inputs do.
      const lines = el === document.activeElement ? [contrastBorder, focusBorder] : [contrastBorder];
      const ok = [el, ...Array.from(el.shadowRoot?.querySelectorAll('*') ?? [])].some((c) => {
        const s = getComputedStyle(c);
        const border = parseFloat(s.borderTopWidth) >= 1 && s.borderTopStyle !== 'none' && s.borderTopColor;
        const outline = parseFloat(s.outlineWidth) >= 1 && s.outlineStyle !== 'none' && s.outlineColor;
        return lines.includes(border || '') || lines.includes(outline || '');
      });
      if (!ok)
        unbordered.push(
          `${el.tagName.toLowerCase()} "${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 30)}"`,
        );
    }
    return {
      classes: Array.from(body.classList),
      buttonVar,
      contrastBorder,
      buttonPaint: main ? getComputedStyle(main).backgroundColor : '(no main button)',
      secondaryVar,
      secondaryPaint: second ? getComputedStyle(second).backgroundColor : '(no secondary button)',
      unbordered,
      controls: visible.length,
    };
  });
}

/**
 * Switches the colour theme with **Preferences: Color Theme** (a rewritten settings file is not
 * picked up by code-server's workbench while it runs).
 */
async function setTheme(page: Page, label: string): Promise<void> {
  await runCommand(page, 'Preferences: Color Theme');
  const row = quickInput(page).locator('.monaco-list-row', { hasText: label });
  await quickInput(page).locator('.monaco-list-row').first().waitFor({ state: 'visible', timeout: 15_000 });
  await page.keyboard.type(label);
  await row.first().click();
}

async function waitForTheme(page: Page, v: FrameLocator, t: (typeof THEMES)[number]): Promise<void> {
  await page.locator(`.monaco-workbench.${t.workbench}`).waitFor({ timeout: 30_000 });
  const others = KINDS.filter(
    (k) => k !== t.kind && !(t.kind === 'vscode-high-contrast-light' && k === 'vscode-high-contrast'),
  );
  await v.locator(`body.${t.kind}${others.map((k) => `:not(.${k})`).join('')}`).waitFor({ timeout: 30_000 });
}

test(
  'the viewer in light, dark and high contrast themes: body class, theme button colour, contrast borders',
  { timeout: 300_000 },
  async (tt) => {
    const ws = writeFiles(join(root, 'ws'), {
      'outputs/run.jsonl': ROWS.map((r) => JSON.stringify(r)).join('\n') + '\n',
    });
    const settings = { 'security.workspace.trust.enabled': false };
    await withWorkbench(
      {
        root,
        name: 'viewer-themes',
        extensionsDir,
        settings: { ...settings, 'workbench.colorTheme': THEMES[0].setting },
      },
      async ({ page }, server) => {
        await openWorkbench(page, server.url, ws);
        await runCommand(page, 'QED: Open Results');
        await pick(page, 'Open Results: results file', 'outputs/run.jsonl');
        const v = viewerFrame(page);
        await v.locator('body[data-ready=true]').waitFor({ timeout: 60_000 });
        await v.locator('.list .row[data-index="1"]').click();
        await v.locator('.row-page[data-row-index="1"][data-complete=true]').waitFor();
        log('viewer open on row T-2');

        for (const t of THEMES) {
          await tt.test(t.label, async () => {
            if (t !== THEMES[0]) await setTheme(page, t.label);
            await waitForTheme(page, v, t);
            // Nothing hovered or focused: the main button shows its resting colour.
            await page.mouse.move(1, 1);
            await v.locator('.row-page[data-complete=true] vscode-button[data-action=regrade]').waitFor();
            const seen = await look(v);
            log(`${t.setting}:`, JSON.stringify(seen));
            assert.ok(seen.classes.includes(t.kind), `body has ${t.kind}`);
            assert.ok(seen.buttonVar, `VS Code gives the webview --vscode-button-background in ${t.setting}`);
            assert.equal(seen.buttonPaint, seen.buttonVar, "the main button is painted in the theme's button colour");
            // A theme without a secondary button colour (dark high contrast) gets no fill, as in
            // VS Code's own dialogs, not vscode-elements' grey.
            assert.equal(
              seen.secondaryPaint,
              seen.secondaryVar || 'rgba(0, 0, 0, 0)',
              "a secondary button is painted in the theme's secondary colour",
            );
            if (t.hc) {
              assert.ok(seen.contrastBorder, 'VS Code gives the webview --vscode-contrastBorder');
              assert.ok(seen.controls >= 5, `the toolbar and row controls are there (${seen.controls})`);
              assert.deepEqual(seen.unbordered, [], 'every visible control has a contrast border');
            }
            await screenshot(page, `host-theme-${t.file}.png`);

            await v.locator('vscode-button[data-action=regrade]').click();
            const dialog = v.locator('dialog.qed-dialog[open]');
            await dialog.waitFor();
            await page.mouse.move(1, 1);
            if (t.hc) {
              const inDialog = await look(v);
              assert.deepEqual(inDialog.unbordered, [], 'the Regrade dialog controls have a contrast border');
            }
            await screenshot(page, `host-theme-${t.file}-regrade.png`);
            await page.keyboard.press('Escape');
            await dialog.waitFor({ state: 'detached' });

            // The Override dialog: points per rubric item, a note, the reviewer.
            await v.locator('vscode-button[data-action=override]').click();
            await dialog.waitFor();
            await page.mouse.move(1, 1);
            if (t.hc) {
              const inDialog = await look(v);
              assert.deepEqual(inDialog.unbordered, [], 'the Override dialog controls have a contrast border');
            }
            await screenshot(page, `host-theme-${t.file}-override.png`);
            await page.keyboard.press('Escape');
            await dialog.waitFor({ state: 'detached' });
          });
        }
      },
    );
  },
);
