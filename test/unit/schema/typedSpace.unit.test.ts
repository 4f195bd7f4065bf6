import * as path from 'node:path';
import ts from 'typescript';
import type { Space, SpaceTransaction } from '../../../src/api/Space';
import type { RemoteSpace } from '../../../src/client/RemoteSpace';
import type { LocalGrid } from '../../../src/cluster/LocalGrid';
import { typedSpace } from '../../../src/api/typedSpace';
import type { Entry } from '../../../src/schema/Entry';
import type { SpaceEvent } from '../../../src/space/SubscriptionHub';
import type {
  Order,
  OrderInput,
  Payment,
  Product,
  ProductInput,
  SpacelogInputs,
  SpacelogTypes,
} from '../../fixtures/exampleEntryTypes';
import { compileWithRepoConfig, diagnosticText, is, type Equal } from '../../support/typeChecks';

const expectType = <T extends true>(): T => true as T;

/**
 * Never run: tsc checks it (test/ is in tsconfig.json, and the test below compiles this file). Each
 * `@ts-expect-error` line must be an error, or tsc fails with "Unused '@ts-expect-error' directive".
 */
export async function typeChecks(
  typed: Space<SpacelogTypes, SpacelogInputs>,
  untyped: Space,
  remote: RemoteSpace<SpacelogTypes, SpacelogInputs>,
  grid: LocalGrid,
): Promise<void> {
  const input: OrderInput = {
    customerId: 'c1',
    status: 'NEW',
    total: 1,
    createdAt: 0,
    shipping: { city: 'Lyon', zip: '69001' },
    lines: [],
  };

  // An untyped space: today's `Entry`, any type name.
  expectType<Equal<Awaited<ReturnType<typeof untyped.read<never, string>>>, Entry | null>>();
  const entry = await untyped.read('Anything', { id: '1' });
  is<Entry | null>()(entry);
  const entries = await untyped.readMultiple('Anything');
  is<Entry[]>()(entries);
  await untyped.write('Anything', { any: 'field' });

  // Naming the type in the call, on any space.
  const order = await untyped.read<Order>('Order', { id: '1' });
  is<Order | null>()(order);
  const taken = await untyped.take<Order>('Order', { id: '1' });
  is<Order | null>()(taken);
  const orders = await untyped.readMultiple<Order>('Order', { query: 'total > ?', params: [1] });
  is<Order[]>()(orders);
  const takenAll = await untyped.takeMultiple<Order>('Order');
  is<Order[]>()(takenAll);
  await untyped.write<OrderInput>('Order', input);
  // @ts-expect-error a write of Order<Input> without customerId
  await untyped.write<OrderInput>('Order', { ...input, customerId: undefined });
  // @ts-expect-error a status that is not one of the enum's symbols
  await untyped.write<OrderInput>('Order', { ...input, status: 'LOST' });

  // A typed space: the type follows from the name.
  const byName = await typed.read('Order', { id: '1' });
  is<Order | null>()(byName);
  const products = await typed.readMultiple('Product');
  is<Product[]>()(products);
  await typed.write('Order', input); // id (generated) and note (nullable) left out
  // @ts-expect-error an unknown type name
  await typed.read('Ordr', { id: '1' });
  // @ts-expect-error an unknown type name in count
  await typed.count('Ordr');
  // @ts-expect-error a Product is not an Order
  await typed.write('Order', { sku: 'x', name: 'x', price: 1, stock: 1 });
  // @ts-expect-error a field of the wrong type
  await typed.write('Product', { sku: 'x', name: 'x', price: '1', stock: 1 });
  // Exact inputs: a field the input type lacks does not compile, in a literal or a variable.
  // @ts-expect-error an object literal's unknown field
  await typed.write('Order', { ...input, colour: 'red' });
  // @ts-expect-error an unknown field of another type's literal
  await typed.write('Product', { sku: 'x', name: 'x', price: 1, stock: 1, colour: 'red' });
  const coloured = { ...input, colour: 'red' };
  // @ts-expect-error a variable's unknown field
  await typed.write('Order', coloured);
  const maybeColoured: OrderInput & { colour?: string } = input;
  // @ts-expect-error an optional unknown field is unknown too
  await typed.write('Order', maybeColoured);
  // @ts-expect-error an unknown field set to undefined
  await typed.write('Order', { ...input, colour: undefined });
  // @ts-expect-error an unknown field in an update (expectedVersion)
  await typed.write('Order', { ...input, id: 'o1', colour: 'red' }, { expectedVersion: 1 });
  // @ts-expect-error an index signature may hold any field
  await typed.write('Order', input as OrderInput & Readonly<Record<string, unknown>>);
  // Exactly the input's fields, in any form, compile: a variable, a literal, optional fields given.
  await typed.write('Order', { ...input, id: 'o1', note: null });
  await typed.write('Order', { ...input, note: 'gift' }, { expectedVersion: 3 });
  const product: ProductInput = { sku: 'x', name: 'x', price: 1, stock: 1 };
  await typed.write('Product', product);
  await typed.write('Product', { ...product, tags: ['new'] });
  // Naming the type checks against the named type: a generic wrapper passes its E extends OrderInput.
  const writeAny = <E extends OrderInput>(e: E) => typed.write<OrderInput>('Order', e);
  void writeAny;
  // An untyped space takes any fields; naming the type refuses a literal's unknown field.
  await untyped.write('Anything', { ...input, colour: 'red' });
  await untyped.write('Anything', coloured);
  // @ts-expect-error an object literal's unknown field, with the type named in the call
  await untyped.write<OrderInput>('Order', { ...input, colour: 'red' });
  if (byName !== null) {
    // @ts-expect-error entries are frozen
    byName.total = 2;
    // @ts-expect-error so are their arrays
    byName.lines.push({ sku: 'x', quantity: 1, price: 1 });
    const status: 'NEW' | 'PAID' | 'SHIPPED' | 'CANCELLED' = byName.status;
    const note: string | null = byName.note;
    void [status, note];
    // A read entry written back (an update): the output type has exactly the input's fields.
    await typed.write('Order', { ...byName, total: 2 }, { expectedVersion: 1 });
    // @ts-expect-error an unknown field added to a read entry
    await typed.write('Order', { ...byName, colour: 'red' }, { expectedVersion: 1 });
  }

  // Transactions: `tx` is typed by the space's maps.
  await typed.transaction(async (tx) => {
    is<SpaceTransaction<SpacelogTypes, SpacelogInputs>>()(tx);
    const inTx = await tx.read('Order', { id: '1' });
    is<Order | null>()(inTx);
    is<Order | null>()(await tx.take('Order', { id: '1' }, { routing: 'c1' }));
    is<Product[]>()(await tx.readMultiple('Product', { template: { stock: 0 } }));
    await tx.write('Order', input);
    if (inTx !== null) await tx.write('Order', { ...inTx, status: 'PAID' });
    await tx.change('Order', { id: '1' }, [{ op: 'set', path: 'status', value: 'PAID' }], { routing: 'c1' });
    // @ts-expect-error an Order with none of its fields
    await tx.write('Order', { wrong: 1 });
    // @ts-expect-error an unknown field in a transaction's write
    await tx.write('Order', { ...input, colour: 'red' });
    // @ts-expect-error a variable's unknown field in a transaction's write
    await tx.write('Order', coloured);
    // @ts-expect-error an enum value not in the schema
    await tx.write('Order', { ...input, status: 'LOST' });
    // @ts-expect-error an unknown type name in a transaction's read
    await tx.read('Ordr', { id: '1' });
    // @ts-expect-error an unknown type name in a transaction's change
    await tx.change('Ordr', { id: '1' }, []);
  });
  const fromTx = await typed.transaction(async (tx) => tx.read('Payment', { id: 'p1' }));
  is<Payment | null>()(fromTx);
  // An untyped space's transaction: today's `Entry`, any type name, any fields; or the type named per call.
  await untyped.transaction(async (tx) => {
    is<SpaceTransaction>()(tx);
    is<Entry | null>()(await tx.read('Anything', { id: '1' }));
    is<Entry[]>()(await tx.readMultiple('Anything'));
    await tx.write('Anything', { any: 'field' });
    await tx.write('Anything', coloured);
    is<Order | null>()(await tx.take<Order>('Order', { id: '1' }));
    await tx.write<OrderInput>('Order', input);
    // @ts-expect-error a named input type still refuses a missing field
    await tx.write<OrderInput>('Order', { ...input, customerId: undefined });
  });
  // A remote client's and a typed grid space's transactions carry the maps too.
  await remote.transaction(async (tx) => {
    is<SpaceTransaction<SpacelogTypes, SpacelogInputs>>()(tx);
    // @ts-expect-error an unknown field through a remote client's transaction
    await tx.write('Product', { ...product, colour: 'red' });
  });
  await typedSpace<SpacelogTypes, SpacelogInputs>(grid.space).transaction(async (tx) => {
    is<Product | null>()(await tx.read('Product', { id: 'sku-1' }));
  });

  // Subscriptions: listener events and watch events carry the entry type.
  await typed.subscribe('Order', { template: {} }, (event) => {
    is<SpaceEvent<Order>>()(event);
  });
  await untyped.subscribe<Order>('Order', { template: {} }, (event) => {
    is<Order>()(event.entry);
  });
  for await (const event of typed.watch('Order', { signal: AbortSignal.timeout(1) })) {
    is<Order>()(event.entry);
  }
  for await (const event of untyped.watch('Order')) {
    is<Entry>()(event.entry);
  }
  for await (const event of untyped.watch<Product>('Product')) {
    is<Product>()(event.entry);
  }

  // The typed handles: a remote client and a grid's space.
  const fromRemote = await remote.take('Product', { id: 'sku-1' });
  is<Product | null>()(fromRemote);
  const fromGrid = await typedSpace<SpacelogTypes, SpacelogInputs>(grid.space).read('Order', { id: '1' });
  is<Order | null>()(fromGrid);

  // `await using`: clients and grids are AsyncDisposable.
  const disposables: AsyncDisposable[] = [remote, grid, typed.watch('Order')];
  void disposables;
}

/** A consumer's mistakes, compiled beside this file: what the compiler tells about unknown fields. */
const MISTAKES_FILE = path.join(__dirname, '__typedSpaceMistakes.ts');
const MISTAKES = `
import type { Space } from '../../../src/api/Space';
import type { OrderInput, SpacelogInputs, SpacelogTypes } from '../../fixtures/exampleEntryTypes';
export async function mistakes(space: Space<SpacelogTypes, SpacelogInputs>, input: OrderInput): Promise<void> {
  const coloured = { ...input, colour: 'red' };
  await space.write('Order', coloured);
  await space.write('Order', { ...input, colour: 'red' });
  await space.transaction(async (tx) => tx.write('Order', { ...input, colour: 'red' }));
}
`;

/** Compiles this file and MISTAKES_FILE with the repository's tsconfig; the diagnostics by file. */
const compile = (): Map<string, ts.Diagnostic[]> =>
  compileWithRepoConfig([__filename], new Map([[MISTAKES_FILE, MISTAKES]]));
const text = diagnosticText;

describe('typed Space API', () => {
  let diagnostics: Map<string, ts.Diagnostic[]>;
  beforeAll(() => {
    diagnostics = compile();
  });

  it('type-checks: the expected types hold and every @ts-expect-error line is an error', () => {
    const messages = [...diagnostics]
      .filter(([file]) => file !== MISTAKES_FILE)
      .flatMap(([file, list]) => list.map((d) => `${file}: ${text(d)}`));
    expect(messages).toEqual([]);
  });

  it('an unknown field in a typed write is named in the error, for a variable and for a literal', () => {
    const found = diagnostics.get(MISTAKES_FILE) ?? [];
    const at = (d: ts.Diagnostic): string => MISTAKES.slice(d.start, (d.start ?? 0) + (d.length ?? 0));
    expect(found).toHaveLength(3);
    // A variable: the parameter's NotInSchema names the field, and the last line says why.
    expect(at(found[0]!)).toBe('coloured');
    expect(text(found[0]!)).toContain(`is not assignable to type 'NotInSchema<"colour">'`);
    expect(text(found[0]!)).toContain("Types of property 'colour' are incompatible.");
    // A literal, on a space and in a transaction: the error is on the field itself.
    for (const literal of found.slice(1)) {
      expect(at(literal)).toBe('colour');
      expect(text(literal)).toBe("Type 'string' is not assignable to type 'never'.");
    }
  });
});
