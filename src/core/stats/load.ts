// Reading the result files `qed stats` is pointed at (the only part of src/core/stats with I/O).

import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { readJsonlRows } from '../data/jsonl';
import { QedError } from '../errors';
import type { StatsInput } from './types';

/**
 * Files and folders → result files: a folder stands for its `*.jsonl` files (not its sub-folders),
 * sorted by name; files are kept as given. A path named twice is read once.
 */
export async function expandStatsPaths(paths: readonly string[], cwd = process.cwd()): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (p: string) => {
    const key = resolve(cwd, p);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(p);
    }
  };
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = (await stat(resolve(cwd, p))).isDirectory();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new QedError('file not found', { file: p });
      throw e;
    }
    if (!isDir) {
      add(p);
      continue;
    }
    const entries = await readdir(resolve(cwd, p), { withFileTypes: true });
    const names = entries
      .filter((e) => e.isFile() && e.name.endsWith('.jsonl'))
      .map((e) => e.name)
      .sort();
    if (!names.length) throw new QedError('this folder holds no .jsonl files', { file: p });
    for (const n of names) add(join(p, n));
  }
  return out;
}

/** Reads each file strictly: a malformed line is a QedError naming file:line (the absolute path). */
export async function loadStatsFiles(files: readonly string[], cwd = process.cwd()): Promise<StatsInput[]> {
  const out: StatsInput[] = [];
  for (const file of files) {
    const { rows } = await readJsonlRows(resolve(cwd, file));
    out.push({ file, rows });
  }
  return out;
}
