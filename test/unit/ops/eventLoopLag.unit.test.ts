import { EventLoopLagMonitor } from '../../../src/ops/metrics/EventLoopLag';
import { InvalidArgumentError } from '../../../src/errors';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Holds the event loop for `ms` (what a blocking handler or a hostile request would do). */
function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

describe('EventLoopLagMonitor', () => {
  const monitors: EventLoopLagMonitor[] = [];
  const monitor = (options?: ConstructorParameters<typeof EventLoopLagMonitor>[0]): EventLoopLagMonitor => {
    const m = new EventLoopLagMonitor(options);
    monitors.push(m);
    return m;
  };
  afterEach(() => monitors.splice(0).forEach((m) => m.stop()));

  it('shows a 200 ms busy loop in maxMs, and an idle loop near zero', async () => {
    const lag = monitor({ resolutionMs: 10 });
    await sleep(300);
    const idle = lag.lag();
    expect(idle.maxMs).toBeLessThan(150);
    busyFor(200);
    await sleep(50);
    const busy = lag.lag();
    expect(busy.maxMs).toBeGreaterThanOrEqual(180);
    expect(busy.maxMs).toBeLessThan(2000);
    expect(busy.p50Ms).toBeLessThan(busy.maxMs);
    expect(busy.p99Ms).toBeLessThanOrEqual(busy.maxMs);
    expect(busy.windowMs).toBeGreaterThanOrEqual(300);
  });

  it('keeps a stall for the interval after it, then forgets it', async () => {
    const lag = monitor({ resolutionMs: 10, intervalMs: 300 });
    await sleep(30); // node's histogram starts with the second sample
    busyFor(200);
    await sleep(320); // the stall's interval has completed: it is still reported
    expect(lag.lag().maxMs).toBeGreaterThanOrEqual(180);
    await sleep(700); // two more intervals: gone
    expect(lag.lag().maxMs).toBeLessThan(150);
    expect(lag.lag().windowMs).toBeLessThan(1000);
  });

  it('shows frequent stalls in p99, not only in max', async () => {
    const lag = monitor({ resolutionMs: 10 });
    for (let i = 0; i < 10; i++) {
      busyFor(60);
      await sleep(5);
    }
    expect(lag.lag().p99Ms).toBeGreaterThanOrEqual(40);
  });

  it('refuses a resolution below 1 ms or an interval shorter than the resolution', () => {
    expect(() => new EventLoopLagMonitor({ resolutionMs: 0 })).toThrow(InvalidArgumentError);
    expect(() => new EventLoopLagMonitor({ resolutionMs: 50, intervalMs: 10 })).toThrow(InvalidArgumentError);
  });
});
