import type { Space } from '../../../src/api/Space';
import { DemoLoad } from '../../../src/demo/DemoLoad';
import { LoadFigures } from '../../../src/demo/LoadFigures';
import type { Entry } from '../../../src/schema/Entry';

/** A seeded random source (mulberry32), so the load's choices repeat. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Call {
  readonly kind: string;
  readonly type: string;
  readonly args: readonly unknown[];
}

/** A Space that keeps entries in maps and records every call. */
function fakeSpace(existingOrders: Entry[] = []): {
  space: Space;
  calls: Call[];
  orders: Map<string, string>;
} {
  const calls: Call[] = [];
  const orders = new Map<string, string>(existingOrders.map((o) => [String(o['id']), String(o['status'])]));
  const space = {
    name: 'orders',
    partitions: 1,
    write: async (type: string, entry: Record<string, unknown>, options?: unknown) => {
      calls.push({ kind: 'write', type, args: [entry, options] });
      if (type === 'Order') orders.set(String(entry['id']), String(entry['status']));
      return { id: 'x', version: 1, leaseExpiresAt: null, partition: 0 };
    },
    change: async (
      type: string,
      selector: { id: string },
      changes: { value: unknown }[],
      options?: unknown,
    ) => {
      calls.push({ kind: 'change', type, args: [selector, changes, options] });
      orders.set(selector.id, String(changes[0]!.value));
      return { count: 1, changed: [] };
    },
    take: async (type: string, selector: { id: string }, options?: unknown) => {
      calls.push({ kind: 'take', type, args: [selector, options] });
      orders.delete(selector.id);
      return {};
    },
    readMultiple: async () => existingOrders,
  } as unknown as Space;
  return { space, calls, orders };
}

describe('DemoLoad', () => {
  afterEach(() => jest.useRealTimers());

  it('seeds the catalogue and the customers', async () => {
    const { space, calls } = fakeSpace();
    await new DemoLoad({ space, rate: 100, figures: new LoadFigures(), random: seeded(1) }).seed();
    expect(calls.filter((c) => c.type === 'Product')).toHaveLength(20);
    const customers = calls.filter((c) => c.type === 'Customer').map((c) => (c.args[0] as Entry)['id']);
    expect(new Set(customers).size).toBe(200);
    expect(customers).toContain('c-000');
    expect(customers).toContain('c-199');
  });

  it('moves each order NEW → PAID (with a leased payment) → SHIPPED → taken, never skipping a step', async () => {
    jest.useFakeTimers();
    const leftover: Entry = { id: 'old-1', customerId: 'c-007', status: 'PAID', total: 10 };
    const { space, calls } = fakeSpace([leftover]);
    const figures = new LoadFigures();
    const load = new DemoLoad({ space, rate: 400, figures, random: seeded(7), paymentLeaseMs: 5_000 });
    await load.seed();
    calls.length = 0;
    load.start();
    await jest.advanceTimersByTimeAsync(3_000);
    await load.stop();

    const status = new Map<string, string>([['old-1', 'PAID']]);
    const routing = new Map<string, string>([['old-1', 'c-007']]);
    let takes = 0;
    for (const call of calls) {
      if (call.kind === 'write' && call.type === 'Order') {
        const order = call.args[0] as Entry;
        expect(order['status']).toBe('NEW');
        status.set(String(order['id']), 'NEW');
        routing.set(String(order['id']), String(order['customerId']));
      } else if (call.kind === 'change') {
        const { id } = call.args[0] as { id: string };
        const next = (call.args[1] as { value: string }[])[0]!.value;
        expect(`${status.get(id)}→${next}`).toMatch(/^(NEW→PAID|PAID→SHIPPED)$/);
        expect(call.args[2]).toEqual({ routing: routing.get(id) });
        status.set(id, next);
      } else if (call.kind === 'write' && call.type === 'Payment') {
        const payment = call.args[0] as Entry;
        expect(status.get(String(payment['orderId']))).toBe('PAID');
        expect(call.args[1]).toEqual({ lease: 5_000 });
      } else if (call.kind === 'take') {
        const { id } = call.args[0] as { id: string };
        expect(status.get(id)).toBe('SHIPPED');
        expect(call.args[1]).toEqual({ routing: routing.get(id) });
        status.delete(id);
        takes++;
      }
    }
    const kinds = new Set(calls.map((c) => `${c.kind} ${c.type}`));
    expect(kinds).toEqual(
      new Set(['write Order', 'change Order', 'write Payment', 'take Order', 'write Customer']),
    );
    // The rate is a ceiling: three seconds at 400/s issue at most 1,200 operations (a pay is two calls).
    const operations = calls.length - calls.filter((c) => c.type === 'Payment').length;
    expect(operations).toBeLessThanOrEqual(1_200);
    expect(operations).toBeGreaterThan(0);
    expect(figures.totals()).toMatchObject({ takes, errors: 0 });
  });

  it('counts failed operations and reports them, and goes on', async () => {
    jest.useFakeTimers();
    const { space } = fakeSpace();
    const failing = {
      ...space,
      write: () => Promise.reject(new Error('boom')),
      readMultiple: space.readMultiple,
    };
    const figures = new LoadFigures();
    const seen: unknown[] = [];
    const load = new DemoLoad({
      space: failing as unknown as Space,
      rate: 100,
      figures,
      random: seeded(3),
      onError: (e) => seen.push(e),
    });
    load.start();
    await jest.advanceTimersByTimeAsync(1_000);
    await load.stop();
    expect(figures.totals().errors).toBeGreaterThan(0);
    expect(seen).toHaveLength(figures.totals().errors);
    expect(String(seen[0])).toContain('boom');
  });
});
