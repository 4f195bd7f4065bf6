/**
 * Entries of the example domain (schemas/examples) for the demo load: a fixed set of customers and
 * products, orders with a few lines, and payments.
 */

/** Customers the demo keeps (ids c-000 ... c-199, rewritten now and then). */
export const DEMO_CUSTOMERS = 200;
/** Products in the demo catalogue (ids sku-00 ... sku-19). */
export const DEMO_PRODUCTS = 20;

const CITIES = ['Oslo', 'Lyon', 'Porto', 'Turin', 'Ghent', 'Graz', 'Malmö', 'Cork'] as const;
const TIERS = ['BRONZE', 'SILVER', 'GOLD'] as const;
const METHODS = ['CARD', 'TRANSFER', 'CASH', 'WALLET'] as const;

/** A random source in [0, 1): `Math.random` by default, a seeded one in tests. */
export type Random = () => number;

function pick<T>(items: readonly T[], random: Random): T {
  return items[Math.floor(random() * items.length) % items.length]!;
}

/** The id of customer `n`. */
export function customerId(n: number): string {
  return `c-${String(n).padStart(3, '0')}`;
}

/** The sku of product `n`. */
export function productSku(n: number): string {
  return `sku-${String(n).padStart(2, '0')}`;
}

/** Customer `n`, with a city and tier drawn from `random`. */
export function demoCustomer(n: number, random: Random): Record<string, unknown> {
  const id = customerId(n);
  return {
    id,
    name: `Customer ${n}`,
    email: `${id}@example.com`,
    city: pick(CITIES, random),
    tier: pick(TIERS, random),
    createdAt: Date.now(),
  };
}

/** Product `n` of the catalogue. */
export function demoProduct(n: number): Record<string, unknown> {
  return {
    sku: productSku(n),
    name: `Product ${n}`,
    price: 5 + ((n * 7) % 95),
    stock: 1_000,
    tags: n % 2 === 0 ? ['demo', 'even'] : ['demo'],
  };
}

/** A NEW order of `customer` with one to three lines. */
export function demoOrder(id: string, customer: string, random: Random): Record<string, unknown> {
  const lines = Array.from({ length: 1 + Math.floor(random() * 3) }, () => {
    const n = Math.floor(random() * DEMO_PRODUCTS);
    return { sku: productSku(n), quantity: 1 + Math.floor(random() * 4), price: 5 + ((n * 7) % 95) };
  });
  const total = lines.reduce((sum, line) => sum + line.quantity * line.price, 0);
  return {
    id,
    customerId: customer,
    status: 'NEW',
    total,
    createdAt: Date.now(),
    shipping: { city: pick(CITIES, random), zip: String(1000 + Math.floor(random() * 9000)) },
    lines,
    note: null,
  };
}

/** The payment of an order. */
export function demoPayment(orderId: string, amount: number, random: Random): Record<string, unknown> {
  return { id: `pay-${orderId}`, orderId, amount, method: pick(METHODS, random), paidAt: Date.now() };
}
