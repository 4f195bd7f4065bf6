/**
 * A second baseline for the write of a new entry: a plain Map of the same frozen orders plus
 * hand-kept versions of the five indexes Order.avsc declares (a Map per equality index, a B+tree per
 * ordered one, the structures the engine uses), with no validation, no mutation and no bookkeeping.
 * What is left between it and the engine is the engine's own work; what is between it and the bare
 * Map is the indexes' memory traffic, which any indexed store pays.
 */
import BTree from 'sorted-btree';
import { deepFreeze } from '../../src/space/deepFreeze';
import { loadResident, newOrders, slice, type Side, type SideSpec } from './sides';

interface Order {
  readonly id: string;
  readonly customerId: string;
  readonly status: string;
  readonly total: number;
  readonly createdAt: number;
  readonly shipping: { readonly city: string };
}

/** The engine's B+tree branching factor (OrderedIndex). */
const MAX_NODE_SIZE = 64;

/** A Map and five indexes kept by hand, as the engine keeps them (lists for shared keys). */
class IndexedOrders {
  readonly byId = new Map<string, Order>();
  readonly byCustomerStatus = new Map<string, Order | Order[]>();
  readonly byStatus = new Map<string, Order[]>();
  readonly byCity = new Map<string, Order[]>();
  readonly byTotal = new BTree<number, Order | Order[]>(undefined, (a, b) => a - b, MAX_NODE_SIZE);
  readonly byCreatedAt = new BTree<number, Order | Order[]>(undefined, (a, b) => a - b, MAX_NODE_SIZE);

  insert(order: Order): void {
    this.byId.set(order.id, order);
    addTo(this.byCustomerStatus, `${order.customerId}\u0000${order.status}`, order);
    listAdd(this.byStatus, order.status, order);
    listAdd(this.byCity, order.shipping.city, order);
    treeAdd(this.byTotal, order.total, order);
    treeAdd(this.byCreatedAt, order.createdAt, order);
  }
}

function addTo(map: Map<string, Order | Order[]>, key: string, order: Order): void {
  const found = map.get(key);
  if (found === undefined) map.set(key, order);
  else if (Array.isArray(found)) found.push(order);
  else map.set(key, [found, order]);
}

function listAdd(map: Map<string, Order[]>, key: string, order: Order): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [order]);
  else list.push(order);
}

function treeAdd(tree: BTree<number, Order | Order[]>, key: number, order: Order): void {
  if (tree.set(key, order, false)) return;
  const found = tree.get(key) as Order | Order[];
  if (Array.isArray(found)) found.push(order);
  else tree.set(key, [found, order]);
}

/** Loads the resident orders, frozen, into the indexed Map. */
export async function indexedMapSide(spec: SideSpec): Promise<Side> {
  const orders = new IndexedOrders();
  const heapBytesPerEntry = await loadResident(spec, (o) => orders.insert(o as unknown as Order), true);
  const incoming = newOrders(spec.newOrders, spec.resident);
  return {
    heapBytesPerEntry,
    cases: {
      'baseline-indexed-map-set-frozen-order': async (round) => {
        const batch = slice(incoming, round);
        for (const o of batch) orders.insert(deepFreeze(o) as unknown as Order);
        return { ops: batch.length, extra: { resident: orders.byId.size } };
      },
    },
  };
}
