import fc from 'fast-check';
import { apply } from '../../../src/space/apply';
import { compileSelector } from '../../../src/space/compileSelector';
import { execute } from '../../../src/space/execute';
import type { ExecuteContext } from '../../../src/space/ExecuteContext';
import type { Operation } from '../../../src/space/Operation';
import { PartitionState } from '../../../src/space/PartitionState';
import { queryCompiler } from '../../../src/space/QuerySelection';
import type { Selector } from '../../../src/space/Selector';
import { selectEntries } from '../../../src/space/Selection';
import { exampleTypes, order } from './fixtures';

// Few keys and many ids, so index keys hold large lists (past the eager size) that shrink and grow.
const STATUSES = ['NEW', 'PAID'] as const;
const idArb = fc.integer({ min: 0, max: 39 }).map((i) => `o${i}`);
const stepArb = fc.oneof(
  fc.record({
    write: idArb,
    status: fc.constantFrom(...STATUSES),
    total: fc.integer({ min: 0, max: 3 }),
  }),
  fc.record({ take: idArb }),
);
const selectors: Selector[] = [
  { template: { status: 'NEW' } },
  { template: { status: 'PAID' } },
  { template: { customerId: 'c', status: 'NEW' } },
  { query: 'total = ?', params: [2] },
  { query: 'total >= ? AND total < ?', params: [1, 3] },
  { query: 'total > ? AND total <= ?', params: [0, 2] },
  { query: 'total <= ?', params: [1] },
];

describe('index buckets (large lists with lazy removal)', () => {
  it('index lookups and ranges visit exactly the scan matches, a key in arrival order', () => {
    const type = exampleTypes().require('Order');
    const queries = queryCompiler();
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 200 }), (steps) => {
        const state = new PartitionState(exampleTypes());
        const ctx: ExecuteContext = { now: 1, origin: 'p', queries };
        // When each id last entered its index keys (a write or an update): the expected arrival order.
        const arrival = new Map<string, number>();
        steps.forEach((step, seq) => {
          const op: Operation =
            'write' in step
              ? {
                  kind: 'write',
                  type: 'Order',
                  entry: order(step.write, { customerId: 'c', status: step.status, total: step.total }),
                }
              : { kind: 'take', type: 'Order', selector: { id: step.take } };
          for (const m of execute(state, op, ctx).mutations) {
            apply(state, m);
            arrival.set(m.id, seq);
          }
        });
        const store = state.storeOf('Order');
        for (const selector of selectors) {
          const selection = compileSelector(type, selector, queries);
          const viaIndex = selectEntries(store, selection, 1).map((s) => s.id);
          const viaScan = [...store.entries.values()]
            .filter((s) => selection.matches(s.entry))
            .map((s) => s.id);
          expect([...viaIndex].sort()).toEqual([...viaScan].sort());
          if ('template' in selector) {
            const byArrival = [...viaScan].sort((a, b) => (arrival.get(a) ?? 0) - (arrival.get(b) ?? 0));
            expect(viaIndex).toEqual(byArrival);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
