/**
 * The baseline side of the engine benchmark: a plain Map of the same frozen orders, read and written
 * with the same random key pattern as the engine side.
 */
import { deepFreeze } from '../../src/space/deepFreeze';
import { makeOrder, rng } from '../orders';
import { DATA_SEED, heapUsed, NEW_ORDERS_SEED, slice, type Side, type SideSpec } from './sides';

/** Loads the resident orders, frozen, into a Map. */
export function mapSide(spec: SideSpec): Side {
  const before = heapUsed();
  const map = new Map<string, unknown>();
  const data = rng(DATA_SEED);
  for (let i = 0; i < spec.resident; i++) map.set(`o-${i}`, deepFreeze(makeOrder(i, data)));
  const heapBytesPerEntry = (heapUsed() - before) / spec.resident;
  // The same new orders the engine side writes.
  const fresh = rng(NEW_ORDERS_SEED);
  const incoming = Array.from({ length: spec.newOrders }, (_, j) => makeOrder(spec.resident + j, fresh));
  return {
    heapBytesPerEntry,
    cases: {
      'baseline-map-get': async (round) => {
        const keys = slice(spec.ids, round);
        let hits = 0;
        for (const id of keys) if (map.get(id) !== undefined) hits++;
        return { ops: keys.length, extra: { hits } };
      },
      'baseline-map-set-frozen-order': async (round) => {
        const orders = slice(incoming, round);
        for (const o of orders) map.set(o['id'] as string, deepFreeze(o));
        return { ops: orders.length };
      },
    },
  };
}
