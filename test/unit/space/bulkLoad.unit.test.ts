import fc from 'fast-check';
import { apply } from '../../../src/space/apply';
import { compileSelector } from '../../../src/space/compileSelector';
import { execute } from '../../../src/space/execute';
import type { OrderedIndex } from '../../../src/space/indexes/OrderedIndex';
import type { ExecuteContext } from '../../../src/space/ExecuteContext';
import type { Mutation } from '../../../src/space/Mutation';
import type { Operation } from '../../../src/space/Operation';
import { PartitionState } from '../../../src/space/PartitionState';
import { queryCompiler } from '../../../src/space/QuerySelection';
import { selectEntries } from '../../../src/space/Selection';
import type { Selector } from '../../../src/space/Selector';
import { exampleTypes, order } from './fixtures';

// Warm-up builds indexes in bulk once caught up (PartitionState.deferIndexes): the result must be the
// state a record-by-record fold leaves, indexes included (same answers, in the same order).

const STATUSES = ['NEW', 'PAID', 'SHIPPED', 'CANCELLED'] as const;
const CITIES = ['Paris', 'Lyon', 'Nice'] as const;
const ids = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h');

const writeArb = fc
  .record({
    id: ids,
    customer: fc.constantFrom('c1', 'c2'),
    status: fc.constantFrom(...STATUSES),
    total: fc.integer({ min: 0, max: 8 }),
    city: fc.constantFrom(...CITIES),
    lease: fc.option(fc.constantFrom(10, 30, 50), { nil: undefined }),
  })
  .map((o): Operation => ({
    kind: 'write',
    type: 'Order',
    entry: order(o.id, {
      customerId: o.customer,
      status: o.status,
      total: o.total,
      shipping: { city: o.city, zip: '1' },
    }),
    ...(o.lease === undefined ? {} : { options: { lease: o.lease } }),
  }));
const opArb: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 4, arbitrary: writeArb },
  ids.map((id): Operation => ({ kind: 'take', type: 'Order', selector: { id } })),
  fc.record({ id: ids, by: fc.integer({ min: -3, max: 3 }) }).map(({ id, by }): Operation => ({
    kind: 'change',
    type: 'Order',
    selector: { id },
    changes: [{ op: 'increment', path: 'total', by }],
  })),
);

const SELECTORS: readonly Selector[] = [
  ...STATUSES.map((status) => ({ template: { status } })),
  ...CITIES.map((city) => ({ template: { shipping: { city } } })),
  { template: { customerId: 'c1', status: 'NEW' } },
  { template: { customerId: 'c2', status: 'PAID' } },
  { query: 'total >= ? AND total < ?', params: [2, 6] },
  { query: 'total > ?', params: [-10] },
  { query: 'total <= ?', params: [3] },
  { query: 'createdAt >= ?', params: [0] },
];

/** Every index answer in order, the lease order and the id map: what a bulk load must reproduce. */
function picture(state: PartitionState): unknown {
  const store = state.storeOf('Order');
  const type = state.types.require('Order');
  const queries = queryCompiler();
  return {
    size: state.size,
    entries: [...store.entries.values()].map((s) => [s.id, s.version, s.leaseExpiresAt, s.entry]),
    answers: SELECTORS.map((selector) =>
      selectEntries(store, compileSelector(type, selector, queries), 0).map((s) => `${s.id}@${s.version}`),
    ),
    leases: store.leases.keysArray().map((s) => `${s.id}@${s.version}`),
  };
}

/** The mutations a primary logs for the operations (refused operations log nothing). */
function logOf(ops: readonly Operation[]): Mutation[] {
  const live = new PartitionState(exampleTypes());
  const log: Mutation[] = [];
  let n = 0;
  ops.forEach((op, i) => {
    const ctx: ExecuteContext = { now: i, origin: 'p', nextId: () => `g${++n}`, queries: queryCompiler() };
    try {
      const { mutations } = execute(live, op, ctx);
      for (const m of mutations) apply(live, m);
      log.push(...mutations);
    } catch {
      // refused (e.g. a change of a missing id): nothing logged
    }
  });
  return log;
}

describe('bulk load (warm-up with deferred indexes)', () => {
  it('leaves the state, index answers and lease order of a record-by-record fold, and keeps working after', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), fc.nat(), (ops, cut) => {
        const log = logOf(ops);
        const split = log.length === 0 ? 0 : cut % (log.length + 1);
        const folded = new PartitionState(exampleTypes());
        for (const m of log.slice(0, split)) apply(folded, m);

        const bulk = new PartitionState(exampleTypes());
        bulk.deferIndexes();
        for (const m of log.slice(0, split)) apply(bulk, m);
        bulk.buildDeferredIndexes();
        expect(picture(bulk)).toEqual(picture(folded));

        // Serving goes on with ordinary applies on the bulk-built indexes.
        for (const m of log.slice(split)) {
          apply(folded, m);
          apply(bulk, m);
        }
        expect(picture(bulk)).toEqual(picture(folded));
      }),
      { numRuns: 300 },
    );
  });

  it('builds a large ordered index bottom-up with equal keys kept in arrival order', () => {
    const ops: Operation[] = [];
    for (let i = 0; i < 2000; i++) {
      ops.push({
        kind: 'write',
        type: 'Order',
        entry: order(`o${i}`, { total: (i * 7919) % 97, status: STATUSES[i % 4] }),
      });
    }
    for (let i = 0; i < 2000; i += 3) ops.push({ kind: 'take', type: 'Order', selector: { id: `o${i}` } });
    const log = logOf(ops);
    const folded = new PartitionState(exampleTypes());
    const bulk = new PartitionState(exampleTypes());
    bulk.deferIndexes();
    for (const m of log) {
      apply(folded, m);
      apply(bulk, m);
    }
    const byTotal = bulk.storeOf('Order').indexes.get('byTotal') as OrderedIndex;
    expect(byTotal.keyCount).toBe(0); // deferred: nothing indexed while loading
    bulk.buildDeferredIndexes();
    expect(byTotal.keyCount).toBe(97);
    expect(picture(bulk)).toEqual(picture(folded));
    expect(bulk.size).toBe(2000 - 667);
  });
});
