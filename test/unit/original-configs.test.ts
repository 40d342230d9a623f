/**
 * The original stack's own config files, copied unchanged from its repository (a bare git mirror;
 * QED_ORIGINAL_REPO overrides where it is): every model config and every agent config whose
 * references exist there passes validation with no warning at all (no key we would forward or
 * ignore), and our shipped configs with an original's name carry its settings.
 * Skipped, with a message, when the mirror is absent (a fresh clone).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig, validateConfigFile } from '../../src/core/config';
import { identityFields } from '../../src/core/config/identity';
import type { ModelConfig } from '../../src/core/config/types';
import { parse as parseYaml } from 'yaml';

const REPO = path.resolve(__dirname, '../..');
const MIRROR = process.env.QED_ORIGINAL_REPO ?? '/work/.mirror/CMU-AIRe+QED-Nano/repo';

/** The original's eval/configs in a temp folder, or why not. */
function originalConfigs(): { root?: string; why?: string } {
  if (!fs.existsSync(MIRROR)) return { why: `the original's repository is not at ${MIRROR} (set QED_ORIGINAL_REPO)` };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qed-orig-'));
  try {
    const tar = execFileSync('git', ['-C', MIRROR, 'archive', 'HEAD', 'eval/configs'], { maxBuffer: 64 << 20 });
    execFileSync('tar', ['-x', '-C', dir], { input: tar });
  } catch (e) {
    return { why: `cannot read eval/configs from ${MIRROR}: ${String(e)}` };
  }
  return { root: path.join(dir, 'eval/configs') };
}

function yamlFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.yaml'))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

const orig = originalConfigs();
const skip = orig.why ? `skipped: ${orig.why}` : false;

describe("the original's configs", { skip }, () => {
  const root = orig.root!;
  const files = skip ? [] : yamlFiles(path.join(root, 'models'));
  const raw = (f: string) => parseYaml(fs.readFileSync(f, 'utf8')) as Record<string, unknown>;
  const isAgent = (f: string) => raw(f).type === 'agent';
  /** An agent config whose model and scaffold files exist in the original's own tree. */
  const loadable = (f: string) => {
    const r = raw(f);
    return ['model_config', 'scaffold_config', 'verifier_model', 'improver_model', 'summarizer_model']
      .filter((k) => typeof r[k] === 'string')
      .every((k) => fs.existsSync(path.join(root, `${String(r[k])}.yaml`)));
  };

  it('all 43 model configs and the 21 loadable agent configs validate with no error and no warning', async () => {
    const models = files.filter((f) => !isAgent(f));
    const agents = files.filter((f) => isAgent(f) && loadable(f));
    assert.equal(models.length, 43);
    assert.equal(agents.length, 21);
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'qed-ws-'));
    for (const f of [...models, ...agents]) {
      assert.deepEqual(
        await validateConfigFile(f, { cwd, shippedRoot: path.join(REPO, 'configs') }),
        [],
        path.relative(root, f),
      );
    }
  });

  it('our shipped configs with an original name carry its settings (prices, limits, api flags, effort)', async () => {
    const shipped = path.join(REPO, 'configs/models');
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'qed-ws-'));
    /** Deliberate differences, each explained by a comment in the shipped file. */
    const onPurpose: Record<string, string[]> = { 'google/gemini-3-pro': ['delimiters'] };
    let compared = 0;
    for (const f of yamlFiles(shipped)) {
      const id = path.relative(shipped, f).replace(/\.yaml$/, '');
      const twin = path.join(root, 'models', `${id}.yaml`);
      if (!fs.existsSync(twin)) continue;
      compared++;
      const ours = await loadConfig(f, { cwd, shippedRoot: path.join(REPO, 'configs') });
      const theirs = await loadConfig(twin, { cwd, shippedRoot: path.join(REPO, 'configs') });
      assert.equal(ours.kind, theirs.kind, id);
      if (ours.kind === 'agent' || theirs.kind === 'agent') {
        assert.deepEqual(
          [ours.raw.model_config, ours.raw.scaffold_config],
          [theirs.raw.model_config, theirs.raw.scaffold_config],
          id,
        );
        continue;
      }
      const a = ours as ModelConfig;
      const b = theirs as ModelConfig;
      const view = (c: ModelConfig) => {
        const v: Record<string, unknown> = {
          ...identityFields(c),
          read_cost: c.readCost,
          write_cost: c.writeCost,
          concurrent_requests: c.concurrentRequests,
          background: c.background,
        };
        for (const k of onPurpose[id] ?? []) delete v[k];
        return v;
      };
      assert.deepEqual(view(a), view(b), id);
      for (const k of onPurpose[id] ?? [])
        assert.match(fs.readFileSync(f, 'utf8'), new RegExp(`#.*${k}`), `${id}: a comment says why ${k} differs`);
    }
    assert.ok(compared >= 10, `compared ${compared}`);
  });
});
