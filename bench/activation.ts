/**
 * bench/activation — what activating the extension costs, outside VS Code.
 *
 * Loads the built dist/extension.js with a stand-in `vscode` module (every API call returns a
 * harmless stub) and times (a) loading the bundle and (b) activate(). The SDKs, the engine and the
 * viewer load lazily on first use, so neither should be in these figures. Also prints the sizes
 * of dist/extension.js and the .vsix when present. Target: activation under 50 ms.
 *
 * Run: npm run build && node --import tsx bench/activation.ts   (or npm run bench:activation)
 */
import Module from 'node:module';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { figure } from './figure';

const ROOT = resolve(__dirname, '..');
const BUNDLE = join(ROOT, 'dist', 'extension.js');
const VSIX = join(ROOT, 'dist', 'qed-workbench.vsix');

/** A stub that is callable, constructible and has every property: enough for activation code. */
function stub(): unknown {
  const fn = function () {
    return proxy;
  };
  const proxy: unknown = new Proxy(fn, {
    get: (_t, prop) => {
      if (prop === Symbol.toPrimitive) return () => '';
      if (prop === 'then') return undefined; // not a thenable
      if (prop === Symbol.iterator) return function* () {};
      return proxy;
    },
    set: () => true,
    apply: () => proxy,
    construct: () => proxy as object,
  });
  return proxy;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  if (!existsSync(BUNDLE)) throw new Error('build first: npm run build');
  // The bundle copies the module's own keys (esbuild's ESM interop): list the namespaces it uses.
  const vscodeStub: Record<string, unknown> = {};
  for (const k of [
    'window',
    'workspace',
    'commands',
    'languages',
    'env',
    'extensions',
    'Uri',
    'EventEmitter',
    'ThemeIcon',
    'ThemeColor',
    'TreeItem',
    'TreeItemCollapsibleState',
    'StatusBarAlignment',
    'DiagnosticSeverity',
    'Diagnostic',
    'Range',
    'Position',
    'Hover',
    'MarkdownString',
    'CodeLens',
    'CompletionItem',
    'CompletionItemKind',
    'ProgressLocation',
    'QuickPickItemKind',
    'ViewColumn',
    'Disposable',
    'ExtensionMode',
  ]) {
    vscodeStub[k] = stub();
  }
  const load = (Module as unknown as { _load: (req: string, parent: unknown, isMain: boolean) => unknown })._load;
  (Module as unknown as { _load: typeof load })._load = function (request, parent, isMain) {
    return request === 'vscode' ? vscodeStub : load.call(this, request, parent, isMain);
  };
  const context = {
    subscriptions: { push: () => 0 },
    extensionMode: 1, // Production
    extensionPath: ROOT,
    secrets: stub(),
    globalState: stub(),
    workspaceState: stub(),
  };
  const loads: number[] = [];
  const activations: number[] = [];
  for (let i = 0; i < 15; i++) {
    delete require.cache[require.resolve(BUNDLE)];
    const t0 = process.hrtime.bigint();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ext = require(BUNDLE) as { activate: (c: unknown) => unknown };
    const t1 = process.hrtime.bigint();
    await ext.activate(context);
    const t2 = process.hrtime.bigint();
    loads.push(Number(t1 - t0) / 1e6);
    activations.push(Number(t2 - t1) / 1e6);
  }
  const first = loads[0] + activations[0];
  console.log(`dist/extension.js: ${(statSync(BUNDLE).size / 1024).toFixed(0)} KB`);
  if (existsSync(VSIX)) console.log(`dist/qed-workbench.vsix: ${(statSync(VSIX).size / 1024).toFixed(0)} KB`);
  console.log(
    `first activation (cold: load + activate): ${first.toFixed(1)} ms (load ${loads[0].toFixed(1)} ms, activate ${activations[0].toFixed(1)} ms)`,
  );
  console.log(
    `warm median over ${loads.length - 1} reloads: load ${median(loads.slice(1)).toFixed(1)} ms, activate ${median(activations.slice(1)).toFixed(2)} ms`,
  );
  figure({
    name: 'extension activation, cold (load + activate)',
    value: first,
    unit: 'ms',
    target: '< 50',
    met: first < 50,
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
