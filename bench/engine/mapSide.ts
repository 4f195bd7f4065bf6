/**
 * The baseline side of the engine benchmark: a plain Map of the same frozen orders, read and written
 * with the same random key pattern as the engine side.
 */
import { deepFreeze } from '../../src/space/deepFreeze';
import { loadResident, newOrders, slice, type Side, type SideSpec } from './sides';

/** Loads the resident orders, frozen, into a Map. */
export async function mapSide(spec: SideSpec): Promise<Side> {
  const map = new Map<string, unknown>();
  const heapBytesPerEntry = await loadResident(spec, (o) => map.set(o['id'] as string, o), true);
  const incoming = newOrders(spec.newOrders, spec.resident);
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
