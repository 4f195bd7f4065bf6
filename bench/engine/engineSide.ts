/**
 * The engine side of the engine benchmark: one SpaceEngine (no sink) holding the resident orders,
 * read and written with the same random key pattern as the Map side.
 */
import * as path from 'node:path';
import { SchemaLoader } from '../../src/schema/SchemaLoader';
import { apply } from '../../src/space/apply';
import { execute } from '../../src/space/execute';
import type { ExecuteContext } from '../../src/space/ExecuteContext';
import { queryCompiler } from '../../src/space/QuerySelection';
import { SpaceEngine } from '../../src/space/SpaceEngine';
import { ORDER_STATUSES as STATUSES, rng } from '../orders';
import {
  loadResident,
  NEW_ORDERS_SEED,
  newOrders,
  ONE_SHOT_OPS,
  slice,
  type Side,
  type SideSpec,
} from './sides';

// Latencies are read with performance.now(): a double, where hrtime.bigint() allocates a BigInt per
// reading, which a 5 us operation would pay for in its own figure.

/** Range queries per run, each over ~100 entries of the ordered `total` index. */
const RANGE_QUERIES = 20_000;
/** Template reads go over at most this many of the ids. */
const TEMPLATE_READS = 300_000;

/** Loads the resident orders into a SpaceEngine through its asynchronous facade. */
export async function engineSide(spec: SideSpec): Promise<Side> {
  const types = SchemaLoader.loadFolder(path.resolve(__dirname, '../../../schemas/examples'));
  const engine = new SpaceEngine({ types, origin: 'bench', nextId: () => 'unused' });
  const heapBytesPerEntry = await loadResident(spec, (o) => engine.write('Order', o), false);

  const state = engine.state;
  const queries = queryCompiler();
  // A fresh context per operation, as the engine builds one (clock reading included).
  const context = (): ExecuteContext => ({ now: Date.now(), origin: 'bench', queries });
  // Built before the timed rounds, as the Map side's keys are (the Map baseline times no string or
  // object building either); one set per case, so neither finds its strings' hashes computed already.
  const templateSelectors = (): { template: Record<string, unknown> }[] =>
    spec.indexes
      .slice(0, TEMPLATE_READS)
      .map((i) => ({ template: { customerId: `c-${i >> 2}`, status: STATUSES[i & 3] } }));
  const templateReads = templateSelectors();
  const templateReadsSync = templateSelectors();
  // One sequence of new orders: the sync writes' (as the Map sides write them), then the async writes'
  // and the takers'.
  const fresh = rng(NEW_ORDERS_SEED);
  const incoming = newOrders(spec.newOrders, spec.resident, fresh);
  const next = spec.resident + spec.newOrders;
  const incomingAsync = newOrders(ONE_SHOT_OPS, next, fresh);
  const takers: Record<string, unknown>[] = newOrders(ONE_SHOT_OPS, next + ONE_SHOT_OPS, fresh).map((o) => ({
    ...o,
    customerId: 'taker',
  }));
  const range = rng(5);

  return {
    heapBytesPerEntry,
    cases: {
      'read-by-id': async (round) => {
        const keys = slice(spec.ids, round);
        let hits = 0;
        for (const id of keys) if ((await engine.read('Order', { id })) !== null) hits++;
        return { ops: keys.length, extra: { hits } };
      },
      'read-by-id-sync-lookup': async (round) => {
        const keys = slice(spec.ids, round);
        let hits = 0;
        for (const id of keys) if (engine.lookup('Order', id) !== undefined) hits++;
        return { ops: keys.length, extra: { hits } };
      },
      // through the (customerId, status) equality index, one match each
      'template-read-equality-one-match': async (round) => {
        const selectors = slice(templateReads, round);
        let hits = 0;
        for (const selector of selectors) if ((await engine.read('Order', selector)) !== null) hits++;
        return { ops: selectors.length, extra: { hits } };
      },
      // the same through the synchronous core (execute on the engine's state, no Promise)
      'template-read-equality-one-match-sync': async (round) => {
        const selectors = slice(templateReadsSync, round);
        let hits = 0;
        for (const selector of selectors) {
          if (execute(state, { kind: 'read', type: 'Order', selector }, context()).result !== null) hits++;
        }
        return { ops: selectors.length, extra: { hits } };
      },
      // on the ordered byTotal index (totals are uniform in [0, 1000))
      'range-query-100': async () => {
        const width = (1000 * 100) / spec.resident;
        let returned = 0;
        const latencies: number[] = [];
        for (let j = 0; j < RANGE_QUERIES; j++) {
          const lo = range() * (1000 - width);
          const s = performance.now();
          const params = [lo, lo + width];
          returned += (await engine.readMultiple('Order', { query: 'total >= ? AND total < ?', params }))
            .length;
          latencies.push(performance.now() - s);
        }
        return {
          ops: RANGE_QUERIES,
          latencies,
          extra: { avg_returned: Math.round(returned / RANGE_QUERIES) },
        };
      },
      // a taker waits, a write satisfies it: the partition's size is the same afterwards
      'take-to-waiting-taker': async () => {
        const latencies: number[] = [];
        let taken = 0;
        for (const o of takers) {
          const s = performance.now();
          const template = { customerId: 'taker', status: o['status'] };
          const waiting = engine.take('Order', { template }, { timeout: Infinity });
          await engine.write('Order', o);
          if ((await waiting) !== null) taken++;
          latencies.push(performance.now() - s);
        }
        return { ops: takers.length, latencies, extra: { hits: taken, resident: engine.size } };
      },
      // validated, mutation built and applied: the synchronous core, execute + apply on the state
      'write-new-entry': async (round) => {
        const orders = slice(incoming, round);
        for (const o of orders) {
          for (const m of execute(state, { kind: 'write', type: 'Order', entry: o }, context()).mutations)
            apply(state, m);
        }
        return { ops: orders.length, extra: { resident: engine.size } };
      },
      // the same through the asynchronous facade (one awaited Promise per write)
      'write-new-entry-async': async () => {
        for (const o of incomingAsync) await engine.write('Order', o);
        return { ops: incomingAsync.length, extra: { resident: engine.size } };
      },
    },
  };
}
