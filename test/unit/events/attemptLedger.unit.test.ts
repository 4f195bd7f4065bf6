import fc from 'fast-check';
import { AttemptLedger } from '../../../src/events/AttemptLedger';

const backoff = { initialMs: 100, maxMs: 1000, multiplier: 2 };

describe('AttemptLedger (retry accounting of a polling container)', () => {
  it('counts failures per entry version and is exhausted at maxAttempts', () => {
    const ledger = new AttemptLedger(3, backoff, () => 1);
    const key = AttemptLedger.key('Order', 'o-1', 2);
    expect(ledger.attemptOf(key)).toBe(1);
    expect(ledger.failed(key, 0, 'e1')).toMatchObject({ failures: 1, exhausted: false, retryAt: 100 });
    expect(ledger.failed(key, 100, 'e2')).toMatchObject({ failures: 2, exhausted: false, retryAt: 300 });
    expect(ledger.attemptOf(key)).toBe(3);
    const last = ledger.failed(key, 300, 'e3');
    expect(last).toMatchObject({ failures: 3, exhausted: true, retryAt: 300, error: 'e3' });
    // Another version of the same id is a new entry.
    expect(ledger.attemptOf(AttemptLedger.key('Order', 'o-1', 3))).toBe(1);
  });

  it('delays a failed entry for its backoff, capped, between half and all of it', () => {
    const low = new AttemptLedger(10, backoff, () => 0);
    const high = new AttemptLedger(10, backoff, () => 1);
    expect([1, 2, 3, 4, 5, 6].map((n) => low.delayOf(n))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5, 6].map((n) => high.delayOf(n))).toEqual([100, 200, 400, 800, 1000, 1000]);
    const key = AttemptLedger.key('Order', 'o-1', 1);
    high.failed(key, 1000, new Error('x'));
    expect(high.isDelayed(key, 1050)).toBe(true);
    expect(high.isDelayed(key, 1100)).toBe(false);
    expect(high.nextDue(1000)).toBe(1100);
    expect(high.nextDue(1100)).toBeUndefined();
  });

  it('a failed dead-letter move waits a backoff and keeps the entry exhausted', () => {
    const ledger = new AttemptLedger(1, backoff, () => 1);
    const key = AttemptLedger.key('Order', 'o-1', 1);
    ledger.failed(key, 0, 'boom');
    expect(ledger.isDelayed(key, 0)).toBe(false);
    ledger.moveFailed(key, 0);
    expect(ledger.isDelayed(key, 50)).toBe(true);
    expect(ledger.get(key)).toMatchObject({ exhausted: true, failures: 1 });
    ledger.forget(key);
    expect(ledger.size).toBe(0);
  });

  it('bounded: the oldest entry versions are forgotten past capacity', () => {
    const ledger = new AttemptLedger(5, backoff, () => 1, 2);
    ledger.failed('a', 0, 1);
    ledger.failed('b', 0, 1);
    ledger.failed('a', 0, 1); // touched again: now the newest
    ledger.failed('c', 0, 1);
    expect(ledger.size).toBe(2);
    expect(ledger.get('b')).toBeUndefined();
    expect(ledger.get('a')?.failures).toBe(2);
  });
});

describe('AttemptLedger.nextDue (kept by retry time, not scanned)', () => {
  it('answers as a scan of every record would, through failures, failed moves, forgets and evictions', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            op: fc.constantFrom('failed', 'moveFailed', 'forget'),
            key: fc.integer({ min: 0, max: 12 }).map((n) => `Order/o${n}@1`),
            advance: fc.integer({ min: 0, max: 500 }),
          }),
          { maxLength: 200 },
        ),
        (steps) => {
          let random = 0;
          const ledger = new AttemptLedger(
            4,
            { initialMs: 100, maxMs: 1000, multiplier: 2 },
            () => (random = (random + 0.37) % 1),
            8,
          );
          const keys = new Set<string>();
          let now = 1_000;
          for (const step of steps) {
            now += step.advance;
            if (step.op === 'failed') ledger.failed(step.key, now, new Error('boom'));
            else if (step.op === 'moveFailed') ledger.moveFailed(step.key, now);
            else ledger.forget(step.key);
            keys.add(step.key);
            const scanned = [...keys]
              .map((k) => ledger.get(k)?.retryAt)
              .filter((at): at is number => at !== undefined && at > now);
            expect(ledger.nextDue(now)).toBe(scanned.length === 0 ? undefined : Math.min(...scanned));
          }
        },
      ),
    );
  });
});
