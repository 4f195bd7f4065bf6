import { LocalGrid } from '../../../src/cluster/LocalGrid';
import { partitionOf } from '../../../src/api/partitionOf';
import { RemoteSpace } from '../../../src/client/RemoteSpace';
import { InvalidArgumentError, NotPrimaryError } from '../../../src/errors';
import { encodeEntry } from '../../../src/net/entryCodec';
import { SpaceServer } from '../../../src/net/SpaceServer';
import type { SpaceEngine } from '../../../src/space/SpaceEngine';
import type { SpaceEvent } from '../../../src/space/SubscriptionHub';
import { EXAMPLE_SCHEMAS, exampleOrder, gridTestKit } from '../../support';

const SPACE = 'orders';
const PARTITIONS = 4;

type Server = 'A' | 'B';

/**
 * A cluster in miniature: one 4-partition grid served by two SpaceServers, each the primary of some
 * partitions (the others refused with NotPrimaryError), with a partition map both hand out and the
 * test changes at runtime.
 */
describe('remote client over two servers, each primary of some partitions', () => {
  const kit = gridTestKit();
  let grid: LocalGrid;
  let a: SpaceServer;
  let b: SpaceServer;
  let endpoints: Record<Server, string>;
  let owners: Server[] = ['A', 'A', 'B', 'B'];
  let refusals = 0;
  let client: RemoteSpace;
  let other: RemoteSpace;

  /** A customer id routed to partition k. */
  const customerOf = (k: number, n = 0): string => {
    for (let i = 0, found = 0; ; i++) {
      if (partitionOf(`c-${i}`, PARTITIONS) === k && found++ === n) return `c-${i}`;
    }
  };
  const order = (i: number, k: number, overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
    ...exampleOrder(i, 0),
    customerId: customerOf(k, i % 5),
    ...overrides,
  });
  // The grid's partitions, reached as a processing unit reaches its primaries.
  const engineOf = (k: number): SpaceEngine | Promise<SpaceEngine> => grid.engine(k);
  /**
   * Partition k's engine as server `server` hands it out. Its subscriptions hear nothing once k is
   * no longer primary there (as in a cluster, where the old primary's engine is closed), so only a
   * client that moved its subscription to the new primary goes on hearing k.
   */
  const servedEngine = (server: Server, k: number, engine: SpaceEngine): SpaceEngine =>
    new Proxy(engine, {
      get(target, property) {
        if (property === 'subscribe') {
          return (...[type, selector, listener, options]: Parameters<SpaceEngine['subscribe']>) =>
            target.subscribe(type, selector, (e) => owners[k] === server && listener(e), options);
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  const serving =
    (server: Server) =>
    (k: number): SpaceEngine | Promise<SpaceEngine> => {
      if (owners[k] !== server) {
        refusals++;
        throw new NotPrimaryError(`server ${server} is not the primary of partition ${k}`, { partition: k });
      }
      const engine = engineOf(k);
      return engine instanceof Promise
        ? engine.then((e) => servedEngine(server, k, e))
        : servedEngine(server, k, engine);
    };
  const partitionMap = (): string[] => owners.map((o) => endpoints[o]);
  const connect = (): Promise<RemoteSpace> =>
    RemoteSpace.connect({ bootstrap: [endpoints.A], space: SPACE, retry: { maxBackoffMs: 100 } });

  beforeAll(async () => {
    grid = await LocalGrid.start({
      space: SPACE,
      partitions: PARTITIONS,
      schemas: EXAMPLE_SCHEMAS,
      prefix: kit.prefix,
      kafka: { brokers: kit.brokers },
      lingerMs: 1,
    });
    a = await SpaceServer.listen(grid, { port: 0, partition: serving('A'), partitionMap });
    b = await SpaceServer.listen(grid, { port: 0, partition: serving('B'), partitionMap });
    endpoints = { A: a.endpoint, B: b.endpoint };
    client = await connect();
    other = await connect();
  });

  afterAll(async () => {
    await client?.close();
    await other?.close();
    await a?.close();
    await b?.close();
    await grid?.close();
    await kit.cleanup();
  });

  it('learns the map from the servers: partitions 0, 1 at A and 2, 3 at B', () => {
    expect(client.partitions).toBe(PARTITIONS);
    expect(client.partitionMap.single).toBeUndefined();
    expect([0, 1, 2, 3].map((k) => client.partitionMap.endpointOf(k))).toEqual([
      endpoints.A,
      endpoints.A,
      endpoints.B,
      endpoints.B,
    ]);
  });

  it('routes writes and reads by id to the primary of their partition', async () => {
    const written = await Promise.all(
      Array.from({ length: 40 }, (_, i) => client.write('Order', order(i, i % PARTITIONS))),
    );
    written.forEach((result, i) => expect(result).toMatchObject({ id: `o-${i}`, partition: i % PARTITIONS }));
    for (let i = 0; i < 40; i++) {
      const routing = customerOf(i % PARTITIONS, i % 5);
      const remote = await client.read('Order', { id: `o-${i}` }, { routing });
      expect(remote).toEqual(await grid.space.read('Order', { id: `o-${i}` }, { routing }));
      expect(remote).toMatchObject({ id: `o-${i}`, customerId: routing });
    }
    // Read by id without routing (Order is routed by customerId): asked of every partition.
    expect(await client.read('Order', { id: 'o-7' })).toEqual(await grid.space.read('Order', { id: 'o-7' }));
    expect(refusals).toBe(0); // every request went to the right server at once

    // A server refuses to store an entry under a partition its routing value does not name.
    const Order = client.types.require('Order');
    const misrouted = client.call({
      op: 'WRITE',
      type: 'Order',
      partition: 1,
      args: { options: {} },
      entry: encodeEntry(Order, Order.validate(order(99, 0))),
      safety: 'once',
      options: {},
    });
    await expect(misrouted).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(await grid.space.read('Order', { id: 'o-99' })).toBeNull();
  });

  it('fans operations without a routing value out per partition, with in-process answers', async () => {
    const local = grid.space;
    const queries = [
      undefined,
      { query: 'shipping.city = ?', params: ['Lyon'] },
      { query: 'total > ? ORDER BY total DESC LIMIT 5', params: [20] },
      { query: 'total >= ? ORDER BY createdAt', params: [12] },
      { template: { status: 'NEW' } },
    ];
    for (const selector of queries) {
      expect(await client.readMultiple('Order', selector)).toEqual(
        await local.readMultiple('Order', selector),
      );
      expect(await client.count('Order', selector)).toBe(await local.count('Order', selector));
    }
    expect(await client.readMultiple('Order', undefined, { limit: 3 })).toHaveLength(3);

    const changed = await client.change('Order', { query: 'total < ?', params: [14] }, [
      { op: 'set', path: 'status', value: 'PAID' },
    ]);
    expect(changed.count).toBe(4);
    expect(changed.changed.map((c) => c.id).sort()).toEqual(['o-0', 'o-1', 'o-2', 'o-3']);
    expect(await local.count('Order', { template: { status: 'PAID' } })).toBe(4);

    const cleared = await client.clear('Order', { template: { status: 'PAID' } });
    expect(cleared).toBe(4);
    expect(await local.count('Order', { template: { status: 'PAID' } })).toBe(0);
    expect(refusals).toBe(0);
  });

  it('honours ORDER BY and LIMIT across servers, and takes exactly LIMIT entries', async () => {
    const top = await client.readMultiple('Order', {
      query: 'total > ? ORDER BY total DESC LIMIT 6',
      params: [0],
    });
    expect(top.map((e) => e.id)).toEqual(['o-39', 'o-38', 'o-37', 'o-36', 'o-35', 'o-34']);
    // The winners come from partitions of both servers.
    const partitions = new Set(top.map((e) => partitionOf(e.customerId, PARTITIONS)));
    expect([...partitions].some((k) => k < 2) && [...partitions].some((k) => k >= 2)).toBe(true);

    const before = await grid.space.count('Order');
    const taken = await client.takeMultiple('Order', {
      query: 'total >= ? ORDER BY total LIMIT 3',
      params: [20],
    });
    expect(taken.map((e) => e.id)).toEqual(['o-10', 'o-11', 'o-12']);
    const limited = await client.takeMultiple('Order', { query: 'total >= ?', params: [30] }, { limit: 2 });
    expect(limited).toHaveLength(2);
    expect(await grid.space.count('Order')).toBe(before - 5);
    expect(await client.count('Order', { query: 'id IN (?, ?, ?)', params: ['o-10', 'o-11', 'o-12'] })).toBe(
      0,
    );
  });

  it('wakes a blocking take without routing by a write on either server', async () => {
    for (const k of [1, 3]) {
      const city = `Wait-${k}`;
      const waiting = client.take(
        'Order',
        { query: 'shipping.city = ?', params: [city] },
        { timeout: 20_000 },
      );
      await new Promise((r) => setTimeout(r, 200));
      await other.write('Order', order(100 + k, k, { shipping: { city, zip: '1' } }));
      await expect(waiting).resolves.toMatchObject({ id: `o-${100 + k}`, shipping: { city } });
      expect(await grid.space.count('Order', { query: 'shipping.city = ?', params: [city] })).toBe(0);
    }
    await expect(
      client.read('Order', { query: 'shipping.city = ?', params: ['Nowhere'] }, { timeout: 150 }),
    ).resolves.toBeNull();
  });

  describe('with a subscription and a changing map', () => {
    const events: SpaceEvent[] = [];
    let stop: (() => void) | undefined;
    let next = 1000;
    const heard = (id: string): SpaceEvent[] => events.filter((e) => e.id === id && e.op === 'WRITE');

    /**
     * After a move, a leg is registered again in the background and writes meanwhile are not
     * replayed: write to each partition until heard, then check that one more write is heard once.
     */
    async function hearsEveryPartitionOnce(writer: RemoteSpace): Promise<void> {
      for (let k = 0; k < PARTITIONS; k++) {
        let probe = '';
        for (let i = 0; i < 50 && (probe === '' || heard(probe).length === 0); i++) {
          probe = `o-${next}`;
          await writer.write('Order', order(next++, k, { shipping: { city: 'Sub', zip: '1' } }));
          await waitFor(() => heard(probe).length > 0, 200).catch(() => undefined);
        }
        expect(heard(probe)).toHaveLength(1);
      }
      const ids = [0, 1, 2, 3].map((k) => {
        const id = `o-${next}`;
        void writer.write('Order', order(next++, k, { shipping: { city: 'Sub', zip: '1' } }));
        return id;
      });
      await waitFor(() => ids.every((id) => heard(id).length > 0));
      await writer.count('Order'); // round trips to every server: a duplicate would have come by now
      await new Promise((r) => setTimeout(r, 100));
      for (const id of ids) expect(heard(id)).toHaveLength(1);
    }

    afterAll(() => stop?.());

    it('hears writes on both servers through a subscription without routing', async () => {
      stop = await client.subscribe('Order', { query: 'shipping.city = ?', params: ['Sub'] }, (e) =>
        events.push(e),
      );
      await hearsEveryPartitionOnce(other);
      expect(events.every((e) => e.entry.shipping !== undefined)).toBe(true);
    });

    it('recovers from a swapped map without a visible error: reads, writes, fan-out, subscription', async () => {
      owners = ['B', 'B', 'A', 'A'];
      const oldMap = client.partitionMap;
      expect(oldMap.endpointOf(0)).toBe(endpoints.A);
      refusals = 0;
      // Reads and writes on every partition: each hits the old primary once, refreshes, retries.
      for (let k = 0; k < PARTITIONS; k++) {
        const routing = customerOf(k, 0);
        await expect(
          client.write('Order', order(200 + k, k, { customerId: routing })),
        ).resolves.toMatchObject({
          partition: k,
        });
        await expect(client.read('Order', { id: `o-${200 + k}` }, { routing })).resolves.toMatchObject({
          customerId: routing,
        });
      }
      expect(refusals).toBeGreaterThan(0);
      expect(client.partitionMap.endpointOf(0)).toBe(endpoints.B);
      expect(client.partitionMap.endpointOf(3)).toBe(endpoints.A);
      // The other client still holds the old map: its first operations are a fan-out and a write.
      expect(await other.count('Order')).toBe(await grid.space.count('Order'));
      await expect(other.write('Order', order(210, 0))).resolves.toMatchObject({ partition: 0 });
      expect(other.partitionMap.endpointOf(0)).toBe(endpoints.B);
      expect(
        await client.readMultiple('Order', { query: 'total > ? ORDER BY total DESC LIMIT 3', params: [0] }),
      ).toEqual(
        await grid.space.readMultiple('Order', {
          query: 'total > ? ORDER BY total DESC LIMIT 3',
          params: [0],
        }),
      );
      // The subscription moved with the partitions, and hears each write once.
      await hearsEveryPartitionOnce(other);
    });

    it('goes on when server B closes while its partitions are re-pointed to A', async () => {
      owners = ['A', 'A', 'A', 'A'];
      await b.close();
      for (let k = 0; k < PARTITIONS; k++) {
        const routing = customerOf(k, 1);
        await expect(
          client.write('Order', order(300 + k, k, { customerId: routing })),
        ).resolves.toMatchObject({
          partition: k,
        });
        await expect(client.read('Order', { id: `o-${300 + k}` }, { routing })).resolves.toMatchObject({
          customerId: routing,
        });
      }
      expect(client.partitionMap.single).toBe(endpoints.A);
      expect(await client.count('Order')).toBe(await grid.space.count('Order'));
      expect(
        await other.readMultiple('Order', { query: 'total > ? ORDER BY total LIMIT 4', params: [0] }),
      ).toEqual(
        await grid.space.readMultiple('Order', { query: 'total > ? ORDER BY total LIMIT 4', params: [0] }),
      );
      await hearsEveryPartitionOnce(other);
    });
  });
});

async function waitFor(condition: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
