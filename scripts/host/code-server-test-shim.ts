/**
 * The body of scripts/host/code-server-test-shim.sh: VS Code extension tests (an
 * --extensionTestsPath module exporting run()) inside code-server's real Node extension host.
 *
 *   1. reads test-electron's command line: --extensionDevelopmentPath (one or more),
 *      --extensionTestsPath, the folder (or .code-workspace) to open; every other flag is ignored
 *      (--no-sandbox, --disable-extensions…: a fresh code-server profile has no other extensions;
 *      --user-data-dir / --extensions-dir: this run uses its own under a temp folder instead)
 *   2. starts the cached code-server (test/host/harness.ts: Node 24 first on PATH, 127.0.0.1 and a
 *      free port, scratch HOME/XDG/TMPDIR, EXTENSIONS_GALLERY={}, its own process group) with
 *      `--vscode-option enable-smoke-test-driver`: only then does the web workbench honour the
 *      `?payload=` below (without it the payload is ignored and no test ever runs)
 *   3. opens the workbench in headless Chromium at
 *      /?folder=<folder>&payload=[["extensionDevelopmentPath","vscode-remote://<host><path>"],
 *                                  ["extensionTestsPath","vscode-remote://<host><path>"]]
 *      so the workbench starts the extension host in extension-development + test mode, exactly
 *      like `code --extensionDevelopmentPath … --extensionTestsPath …`
 *   4. prints what the extension host logs (mocha's report) as it comes: the host forwards its
 *      console to the workbench, where playwright reads it
 *   5. waits for window.codeAutomationExit(code), which the workbench calls when run() settles
 *      (0 = resolved, 1 = rejected), stops Chromium and the code-server process group, exits with it
 *
 * Env: QED_SHIM_TIMEOUT  seconds to wait for the tests (default 300)
 *      QED_SHIM_VERBOSE=1 also print the workbench's own console (noisy)
 *      QED_HOST_KEEP=1    keep the temp folder (profile, code-server.log)
 *      plus what test/host/harness.ts reads (QED_HOST_CACHE, QED_HOST_CHROMIUM)
 * On a failure or timeout a screenshot, the browser console and the code-server log go to
 * test-results/extension-tests-*.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { format } from 'node:util';
import type { ConsoleMessage } from 'playwright-core';
import {
  checkPrerequisites,
  cleanup,
  launchBrowser,
  saveFailure,
  scratch,
  startCodeServer,
  type Browser,
  type CodeServer,
} from '../../test/host/harness';

interface ShimArgs {
  devPaths: string[];
  testsPath?: string;
  folder?: string;
}

/** test-electron's command line: `--name=value` or `--name value`; the first bare word is what to open. */
function parseArgs(argv: string[], cwd: string): ShimArgs {
  const out: ShimArgs = { devPaths: [] };
  const valued = new Set([
    '--extensionDevelopmentPath',
    '--extensionTestsPath',
    '--user-data-dir',
    '--extensions-dir',
    '--locale',
    '--profile',
  ]);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    let name = a;
    let value: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) [name, value] = [a.slice(0, eq), a.slice(eq + 1)];
      else if (valued.has(a)) value = argv[++i];
      if (name === '--extensionDevelopmentPath' && value) out.devPaths.push(resolve(cwd, value));
      else if (name === '--extensionTestsPath' && value) out.testsPath = resolve(cwd, value);
      // anything else: a flag meant for Electron VS Code, not applicable here
    } else if (!out.folder) {
      out.folder = resolve(cwd, a);
    }
  }
  return out;
}

/** Prefix index.ts puts on the report lines when it runs under this shim. */
const MARK = '@@qed-ext-test@@';
const say = (...parts: unknown[]) => console.log('[shim]', ...parts);

/**
 * The text of a console message. The workbench logs as console.log('%c INFO', 'color: …', fmt,
 * …args): drop the styling, keep the level, format the rest.
 */
async function messageText(m: ConsoleMessage): Promise<string> {
  let args: unknown[];
  try {
    args = await Promise.all(m.args().map((a) => a.jsonValue()));
  } catch {
    return m.text();
  }
  if (!args.length) return m.text();
  if (typeof args[0] === 'string' && args[0].includes('%c')) {
    const styles = (args[0].match(/%c/g) ?? []).length;
    return `${args[0].replace(/%c/g, '').trim()} ${format(...args.slice(1 + styles))}`;
  }
  return format(...args);
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2), process.env.QED_SHIM_CWD || process.cwd());
  if (!args.devPaths.length || !args.testsPath) {
    console.error('code-server-test-shim: need --extensionDevelopmentPath=… and --extensionTestsPath=…');
    return 2;
  }
  checkPrerequisites();
  const timeoutMs = Number(process.env.QED_SHIM_TIMEOUT || 300) * 1000;
  const home = scratch('qed-shim');
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let code = 1;
  try {
    // Inherited by code-server and so by its extension host, where index.ts marks mocha's lines.
    process.env.QED_EXT_TEST_MARK = MARK;
    server = await startCodeServer({
      home,
      extensionsDir: `${home}/extensions`,
      // = test-electron's --disable-workspace-trust: the tests run in a trusted folder.
      settings: { 'security.workspace.trust.enabled': false },
      extraArgs: ['--vscode-option', 'enable-smoke-test-driver'],
    });
    browser = await launchBrowser(home);
    const { page } = browser;

    let exited: (code: unknown) => void = () => undefined;
    const exit = new Promise<unknown>((r) => (exited = r));
    // The workbench calls this when the extension host's run() settles (the smoke-test driver's hook).
    await page.exposeFunction('codeAutomationExit', (c: unknown) => exited(c));
    // The tests' report arrives marked (MARK, see test/extension/index.ts) among the workbench's
    // own log lines: print it as it comes; keep the rest for a failure (or print it, verbose).
    const verbose = !!process.env.QED_SHIM_VERBOSE;
    const other: string[] = [];
    let reported = false;
    page.on('console', (m) => {
      void messageText(m).then((text) => {
        const at = text.indexOf(MARK);
        if (at >= 0) {
          reported = true;
          console.log(text.slice(at + MARK.length));
        } else if (verbose) console.log(`  [${m.type()}] ${text}`);
        else other.push(`[${m.type()}] ${text}`);
      });
    });
    page.on('pageerror', (e) =>
      verbose ? console.log(`  [pageerror] ${e.message}`) : other.push(`[pageerror] ${e.message}`),
    );
    // Only when the suite said nothing: then the workbench's log is the one clue on screen.
    const showOther = () => {
      if (verbose || reported || !other.length) return;
      say(`the workbench's last console lines (all: QED_SHIM_VERBOSE=1):`);
      for (const l of other.slice(-40)) console.log(`  ${l.length > 400 ? l.slice(0, 400) + '…' : l}`);
    };

    const authority = new URL(server.url).host;
    const remote = (p: string) => `vscode-remote://${authority}${p}`;
    const payload = [
      ...args.devPaths.map((p) => ['extensionDevelopmentPath', remote(p)]),
      ['extensionTestsPath', remote(args.testsPath)],
    ];
    const target = args.folder ?? home;
    const isWorkspaceFile = target.endsWith('.code-workspace') && existsSync(target) && statSync(target).isFile();
    const url = `${server.url}/?${isWorkspaceFile ? 'workspace' : 'folder'}=${encodeURIComponent(target)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    say(`code-server ${server.url}, opening ${target}`);
    // The suite's own timeout (below) bounds the wait; the page's load event alone can take more
    // than playwright's default 30 s on a busy machine.
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: timeoutMs });

    const result = await Promise.race([exit, new Promise((r) => setTimeout(() => r('timeout'), timeoutMs).unref())]);
    if (result === 'timeout') {
      say(`no result after ${timeoutMs / 1000} s (QED_SHIM_TIMEOUT)`);
      showOther();
      await saveFailure('extension-tests', browser, server);
    } else {
      code = typeof result === 'number' ? result : 1;
      // Let the last forwarded console lines arrive before closing the page.
      await new Promise((r) => setTimeout(r, 300));
      if (code !== 0) {
        showOther();
        await saveFailure('extension-tests', browser, server);
      }
    }
  } catch (e) {
    console.error('[shim]', e instanceof Error ? e.message : e);
    await saveFailure('extension-tests', browser, server);
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    cleanup(home);
  }
  return code;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
