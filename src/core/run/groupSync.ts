import { fdatasync } from 'node:fs';

/**
 * Group commit for an append-only file: `after()` resolves once every line written before the
 * call is on disk. A sync under way covers the lines written before it started; one more sync,
 * queued behind it, covers all the lines written since — so writers finishing together share one
 * fdatasync instead of queueing one each.
 */
export class GroupSync {
  private syncing: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(
    private readonly fd: () => number | undefined,
    /** Told when a sync starts: what was written until now is covered by it. */
    private readonly onStart?: () => void,
  ) {}

  after(): Promise<void> {
    if (this.queued) return this.queued;
    if (!this.syncing) return (this.syncing = this.syncNow());
    const after = this.syncing
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return (this.syncing = this.syncNow());
      });
    this.queued = after;
    return after;
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
