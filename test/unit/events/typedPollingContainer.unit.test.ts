import type { Space, SpaceTransaction } from '../../../src/api/Space';
import type { LocalGrid } from '../../../src/cluster/LocalGrid';
import type { UnitContext } from '../../../src/cluster/UnitConfig';
import type { ContainerHost } from '../../../src/events/ContainerHost';
import { startPollingContainer, type PollingContainer } from '../../../src/events/PollingContainer';
import type {
  PollingContext,
  PollingErrorListener,
  PollingHandler,
} from '../../../src/events/PollingOptions';
import type { Entry } from '../../../src/schema/Entry';
import type {
  Order,
  OrderInput,
  Product,
  SpacelogInputs,
  SpacelogTypes,
} from '../../fixtures/exampleEntryTypes';
import { eventually, FakeHost, orderOf } from './pollingFixtures';
import { compileWithRepoConfig, diagnosticText, is } from '../../support/typeChecks';

type TypedTx = SpaceTransaction<SpacelogTypes, SpacelogInputs>;

/**
 * Never run: tsc checks it (test/ is in tsconfig.json, and the test below compiles this file). Each
 * `@ts-expect-error` line must be an error, or tsc fails with "Unused '@ts-expect-error' directive".
 */
export function typeChecks(grid: LocalGrid, ctx: UnitContext, host: ContainerHost, input: OrderInput): void {
  // Untyped, as before: the entry is an Entry, tx an untyped SpaceTransaction, any type name.
  grid.pollingContainer({
    name: 'untyped',
    type: 'Anything',
    handler: async (entry, tx, context) => {
      is<Entry>()(entry);
      is<SpaceTransaction>()(tx);
      is<Space>()(context.space);
      // Any other type name, any fields (the type given does not narrow what tx writes).
      await tx.write('Receipt', { ...entry, any: 'field' });
      is<Order | null>()(await tx.read<Order>('Order', { id: '1' }));
    },
    onError: (_error, entry, attempt) => {
      is<Entry | null>()(entry);
      is<number>()(attempt);
    },
  });
  const untypedHandler: PollingHandler = async (entry: Entry, tx: SpaceTransaction) => {
    await tx.write('Anything', entry);
  };
  const untypedListener: PollingErrorListener = (_error, entry: Entry | null) => void entry;
  ctx.pollingContainer({ name: 'untyped', type: 'Order', handler: untypedHandler, onError: untypedListener });
  startPollingContainer(host, { name: 'untyped', type: 'Order', handler: untypedHandler });

  // Typed by the maps named in the call: the `type` given picks the entry's type; tx carries the maps.
  grid.pollingContainer<SpacelogTypes, SpacelogInputs>({
    name: 'pay',
    type: 'Order',
    template: { status: 'NEW' },
    handler: async (order, tx, context) => {
      is<Order>()(order);
      is<TypedTx>()(tx);
      is<PollingContext<SpacelogTypes, SpacelogInputs>>()(context);
      is<Space<SpacelogTypes, SpacelogInputs>>()(context.space);
      await tx.write('Order', { ...order, status: 'PAID' });
      await tx.write('Payment', {
        id: `pay-${order.id}`,
        orderId: order.id,
        amount: order.total,
        method: 'CARD',
        paidAt: 0,
      });
      is<Product | null>()(await tx.read('Product', { id: 'sku-1' }));
      // @ts-expect-error an unknown field in the handler's write
      await tx.write('Order', { ...order, colour: 'red' });
      // @ts-expect-error an enum value not in the schema
      await tx.write('Order', { ...input, status: 'LOST' });
      // @ts-expect-error an unknown type name in the handler's read
      await tx.read('Ordr', { id: '1' });
      // @ts-expect-error entries are frozen
      order.total = 2;
    },
    // onError hears the entries the handler got (null for the container's own trouble).
    onError: (_error, order) => {
      is<Order | null>()(order);
      // @ts-expect-error null when the failure is the container's, not an entry's
      void order.total;
      // @ts-expect-error a field Order does not have
      void order?.colour;
    },
  });
  ctx.pollingContainer<SpacelogTypes, SpacelogInputs>({
    name: 'restock',
    type: 'Product',
    handler: async (product, tx) => {
      is<Product>()(product);
      is<TypedTx>()(tx);
    },
    onError: (_error, product) => void is<Product | null>()(product),
  });
  startPollingContainer<SpacelogTypes, SpacelogInputs>(host, {
    name: 'pay',
    type: 'Order',
    handler: (order, tx) => {
      is<Order>()(order);
      is<TypedTx>()(tx);
    },
  });
  // @ts-expect-error an unknown type name for a typed container
  grid.pollingContainer<SpacelogTypes, SpacelogInputs>({ name: 'x', type: 'Ordr', handler: () => undefined });

  // A handler declared on its own is typed for one type name, and fits only that one.
  const pay: PollingHandler<SpacelogTypes, SpacelogInputs, 'Order'> = async (order, tx) => {
    is<Order>()(order);
    await tx.write('Order', { ...order, status: 'PAID' });
  };
  grid.pollingContainer<SpacelogTypes, SpacelogInputs>({ name: 'pay', type: 'Order', handler: pay });
  // @ts-expect-error an Order handler for a Product container
  grid.pollingContainer<SpacelogTypes, SpacelogInputs>({ name: 'pay', type: 'Product', handler: pay });
  const restock = async (product: Product): Promise<string> => product.sku;
  // @ts-expect-error the entry of an Order container is not a Product
  ctx.pollingContainer<SpacelogTypes, SpacelogInputs>({ name: 'pay', type: 'Order', handler: restock });
  // A listener declared on its own is typed for one type name too.
  const onOrderError: PollingErrorListener<SpacelogTypes, 'Order'> = (_error, order) => void order?.total;
  grid.pollingContainer<SpacelogTypes, SpacelogInputs>({
    name: 'pay',
    type: 'Order',
    handler: pay,
    onError: onOrderError,
  });
  const restockWithOrderListener = {
    name: 'restock',
    type: 'Product',
    handler: restock,
    onError: onOrderError,
  } as const;
  // @ts-expect-error an Order listener for a Product container
  startPollingContainer<SpacelogTypes, SpacelogInputs>(host, restockWithOrderListener);
  // A listener shared by typed containers of two types and an untyped one takes `object | null`
  // (docs/polling-containers.md); an untyped PollingErrorListener (Entry | null) does not fit a typed one.
  const shared = (_error: unknown, entry: object | null, attempt: number): void => void [entry, attempt];
  grid.pollingContainer<SpacelogTypes, SpacelogInputs>({
    name: 'pay',
    type: 'Order',
    handler: pay,
    onError: shared,
  });
  startPollingContainer<SpacelogTypes, SpacelogInputs>(host, {
    name: 'restock',
    type: 'Product',
    handler: restock,
    onError: shared,
  });
  ctx.pollingContainer({ name: 'untyped', type: 'Order', handler: untypedHandler, onError: shared });
  grid.pollingContainer<SpacelogTypes, SpacelogInputs>({
    name: 'pay',
    type: 'Order',
    handler: pay,
    // @ts-expect-error an Order is an interface: it does not pass for an Entry
    onError: untypedListener,
  });
}

describe('typed polling containers', () => {
  it('type-checks: the expected types hold and every @ts-expect-error line is an error', () => {
    const messages = [...compileWithRepoConfig([__filename])].flatMap(([file, list]) =>
      list.map((d) => `${file}: ${diagnosticText(d)}`),
    );
    expect(messages).toEqual([]);
  });

  it('a typed container runs its handler as an untyped one would: the typing changes nothing at run time', async () => {
    const host = new FakeHost(1);
    const seen: Order[] = [];
    let container: PollingContainer | undefined;
    try {
      container = startPollingContainer<SpacelogTypes, SpacelogInputs>(host, {
        name: 'pay',
        type: 'Order',
        template: { status: 'NEW' },
        receiveTimeout: 50,
        handler: async (order, tx, context) => {
          seen.push(order);
          expect(context.space).toBe(host.space);
          await tx.write('Order', { ...order, id: `${order.id}-paid`, status: 'PAID' });
        },
      });
      await host.space.write('Order', orderOf('o-1', 'c-1'));
      await eventually(() => container!.status().partitions[0]?.processed === 1);
      expect(seen.map((o) => o.id)).toEqual(['o-1']);
      expect((await host.space.read('Order', { id: 'o-1-paid' }))?.status).toBe('PAID');
    } finally {
      await container?.stop();
    }
  });
});
