/**
 * npm run bench — every bench, one after the other, then one table of their figures (each with
 * its target and whether it is met). Each bench runs in its own process, as its own npm script
 * would run it, and prints its usual report; the figures are the lines it marks with
 * FIGURE_PREFIX (bench/figure.ts).
 *
 *   node --import tsx bench/all.ts [--only view,run-throughput] [--first-row]
 *
 * --first-row also runs bench/first-row (needs the packaged .vsix and code-server: slow).
 * The build (`node esbuild.mjs --production`) runs first: activation and the viewer's browser
 * figures use dist/. Exit status 1 when a bench failed to run (not when a target is missed).
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { FIGURE_PREFIX, formatValue, type Figure } from './figure';

const ROOT = join(__dirname, '..');
const args = process.argv.slice(2);
const only = args.includes('--only') ? new Set(args[args.indexOf('--only') + 1].split(',')) : undefined;

const BENCHES: Array<{ name: string; node: string[]; optional?: boolean; before?: string[][] }> = [
  { name: 'activation', node: ['--import', 'tsx', 'bench/activation.ts'] },
  { name: 'answer-check', node: ['--import', 'tsx', 'bench/answer-check.ts'] },
  { name: 'render', node: ['--import', 'tsx', 'bench/render.ts'] },
  { name: 'view', node: ['--expose-gc', '--import', 'tsx', 'bench/view.ts'] },
  { name: 'rowpage', node: ['--import', 'tsx', 'bench/rowpage.ts'] },
  { name: 'run-throughput', node: ['--import', 'tsx', 'bench/run-throughput.ts'] },
  { name: 'agents', node: ['--import', 'tsx', 'bench/agents.ts'] },
  {
    name: 'first-row',
    node: ['--import', 'tsx', 'bench/first-row.ts'],
    optional: true,
    before: [
      ['npm', 'run', 'package'],
      ['bash', 'scripts/host/setup.sh'],
    ],
  },
];

function run(cmd: string, argv: string[], onLine: (line: string) => void): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    createInterface({ input: child.stdout! }).on('line', onLine);
    child.on('close', (code) => resolve(code ?? 1));
    child.on('error', () => resolve(127));
  });
}

async function main(): Promise<void> {
  const started = new Date();
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GB, node ${process.version}`;
  console.log(
    `npm run bench — ${started.toISOString()} — ${machine}; load average at start ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
  );
  const build = spawnSync(process.execPath, ['esbuild.mjs', '--production'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the build failed');
  const rows: Array<{ bench: string; f?: Figure; failed?: string }> = [];
  for (const b of BENCHES) {
    if (only ? !only.has(b.name) : b.optional && !args.includes(`--${b.name}`)) continue;
    console.log(`\n━━ bench:${b.name} ━━`);
    let ok = true;
    for (const [cmd, ...rest] of b.before ?? []) if ((await run(cmd, rest, (l) => console.log(l))) !== 0) ok = false;
    const found: Figure[] = [];
    const code = ok
      ? await run(process.execPath, b.node, (line) => {
          if (line.startsWith(FIGURE_PREFIX)) found.push(JSON.parse(line.slice(FIGURE_PREFIX.length)) as Figure);
          else console.log(line);
        })
      : 1;
    for (const f of found) rows.push({ bench: b.name, f });
    if (code !== 0) rows.push({ bench: b.name, failed: `exited with ${code}` });
  }
  const secs = (Date.now() - started.getTime()) / 1000;
  console.log(
    `\n━━ figures (${secs.toFixed(0)} s in all; load average now ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}) ━━`,
  );
  const w = Math.max(...rows.map((r) => (r.f?.name ?? '').length), 20);
  console.log(`${'bench'.padEnd(15)}${'figure'.padEnd(w + 2)}${'value'.padStart(14)}  ${'target'.padEnd(9)}met`);
  for (const r of rows) {
    if (r.failed) console.log(`${r.bench.padEnd(15)}${'(failed to run)'.padEnd(w + 2)}${r.failed}`);
    else if (r.f)
      console.log(
        `${r.bench.padEnd(15)}${r.f.name.padEnd(w + 2)}${formatValue(r.f).padStart(14)}  ${(r.f.target ?? '–').padEnd(9)}${r.f.met === undefined ? '–' : r.f.met ? 'yes' : 'NO'}`,
      );
  }
  const targets = rows.filter((r) => r.f?.target !== undefined);
  console.log(`\n${targets.filter((r) => r.f!.met).length} of ${targets.length} targets met`);
  if (rows.some((r) => r.failed)) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
