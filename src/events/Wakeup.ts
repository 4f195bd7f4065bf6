/**
 * Wakes idle polling loops: a generation counter bumped by `notify` (a matching write, a cycle that
 * ended and released entries). A loop reads the generation before it looks for work and waits only
 * if nothing happened since, so a write between its look and its wait is never missed.
 * @internal
 */
export class Wakeup {
  private gen = 0;
  private readonly waiters = new Set<() => void>();

  get generation(): number {
    return this.gen;
  }

  notify(): void {
    this.gen++;
    const woken = [...this.waiters];
    this.waiters.clear();
    for (const wake of woken) wake();
  }

  /**
   * Resolves at the next `notify` (at once if one came after `since`), after `ms`, or when the
   * signal aborts. Never rejects.
   */
  wait(since: number, ms: number, signal: AbortSignal): Promise<void> {
    if (this.gen !== since || signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
    });
  }

  /** Sleeps `ms` or until the signal aborts (a pause, deaf to `notify`). Never rejects. */
  static sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
