/**
 * The extension-host side of the extension tests: VS Code loads this file (--extensionTestsPath),
 * calls run(), and ends the session with exit code 0 when the promise resolves, 1 when it rejects.
 *
 * It runs inside a real extension host (Electron VS Code through @vscode/test-electron, or
 * code-server's Node extension host through scripts/host/code-server-test-shim.sh), so the test
 * files may import `vscode`. They are the `*.ext.js` files next to this one (not `*.test.*`:
 * `npm test` runs those with node:test, outside any editor).
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import Mocha from 'mocha';
import * as vscode from 'vscode';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', reporter: 'spec', color: false, timeout: 20_000, slow: 2_000 });
  // Under scripts/host/code-server-test-shim.sh the report reaches the shim through the browser
  // console, among the workbench's own log lines: a prefix tells them apart (the shim strips it).
  const mark = process.env.QED_EXT_TEST_MARK;
  if (mark) {
    const log = console.log.bind(console);
    Mocha.reporters.Base.consoleLog = (...a: unknown[]) => log(mark + format(...a));
  }
  const grep = process.env.QED_EXT_TEST_GREP;
  if (grep) mocha.grep(grep);
  for (const f of readdirSync(__dirname).sort()) if (f.endsWith('.ext.js')) mocha.addFile(join(__dirname, f));

  return new Promise((resolve, reject) => {
    // The callback runs after every test, when `runner` (returned synchronously) is set.
    const runner = mocha.run((failures) => {
      // The runner (test/extension/runTest.ts) prints this summary last, after the editor closed.
      const summaryFile = process.env.QED_EXT_TEST_SUMMARY;
      if (summaryFile) {
        const s = runner.stats;
        const line = `${s?.passes ?? 0} passing, ${s?.failures ?? failures} failing, ${s?.pending ?? 0} pending (VS Code ${vscode.version}, ${vscode.env.appName}, ${s?.duration ?? 0} ms in the extension host)`;
        writeFileSync(summaryFile, line + '\n');
      }
      if (failures > 0) reject(new Error(`${failures} extension test(s) failed`));
      else resolve();
    });
  });
}
