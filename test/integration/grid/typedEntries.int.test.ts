import { Spacelog, typedSpace, type LocalGrid, type SpaceEvent } from '../../../src';
import {
  ClientClosedError,
  SchemaValidationError,
  SpacelogError,
  TransactionAbortedError,
} from '../../../src/errors';
import { SpaceServer } from '../../../src/net/SpaceServer';
import type { Order, OrderInput, SpacelogInputs, SpacelogTypes } from '../../fixtures/exampleEntryTypes';
import { EXAMPLE_SCHEMAS, gridTestKit } from '../../support';

const SPACE = 'typed';

/** An order without its generated id or nullable note: what `OrderInput` lets a write leave out. */
const orderFor = (customerId: string, total: number): OrderInput => ({
  customerId,
  status: 'NEW',
  total,
  createdAt: 1_700_000_000_000 + total,
  shipping: { city: 'Lyon', zip: '69001' },
  lines: [{ sku: 'sku-1', quantity: 2, price: total / 2 }],
});

/** Collects a watch's events until its loop ends (break, abort) or fails. */
async function collect(
  events: AsyncIterable<SpaceEvent<Order>>,
  onEvent: (event: SpaceEvent<Order>) => void,
): Promise<SpaceEvent<Order>[]> {
  const seen: SpaceEvent<Order>[] = [];
  for await (const event of events) {
    seen.push(event);
    onEvent(event);
  }
  return seen;
}

describe('typed entries against a real grid and a remote client', () => {
  const kit = gridTestKit();
  afterAll(() => kit.cleanup());

  it('generated types round-trip; watch yields writes and ends on abort; await using closes it all', async () => {
    let closedGrid: LocalGrid | undefined;
    let closedClient: Awaited<ReturnType<typeof Spacelog.connect>> | undefined;
    {
      await using grid = await Spacelog.start({
        space: SPACE,
        partitions: 2,
        schemas: EXAMPLE_SCHEMAS,
        prefix: kit.prefix,
        kafka: { brokers: kit.brokers },
        lingerMs: 1,
      });
      closedGrid = grid;
      await using server = await SpaceServer.listen(grid, { port: 0 });
      await using client = await Spacelog.connect<SpacelogTypes, SpacelogInputs>({
        bootstrap: [server.endpoint],
        space: SPACE,
      });
      closedClient = client;
      const local = typedSpace<SpacelogTypes, SpacelogInputs>(grid.space);

      // Typed write (generated id, nullable note left out), typed read: what the schema says comes back.
      const written = await client.write('Order', orderFor('c-1', 40));
      const remoteOrder: Order | null = await client.read('Order', { id: written.id }, { routing: 'c-1' });
      const localOrder = await local.read('Order', { id: written.id }, { routing: 'c-1' });
      expect(remoteOrder).toEqual({ ...orderFor('c-1', 40), id: written.id, note: null });
      expect(localOrder).toEqual(remoteOrder);
      expect(Object.isFrozen(remoteOrder)).toBe(true);
      const paid = await grid.space.readMultiple<Order>('Order', { template: { customerId: 'c-1' } });
      expect(paid.map((o) => o.total)).toEqual([40]);

      // A typed transaction: tx takes the Order and writes it back PAID (the read entry is exactly an input).
      const inTx = await local.transaction(async (tx) => {
        const open = await tx.take('Order', { id: written.id }, { routing: 'c-1' });
        if (open === null) throw new Error(`order ${written.id} is gone`);
        await tx.write('Order', { ...open, status: 'PAID' });
        return tx.read('Order', { id: written.id }, { routing: 'c-1' });
      });
      expect(inTx).toMatchObject({ id: written.id, status: 'PAID', total: 40 });
      expect(await client.read('Order', { id: written.id }, { routing: 'c-1' })).toMatchObject({
        status: 'PAID',
      });

      // A field the schema lacks does not compile on a typed space; forced past the compiler, the space
      // refuses it as it always did: remote, in process and in a transaction (rolled back whole).
      const coloured = { ...orderFor('c-1', 41), colour: 'red' };
      // @ts-expect-error an unknown field
      await expect(client.write('Order', coloured)).rejects.toBeInstanceOf(SchemaValidationError);
      // @ts-expect-error an unknown field
      await expect(local.write('Order', coloured)).rejects.toBeInstanceOf(SchemaValidationError);
      const refused = local.transaction(async (tx) => {
        // @ts-expect-error an unknown field
        await tx.write('Order', coloured);
      });
      await expect(refused).rejects.toBeInstanceOf(TransactionAbortedError);
      await expect(refused).rejects.toMatchObject({ cause: expect.any(SchemaValidationError) });
      expect(await local.count('Order', { template: { customerId: 'c-1' } })).toBe(1);

      // watch, in process and remote: each yields the next write, then ends when its signal aborts.
      const localStop = new AbortController();
      const remoteStop = new AbortController();
      const localWatch = local.watch('Order', { signal: localStop.signal });
      const remoteWatch = client.watch('Order', {
        signal: remoteStop.signal,
        selector: { template: { customerId: 'c-2' } },
      });
      await Promise.all([localWatch.ready, remoteWatch.ready]);
      const localSeen = collect(localWatch, () => localStop.abort());
      const remoteSeen = collect(remoteWatch, () => remoteStop.abort());
      const second = await client.write('Order', orderFor('c-2', 7));
      const [localEvents, remoteEvents] = await Promise.all([localSeen, remoteSeen]);
      for (const events of [localEvents, remoteEvents]) {
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({ op: 'WRITE', type: 'Order', id: second.id, version: 1 });
        expect(events[0]!.entry.customerId).toBe('c-2');
        expect(events[0]!.entry.lines[0]!.quantity).toBe(2);
      }
      // Ended loops unsubscribed: a later write reaches neither (nothing held, next() is done).
      await client.write('Order', orderFor('c-2', 8));
      await expect(localWatch.next()).resolves.toMatchObject({ done: true });
      await expect(remoteWatch.next()).resolves.toMatchObject({ done: true });

      // break ends a watch too (return() unsubscribes).
      const broken = client.watch('Order');
      await broken.ready;
      await client.write('Order', orderFor('c-3', 9));
      for await (const event of broken) {
        expect(event.entry.customerId).toBe('c-3');
        break;
      }
      await expect(broken.next()).resolves.toMatchObject({ done: true });
    }
    // The scope ended: the client, the server and the grid were closed, in that order.
    await expect(closedClient!.read('Order', { id: 'x' })).rejects.toBeInstanceOf(ClientClosedError);
    expect(closedGrid!.status().map((p) => p.role)).toEqual(['closed', 'closed']);
    await expect(closedGrid!.space.read('Order', { id: 'x' }, { routing: 'c-1' })).rejects.toBeInstanceOf(
      SpacelogError,
    );
  });
});
