// Builds the bundles the extension ships:
//   dist/extension.js  VS Code extension host (CommonJS, `vscode` external): the editor glue only
//   dist/engine.js     the engine the extension loads on first use (keeps activation light)
//   dist/cli.js        the headless `qed` command (CommonJS, node)
//   dist/cas.js        the computer algebra system the answer checker loads when it needs it
//                      (large; shared by engine.js and cli.js, which require it from beside them)
//   dist/webview.js    the results viewer (browser, one IIFE; the same bundle for both hosts)
//   dist/webview.css   KaTeX's stylesheet (woff2 fonts only) followed by the viewer's own
//   dist/KaTeX_*.woff2 KaTeX's fonts, beside the stylesheet that names them
// and, from the config key table, configs/schema/model-config.schema.json and README's key table.
import * as esbuild from 'esbuild';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'info',
  legalComments: 'linked',
};

/**
 * Large parts a bundle loads only when needed stay out of it, required from beside it at run time:
 * `./cas` (src/core/grade/answer/cas.ts, from precise.ts) as `./cas.js`, `./screens`
 * (src/cli/screens.ts, from viewServer.ts) as `./screens.js`.
 */
const APART = { 'src/core/grade/answer/precise.ts': './cas', 'src/cli/viewServer.ts': './screens' };
const apart = {
  name: 'apart',
  setup(b) {
    b.onResolve({ filter: /^\.\/\w+$/ }, (args) => {
      const importer = args.importer.replaceAll('\\', '/');
      const hit = Object.entries(APART).find(([file, path]) => importer.endsWith(file) && path === args.path);
      return hit ? { path: `${args.path}.js`, external: true } : undefined;
    });
  },
};

const builds = [
  { ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { ...common, entryPoints: ['src/extension/engine.ts'], outfile: 'dist/engine.js', plugins: [apart] },
  {
    ...common,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
    plugins: [apart],
  },
  { ...common, entryPoints: ['src/core/grade/answer/cas.ts'], outfile: 'dist/cas.js', sourcemap: false },
  { ...common, entryPoints: ['src/cli/screens.ts'], outfile: 'dist/screens.js', sourcemap: false },
];

const browser = {
  bundle: true,
  platform: 'browser',
  target: ['chrome114', 'firefox115', 'safari16'],
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'info',
  legalComments: 'linked',
};
builds.push(
  { ...browser, entryPoints: ['src/webview/app/main.ts'], outfile: 'dist/webview.js', format: 'iife' },
  {
    ...browser,
    entryPoints: ['src/webview/app/styles.css'],
    outfile: 'dist/webview.css',
    sourcemap: false,
    plugins: [{ name: 'katex', setup: (b) => b.onEnd((r) => (r.errors.length ? undefined : addKatex())) }],
  },
);

/**
 * KaTeX's CSS with only the woff2 sources (every browser and VS Code webview reads woff2), its
 * fonts copied beside it, then the viewer's CSS: one stylesheet for the page.
 */
function addKatex() {
  const katexDir = join(dirname(createRequire(import.meta.url).resolve('katex/package.json')), 'dist');
  const css = readFileSync(join(katexDir, 'katex.min.css'), 'utf8').replace(
    /src:url\(fonts\/([\w-]+\.woff2)\) format\("woff2"\)(,url\([^)]*\) format\("[^"]*"\))*/g,
    'src:url($1) format("woff2")',
  );
  if (/\.woff\)|\.ttf\)|url\(fonts\//.test(css))
    throw new Error('esbuild.mjs: unexpected KaTeX CSS font sources; update addKatex()');
  for (const f of readdirSync(join(katexDir, 'fonts')))
    if (f.endsWith('.woff2')) copyFileSync(join(katexDir, 'fonts', f), join('dist', f));
  const own = readFileSync('dist/webview.css', 'utf8');
  writeFileSync(
    'dist/webview.css',
    `/* KaTeX ${JSON.parse(readFileSync(join(katexDir, '..', 'package.json'), 'utf8')).version} (MIT) */\n${css}\n${own}\n${darkByMedia()}`,
  );
}

/**
 * The dark palette (styles.css, the rule that starts with `body.vscode-dark,`) again for `qed view`
 * in a browser that prefers dark, by media query: a page painted before its script runs (the
 * first screen of a deep link) is then dark from its first frame. Written from the one rule, so
 * the two cannot drift.
 */
function darkByMedia() {
  const src = readFileSync('src/webview/app/styles.css', 'utf8');
  const m = /\nbody\.vscode-dark,\n[^{]*\bbody\.qed-dark \{([^}]*)\}/.exec(src);
  if (!m) throw new Error('esbuild.mjs: the dark palette rule of styles.css was not found; update darkByMedia()');
  return `@media (prefers-color-scheme: dark){body[data-host='http']{${m[1].replace(/\s+/g, '')}}}\n`;
}

/**
 * The config schema for editors and the README's key table, both written from the key table
 * (src/core/config/keys.ts + schema.ts), so they cannot drift from what the parser checks.
 * A file is rewritten only when its text changes.
 */
async function writeConfigDocs() {
  const out = await esbuild.build({
    entryPoints: ['src/core/config/schema.ts'],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
    logLevel: 'silent',
  });
  const mod = { exports: {} };
  new Function('module', 'exports', 'require', out.outputFiles[0].text)(
    mod,
    mod.exports,
    createRequire(import.meta.url),
  );
  const { configSchemaText, withKeyTable } = mod.exports;
  const update = (file, text) => {
    if (text !== undefined && readFileSync(file, 'utf8') !== text) writeFileSync(file, text);
  };
  update('configs/schema/model-config.schema.json', configSchemaText());
  update('README.md', withKeyTable(readFileSync('README.md', 'utf8')));
}

mkdirSync('dist', { recursive: true });
await writeConfigDocs();
if (watch) {
  for (const b of builds) {
    const ctx = await esbuild.context(b);
    await ctx.watch();
  }
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  chmodSync('dist/cli.js', 0o755);
}
