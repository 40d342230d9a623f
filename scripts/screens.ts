/**
 * Screenshots of the results viewer in VS Code's light, dark and high-contrast themes and in
 * `qed view` (light and dark), for a person to look at: the list, the Filters panel, a row page
 * with its action bar, the Regrade and Override dialogs, an open drop-down and Compare.
 *
 *   node esbuild.mjs && node --import tsx scripts/screens.ts [out-dir]     (default /tmp/screens)
 *
 * The page is served by `qed view` in-process; for the VS Code themes the page is dressed as a
 * webview is (body classes, data-vscode-theme-kind, --vscode-* variables on <html> with the values
 * of VS Code's default themes: Light Modern, Dark Modern, Dark High Contrast).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { startViewServer } from '../src/cli/viewServer';
import { CHROMIUM, CHROMIUM_FLAGS, proofRow, writeJsonl } from '../test/webview/helpers';

type Theme = { kind: string; vars: Record<string, string> };

const FONT = {
  'font-family': 'system-ui, "Segoe UI", Ubuntu, sans-serif',
  'font-size': '13px',
  'font-weight': 'normal',
  'editor-font-family': 'Menlo, Monaco, "Courier New", monospace',
  'editor-font-size': '14px',
};

/** The colours a webview receives from VS Code's default themes (the ones the page and the controls read). */
const THEMES: Record<string, Theme> = {
  light: {
    kind: 'vscode-light',
    vars: {
      ...FONT,
      foreground: '#3b3b3b',
      'editor-background': '#ffffff',
      'editor-foreground': '#3b3b3b',
      descriptionForeground: '#3b3b3b',
      errorForeground: '#f85149',
      focusBorder: '#005fb8',
      'panel-border': '#e5e5e5',
      'widget-border': '#e5e5e5',
      'sideBar-background': '#f8f8f8',
      'widget-shadow': 'rgba(0,0,0,0.16)',
      'button-background': '#005fb8',
      'button-foreground': '#ffffff',
      'button-hoverBackground': '#0258a8',
      'button-border': '#0000001a',
      'button-secondaryBackground': '#e5e5e5',
      'button-secondaryForeground': '#3b3b3b',
      'button-secondaryHoverBackground': '#cccccc',
      'input-background': '#ffffff',
      'input-foreground': '#3b3b3b',
      'input-border': '#cecece',
      'input-placeholderForeground': '#767676',
      'dropdown-background': '#ffffff',
      'dropdown-foreground': '#3b3b3b',
      'dropdown-border': '#cecece',
      'settings-dropdownBackground': '#ffffff',
      'settings-dropdownForeground': '#3b3b3b',
      'settings-dropdownBorder': '#cecece',
      'settings-dropdownListBorder': '#c8c8c8',
      'settings-textInputBackground': '#ffffff',
      'settings-textInputForeground': '#3b3b3b',
      'settings-textInputBorder': '#cecece',
      'checkbox-background': '#f8f8f8',
      'checkbox-foreground': '#3b3b3b',
      'checkbox-border': '#cecece',
      'settings-checkboxBackground': '#f8f8f8',
      'list-activeSelectionBackground': '#e8e8e8',
      'list-activeSelectionForeground': '#000000',
      'list-hoverBackground': '#f2f2f2',
      'list-focusOutline': '#005fb8',
      'list-highlightForeground': '#0066bf',
      'badge-background': '#cccccc',
      'badge-foreground': '#3b3b3b',
      'textLink-foreground': '#005fb8',
      'textCodeBlock-background': '#f8f8f8',
      'charts-green': '#388a34',
      'charts-yellow': '#bf8803',
      'charts-red': '#e51400',
      'charts-blue': '#1a85ff',
      'charts-purple': '#652d90',
      'charts-orange': '#d18616',
      disabledForeground: '#61616180',
    },
  },
  dark: {
    kind: 'vscode-dark',
    vars: {
      ...FONT,
      foreground: '#cccccc',
      'editor-background': '#1f1f1f',
      'editor-foreground': '#cccccc',
      descriptionForeground: '#9d9d9d',
      errorForeground: '#f85149',
      focusBorder: '#0078d4',
      'panel-border': '#2b2b2b',
      'widget-border': '#313131',
      'sideBar-background': '#181818',
      'widget-shadow': 'rgba(0,0,0,0.36)',
      'button-background': '#0078d4',
      'button-foreground': '#ffffff',
      'button-hoverBackground': '#026ec1',
      'button-border': '#ffffff12',
      'button-secondaryBackground': '#313131',
      'button-secondaryForeground': '#cccccc',
      'button-secondaryHoverBackground': '#3c3c3c',
      'input-background': '#313131',
      'input-foreground': '#cccccc',
      'input-border': '#3c3c3c',
      'input-placeholderForeground': '#989898',
      'dropdown-background': '#313131',
      'dropdown-foreground': '#cccccc',
      'dropdown-border': '#3c3c3c',
      'settings-dropdownBackground': '#313131',
      'settings-dropdownForeground': '#cccccc',
      'settings-dropdownBorder': '#3c3c3c',
      'settings-dropdownListBorder': '#454545',
      'settings-textInputBackground': '#313131',
      'settings-textInputForeground': '#cccccc',
      'settings-textInputBorder': '#3c3c3c',
      'checkbox-background': '#313131',
      'checkbox-foreground': '#cccccc',
      'checkbox-border': '#3c3c3c',
      'settings-checkboxBackground': '#313131',
      'list-activeSelectionBackground': '#04395e',
      'list-activeSelectionForeground': '#ffffff',
      'list-hoverBackground': '#2a2d2e',
      'list-focusOutline': '#0078d4',
      'list-highlightForeground': '#2aaaff',
      'badge-background': '#616161',
      'badge-foreground': '#f8f8f8',
      'textLink-foreground': '#4daafc',
      'textCodeBlock-background': '#2b2b2b',
      'charts-green': '#89d185',
      'charts-yellow': '#cca700',
      'charts-red': '#f14c4c',
      'charts-blue': '#3794ff',
      'charts-purple': '#b180d7',
      'charts-orange': '#d18616',
      disabledForeground: '#cccccc80',
    },
  },
  'high-contrast': {
    kind: 'vscode-high-contrast',
    vars: {
      ...FONT,
      foreground: '#ffffff',
      'editor-background': '#000000',
      'editor-foreground': '#ffffff',
      descriptionForeground: '#ffffffb3',
      errorForeground: '#f48771',
      focusBorder: '#f38518',
      contrastBorder: '#6fc3df',
      contrastActiveBorder: '#f38518',
      'panel-border': '#6fc3df',
      'widget-border': '#6fc3df',
      'sideBar-background': '#000000',
      'button-background': '#000000',
      'button-foreground': '#ffffff',
      'button-border': '#6fc3df',
      'button-secondaryBackground': '#000000',
      'button-secondaryForeground': '#ffffff',
      'input-background': '#000000',
      'input-foreground': '#ffffff',
      'input-border': '#6fc3df',
      'input-placeholderForeground': '#ffffffb3',
      'dropdown-background': '#000000',
      'dropdown-foreground': '#ffffff',
      'dropdown-border': '#6fc3df',
      'settings-dropdownBackground': '#000000',
      'settings-dropdownForeground': '#ffffff',
      'settings-dropdownBorder': '#6fc3df',
      'settings-dropdownListBorder': '#6fc3df',
      'settings-textInputBackground': '#000000',
      'settings-textInputForeground': '#ffffff',
      'settings-textInputBorder': '#6fc3df',
      'checkbox-background': '#000000',
      'checkbox-foreground': '#ffffff',
      'checkbox-border': '#6fc3df',
      'settings-checkboxBackground': '#000000',
      'list-activeSelectionBackground': '#000000',
      'list-activeSelectionForeground': '#ffffff',
      'list-focusOutline': '#f38518',
      'list-highlightForeground': '#f38518',
      'badge-background': '#000000',
      'badge-foreground': '#ffffff',
      'textLink-foreground': '#21a6ff',
      'textCodeBlock-background': '#000000',
      'charts-green': '#89d185',
      'charts-yellow': '#ffd370',
      'charts-red': '#f48771',
      'charts-blue': '#75beff',
      'charts-purple': '#b180d7',
      'charts-orange': '#ffa500',
      disabledForeground: '#a5a5a5',
    },
  },
};

/** Dresses the page as a VS Code webview of `theme` before the viewer boots. */
function dress(theme: Theme): string {
  const style = Object.entries(theme.vars)
    .map(([k, v]) => `--vscode-${k}: ${v};`)
    .join(' ');
  return `document.addEventListener('DOMContentLoaded', () => {
    document.documentElement.setAttribute('style', ${JSON.stringify(style)});
    document.body.className = ${JSON.stringify(theme.kind)};
    document.body.dataset.vscodeThemeKind = ${JSON.stringify(theme.kind)};
    document.body.dataset.host = 'vscode';
  });`;
}

async function main(): Promise<void> {
  const out = process.argv[2] ?? '/tmp/screens';
  mkdirSync(out, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'qed-screens-'));
  const rows = Array.from({ length: 30 }, (_, i) => proofRow(i));
  rows[3] = { ...rows[3], error: 'request failed: HTTP 500', score: null, grade: undefined };
  rows[5] = {
    ...rows[5],
    human_grade: {
      points: [4],
      total: 4,
      note: 'The step is *almost* right.',
      reviewer: 'ana',
      at: '2025-06-01T10:00:00Z',
    },
  };
  const a = writeJsonl(join(dir, 'a.jsonl'), rows);
  const b = writeJsonl(
    join(dir, 'b.jsonl'),
    rows.map((r, i) => ({ ...r, score: i % 3 ? r.score : 0 })),
  );
  const graders = async () => ({
    graders: [
      {
        ref: 'configs/models/openai/gpt-5-mini.yaml',
        label: 'openai/gpt-5-mini',
        description: 'GPT-5 mini, high reasoning effort',
      },
      {
        ref: 'configs/models/google/gemini-2.5-pro.yaml',
        label: 'google/gemini-2.5-pro',
        description: 'Gemini 2.5 Pro',
      },
    ],
    hostPicker: false,
  });
  const server = await startViewServer({ files: [a, b], graders, grader: async () => undefined });
  const profile = mkdtempSync(join(tmpdir(), 'qed-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 800 },
  });
  const shots: string[] = [];
  const errors: string[] = [];
  try {
    const variants: Array<[string, Theme | undefined, 'light' | 'dark']> = [
      ['vscode-light', THEMES.light, 'light'],
      ['vscode-dark', THEMES.dark, 'dark'],
      ['vscode-hc', THEMES['high-contrast'], 'dark'],
      ['view-light', undefined, 'light'],
      ['view-dark', undefined, 'dark'],
    ];
    for (const [name, theme, scheme] of variants) {
      const page: Page = await context.newPage();
      page.on('pageerror', (e) => errors.push(`${name}: ${e.message}`));
      page.on('console', (m) => m.type() === 'error' && errors.push(`${name}: ${m.text()}`));
      await page.emulateMedia({ colorScheme: scheme });
      if (theme) await page.addInitScript(dress(theme));
      const shot = async (what: string) => {
        const path = join(out, `${name}-${what}.png`);
        await page.waitForTimeout(150);
        await page.screenshot({ path });
        shots.push(path);
      };
      await page.goto(server.url);
      await page.waitForSelector('body[data-ready=true]');
      await shot('list');
      await page.click('.toolbar :is(button, vscode-button):has-text("Filters")');
      await page.waitForSelector('.filters:not([hidden])');
      await shot('filters');
      await page.click('.filters :is(select, vscode-single-select)[aria-label="Metadata column"]');
      await shot('filters-dropdown-open');
      await page.keyboard.press('Escape');
      await page.goto(`${server.url}?row=6`);
      await page.waitForSelector('.row-page');
      await shot('row');
      await page.setViewportSize({ width: 700, height: 800 });
      await shot('row-narrow');
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.click('[data-action=regrade]');
      await page.waitForSelector('dialog[open] vscode-single-select[name=grader]');
      await shot('regrade');
      await page.click('dialog[open] vscode-single-select[name=grader]');
      await shot('regrade-open');
      await page.keyboard.press('Escape');
      await page.click('dialog[open] .dialog-foot :is(button, vscode-button):has-text("Cancel")');
      await page.waitForSelector('dialog[open]', { state: 'detached' });
      await page.click('[data-action=override]');
      await page.waitForSelector('dialog[open] vscode-textfield[name=points-0]');
      await shot('override');
      await page.keyboard.press('Escape');
      await page.goto(server.url);
      await page.waitForSelector('body[data-ready=true]');
      await page.click('.toolbar :is(button, vscode-button):has-text("Compare")');
      await page.waitForSelector('.compare-row');
      await shot('compare');
      await page.close();
    }
  } finally {
    await context.close();
    await server.close();
    rmSync(profile, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
  for (const s of shots) console.log(s);
  if (errors.length) console.log(`page errors:\n${errors.join('\n')}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
