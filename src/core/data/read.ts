import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { QedError } from '../errors';
import { applyColumnMapping } from './columns';
import { parseCsvText } from './csv';
import { downloadHubDataset, looksLikeHubId, type HubOptions } from './hub';
import { parseJsonText } from './json';
import { parseJsonlText } from './jsonl';
import { readParquetFile } from './parquet';
import { columnsOf, type Table } from './table';
import { decodeText } from './text';
import type { Dataset, Row } from './types';

export interface ReadDatasetOptions extends HubOptions {
  /**
   * Extra renames applied after the automatic IMO-Bench ones: column name in the file (or its
   * automatic new name) → name to use, e.g. { Question: 'problem' }.
   */
  columnMap?: Record<string, string>;
}

/** File extensions readDataset understands. */
export const DATASET_EXTENSIONS = ['.jsonl', '.ndjson', '.json', '.csv', '.tsv', '.parquet'] as const;

async function readText(file: string): Promise<string> {
  return decodeText(await readFile(file), file);
}

/** Reads one local data file into rows, choosing the parser by extension (no renaming). */
export async function readTableFile(file: string): Promise<Table> {
  const ext = extname(file).toLowerCase();
  switch (ext) {
    case '.jsonl':
    case '.ndjson': {
      const rows = parseJsonlText(await readText(file), file).rows.map((r) => r.row);
      return { rows, columns: columnsOf(rows), warnings: [] };
    }
    case '.json':
      return parseJsonText(await readText(file), file);
    case '.csv':
      return parseCsvText(await readText(file), file, ',');
    case '.tsv':
      return parseCsvText(await readText(file), file, '\t');
    case '.parquet':
      return readParquetFile(file);
    default:
      throw new QedError(
        ext ? `unsupported file type '${ext}'` : 'the file has no extension, so its format is unknown',
        { file },
        `use one of ${DATASET_EXTENSIONS.join(', ')}`,
      );
  }
}

function expandHome(p: string): string {
  if (p === '~') return homedir();
  if (p.startsWith('~/') || p.startsWith('~\\')) return join(homedir(), p.slice(2));
  return p;
}

function build(
  table: Table,
  file: string,
  source: string,
  columnMap: Record<string, string> | undefined,
  extra: Partial<Dataset> = {},
): Dataset {
  if (table.rows.length === 0) {
    throw new QedError('the dataset has no rows', { file }, 'check that this is the right file (and split)');
  }
  const mapped = applyColumnMapping(table.rows, table.columns, file, columnMap);
  const warnings = [...table.warnings, ...mapped.warnings, ...(extra.warnings ?? [])];
  const dataset: Dataset = { source, file, rows: mapped.rows, columns: mapped.columns, renamed: mapped.renamed };
  if (extra.revision !== undefined) dataset.revision = extra.revision;
  if (extra.files !== undefined) dataset.files = extra.files;
  if (warnings.length > 0) dataset.warnings = warnings;
  return dataset;
}

/**
 * Reads a benchmark dataset.
 *
 * `pathOrId` is a local file (.jsonl, .ndjson, .json, .csv, .tsv, .parquet; `~` expands to the
 * home folder) or, when no such file exists and it looks like `owner/name` (or carries an `hf:`
 * prefix), a Hugging Face dataset, downloaded once into a local cache (see downloadHubDataset).
 * IMO-Bench headers are renamed to the canonical column names, then `columnMap` applies.
 * Every input problem is a QedError naming file, line and column where known.
 */
export async function readDataset(pathOrId: string, opts: ReadDatasetOptions = {}): Promise<Dataset> {
  opts.signal?.throwIfAborted();
  if (pathOrId.trim() === '')
    throw new QedError('no dataset given', { field: 'data-path' }, 'pass a file path or a Hugging Face dataset id');

  if (!pathOrId.startsWith('hf:')) {
    const file = resolve(expandHome(pathOrId));
    let isDir = false;
    let exists = false;
    try {
      const st = await stat(file);
      exists = true;
      isDir = st.isDirectory();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e;
    }
    if (isDir) {
      throw new QedError(
        'this is a folder; pass a data file',
        { file },
        `use a file ending in ${DATASET_EXTENSIONS.join(', ')}`,
      );
    }
    if (exists) return build(await readTableFile(file), file, pathOrId, opts.columnMap);
    if (!looksLikeHubId(pathOrId)) {
      throw new QedError(
        'file not found',
        { file },
        `check the path; a relative path is resolved from ${process.cwd()}`,
      );
    }
  }

  const hub = await downloadHubDataset(pathOrId, opts);
  const rows: Row[] = [];
  const warnings: string[] = [];
  for (const f of hub.files) {
    opts.signal?.throwIfAborted();
    const t = await readTableFile(f);
    for (const r of t.rows) rows.push(r);
    warnings.push(...t.warnings);
  }
  return build(
    { rows, columns: columnsOf(rows), warnings },
    hub.files[0],
    `hf:${hub.id}@${hub.split}`,
    opts.columnMap,
    {
      revision: hub.revision,
      files: hub.files,
      warnings: hub.warnings,
    },
  );
}
