import * as zlib from 'node:zlib';
import { QedError } from '../errors';
import { columnsOf, type Table } from './table';
import type { Row } from './types';

type Decompress = (input: Uint8Array, outputLength: number) => Uint8Array;

/**
 * Decompressors for the parquet codecs hyparquet does not read itself (it reads SNAPPY): ZSTD and
 * LZ4 from `hyparquet-compressors` (loaded with the parquet reader, on first use), GZIP and BROTLI
 * from node:zlib, and node:zlib's native zstd where the running Node has it (22.15 on).
 */
function allCompressors(c: typeof import('hyparquet-compressors')): Record<string, Decompress> {
  const out: Record<string, Decompress> = {
    ZSTD: (input) => c.decompressZstd(input),
    LZ4: c.decompressLz4,
    LZ4_RAW: c.decompressLz4Raw,
  };
  out.GZIP = (input) => new Uint8Array(zlib.gunzipSync(input));
  out.BROTLI = (input) => new Uint8Array(zlib.brotliDecompressSync(input));
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
  const compressors = await import('hyparquet-compressors');
  let raw: Record<string, unknown>[];
  try {
    const buffer = await asyncBufferFromFile(file);
    raw = await parquetReadObjects({ file: buffer, compressors: allCompressors(compressors) });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const codec = /unsupported compression codec: (\w+)/.exec(message)?.[1];
    if (codec) {
      throw new QedError(
        `this parquet file is compressed with ${codec}, which this workbench cannot decompress`,
        { file },
        'convert it to JSONL, CSV or parquet compressed with snappy, gzip, brotli, zstd or lz4',
      );
    }
    throw new QedError(
      `cannot read the parquet file: ${message}`,
      { file },
      'check that the file is complete (not a partial download or a Git LFS pointer)',
    );
  }
  const rows: Row[] = raw.map((r) => normalize(r) as Row);
  return { rows, columns: columnsOf(rows), warnings: [] };
}
