import { MirrorStoppedError } from '../../../src/errors';
import { retryDatabase, type RetryPolicy } from '../../../src/mirror/retryDatabase';

/** The mirror's delay before the one retrier (commit f2f150f): equal jitter, exponent stopping at 30. */
function delayBefore(policy: RetryPolicy, failures: number, r: number): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(ceiling / 2 + r * (ceiling / 2));
}

const transient = (): Error => Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });

describe('retryDatabase (the mirror on the one retrier)', () => {
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('waits the same delays as before, the exponent stopping at 30', async () => {
    jest.useFakeTimers();
    for (const policy of [
      { initialMs: 100, maxMs: 5_000 },
      { initialMs: 0.001, maxMs: 1e9 },
    ]) {
      for (const r of [0, 0.37, 0.999]) {
        jest.spyOn(Math, 'random').mockReturnValue(r);
        const delays: number[] = [];
        let n = 0;
        const run = retryDatabase(
          async () => {
            if (++n <= 40) throw transient();
            return n;
          },
          { policy, onRetry: (_e, failures, delayMs) => delays.push(failures, delayMs) },
        );
        await jest.runAllTimersAsync();
        await expect(run).resolves.toBe(41);
        const expected = Array.from({ length: 40 }, (_, k) => [k + 1, delayBefore(policy, k + 1, r)]).flat();
        expect(delays).toEqual(expected);
      }
    }
  });

  it('rethrows a permanent failure at once', async () => {
    const syntax = Object.assign(new Error('syntax error'), { code: '42601' });
    const attempt = jest.fn(async () => {
      throw syntax;
    });
    await expect(retryDatabase(attempt)).rejects.toBe(syntax);
    expect(attempt).toHaveBeenCalledTimes(1);
  });

  it('does not start when already stopped', async () => {
    const controller = new AbortController();
    controller.abort();
    const attempt = jest.fn(async () => 1);
    await expect(retryDatabase(attempt, { signal: controller.signal })).rejects.toThrow(
      new MirrorStoppedError('mirror stopped while retrying'),
    );
    expect(attempt).not.toHaveBeenCalled();
  });

  it('ends a wait on stop with MirrorStoppedError, after one last heartbeat', async () => {
    const controller = new AbortController();
    const attempt = jest.fn(async () => {
      throw transient();
    });
    const whileWaiting = jest.fn(async () => {
      throw new Error('heartbeat failed'); // ignored
    });
    const run = retryDatabase(attempt, {
      policy: { initialMs: 60_000, maxMs: 60_000 },
      signal: controller.signal,
      whileWaiting,
    });
    setTimeout(() => controller.abort(), 5);
    await expect(run).rejects.toBeInstanceOf(MirrorStoppedError);
    expect(attempt).toHaveBeenCalledTimes(1);
    expect(whileWaiting).toHaveBeenCalledTimes(1);
  });
});
