import { closeSync, existsSync, fdatasyncSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { writeJsonlAtomic } from '../data';
import type { Row } from '../data/types';
import { GroupSync } from '../run/groupSync';
import type { ToolCall, Usage } from '../llm/types';

/** What a finished model call of an agent returned: enough to replay it without paying again. */
export interface StoredReply {
  text: string;
  cot?: string;
  toolCalls?: ToolCall[];
  usage: Usage;
  /** USD. */
  cost: number;
  /** Seconds. */
  time: number;
  finishReason?: string;
  attempts: number;
}

interface StepRecord {
  /** The row's key (problem id @ run index). */
  row: string;
  /** The call's place in the scaffold's algorithm, e.g. 'verify/2/1'. */
  call: string;
  /** Fingerprint of the request (model config + messages + tools): a changed request is not replayed. */
  hash: string;
  reply: StoredReply;
}

/**
 * The step journal of an agent run, `<output>.steps`: one line per finished model call, fsync'ed
 * before the call counts. A rerun after a crash, kill -9 or cancel replays the calls it holds, so
 * each unfinished problem continues from its last finished step and no finished call is paid
 * twice. When the job ends, the records of finished rows are dropped; the file goes away once no
 * unfinished row needs it.
 */
export class StepJournal {
  private readonly records = new Map<string, Map<string, StepRecord>>();
  private fd: number | undefined;
  // No gathering wait: an agent's next step waits for this one's line to be on disk.
  private readonly sync = new GroupSync(() => this.fd);
  readonly warnings: string[] = [];

  constructor(readonly path: string) {}

  /** Opens the journal for appending; `fresh` discards what an earlier run left (--overwrite). */
  open(fresh: boolean): void {
    if (fresh) {
      if (existsSync(this.path)) unlinkSync(this.path);
    } else {
      this.load();
    }
    this.fd = openSync(this.path, 'a');
  }

  private load(): void {
    if (!existsSync(this.path)) return;
    const lines = readFileSync(this.path, 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      try {
        const r = JSON.parse(line) as StepRecord;
        if (typeof r?.row !== 'string' || typeof r.call !== 'string' || typeof r.reply?.text !== 'string')
          throw new Error('not a step record');
        this.recordsOf(r.row).set(r.call, r);
      } catch (e) {
        // A line torn by a crash mid-write: that call is simply made again.
        this.warnings.push(
          `${this.path}:${i + 1}: skipped an unreadable step (${(e as Error).message}); that call will be made again`,
        );
      }
    });
  }

  private recordsOf(row: string): Map<string, StepRecord> {
    let m = this.records.get(row);
    if (!m) this.records.set(row, (m = new Map()));
    return m;
  }

  /** The stored reply of a call, if it was made with the same request. */
  get(row: string, call: string, hash: string): StoredReply | undefined {
    const r = this.records.get(row)?.get(call);
    return r && r.hash === hash ? r.reply : undefined;
  }

  /** How many calls of a row are stored. */
  count(row: string): number {
    return this.records.get(row)?.size ?? 0;
  }

  /** Appends a finished call; resolves once its line is on disk. A failed write throws. */
  append(row: string, call: string, hash: string, reply: StoredReply): Promise<void> {
    if (this.fd === undefined) throw new Error('step journal is closed');
    const rec: StepRecord = { row, call, hash, reply };
    writeSync(this.fd, JSON.stringify(rec) + '\n');
    this.recordsOf(row).set(call, rec);
    return this.sync.after();
  }

  /**
   * Ends the job's use of the journal: keeps only the records of rows that are not finished
   * (rewritten atomically), or removes the file when none is left.
   */
  async finish(isFinished: (row: string) => boolean): Promise<void> {
    if (this.fd !== undefined) {
      fdatasyncSync(this.fd);
      closeSync(this.fd);
      this.fd = undefined;
    }
    for (const row of [...this.records.keys()]) if (isFinished(row)) this.records.delete(row);
    if (!this.records.size) {
      if (existsSync(this.path)) unlinkSync(this.path);
      return;
    }
    const kept: StepRecord[] = [];
    for (const m of this.records.values()) kept.push(...m.values());
    await writeJsonlAtomic(this.path, kept as unknown as Row[]);
  }
}
