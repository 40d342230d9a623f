import { fdatasync } from 'node:fs';

/**
 * How long a results journal gathers lines before their sync starts. A sync costs about the same
 * for one line or fifty (0.1–0.3 ms of CPU on this kind of machine, most of it in the kernel); the
 * rows of a large job finish a few milliseconds apart, so without a wait most rows paid a sync of
 * their own (550–700 syncs for 2,000 rows at 50 at once; 75–90 with the wait). The wait only delays
 * when a row is counted as on disk — its line is written at once — so nothing is decided by it; and
 * it is only taken while other rows are under way (a job's last row is synced at once).
 */
export const RESULTS_GATHER_MS = 20;

/**
 * Group commit for an append-only file: `after()` resolves once every line written before the
 * call is on disk. The first line of a group may start a short wait (`gatherMs`); the sync that
 * follows covers every line written until it starts, and a sync queued behind one under way covers
 * all the lines written since — so writers finishing together share one fdatasync instead of
 * queueing one each.
 */
export class GroupSync {
  private syncing: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  /** Ends the gathering wait of the queued sync at once. */
  private release: (() => void) | undefined;

  constructor(
    private readonly fd: () => number | undefined,
    /** Told when a sync starts: what was written until now is covered by it. */
    private readonly onStart?: () => void,
    /** How long the first line of a group waits for others before their sync starts (0: no wait). */
    private readonly gatherMs = 0,
  ) {}

  /**
   * `gather`: other lines may follow soon (other rows are under way), so the sync may wait for
   * them. Without it the sync starts as soon as none is under way: nothing is waited for in vain
   * (a job's last row, a job doing one row at a time).
   */
  after(gather = true): Promise<void> {
    if (this.queued) {
      if (!gather) this.release?.();
      return this.queued;
    }
    const gathered =
      gather && this.gatherMs > 0
        ? new Promise<void>((res) => {
            const timer = setTimeout(res, this.gatherMs);
            this.release = () => {
              clearTimeout(timer);
              res();
            };
          })
        : undefined;
    const under = this.syncing?.catch(() => undefined);
    const next = Promise.all([gathered, under]).then(() => {
      this.queued = undefined;
      this.release = undefined;
      return (this.syncing = this.syncNow());
    });
    this.queued = next;
    return next;
  }

  private syncNow(): Promise<void> {
    const fd = this.fd();
    this.onStart?.();
    const p: Promise<void> = new Promise<void>((res, rej) => {
      if (fd === undefined) return res();
      fdatasync(fd, (e) => (e ? rej(e) : res()));
    }).finally(() => {
      if (this.syncing === p) this.syncing = undefined;
    });
    return p;
  }
}
