import fc from 'fast-check';
import { CorruptLogError } from '../../../src/errors';
import { apply } from '../../../src/space/apply';
import type { Mutation, MutationOp } from '../../../src/space/Mutation';
import { PartitionState } from '../../../src/space/PartitionState';
import { restoreApply } from '../../../src/space/restoreApply';
import { deepFreeze } from '../../../src/space/deepFreeze';
import { exampleTypes, order } from './fixtures';

/** One record of a modelled partition log: its offset and the mutation (TAKE / EXPIRE are tombstones). */
interface LogRecord {
  readonly offset: number;
  readonly key: string;
  readonly mutation: Mutation;
}

type Step =
  | { readonly kind: 'write'; readonly id: string; readonly total: number; readonly lease: number | null }
  | { readonly kind: 'take' | 'expire'; readonly id: string }
  /** Kafka rolls the active segment here; the cleaner may clean up to some closed segment's end. */
  | { readonly kind: 'roll' }
  | { readonly kind: 'clean'; readonly upToSegment: number; readonly tombstoneHorizon: number };

const ids = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f');
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('write' as const),
      id: ids,
      total: fc.integer({ min: 0, max: 99 }),
      lease: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: null }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('take' as const), id: ids }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('expire' as const), id: ids }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('roll' as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('clean' as const),
      upToSegment: fc.nat(),
      tombstoneHorizon: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  },
);

/**
 * Plays a history the way a primary and Kafka would: every write, change, take and expiry is a valid
 * strict mutation (versions step by one); rolls close segments; cleaner passes compact closed segments.
 * Returns the full history (what was ever appended) and the log as Kafka keeps it afterwards.
 */
function play(steps: readonly Step[]): { appended: Mutation[]; kept: LogRecord[] } {
  const versions = new Map<string, number>();
  const appended: Mutation[] = [];
  let kept: LogRecord[] = [];
  /** Offsets at which closed segments end (exclusive); the active segment starts at the last one. */
  const segmentEnds: number[] = [];
  const append = (
    op: MutationOp,
    id: string,
    version: number,
    state: Mutation['state'],
    lease: number | null,
  ) => {
    const mutation: Mutation = {
      op,
      type: 'Order',
      id,
      version,
      leaseExpiresAt: lease,
      timestamp: 0,
      origin: 'm',
      state,
    };
    kept.push({ offset: appended.length, key: `Order/${id}`, mutation });
    appended.push(mutation);
  };
  for (const step of steps) {
    switch (step.kind) {
      case 'write': {
        const version = (versions.get(step.id) ?? 0) + 1;
        versions.set(step.id, version);
        const state = deepFreeze(order(step.id, { total: step.total }));
        append(version === 1 ? 'WRITE' : 'UPDATE', step.id, version, state, step.lease);
        break;
      }
      case 'take':
      case 'expire': {
        const version = versions.get(step.id);
        if (version === undefined) break;
        versions.delete(step.id);
        append(step.kind === 'take' ? 'TAKE' : 'EXPIRE', step.id, version, null, null);
        break;
      }
      case 'roll':
        if (segmentEnds[segmentEnds.length - 1] !== appended.length) segmentEnds.push(appended.length);
        break;
      case 'clean': {
        if (segmentEnds.length === 0) break;
        // The cleaner works on closed segments only: up to the end of one of them, never the active one.
        const cleanableEnd = segmentEnds[step.upToSegment % segmentEnds.length] as number;
        const horizon = Math.floor(step.tombstoneHorizon * cleanableEnd);
        kept = clean(kept, cleanableEnd, horizon);
        break;
      }
    }
  }
  return { appended, kept };
}

/**
 * One pass of Kafka's log cleaner over [0, cleanableEnd): of each key only its latest record in that
 * range stays; a tombstone that is the latest of its key is dropped too once older than the horizon
 * (`delete.retention.ms`). Records at or past cleanableEnd (later and active segments) are untouched.
 */
function clean(log: readonly LogRecord[], cleanableEnd: number, horizon: number): LogRecord[] {
  const latest = new Map<string, number>();
  for (const r of log) if (r.offset < cleanableEnd) latest.set(r.key, r.offset);
  return log.filter((r) => {
    if (r.offset >= cleanableEnd) return true;
    if (latest.get(r.key) !== r.offset) return false;
    return r.mutation.state !== null || r.offset >= horizon;
  });
}

function strictFold(mutations: readonly Mutation[]): PartitionState {
  const state = new PartitionState(exampleTypes());
  for (const m of mutations) apply(state, m);
  return state;
}

function restoreFold(log: readonly LogRecord[]): PartitionState {
  const state = new PartitionState(exampleTypes());
  for (const r of log) restoreApply(state, r.mutation, { topic: 't.orders.0', offset: r.offset });
  return state;
}

function contents(state: PartitionState): unknown[] {
  return [...state.all()]
    .map(({ type, stored }) => ({ type, ...stored }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

describe('the restore fold of a log as Kafka keeps it (docs/design.md law 1)', () => {
  it('restoreFold(compact(log)) equals the strict fold of every mutation ever appended', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 120 }), (steps) => {
        const { appended, kept } = play(steps);
        const expected = strictFold(appended);
        const restored = restoreFold(kept);
        expect(contents(restored)).toEqual(contents(expected));
        expect(restored.size).toBe(expected.size);
      }),
      { numRuns: 500 },
    );
  });

  it('a compacted log that the strict fold cannot read (the reproduction of UPDATE of an absent entry)', () => {
    const { appended, kept } = play([
      { kind: 'write', id: 'a', total: 1, lease: null },
      { kind: 'write', id: 'a', total: 2, lease: null },
      { kind: 'write', id: 'b', total: 3, lease: null },
      { kind: 'take', id: 'b' },
      { kind: 'roll' },
      { kind: 'write', id: 'a', total: 4, lease: null },
      { kind: 'clean', upToSegment: 0, tombstoneHorizon: 1 },
    ]);
    expect(kept.map((r) => `${r.mutation.op} ${r.mutation.id} v${r.mutation.version}`)).toEqual([
      'UPDATE a v2',
      'UPDATE a v3',
    ]);
    expect(() => strictFold(kept.map((r) => r.mutation))).toThrow(/entry does not exist/);
    expect(contents(restoreFold(kept))).toEqual(contents(strictFold(appended)));
  });

  it('refuses a version going backwards with CorruptLogError naming topic, offset and key, changing nothing', () => {
    const state = new PartitionState(exampleTypes());
    const v = (op: MutationOp, version: number): Mutation => ({
      op,
      type: 'Order',
      id: 'x',
      version,
      leaseExpiresAt: null,
      timestamp: 0,
      origin: 'm',
      state: op === 'TAKE' ? null : deepFreeze(order('x', { total: version })),
    });
    restoreApply(state, v('UPDATE', 3), { topic: 't.orders.0', offset: 7 });
    for (const [bad, offset] of [
      [v('UPDATE', 2), 8],
      [v('UPDATE', 3), 9],
      [v('TAKE', 2), 10],
    ] as const) {
      let thrown: unknown;
      try {
        restoreApply(state, bad, { topic: 't.orders.0', offset });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(CorruptLogError);
      const error = thrown as CorruptLogError;
      expect(error).toMatchObject({
        code: 'CORRUPT_LOG',
        retriable: false,
        topic: 't.orders.0',
        key: 'Order/x',
      });
      expect(error.offset).toBe(String(offset));
      expect(error.message).toContain(`offset ${offset}`);
      expect(state.storeOf('Order').entries.get('x')?.version).toBe(3);
    }
  });

  it('a TAKE or EXPIRE of an absent key changes nothing', () => {
    const state = new PartitionState(exampleTypes());
    const take: Mutation = {
      op: 'EXPIRE',
      type: 'Order',
      id: 'gone',
      version: 4,
      leaseExpiresAt: null,
      timestamp: 0,
      origin: 'm',
      state: null,
    };
    restoreApply(state, take);
    expect(state.size).toBe(0);
  });
});
