import fc from 'fast-check';
import { apply } from '../../../src/space/apply';
import { execute } from '../../../src/space/execute';
import type { ExecuteContext } from '../../../src/space/ExecuteContext';
import type { Mutation } from '../../../src/space/Mutation';
import type { Entry } from '../../../src/schema/Entry';
import type { Operation } from '../../../src/space/Operation';
import { PartitionState } from '../../../src/space/PartitionState';
import { queryCompiler } from '../../../src/space/QuerySelection';
import { selectEntries, selectFirst } from '../../../src/space/Selection';
import { compileTemplate, firstMatchOfTemplate, NEEDS_SELECTION } from '../../../src/space/Template';
import { compileSelector } from '../../../src/space/compileSelector';
import { exampleTypes, newEngine, order } from './fixtures';

const STATUSES = ['NEW', 'PAID', 'SHIPPED', 'CANCELLED'] as const;
const CITIES = ['Paris', 'Lyon', 'Nice'] as const;
const ids = fc.constantFrom('a', 'b', 'c', 'd', 'e');

const orderArb = fc.record({
  id: ids,
  status: fc.constantFrom(...STATUSES),
  total: fc.integer({ min: 0, max: 50 }),
  city: fc.constantFrom(...CITIES),
});
const toOrder = (o: { id: string; status: string; total: number; city: string }): Record<string, unknown> =>
  order(o.id, { status: o.status, total: o.total, shipping: { city: o.city, zip: '1' } });

const opArb: fc.Arbitrary<{ op: Operation; advance: number }> = fc.record({
  advance: fc.constantFrom(0, 0, 5, 20),
  op: fc.oneof(
    fc
      .record({
        o: orderArb,
        mode: fc.constantFrom('upsert', 'insert-only', 'update-only'),
        lease: fc.option(fc.constantFrom(10, 30), { nil: undefined }),
        expectedVersion: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
      })
      .map(({ o, mode, lease, expectedVersion }): Operation => ({
        kind: 'write',
        type: 'Order',
        entry: toOrder(o),
        options: { mode: mode as 'upsert', lease, expectedVersion },
      })),
    fc.record({ id: ids, by: fc.integer({ min: -5, max: 5 }) }).map(({ id, by }): Operation => ({
      kind: 'change',
      type: 'Order',
      selector: { id },
      changes: [{ op: 'increment', path: 'total', by }],
    })),
    fc.constantFrom(...STATUSES).map((status): Operation => ({
      kind: 'change',
      type: 'Order',
      selector: { template: { status } },
      changes: [{ op: 'set', path: 'status', value: 'PAID' }],
    })),
    ids.map((id): Operation => ({ kind: 'take', type: 'Order', selector: { id } })),
    fc
      .constantFrom(...STATUSES)
      .map((status): Operation => ({ kind: 'clear', type: 'Order', selector: { template: { status } } })),
    fc
      .record({ id: ids, lease: fc.constantFrom(10, 50) })
      .map(({ id, lease }): Operation => ({ kind: 'renew', type: 'Order', id, lease })),
    fc.constant<Operation>({ kind: 'expireDue' }),
  ),
});

function dump(state: PartitionState): unknown[] {
  return [...state.all()].map(({ type, stored }) => [
    type,
    stored.id,
    stored.version,
    stored.leaseExpiresAt,
    stored.entry,
  ]);
}

describe('engine properties', () => {
  it('(a) replaying the mutations of any operation sequence rebuilds the live state', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (steps) => {
        const live = new PartitionState(exampleTypes());
        const log: Mutation[] = [];
        let now = 1_000;
        let n = 0;
        for (const { op, advance } of steps) {
          now += advance;
          const ctx: ExecuteContext = { now, origin: 'p', nextId: () => `g${++n}`, queries: queryCompiler() };
          const before = dump(live);
          let mutations: Mutation[];
          try {
            mutations = execute(live, op, ctx).mutations;
          } catch (error) {
            // docs/design.md law 4: a refused operation leaves the state untouched.
            expect(dump(live)).toEqual(before);
            expect((error as Error).name).not.toBe('InvariantViolationError');
            continue;
          }
          for (const m of mutations) apply(live, m);
          log.push(...mutations);
        }
        const replayed = new PartitionState(exampleTypes());
        for (const m of log) apply(replayed, m);
        expect(dump(replayed)).toEqual(dump(live));
        expect(replayed.size).toBe(live.size);
      }),
      { numRuns: 200 },
    );
  });

  it('(b) index lookups and ranges return exactly what a full scan returns', () => {
    const type = exampleTypes().require('Order');
    const queries = queryCompiler();
    const selectorArb = fc.oneof(
      fc.record({ status: fc.constantFrom(...STATUSES) }).map((t) => ({ template: t })),
      fc.record({ city: fc.constantFrom(...CITIES) }).map((t) => ({ template: { shipping: t } })),
      fc
        .record({ c: fc.constant('c1'), s: fc.constantFrom(...STATUSES) })
        .map((t) => ({ template: { customerId: t.c, status: t.s } })),
      fc
        .record({ lo: fc.integer({ min: -5, max: 55 }), w: fc.integer({ min: 0, max: 30 }) })
        .map(({ lo, w }) => ({
          query: 'total >= ? AND total < ?',
          params: [lo, lo + w],
        })),
      fc
        .record({ lo: fc.integer({ min: -5, max: 55 }), w: fc.integer({ min: 0, max: 30 }) })
        .map(({ lo, w }) => ({
          query: 'total > ? AND total <= ?',
          params: [lo, lo + w],
        })),
      fc.integer({ min: -5, max: 55 }).map((v) => ({ query: 'total > ?', params: [v] })),
      fc.integer({ min: -5, max: 55 }).map((v) => ({ query: 'total <= ?', params: [v] })),
      fc.integer({ min: 0, max: 50 }).map((v) => ({ query: 'total = ?', params: [v] })),
      fc.record({ s: fc.constantFrom(...STATUSES), t: fc.integer({ min: 0, max: 50 }) }).map(({ s, t }) => ({
        template: { status: s, total: t },
      })),
      fc.constantFrom(...STATUSES).map((s) => ({ query: 'status IN (?, ?)', params: [s, 'NEW'] })),
    );
    fc.assert(
      fc.property(
        fc.array(orderArb, { maxLength: 40 }),
        fc.array(fc.boolean(), { maxLength: 40 }),
        selectorArb,
        (orders, removals, selector) => {
          const state = new PartitionState(exampleTypes());
          const ctx: ExecuteContext = { now: 1, origin: 'p', queries };
          orders.forEach((o, i) => {
            for (const m of execute(
              state,
              { kind: 'write', type: 'Order', entry: toOrder({ ...o, id: `${o.id}${i % 7}` }) },
              ctx,
            ).mutations)
              apply(state, m);
          });
          removals.forEach((remove, i) => {
            if (!remove) return;
            for (const m of execute(
              state,
              { kind: 'take', type: 'Order', selector: { id: `${orders[i]?.id ?? 'x'}${i % 7}` } },
              ctx,
            ).mutations)
              apply(state, m);
          });
          const store = state.storeOf('Order');
          const selection = compileSelector(type, selector, queries);
          const viaIndex = selectEntries(store, selection, 1)
            .map((s) => s.id)
            .sort();
          const viaScan = [...store.entries.values()]
            .filter((s) => selection.matches(s.entry))
            .map((s) => s.id)
            .sort();
          expect(viaIndex).toEqual(viaScan);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('(d) a read by template through its one-lookup path picks the entry the compiled selection picks', () => {
    const type = exampleTypes().require('Order');
    const templateArb = fc.oneof(
      fc.record({ c: fc.constantFrom('c1', 'c2'), s: fc.constantFrom(...STATUSES) }).map((t) => ({
        customerId: t.c,
        status: t.s,
      })),
      fc
        .record({ id: fc.constantFrom('a0', 'b1', 'c2', 'zz'), s: fc.option(fc.constantFrom(...STATUSES)) })
        .map((t) => ({ id: t.id, status: t.s })),
      fc.constantFrom(...STATUSES).map((status) => ({ status })),
      fc.constantFrom(...CITIES).map((city) => ({ shipping: { city } })),
      // Fields no one index covers exactly: the compiled path.
      fc.constantFrom(...CITIES).map((city) => ({ status: 'NEW', shipping: { city } })),
      fc.constant({}),
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            o: orderArb,
            c: fc.constantFrom('c1', 'c2'),
            lease: fc.option(fc.constantFrom(5, 50)),
          }),
          { maxLength: 30 },
        ),
        fc.constantFrom(0, 10, 100),
        templateArb,
        (writes, later, template) => {
          const state = new PartitionState(exampleTypes());
          const ctx: ExecuteContext = { now: 1, origin: 'p' };
          writes.forEach(({ o, c, lease }, i) => {
            const entry = { ...toOrder({ ...o, id: `${o.id}${i % 3}` }), customerId: c };
            const options = lease === null ? undefined : { lease };
            for (const m of execute(state, { kind: 'write', type: 'Order', entry, options }, ctx).mutations)
              apply(state, m);
          });
          const store = state.storeOf('Order');
          const now = 1 + later;
          const compiled = selectFirst(store, compileTemplate(type, template), now);
          const direct = firstMatchOfTemplate(type, store, template, now);
          if (direct !== NEEDS_SELECTION) expect(direct ?? undefined).toBe(compiled);
          // execute answers a read or take by template with the same entry, by whichever path.
          const at: ExecuteContext = { now, origin: 'p' };
          const selector = { template };
          expect(execute(state, { kind: 'read', type: 'Order', selector }, at).result).toBe(
            compiled?.entry ?? null,
          );
          const take = execute(state, { kind: 'take', type: 'Order', selector }, at);
          expect(take.result).toBe(compiled?.entry ?? null);
          expect(take.mutations.map((m) => [m.op, m.id, m.version])).toEqual(
            compiled ? [['TAKE', compiled.id, compiled.version]] : [],
          );
          const oneLookup = 'id' in template || !('shipping' in template && 'status' in template);
          expect(direct === NEEDS_SELECTION).toBe(!oneLookup || Object.keys(template).length === 0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('(c) under interleaved take waiters and writes, no entry is taken twice and waiters are served FIFO', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ take: fc.constantFrom(...STATUSES) }),
            fc.record({ write: fc.constantFrom(...STATUSES) }),
          ),
          {
            maxLength: 40,
          },
        ),
        async (steps) => {
          const { engine, sink } = newEngine();
          const waiters: { status: string; seq: number; result: Promise<Entry | null> }[] = [];
          let written = 0;
          for (const [seq, step] of steps.entries()) {
            if ('take' in step) {
              waiters.push({
                status: step.take,
                seq,
                result: engine.take('Order', { template: { status: step.take } }, { timeout: Infinity }),
              });
            } else {
              await engine.write('Order', order(`w${++written}`, { status: step.write }));
            }
          }
          engine.close();
          const outcomes = await Promise.all(
            waiters.map((w) =>
              w.result.then(
                (e) => e?.id ?? null,
                () => null,
              ),
            ),
          );
          const taken = outcomes.filter((id): id is string => id !== null);
          expect(new Set(taken).size).toBe(taken.length);
          const takeLog = sink.log.filter((m) => m.op === 'TAKE').map((m) => m.id);
          expect(new Set(takeLog).size).toBe(takeLog.length);
          expect([...taken].sort()).toEqual([...takeLog].sort());
          // docs/design.md law 1 with hand-overs (a WRITE a waiter takes at once never touches the live state): the
          // fold of the log equals the live state.
          const replayed = new PartitionState(exampleTypes());
          for (const m of sink.log) apply(replayed, m);
          expect(dump(replayed)).toEqual(dump(engine.state));
          // FIFO: among waiters of one status, a later waiter is served only if every earlier one was,
          // and earlier waiters get earlier writes.
          for (const status of STATUSES) {
            const mine = waiters
              .map((w, i) => ({ ...w, id: outcomes[i] }))
              .filter((w) => w.status === status);
            const served = mine.map((w) => w.id !== null);
            expect(served).toEqual([...served].sort((a, b) => Number(b) - Number(a)));
            const numbers = mine.filter((w) => w.id !== null).map((w) => Number((w.id as string).slice(1)));
            expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
