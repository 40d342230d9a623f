// The bytes the viewer indexes for one results file: the file itself followed by the journal a
// running job appends to (`<file>.partial`), as if they were one file. A job writes its finished
// rows to the journal and only rewrites the results file when it ends, so this is how rows show
// up in the viewer while they are being produced. Offsets past `journalBase` are journal bytes.

import { open, type FileHandle } from 'node:fs/promises';

export interface FileStat {
  size: number;
  mtimeMs: number;
  ino: number;
}

export interface Reader {
  /** Bytes readable now: the file, a newline when it lacks a final one, then the journal. */
  readonly size: number;
  /** Where the journal's bytes begin; undefined when there is no journal. */
  readonly journalBase: number | undefined;
  read(buf: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  /** The two files' current figures (sizes as read, so a file that grew since is noticed). */
  stats(): Promise<{ main: FileStat | undefined; journal: FileStat | undefined }>;
  close(): Promise<void>;
}

async function openIfThere(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

const figures = async (fh: FileHandle | undefined): Promise<FileStat | undefined> => {
  if (!fh) return undefined;
  const st = await fh.stat();
  return { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino };
};

/** Opens the results file and its journal (either may be missing). */
export async function openReader(file: string, journal: string): Promise<Reader> {
  const main = await openIfThere(file);
  const jh = await openIfThere(journal);
  try {
    const mainSize = main ? (await main.stat()).size : 0;
    const journalSize = jh ? (await jh.stat()).size : 0;
    let pad = 0;
    if (jh && mainSize > 0) {
      const last = Buffer.alloc(1);
      await main!.read(last, 0, 1, mainSize - 1);
      if (last[0] !== 0x0a) pad = 1;
    }
    const base = mainSize + pad;
    return {
      size: jh ? base + journalSize : mainSize,
      journalBase: jh ? base : undefined,
      async read(buf, offset, length, position) {
        let got = 0;
        while (got < length) {
          const pos = position + got;
          let n = 0;
          if (pos < mainSize) {
            n = (await main!.read(buf, offset + got, Math.min(length - got, mainSize - pos), pos)).bytesRead;
          } else if (pos < base) {
            buf[offset + got] = 0x0a;
            n = 1;
          } else if (jh) {
            n = (await jh.read(buf, offset + got, length - got, pos - base)).bytesRead;
          }
          if (n === 0) break;
          got += n;
        }
        return { bytesRead: got };
      },
      async stats() {
        return { main: await figures(main), journal: await figures(jh) };
      },
      async close() {
        await Promise.all([main?.close(), jh?.close()]);
      },
    };
  } catch (e) {
    await Promise.all([main?.close(), jh?.close()]);
    throw e;
  }
}
