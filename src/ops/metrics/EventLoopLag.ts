import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { InvalidArgumentError } from '../../errors';

/**
 * How late this process's event loop ran its timers recently, in milliseconds. A unit whose loop is
 * blocked for close to its group session timeout (a long synchronous handler, a GC pause, a hostile
 * request) stops heartbeating and is replaced: these figures show it coming.
 */
export interface EventLoopLag {
  /** Median lag. */
  readonly p50Ms: number;
  /** 99th percentile lag. */
  readonly p99Ms: number;
  /** Longest lag seen (one blocking call shows here in full). */
  readonly maxMs: number;
  /** The span the figures cover: the last completed interval and the running one. */
  readonly windowMs: number;
}

/** Options of {@link EventLoopLagMonitor}. */
export interface EventLoopLagOptions {
  /** Sampling timer period; default 20 ms (finer costs CPU, coarser hides short stalls in p99). */
  readonly resolutionMs?: number;
  /** Length of one interval; figures cover the last completed one and the running one; default 10,000 ms. */
  readonly intervalMs?: number;
}

export const DEFAULT_LAG_RESOLUTION_MS = 20;
export const DEFAULT_LAG_INTERVAL_MS = 10_000;

const NS_PER_MS = 1e6;
const NONE = { p50Ms: 0, p99Ms: 0, maxMs: 0 };

/**
 * Measures event-loop lag with `perf_hooks.monitorEventLoopDelay`, in intervals: at the end of each
 * interval the figures are kept and the histogram starts afresh, so a stall is reported for one to two
 * intervals after it ends and then forgotten. `lag()` gives the worse of the completed interval and the
 * running one, figure by figure (histograms of node cannot be merged): an upper bound over the window.
 * The histogram records each timer period whole; the resolution is subtracted, so an idle loop is ~0.
 */
export class EventLoopLagMonitor {
  private readonly histogram: IntervalHistogram;
  private readonly resolutionMs: number;
  private readonly intervalMs: number;
  private readonly timer: NodeJS.Timeout;
  private previous: Omit<EventLoopLag, 'windowMs'> = NONE;
  private previousStartedAt: number;
  private currentStartedAt: number;

  constructor(options: EventLoopLagOptions = {}) {
    this.resolutionMs = options.resolutionMs ?? DEFAULT_LAG_RESOLUTION_MS;
    this.intervalMs = options.intervalMs ?? DEFAULT_LAG_INTERVAL_MS;
    if (!(Number.isInteger(this.resolutionMs) && this.resolutionMs >= 1)) {
      throw new InvalidArgumentError(`resolutionMs must be an integer >= 1, got ${this.resolutionMs}`);
    }
    if (!(this.intervalMs >= this.resolutionMs)) {
      throw new InvalidArgumentError(`intervalMs must be at least resolutionMs, got ${this.intervalMs}`);
    }
    this.histogram = monitorEventLoopDelay({ resolution: this.resolutionMs });
    this.histogram.enable();
    this.currentStartedAt = this.previousStartedAt = performance.now();
    this.timer = setInterval(() => this.roll(), this.intervalMs);
    // Measuring must never keep a process alive.
    this.timer.unref();
  }

  /** The lag over the last completed interval and the running one. */
  lag(): EventLoopLag {
    const current = this.figures();
    return {
      p50Ms: Math.max(current.p50Ms, this.previous.p50Ms),
      p99Ms: Math.max(current.p99Ms, this.previous.p99Ms),
      maxMs: Math.max(current.maxMs, this.previous.maxMs),
      windowMs: Math.round(performance.now() - this.previousStartedAt),
    };
  }

  /** Stops measuring. Idempotent. */
  stop(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }

  private roll(): void {
    this.previous = this.figures();
    this.previousStartedAt = this.currentStartedAt;
    this.currentStartedAt = performance.now();
    this.histogram.reset();
  }

  private figures(): Omit<EventLoopLag, 'windowMs'> {
    if (this.histogram.count === 0) return NONE;
    const lagOf = (ns: number): number => round(Math.max(0, ns / NS_PER_MS - this.resolutionMs));
    return {
      p50Ms: lagOf(this.histogram.percentile(50)),
      p99Ms: lagOf(this.histogram.percentile(99)),
      maxMs: lagOf(this.histogram.max),
    };
  }
}

/** To a tenth of a millisecond: finer is noise. */
function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
