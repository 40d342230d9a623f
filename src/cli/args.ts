import { parseArgs, type ParseArgsConfig } from 'node:util';
import { QedError, describeError } from '../core/errors';

/** parseArgs with errors that say which command's options were wrong. */
export function parse(args: string[], options: ParseArgsConfig['options'], command: string): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (e) {
    throw new QedError(`${describeError(e)}`, { field: command }, `see 'qed ${command} --help'`);
  }
}


/** A `--name N` option that must be a positive whole number. */
export function positiveInt(v: string | boolean | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < 1) throw new QedError(`expected a positive whole number, got '${String(v)}'`, { field: `--${name}` });
  return n;
}

/** A string option, or undefined. */
export function str(v: string | boolean | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
