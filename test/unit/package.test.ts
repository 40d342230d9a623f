/**
 * The .vsix is built from `.vscodeignore` (ignore everything, then let through a list). A bundle
 * missing from that list builds and tests fine here and breaks only in the installed extension:
 * check the list against what the build (run by `npm test` before the tests) writes to dist/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const DIST = path.join(ROOT, 'dist');

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (ch === '*') re += '[^/]*';
    else re += ch.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Whether the .vsix takes a path, by the last matching line of .vscodeignore (as vsce reads it). */
function shipped(rel: string): boolean {
  let inside = true;
  for (const raw of readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    if (globToRegExp(negated ? line.slice(1) : line).test(rel)) inside = negated;
  }
  return inside;
}

test('the .vsix carries every bundle, stylesheet and font the build writes, and no source maps', (t) => {
  if (!existsSync(path.join(DIST, 'extension.js'))) return t.skip('dist/ not built (npm test builds it first)');
  const files = readdirSync(DIST).filter((f) => !f.endsWith('.vsix'));
  const missing = files.filter((f) => !f.endsWith('.map') && !shipped(`dist/${f}`));
  assert.deepEqual(missing, [], `built but left out of the .vsix: ${missing.join(', ')}`);
  assert.deepEqual(
    files.filter((f) => f.endsWith('.map') && shipped(`dist/${f}`)),
    [],
  );
  assert.ok(
    !shipped('src/core/run/engine.ts') &&
      !shipped('node_modules/openai/index.js') &&
      !shipped('test/unit/package.test.ts'),
  );
  assert.ok(shipped('configs/models/openai/gpt-5.yaml') && shipped('README.md') && shipped('LICENSE'));
});

test('every file a bundle requires from beside it is built and shipped', (t) => {
  if (!existsSync(path.join(DIST, 'engine.js'))) return t.skip('dist/ not built (npm test builds it first)');
  const required = new Set<string>();
  for (const bundle of ['extension.js', 'engine.js', 'cli.js']) {
    const text = readFileSync(path.join(DIST, bundle), 'utf8');
    for (const m of text.matchAll(/require\(["']\.\/([\w.-]+)["']\)/g)) required.add(m[1]);
  }
  // The engine and the CLI load the computer algebra system from beside them.
  assert.ok(required.has('cas.js'), `expected ./cas.js among ${[...required].join(', ')}`);
  // qed view's server loads its renderer from beside the CLI.
  assert.ok(required.has('screens.js'), `expected ./screens.js among ${[...required].join(', ')}`);
  for (const f of required) {
    assert.ok(existsSync(path.join(DIST, f)), `dist/${f} is required but not built`);
    assert.ok(shipped(`dist/${f}`), `dist/${f} is required but left out of the .vsix`);
  }
});
