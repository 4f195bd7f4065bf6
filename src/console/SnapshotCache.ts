/** A snapshot younger than this is served again (many open pages, one read of the cluster). */
export const DEFAULT_SNAPSHOT_MAX_AGE_MS = 1000;

/**
 * Serves the last snapshot while it is younger than `maxAgeMs`, and one read at a time otherwise:
 * every page that asks while a read runs gets that read's answer.
 */
export class SnapshotCache<T extends { readonly takenAt: number }> {
  private latest: T | undefined;
  private reading: Promise<T> | undefined;

  constructor(
    private readonly read: () => Promise<T>,
    private readonly maxAgeMs: number = DEFAULT_SNAPSHOT_MAX_AGE_MS,
  ) {}

  get(): Promise<T> {
    const latest = this.latest;
    if (latest !== undefined && Date.now() - latest.takenAt < this.maxAgeMs) return Promise.resolve(latest);
    this.reading ??= this.read()
      .then((snapshot) => (this.latest = snapshot))
      .finally(() => (this.reading = undefined));
    return this.reading;
  }
}
