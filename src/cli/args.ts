import { parseArgs, type ParseArgsConfig } from 'node:util';
import { QedError, describeError } from '../core/errors';
import { editDistance } from '../core/config/suggest';

/** parseArgs with errors that say which command's options were wrong. */
export function parse(
  args: string[],
  options: ParseArgsConfig['options'],
  command: string,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (e) {
    const unknown =
      (e as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
        ? /option '([^']+)'/.exec((e as Error).message)?.[1]
        : undefined;
    if (unknown) {
      const near = closestOption(unknown, Object.keys(options ?? {}));
      throw new QedError(
        `unknown option '${unknown}'${near ? ` — did you mean --${near}?` : ''}`,
        { field: command },
        `see 'qed ${command} --help'`,
      );
    }
    throw new QedError(`${describeError(e)}`, { field: command }, `see 'qed ${command} --help'`);
  }
}

/** The option nearest to a mistyped one ('--limt' → 'limit'), if one is close enough to be meant. */
export function closestOption(given: string, names: readonly string[]): string | undefined {
  const g = given.replace(/^-+/, '').split('=')[0].toLowerCase();
  let best: { name: string; d: number } | undefined;
  for (const name of names) {
    const d = name.startsWith(g) && g.length >= 3 ? 0.5 : editDistance(g, name);
    if (!best || d < best.d) best = { name, d };
  }
  return best && best.d <= Math.max(1, Math.floor(best.name.length / 3)) ? best.name : undefined;
}

/** A `--name N` option that must be a positive whole number. */
export function positiveInt(v: string | boolean | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < 1)
    throw new QedError(`expected a positive whole number, got '${String(v)}'`, { field: `--${name}` });
  return n;
}

/** A string option, or undefined. */
export function str(v: string | boolean | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
