// Opening a results dataset published on the Hugging Face Hub in the viewer (`qed view ORG/NAME`,
// VS Code's Open Results): the viewer works on a JSONL file it can also write human grades and
// regrades into, so the split is read as `qed run --data-path` reads it (the hub cache, a download
// only when needed) and copied once to a JSONL file of the workspace.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseHubId, type HubOptions } from './hub';
import { writeJsonlAtomic } from './jsonl';
import { readDataset } from './read';

export interface HubCopy {
  /** The JSONL file to open. */
  file: string;
  /** True when it was written now; false when an earlier copy (maybe with edits) was reused. */
  created: boolean;
  /** 'hf:owner/name@split', and the revision when the copy was made now. */
  source: string;
  revision?: string;
}

/** Where the copy of a hub dataset's split lives: `<cwd>/outputs/hub/<owner>--<name>/<split>.jsonl`. */
export function hubCopyPath(cwd: string, id: string, split: string): string {
  return resolve(cwd, 'outputs', 'hub', id.split('/').join('--'), `${split.replace(/[^\w.-]+/g, '_')}.jsonl`);
}

/**
 * The JSONL copy of a hub dataset's split, made from the cached (or downloaded) files the first
 * time and reused afterwards, so grades added in the viewer are never overwritten by a new copy
 * (delete the copy to take a fresh one).
 */
export async function hubResultsCopy(idOrRef: string, opts: HubOptions & { cwd: string }): Promise<HubCopy> {
  const id = parseHubId(idOrRef) ?? idOrRef;
  const split = opts.split ?? 'train';
  const file = hubCopyPath(opts.cwd, id, split);
  const source = `hf:${id}@${split}`;
  if (existsSync(file) || existsSync(`${file}.partial`)) return { file, created: false, source };
  const ds = await readDataset(idOrRef, { ...opts, split });
  await writeJsonlAtomic(file, ds.rows);
  return { file, created: true, source, revision: ds.revision };
}
