import type { LocalGrid } from '../../../src/cluster/LocalGrid';
import type { UnitContext } from '../../../src/cluster/UnitConfig';
import { InvalidArgumentError } from '../../../src/errors';
import type { NotifyHandlerError } from '../../../src/errors/events';
import type { ContainerHost } from '../../../src/events/ContainerHost';
import { HostedContainers } from '../../../src/events/HostedContainers';
import { NotifyContainer, startNotifyContainer } from '../../../src/events/NotifyContainer';
import type {
  NotifyBatchContext,
  NotifyContainerOptions,
  NotifyEvent,
  NotifyHandler,
} from '../../../src/events/NotifyOptions';
import type { Entry } from '../../../src/schema/Entry';
import type { Order, Product, SpacelogTypes } from '../../fixtures/exampleEntryTypes';
import { FakeHost } from './pollingFixtures';
import { compileWithRepoConfig, diagnosticText, is } from '../../support/typeChecks';
import { expectRefusal } from '../../support/refusals';

/**
 * Never run: tsc checks it (test/ is in tsconfig.json, and the test below compiles this file). Each
 * `@ts-expect-error` line must be an error, or tsc fails with "Unused '@ts-expect-error' directive".
 */
export function typeChecks(
  grid: LocalGrid,
  ctx: UnitContext,
  host: ContainerHost,
  someType: string | undefined,
): void {
  // Untyped, as before: events carry an Entry (or null), any type name, or none.
  grid.notifyContainer({
    name: 'untyped',
    type: 'Anything',
    handler: async (events, context) => {
      is<readonly NotifyEvent[]>()(events);
      is<Entry | null>()(events[0]!.entry);
      is<NotifyBatchContext>()(context);
    },
    onError: (error, events) => {
      is<NotifyHandlerError>()(error);
      is<readonly NotifyEvent[]>()(events);
      return 'retry';
    },
  });
  ctx.notifyContainer({
    name: 'every',
    handler: async (events) => void is<readonly NotifyEvent[]>()(events),
  });
  // A type that is not a literal (here possibly undefined) still fits an untyped container.
  const untypedHandler: NotifyHandler = async (events) => void events.map((e) => e.entry?.['total']);
  const options: NotifyContainerOptions = { name: 'untyped', type: someType, handler: untypedHandler };
  startNotifyContainer(host, options);
  startNotifyContainer(host, { ...options, type: 'Order' });

  // Typed by the map named in the call: the `type` given picks the events' entry type.
  grid.notifyContainer<SpacelogTypes>({
    name: 'totals',
    type: 'Order',
    query: "status = 'PAID'",
    handler: async (events) => {
      is<readonly NotifyEvent<Order>[]>()(events);
      for (const e of events) {
        is<Order | null>()(e.entry);
        if (e.entry === null) continue; // TAKE / EXPIRE: a tombstone, no state
        is<number>()(e.entry.total);
        // @ts-expect-error a field Order does not have
        void e.entry.colour;
        // @ts-expect-error entries are frozen
        e.entry.total = 2;
      }
    },
    onError: (_error, events) => {
      is<readonly NotifyEvent<Order>[]>()(events);
      return 'skip';
    },
  });
  ctx.notifyContainer<SpacelogTypes>({
    name: 'stock',
    type: 'Product',
    handler: async (events) => void is<Product | null>()(events[0]!.entry),
  });
  startNotifyContainer<SpacelogTypes>(host, {
    name: 'totals',
    type: 'Order',
    handler: async (events) => void is<Order | null>()(events[0]!.entry),
  });
  // Without a type it hears every type, also those the map does not describe: its events stay untyped.
  grid.notifyContainer<SpacelogTypes>({
    name: 'every',
    handler: async (events) => void is<readonly NotifyEvent[]>()(events),
  });
  // @ts-expect-error an unknown type name for a typed container
  grid.notifyContainer<SpacelogTypes>({ name: 'x', type: 'Ordr', handler: async () => undefined });
  // @ts-expect-error a type name that is only a string: which entry it hears is unknown
  ctx.notifyContainer<SpacelogTypes>({ name: 'x', type: someType, handler: async () => undefined });

  // A handler declared on its own is typed for one type name, and fits only that one.
  const totals: NotifyHandler<SpacelogTypes, 'Order'> = async (events) => {
    is<Order | null>()(events[0]!.entry);
  };
  grid.notifyContainer<SpacelogTypes>({ name: 'totals', type: 'Order', handler: totals });
  // @ts-expect-error an Order handler for a Product container
  grid.notifyContainer<SpacelogTypes>({ name: 'totals', type: 'Product', handler: totals });
  // @ts-expect-error an Order handler for a container of every type
  startNotifyContainer<SpacelogTypes>(host, { name: 'totals', handler: totals });
  const restock = async (events: readonly NotifyEvent<Product>[]): Promise<void> => void events;
  // @ts-expect-error the events of an Order container carry no Product
  ctx.notifyContainer<SpacelogTypes>({ name: 'stock', type: 'Order', handler: restock });
  // A handler shared by containers of several types, typed or not, takes events of `object | null`
  // entries (docs/notify-containers.md).
  const audit = async (events: readonly NotifyEvent<object>[]): Promise<void> => void events;
  grid.notifyContainer<SpacelogTypes>({ name: 'audit-orders', type: 'Order', handler: audit });
  grid.notifyContainer<SpacelogTypes>({ name: 'audit-products', type: 'Product', handler: audit });
  grid.notifyContainer({ name: 'audit-all', handler: audit });
}

describe('typed notify containers', () => {
  it('type-checks: the expected types hold and every @ts-expect-error line is an error', () => {
    const messages = [...compileWithRepoConfig([__filename])].flatMap(([file, list]) =>
      list.map((d) => `${file}: ${diagnosticText(d)}`),
    );
    expect(messages).toEqual([]);
  });

  // The fake host has no log, so delivery is held to the integration suite (notifyContainer.int.test.ts):
  // here a typed start is the untyped one, options checks and the host's tracking included.
  it('a typed container starts, refuses bad options and is hosted as an untyped one is', async () => {
    const handler: NotifyHandler<SpacelogTypes, 'Order'> = async () => undefined;
    const container = startNotifyContainer<SpacelogTypes>(new FakeHost(0), {
      name: 'totals',
      type: 'Order',
      handler,
    });
    expect(container).toBeInstanceOf(NotifyContainer);
    expect(container.status()).toEqual([]);
    await container.stop();
    expectRefusal(
      () =>
        startNotifyContainer<SpacelogTypes>(new FakeHost(0), {
          name: 'totals',
          type: 'Order',
          handler,
          batchSize: 0,
        }),
      InvalidArgumentError,
      'notify container totals: batchSize must be an integer >= 1, got 0',
    );

    const hosted = new HostedContainers(new FakeHost(0));
    const feed = hosted.notify<SpacelogTypes>({ name: 'feed', type: 'Order', handler });
    expect(hosted.size).toBe(1);
    await feed.stop();
    expect(hosted.size).toBe(0);
  });
});
