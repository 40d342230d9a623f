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

