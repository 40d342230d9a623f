import { join } from 'node:path';
import type * as Engine from './engine';

let loaded: typeof Engine | undefined;

/**
 * The engine bundle (dist/engine.js), loaded the first time a command needs it. The path is built
 * at run time so that esbuild leaves the engine out of dist/extension.js.
 */
export function engine(): Promise<typeof Engine> {
  if (!loaded) {
    const file = join(__dirname, 'engine.js');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require(file) as typeof Engine;
    // Locks taken by this window name it (a refusal in a terminal says a VS Code window holds the file).
    loaded.lock.setLockOwner('a VS Code window');
  }
  return Promise.resolve(loaded);
}
