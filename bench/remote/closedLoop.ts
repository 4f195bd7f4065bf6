import { percentile } from '../report';

/** What one closed-loop run measured. */
export interface Figures {
  readonly opsPerSec: number;
  readonly p50: number;
  readonly p99: number;
  /** Every call's latency, ms (for percentiles pooled over rounds). */
  readonly latencies: readonly number[];
  readonly ops: number;
  readonly seconds: number;
}

/** Runs `inFlight` closed loops of `op(i)` for `ms`; latency per call. */
export async function closedLoop(
  inFlight: number,
  ms: number,
  op: (i: number) => Promise<unknown>,
): Promise<Figures> {
  const latencies: number[] = [];
  let done = 0;
  const end = performance.now() + ms;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async (_, worker) => {
      let i = worker;
      while (performance.now() < end) {
        const t = performance.now();
        await op(i);
        latencies.push(performance.now() - t);
        done++;
        i += inFlight;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    opsPerSec: Math.round(done / seconds),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    latencies,
    ops: done,
    seconds,
  };
}
