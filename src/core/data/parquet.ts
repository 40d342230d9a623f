import * as zlib from 'node:zlib';
import { QedError } from '../errors';
import { columnsOf, type Table } from './table';
import type { Row } from './types';

type Decompress = (input: Uint8Array, outputLength: number) => Uint8Array;

/** Decompressors for the codecs Node can decode itself (hyparquet handles SNAPPY on its own). */
function nodeCompressors(): Record<string, Decompress> {
  const out: Record<string, Decompress> = {
    GZIP: (input) => new Uint8Array(zlib.gunzipSync(input)),
    BROTLI: (input) => new Uint8Array(zlib.brotliDecompressSync(input)),
  };
  // zstd landed in node:zlib after Node 20; use it when the running Node has it.
  const zstd = (zlib as unknown as { zstdDecompressSync?: (b: Uint8Array) => Buffer }).zstdDecompressSync;
  if (typeof zstd === 'function') out.ZSTD = (input) => new Uint8Array(zstd(input));
  return out;
}

/** Makes parquet values JSON-friendly: 64-bit integers become numbers (strings if too large), dates ISO strings. */
function normalize(value: unknown): unknown {
  if (typeof value === 'bigint') {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value.toString();
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = normalize(v);
    return out;
  }
  return value;
}

/** Reads every row of a parquet file (uses the pure-JS `hyparquet` reader, loaded on first use). */
export async function readParquetFile(file: string): Promise<Table> {
  const { asyncBufferFromFile, parquetReadObjects } = await import('hyparquet');
  let raw: Record<string, unknown>[];
  try {
    const buffer = await asyncBufferFromFile(file);
    raw = await parquetReadObjects({ file: buffer, compressors: nodeCompressors() });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const codec = /unsupported compression codec: (\w+)/.exec(message)?.[1];
    if (codec) {
      throw new QedError(
        `this parquet file is compressed with ${codec}, which this Node.js cannot decompress`,
        { file },
        'convert it to JSONL, CSV or snappy/gzip-compressed parquet',
      );
    }
    throw new QedError(`cannot read the parquet file: ${message}`, { file }, 'check that the file is complete (not a partial download or a Git LFS pointer)');
  }
  const rows: Row[] = raw.map((r) => normalize(r) as Row);
  return { rows, columns: columnsOf(rows), warnings: [] };
}
