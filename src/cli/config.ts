import { resolve } from 'node:path';
import { listConfigs, validateConfigFile } from '../core/config';
import { parse } from './args';
import { QedError } from '../core/errors';
import { envKeys } from '../core/llm';
import { LlmError, describeLlmError } from '../core/llm/errors';
import { probeConfig } from '../core/llm/probe';
import { formatUsd } from '../core/format';
import { loadModelConfig } from './job';
import { agentRunnable } from '../core/agents/runnable';

export const CONFIG_HELP = `qed config — model configs

Usage:
  qed config list [--json]            every config in ./configs and the shipped ones, by provider
                                      (the config's api); agents last, marked runnable or not
  qed config validate [FILE…]         check config files (default: every config listed above);
                                      errors and warnings as file:line:column
  qed config test NAME|FILE           one cheap request with the config: latency, tokens, cost
`;

export async function configCommand(args: string[], env: { shippedRoot: string }): Promise<number> {
  const [sub, ...rest] = args;
  const cwd = process.cwd();
  if (sub === 'list') {
    const { values } = parse(rest, { json: { type: 'boolean' } }, 'config list');
    const items = await listConfigs({ cwd, shippedRoot: env.shippedRoot });
    // Agents: checked as qed run checks them (scaffold, prompts, models), without a request.
    const runnable = new Map<string, { runnable: boolean; reason?: string }>();
    for (const i of items)
      if (i.kind === 'agent') runnable.set(i.id, await agentRunnable(i.file, { cwd, shippedRoot: env.shippedRoot }));
    if (values.json) {
      process.stdout.write(
        JSON.stringify(
          items.map(({ diagnostics, ...i }) => ({
            ...i,
            errors: diagnostics.filter((d) => d.severity === 'error').length,
            ...runnable.get(i.id),
          })),
          null,
          2,
        ) + '\n',
      );
      return 0;
    }
    // By provider (the config's api); agents last, as their own group.
    const groupOf = (i: (typeof items)[number]) => (i.kind === 'agent' ? 'agents' : (i.api ?? '(no api)'));
    const groups = [...new Set(items.map(groupOf))].sort(
      (a, b) => Number(a === 'agents') - Number(b === 'agents') || a.localeCompare(b),
    );
    const width = Math.max(10, ...items.map((i) => i.id.length));
    groups.forEach((g, n) => {
      process.stdout.write(`${n ? '\n' : ''}${g}\n`);
      for (const i of items.filter((x) => groupOf(x) === g)) {
        const errs = i.diagnostics.filter((d) => d.severity === 'error').length;
        const r = runnable.get(i.id);
        const what = i.kind === 'agent' ? `agent: ${i.model ?? '?'}` : `${i.api ?? '?'}: ${i.model ?? '?'}`;
        const state = errs
          ? `  ✗ ${errs} error(s)`
          : r && !r.runnable
            ? `  ✗ not runnable: ${r.reason}`
            : r
              ? '  runnable'
              : '';
        process.stdout.write(
          `  ${i.id.padEnd(width)}  ${what}${i.origin === 'shipped' ? '  (shipped)' : ''}${state}\n`,
        );
      }
    });
    return 0;
  }
  if (sub === 'validate') {
    const { positionals } = parse(rest, {}, 'config validate');
    const files = positionals.length
      ? positionals.map((p) => resolve(cwd, p))
      : (await listConfigs({ cwd, shippedRoot: env.shippedRoot })).map((i) => i.file);
    let errors = 0;
    let warnings = 0;
    for (const f of files) {
      const diags = await validateConfigFile(f, { cwd, shippedRoot: env.shippedRoot });
      for (const d of diags) {
        process.stdout.write(
          `${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.key ? `'${d.key}': ` : ''}${d.message}\n`,
        );
        if (d.severity === 'error') errors++;
        else warnings++;
      }
    }
    process.stdout.write(`${files.length} config(s) checked: ${errors} error(s), ${warnings} warning(s)\n`);
    return errors ? 1 : 0;
  }
  if (sub === 'test') {
    const { positionals } = parse(rest, {}, 'config test');
    if (positionals.length !== 1)
      throw new QedError('name one config to test', { field: 'config test' }, 'e.g. qed config test openai/gpt-5-mini');
    const cfg = await loadModelConfig(positionals[0], env.shippedRoot);
    let r;
    try {
      r = await probeConfig(cfg, { getKey: envKeys });
    } catch (e) {
      if (!(e instanceof LlmError)) throw e;
      process.stderr.write(`qed config test: ${cfg.id} (${cfg.api}: ${cfg.model}) failed: ${describeLlmError(e)}\n`);
      return 1;
    }
    const reply = r.text.trim().replace(/\s+/g, ' ');
    process.stdout.write(
      `${cfg.id} (${cfg.api}: ${cfg.model}) answered in ${r.time.toFixed(2)} s: ${r.usage.inputTokens} input + ${r.usage.outputTokens} output tokens, ${formatUsd(r.cost)}` +
        `${r.finishReason === 'length' ? ' (cut off by the output budget)' : ''}\nreply: ${reply.length > 200 ? reply.slice(0, 200) + '…' : reply}\n`,
    );
    return 0;
  }
  process.stderr.write(`qed config: unknown subcommand '${sub}'\n\n${CONFIG_HELP}`);
  return 2;
}
