// Compiles the extension-host test suite (test/extension/*.ts) to out/test/extension/*.js, and the
// loopback fake LLM server the suite starts (test/fake-llm/server.ts) to out/test/fake-llm/.
//
// One CommonJS file per source, not a bundle: `vscode` only exists inside the extension host, and
// mocha is loaded from node_modules at run time (it is a devDependency, never shipped in the .vsix).
// The fixture workspace (test/extension/fixtures/) is not compiled; runTest copies it.
import * as esbuild from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const src = 'test/extension';
const entryPoints = [
  ...readdirSync(src)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(src, f)),
  'test/fake-llm/server.ts',
];

for (const dir of ['out/test/extension', 'out/test/fake-llm']) rmSync(dir, { recursive: true, force: true });
await esbuild.build({
  entryPoints,
  // Relative imports keep working: test/extension/x.ts → out/test/extension/x.js imports ../fake-llm/server.
  outbase: 'test',
  outdir: 'out/test',
  bundle: false,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'inline',
  logLevel: 'warning',
});
console.log(`extension tests: ${entryPoints.length} files compiled to out/test/{extension,fake-llm}/`);
