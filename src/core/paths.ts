import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The `configs/` folder shipped with the tool: next to `dist/` in a build or a .vsix
 * (dist/cli.js → ../configs), or at the repository root when running from sources.
 */
export function shippedConfigsRoot(): string {
  const candidates = [
    resolve(__dirname, '..', 'configs'),
    resolve(__dirname, '..', '..', 'configs'),
    resolve(__dirname, '..', '..', '..', 'configs'),
  ];
  for (const c of candidates) if (existsSync(join(c, 'prompts'))) return c;
  return candidates[0];
}
