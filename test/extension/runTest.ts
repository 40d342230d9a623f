/**
 * Runs the extension tests (test/extension/*.ext.ts, loaded through index.ts) in a real VS Code
 * with @vscode/test-electron's runTests(). Two routes, one suite:
 *
 *   default (offline)          vscodeExecutablePath = scripts/host/code-server-test-shim.sh, a
 *                              stand-in "VS Code executable" that runs the same extension host
 *                              tests in the cached code-server, driven by headless Chromium
 *   QED_VSCODE_EXECUTABLE=…    any other executable (a local VS Code, another shim)
 *   QED_TEST_ELECTRON=download test-electron downloads VS Code (needs internet) and runs it as
 *                              usual; QED_VSCODE_VERSION picks the version (default: stable)
 *
 * Built to out/test/extension/runTest.js by scripts/extension-tests/build.mjs; run it through
 * `npm run test:extension` (scripts/extension-tests/run.sh), which builds and sets up first.
 * The last line is the suite's summary (N passing, N failing); the exit code is non-zero on failure.
 */
import { runTests } from '@vscode/test-electron';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** The repository root: the folder above this file holding the extension's package.json. */
function findRoot(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'qed-workbench')
      return dir;
  }
  throw new Error(`runTest: no qed-workbench package.json above ${__dirname}`);
}

async function main(): Promise<number> {
  const root = findRoot();
  const t0 = Date.now();
  const download = process.env.QED_TEST_ELECTRON === 'download';
  const vscodeExecutablePath = download
    ? undefined
    : resolve(process.env.QED_VSCODE_EXECUTABLE || join(root, 'scripts', 'host', 'code-server-test-shim.sh'));
  const route = download
    ? `VS Code downloaded by @vscode/test-electron (${process.env.QED_VSCODE_VERSION || 'stable'})`
    : vscodeExecutablePath!;

  // A scratch copy of the fixture workspace: tests may edit files, the repository stays clean.
  const scratch = mkdtempSync(join(tmpdir(), 'qed-ext-'));
  const workspace = join(scratch, 'workspace');
  cpSync(join(root, 'test', 'extension', 'fixtures', 'workspace'), workspace, { recursive: true });
  const summaryFile = join(scratch, 'summary.txt');

  console.log(`extension tests: ${route}`);
  let code: number;
  try {
    code = await runTests({
      extensionDevelopmentPath: root,
      extensionTestsPath: join(root, 'out', 'test', 'extension', 'index'),
      vscodeExecutablePath,
      version: download ? process.env.QED_VSCODE_VERSION || 'stable' : undefined,
      launchArgs: [workspace, '--disable-extensions'],
      extensionTestsEnv: { QED_EXT_TEST_SUMMARY: summaryFile },
    });
  } catch (e) {
    // runTests rejects when the editor exits non-zero (a failing test) or cannot start.
    code = typeof (e as { code?: unknown }).code === 'number' ? (e as { code: number }).code || 1 : 1;
    if (!existsSync(summaryFile)) console.error(`extension tests: ${e instanceof Error ? e.message : String(e)}`);
  }
  const summary = existsSync(summaryFile)
    ? readFileSync(summaryFile, 'utf8').trim()
    : 'no result: the extension host never finished the suite (see the output above)';
  // Exit code 0 without a summary: the editor never ran the suite (e.g. a payload it ignored).
  if (code === 0 && !existsSync(summaryFile)) code = 1;
  if (!process.env.QED_EXT_TEST_KEEP) rmSync(scratch, { recursive: true, force: true });
  console.log(
    `\nextension tests ${code === 0 ? 'passed' : 'FAILED'}: ${summary}; ${((Date.now() - t0) / 1000).toFixed(1)} s in all, exit ${code}`,
  );
  return code;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
