// Runs the test suites with node's built-in runner (TypeScript through tsx).
// Usage: node scripts/run-tests.mjs [unit|integration|...]   (default: every suite)
// The runner's own summary (`ℹ pass N` / `ℹ fail N`) is the closing output CI reads.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const suites = process.argv.slice(2);
const roots = suites.length ? suites.map((s) => join('test', s)) : ['test'];
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'fixtures') walk(p);
    } else if (name.endsWith('.test.ts')) files.push(p);
  }
};
for (const r of roots) walk(r);
if (!files.length) {
  console.error('no test files found under', roots.join(', '));
  process.exit(1);
}
const res = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files],
  { stdio: 'inherit' },
);
process.exit(res.status ?? 1);
