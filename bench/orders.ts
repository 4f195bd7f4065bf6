/**
 * Example Orders (schemas/examples/Order.avsc) for the benchmarks: deterministic, so every side of a
 * comparison sees the same data, and sized like a real order (1 to 3 lines, a city, a zip).
 */

export const ORDER_STATUSES = ['NEW', 'PAID', 'SHIPPED', 'CANCELLED'] as const;
export const ORDER_CITIES = Array.from({ length: 50 }, (_, i) => `City-${i}`);

/** Deterministic PRNG (mulberry32) in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Order number `i` with id `<prefix><i>`. (customerId, status) is unique per order, and four
 * consecutive orders share a customer (so a customer's orders share a partition).
 */
export function makeOrder(i: number, random: () => number, prefix = 'o-'): Record<string, unknown> {
  const lines = [];
  const count = 1 + (i % 3);
  for (let l = 0; l < count; l++)
    lines.push({ sku: `sku-${(i * 7 + l) % 10_000}`, quantity: 1 + l, price: 9.5 + l });
  return {
    id: `${prefix}${i}`,
    customerId: `c-${i >> 2}`,
    status: ORDER_STATUSES[i & 3],
    total: random() * 1000,
    createdAt: 1_700_000_000_000 + i,
    shipping: { city: ORDER_CITIES[i % ORDER_CITIES.length], zip: `${10_000 + (i % 90_000)}` },
    lines,
    note: null,
  };
}
