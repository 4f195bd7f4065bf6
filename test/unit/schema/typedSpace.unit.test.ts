import * as path from 'node:path';
import ts from 'typescript';
import type { Space } from '../../../src/client/Space';
import type { RemoteSpace } from '../../../src/client/RemoteSpace';
import type { LocalGrid } from '../../../src/cluster/LocalGrid';
import { typedSpace } from '../../../src/client/typedSpace';
import type { Entry } from '../../../src/space/Mutation';
import type { SpaceEvent } from '../../../src/space/SubscriptionHub';
import type {
  Order,
  OrderInput,
  Product,
  SpacelogInputs,
  SpacelogTypes,
} from '../../fixtures/exampleEntryTypes';

/** Exact type equality (not mere assignability), for checks that a result is what it should be. */
type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
const expectType = <T extends true>(): T => true as T;
/** `is<Expected>()(value)` compiles only when the value's type is exactly `Expected`. */
const is =
  <Expected>() =>
  <Actual>(value: Actual, ..._exact: Equal<Actual, Expected> extends true ? [] : [never]): Actual =>
    value;

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
  // A field not in the schema passes the compiler (the entry's own type is inferred); the space refuses it.
  await typed.write('Product', { sku: 'x', name: 'x', price: 1, stock: 1, colour: 'red' });
  if (byName !== null) {
    // @ts-expect-error entries are frozen
    byName.total = 2;
    // @ts-expect-error so are their arrays
    byName.lines.push({ sku: 'x', quantity: 1, price: 1 });
    const status: 'NEW' | 'PAID' | 'SHIPPED' | 'CANCELLED' = byName.status;
    const note: string | null = byName.note;
    void [status, note];
  }

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

describe('typed Space API', () => {
  it('type-checks: the expected types hold and every @ts-expect-error line is an error', () => {
    const root = path.resolve(__dirname, '../../..');
    const config = ts.getParsedCommandLineOfConfigFile(
      path.join(root, 'tsconfig.json'),
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => {
          throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
        },
      },
    );
    const program = ts.createProgram([__filename], { ...config!.options, noEmit: true });
    const messages = ts
      .getPreEmitDiagnostics(program)
      .map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(messages).toEqual([]);
  });
});
