import { MirrorStoppedError, OperationAbortedError, RetriesExhaustedError } from '../../../src/errors';
import { backoffMs, sleep, type Backoff } from '../../../src/retry/backoff';
import { retry, type RetryOptions } from '../../../src/retry/Retrier';
import { clientBackoff, DEFAULT_RETRY_POLICY } from '../../../src/client/RetryPolicy';
import { notifyBackoffMs } from '../../../src/events/NotifyOptions';
import { AttemptLedger } from '../../../src/events/AttemptLedger';

/** The delay formulas as each retry loop computed them before the one retrier (commit f2f150f). */
const before = {
  client: (p: { initialBackoffMs: number; maxBackoffMs: number; multiplier: number }, n: number, r: number) =>
    r * Math.min(p.maxBackoffMs, p.initialBackoffMs * p.multiplier ** (n - 1)),
  ledger: (b: { initialMs: number; maxMs: number; multiplier: number }, failures: number, r: number) => {
    const full = Math.min(b.maxMs, b.initialMs * b.multiplier ** Math.max(0, failures - 1));
    return Math.round(full / 2 + (full / 2) * r);
  },
  notify: (
    b: { initialBackoffMs: number; maxBackoffMs: number; multiplier: number },
    attempt: number,
    r: number,
  ) => {
    const cap = Math.min(b.maxBackoffMs, b.initialBackoffMs * b.multiplier ** Math.max(0, attempt - 1));
    return Math.round(cap / 2 + (r * cap) / 2);
  },
};

/** A fixed sequence of "random" numbers, plus edge values. */
function randoms(): number[] {
  const out = [0, 0.5, 0.999_999_999, 1 / 3, 0.1];
  let seed = 42;
  for (let i = 0; i < 200; i++) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    out.push(seed / 2 ** 31);
  }
  return out;
}

describe('backoffMs (one formula for every retry loop)', () => {
  const policies = [
    DEFAULT_RETRY_POLICY,
    { initialBackoffMs: 1, maxBackoffMs: 100, multiplier: 1.5 },
    { initialBackoffMs: 7, maxBackoffMs: 10_000, multiplier: 3 },
    { initialBackoffMs: 0, maxBackoffMs: 0, multiplier: 2 },
  ];

  it("gives the client's full-jitter backoff exactly (not rounded)", () => {
    for (const policy of policies) {
      for (const r of randoms()) {
        for (let n = 1; n <= 40; n++) {
          expect(backoffMs(clientBackoff(policy), n, () => r)).toBe(before.client(policy, n, r));
        }
      }
    }
  });

  it("gives the polling containers' and notify containers' equal-jitter backoff exactly", () => {
    for (const { initialBackoffMs, maxBackoffMs, multiplier } of policies) {
      const ledgerBackoff = { initialMs: initialBackoffMs, maxMs: maxBackoffMs, multiplier };
      for (const r of randoms()) {
        const ledger = new AttemptLedger(10, ledgerBackoff, () => r);
        const notify = { initialBackoffMs, maxBackoffMs, multiplier, maxAttempts: 10 };
        for (let n = 0; n <= 40; n++) {
          expect(ledger.delayOf(n)).toBe(before.ledger(ledgerBackoff, n, r));
          expect(notifyBackoffMs(n, notify, () => r)).toBe(before.notify(notify, n, r));
        }
      }
    }
  });

  it("'none' is the ceiling, and a function is called with the failures", () => {
    const fixed: Backoff = { initialMs: 500, maxMs: 500, multiplier: 1, jitter: 'none' };
    expect([1, 2, 20].map((n) => backoffMs(fixed, n))).toEqual([500, 500, 500]);
    expect(backoffMs({ ...fixed, multiplier: 2, maxMs: 1_000 }, 3)).toBe(1_000);
    expect([1, 2, 3].map((n) => backoffMs((failures) => 10 * failures, n))).toEqual([10, 20, 30]);
  });
});

describe('sleep', () => {
  afterEach(() => jest.restoreAllMocks());

  it('resolves at once on an abort, and never rejects', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const waiting = sleep(10_000, controller.signal);
    controller.abort();
    await expect(waiting).resolves.toBeUndefined();
    await expect(sleep(10_000, controller.signal)).resolves.toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('unrefs its timer when asked', async () => {
    const spy = jest.spyOn(global, 'setTimeout');
    await sleep(1, undefined, true);
    await sleep(1);
    const [unrefed, refed] = spy.mock.results.map((r) => r.value as NodeJS.Timeout);
    expect(unrefed?.hasRef()).toBe(false);
    expect(refed?.hasRef()).toBe(true);
  });
});

describe('retry', () => {
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  const transient = (n: number): Error => Object.assign(new Error(`transient ${n}`), { transient: true });
  const isTransient = (error: unknown): boolean => (error as { transient?: boolean }).transient === true;

  /** An attempt that fails with `transient(n)` until attempt `okAt` (never when undefined). */
  function failing(okAt?: number): jest.Mock<Promise<string>, [number]> {
    return jest.fn(async (n: number) => {
      if (okAt !== undefined && n >= okAt) return `ok at ${n}`;
      throw transient(n);
    });
  }

  const fixed = (ms: number): Backoff => ({ initialMs: ms, maxMs: ms, multiplier: 1, jitter: 'none' });
  const base: RetryOptions = { retriable: isTransient, exhausted: 'wrap', delay: fixed(1) };

  it('retries retriable failures until an attempt succeeds, numbering the attempts', async () => {
    const attempt = failing(3);
    await expect(retry(attempt, base)).resolves.toBe('ok at 3');
    expect(attempt.mock.calls).toEqual([[1], [2], [3]]);
  });

  it('rethrows a failure that may not be retried as is, asking with the attempt number', async () => {
    const permanent = new Error('permanent');
    const retriable = jest.fn((error: unknown, _attempt: number) => error !== permanent);
    const attempt = jest.fn(async (n: number) => {
      throw n === 2 ? permanent : transient(n);
    });
    await expect(retry(attempt, { ...base, retriable })).rejects.toBe(permanent);
    expect(retriable.mock.calls.map(([, n]) => n)).toEqual([1, 2]);
    expect(attempt).toHaveBeenCalledTimes(2);
  });

  it('gives up at the deadline: the failure as is after one attempt, wrapped after several', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    // Attempt 1 fails at 0; a 10 ms wait would end at 10 >= 5: no retry.
    const once = retry(failing(), { ...base, delay: fixed(10), deadline: Date.now() + 5 });
    await expect(once).rejects.toMatchObject({ message: 'transient 1' });
    await expect(once).rejects.not.toBeInstanceOf(RetriesExhaustedError);

    // Attempt 1 fails at 0, waits until 10 (< 15); attempt 2 fails at 10, a wait until 20 >= 15: give up.
    const attempt = failing();
    const twice = retry(attempt, { ...base, delay: fixed(10), deadline: Date.now() + 15 });
    const settled = twice.catch((error: unknown) => error);
    await jest.advanceTimersByTimeAsync(10);
    const error = await settled;
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(error).toMatchObject({ attempts: 2, message: 'gave up after 2 attempts: transient 2' });
    expect((error as RetriesExhaustedError).cause).toMatchObject({ message: 'transient 2' });
    expect(attempt).toHaveBeenCalledTimes(2);
  });

  it("stops after maxAttempts: the last failure as is ('last'), or wrapped ('wrap')", async () => {
    const attempt = failing();
    await expect(retry(attempt, { ...base, maxAttempts: 3, exhausted: 'last' })).rejects.toMatchObject({
      message: 'transient 3',
    });
    expect(attempt).toHaveBeenCalledTimes(3);
    const wrapped = retry(failing(), { ...base, maxAttempts: 3, exhausted: 'wrap' });
    await expect(wrapped).rejects.toBeInstanceOf(RetriesExhaustedError);
    await expect(wrapped).rejects.toMatchObject({ attempts: 3 });
    await expect(retry(failing(), { ...base, maxAttempts: 1 })).rejects.toMatchObject({
      message: 'transient 1',
    });
  });

  it('ends a wait at once on abort with OperationAbortedError (or the given error), and tries no more', async () => {
    for (const abortError of [undefined, () => new MirrorStoppedError('stopped')]) {
      const controller = new AbortController();
      const attempt = failing();
      const afterWait = jest.fn(async () => undefined);
      const started = Date.now();
      const run = retry(attempt, {
        ...base,
        delay: fixed(60_000),
        signal: controller.signal,
        afterWait,
        ...(abortError ? { abortError } : {}),
      });
      setTimeout(() => controller.abort(), 5);
      await expect(run).rejects.toBeInstanceOf(abortError ? MirrorStoppedError : OperationAbortedError);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(attempt).toHaveBeenCalledTimes(1);
      // The wait cut short still runs afterWait (the mirror's heartbeat did).
      expect(afterWait).toHaveBeenCalledTimes(1);
    }
  });

  it('runs the first attempt whatever the signal, then stops before the next', async () => {
    const controller = new AbortController();
    controller.abort();
    const attempt = failing();
    await expect(retry(attempt, { ...base, signal: controller.signal })).rejects.toBeInstanceOf(
      OperationAbortedError,
    );
    expect(attempt).toHaveBeenCalledTimes(1);
    // A success needs no retry, aborted or not.
    await expect(retry(failing(1), { ...base, signal: controller.signal })).resolves.toBe('ok at 1');
  });

  it('tells onRetry the failure, its attempt and the wait, before the wait', async () => {
    const onRetry = jest.fn();
    const delay: Backoff = { initialMs: 100, maxMs: 1_000, multiplier: 2, jitter: 'full' };
    jest.useFakeTimers();
    const run = retry(failing(4), { ...base, delay, random: () => 0.5, onRetry });
    await jest.advanceTimersByTimeAsync(0);
    expect(onRetry).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(50 + 100 + 200);
    await expect(run).resolves.toBe('ok at 4');
    expect(onRetry.mock.calls.map(([e, n, ms]) => [(e as Error).message, n, ms])).toEqual([
      ['transient 1', 1, 50],
      ['transient 2', 2, 100],
      ['transient 3', 3, 200],
    ]);
  });

  it('ignores the failures of afterWait, rejected or thrown', async () => {
    let calls = 0;
    const afterWait = (): Promise<void> => {
      calls++;
      if (calls === 1) throw new Error('thrown');
      return Promise.reject(new Error('rejected'));
    };
    await expect(retry(failing(3), { ...base, afterWait })).resolves.toBe('ok at 3');
    expect(calls).toBe(2);
  });

  it('waits on a timer even for 0 ms when given a delay, and on none without one', async () => {
    const spy = jest.spyOn(global, 'setTimeout');
    await retry(failing(3), { ...base, delay: fixed(0) });
    expect(spy).toHaveBeenCalledTimes(2);
    spy.mockClear();
    const afterWait = jest.fn(async () => undefined);
    const { delay: _none, ...noDelay } = base;
    await expect(retry(failing(3), { ...noDelay, afterWait })).resolves.toBe('ok at 3');
    expect(spy).not.toHaveBeenCalled();
    expect(afterWait).not.toHaveBeenCalled();
  });

  it('unrefs the wait timers when asked', async () => {
    const spy = jest.spyOn(global, 'setTimeout');
    await retry(failing(2), { ...base, unref: true });
    await retry(failing(2), base);
    const [unrefed, refed] = spy.mock.results.map((r) => r.value as NodeJS.Timeout);
    expect(unrefed?.hasRef()).toBe(false);
    expect(refed?.hasRef()).toBe(true);
  });
});
