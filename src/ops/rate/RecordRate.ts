/** How many records of one kind may be written per window. */
export interface RecordRateOptions {
  /** Records written in a window before the rest are only counted. Default 20. */
  readonly perWindow?: number;
  /** Window length, ms. Default 10,000. */
  readonly windowMs?: number;
  /** Clock, epoch ms (tests). */
  readonly now?: () => number;
}

/**
 * Bounds the records of one kind a flood can write (a client hammering a server with bad frames, a
 * listener throwing on every event): the first `perWindow` of each window are written, the rest only
 * counted, and the next record written says how many were left out (`suppressed`). Without it a flood
 * of refusals becomes a flood of synchronous stderr writes on the event loop that serves everyone else.
 */
export class RecordRate {
  private readonly perWindow: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  private windowStart = Number.NEGATIVE_INFINITY;
  private written = 0;
  private suppressed = 0;

  constructor(options: RecordRateOptions = {}) {
    this.perWindow = options.perWindow ?? 20;
    this.windowMs = options.windowMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * Whether to write this record; when yes, how many were left out since the last one written
   * (undefined when none), to add to its fields.
   */
  take(): { readonly write: boolean; readonly suppressed?: number } {
    const now = this.now();
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.written = 0;
    }
    if (this.written >= this.perWindow) {
      this.suppressed += 1;
      return { write: false };
    }
    this.written += 1;
    const suppressed = this.suppressed;
    this.suppressed = 0;
    return suppressed > 0 ? { write: true, suppressed } : { write: true };
  }
}
