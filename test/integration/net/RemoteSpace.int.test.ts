import { LocalGrid } from '../../../src/cluster/LocalGrid';
import { RemoteSpace } from '../../../src/client/RemoteSpace';
import {
  ConnectionLostError,
  EntryAlreadyExistsError,
  OperationAbortedError,
  QuerySyntaxError,
  RetriesExhaustedError,
  SchemaValidationError,
  UnknownTypeError,
  UnsupportedOperationError,
  VersionConflictError,
} from '../../../src/errors';
import { SpaceServer } from '../../../src/net/SpaceServer';
import type { SpaceEvent } from '../../../src/space/SubscriptionHub';
import { EXAMPLE_SCHEMAS, exampleOrder, gridTestKit } from '../../support';

const SPACE = 'orders';

describe('remote space over a real grid', () => {
  const kit = gridTestKit();
  let grid: LocalGrid;
  let server: SpaceServer;
  let client: RemoteSpace;
  let other: RemoteSpace;

  const connect = (): Promise<RemoteSpace> =>
    RemoteSpace.connect({ bootstrap: [server.endpoint], space: SPACE, retry: { maxBackoffMs: 100 } });

  beforeAll(async () => {
    grid = await LocalGrid.start({
      space: SPACE,
      partitions: 3,
      schemas: EXAMPLE_SCHEMAS,
      prefix: kit.prefix,
      kafka: { brokers: kit.brokers },
      lingerMs: 1,
    });
    server = await SpaceServer.listen(grid, { port: 0 });
    client = await connect();
    other = await connect();
  });

  afterAll(async () => {
    await client?.close();
    await other?.close();
    await server?.close();
    await grid?.close();
    await kit.cleanup();
  });

  it('describes the space: name, partitions, types with their routing', () => {
    expect(client.name).toBe(SPACE);
    expect(client.partitions).toBe(3);
    expect(client.types.names.sort()).toEqual(['Customer', 'Order', 'Payment', 'Product']);
    expect(client.types.require('Order').routingField).toBe('customerId');
    expect(client.partitionMap.single).toBe(server.endpoint);
  });

  it('gives the same answers remotely as in process for every operation', async () => {
    const written = await Promise.all(
      Array.from({ length: 40 }, (_, i) => client.write('Order', exampleOrder(i, i % 7))),
    );
    expect(written[5]).toMatchObject({ id: 'o-5', version: 1, leaseExpiresAt: null });
    expect(written[5]!.partition).toBe((await grid.space.write('Order', exampleOrder(5, 5))).partition);
    await client.write('Order', exampleOrder(5, 5)); // back in step: version 3 on both sides below

    const local = grid.space;
    const byId = { id: 'o-5' };
    expect(await client.read('Order', byId, { routing: 'c-5' })).toEqual(
      await local.read('Order', byId, { routing: 'c-5' }),
    );
    expect(await client.read('Order', byId)).toEqual(await local.read('Order', byId)); // broadcast
    const query = { query: 'total > ? ORDER BY total DESC LIMIT 5', params: [20] };
    expect(await client.readMultiple('Order', query)).toEqual(await local.readMultiple('Order', query));
    const template = { template: { customerId: 'c-3' } };
    expect(await client.readMultiple('Order', template)).toEqual(await local.readMultiple('Order', template));
    expect(await client.readMultiple('Order', undefined, { limit: 3 })).toHaveLength(3);
    expect(await client.count('Order')).toBe(await local.count('Order'));
    expect(await client.count('Order', { query: 'shipping.city = ?', params: ['Lyon'] })).toBe(
      await local.count('Order', { query: 'shipping.city = ?', params: ['Lyon'] }),
    );

    const changed = await client.change(
      'Order',
      { id: 'o-1' },
      [{ op: 'set', path: 'status', value: 'PAID' }],
      {
        routing: 'c-1',
      },
    );
    expect(changed).toEqual({ count: 1, changed: [expect.objectContaining({ id: 'o-1', version: 2 })] });
    expect(await local.read('Order', { id: 'o-1' }, { routing: 'c-1' })).toMatchObject({ status: 'PAID' });

    const renewed = await client.renew('Order', 'o-2', 60_000, { routing: 'c-2' });
    expect(renewed.leaseExpiresAt).toBeGreaterThan(Date.now());
    expect(renewed).toMatchObject({ id: 'o-2', version: 2 });

    const taken = await client.take('Order', { id: 'o-3' }, { routing: 'c-3' });
    expect(taken).toMatchObject({ id: 'o-3', customerId: 'c-3' });
    expect(await local.read('Order', { id: 'o-3' }, { routing: 'c-3' })).toBeNull();

    const takenMany = await client.takeMultiple('Order', {
      query: 'total >= ? ORDER BY total LIMIT 2',
      params: [45],
    });
    expect(takenMany.map((e) => e.id)).toEqual(['o-35', 'o-36']);
    expect(await local.count('Order', { query: 'id IN (?, ?)', params: ['o-35', 'o-36'] })).toBe(0);

    const cleared = await client.clear('Order', { template: { customerId: 'c-6' } });
    expect(cleared).toBeGreaterThan(0);
    expect(await local.count('Order', { template: { customerId: 'c-6' } })).toBe(0);
  });

  it('carries bytes-free nested values and nulls exactly, and Infinity leases', async () => {
    const entry = exampleOrder(500, 1, { note: 'fragile', lines: [] });
    const result = await client.write('Order', entry, { lease: Infinity });
    expect(result.leaseExpiresAt).toBeNull();
    expect(await client.read('Order', { id: 'o-500' }, { routing: 'c-1' })).toEqual(
      await grid.space.read('Order', { id: 'o-500' }, { routing: 'c-1' }),
    );
  });

  it('delivers typed errors: VersionConflictError with both versions, and the others', async () => {
    await client.write('Order', exampleOrder(600, 2));
    await client.write('Order', exampleOrder(600, 2));
    const conflict = client.write('Order', exampleOrder(600, 2), { expectedVersion: 1 });
    await expect(conflict).rejects.toBeInstanceOf(VersionConflictError);
    await expect(conflict).rejects.toMatchObject({
      expectedVersion: 1,
      actualVersion: 2,
      code: 'VERSION_CONFLICT',
      retriable: false,
      entryId: 'o-600',
    });
    await expect(client.write('Order', exampleOrder(600, 2), { mode: 'insert-only' })).rejects.toBeInstanceOf(
      EntryAlreadyExistsError,
    );
    await expect(client.readMultiple('Order', { query: 'total >>> 3' })).rejects.toBeInstanceOf(
      QuerySyntaxError,
    );
    await expect(client.write('Order', { ...exampleOrder(601, 2), total: 'lots' })).rejects.toBeInstanceOf(
      SchemaValidationError,
    );
    await expect(client.read('Nope', { id: 'x' })).rejects.toBeInstanceOf(UnknownTypeError);
    await expect(client.transaction(async () => 1)).rejects.toBeInstanceOf(UnsupportedOperationError);
  });

  it('wakes a blocking take across the network with a write from another client', async () => {
    const waiting = client.take('Order', { template: { customerId: 'c-77' } }, { timeout: 20_000 });
    await new Promise((r) => setTimeout(r, 200));
    await other.write('Order', exampleOrder(700, 77));
    await expect(waiting).resolves.toMatchObject({ id: 'o-700', customerId: 'c-77' });
    expect(await other.read('Order', { id: 'o-700' }, { routing: 'c-77' })).toBeNull();
  });

  it('answers null when a blocking read times out, and aborts through its signal on both sides', async () => {
    await expect(
      client.read('Order', { template: { customerId: 'c-88' } }, { timeout: 150 }),
    ).resolves.toBeNull();

    const controller = new AbortController();
    const aborted = client.take(
      'Order',
      { template: { customerId: 'c-89' } },
      { timeout: 20_000, signal: controller.signal },
    );
    await new Promise((r) => setTimeout(r, 150));
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(OperationAbortedError);
    // The server stopped waiting too: a matching write is not taken by the cancelled take.
    await new Promise((r) => setTimeout(r, 100));
    await other.write('Order', exampleOrder(890, 89));
    expect(await other.read('Order', { id: 'o-890' }, { routing: 'c-89' })).toMatchObject({ id: 'o-890' });
  });

  it('pipelines 1000 concurrent reads over one connection, each answered with its own entry', async () => {
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => client.write('Order', exampleOrder(1000 + i, 1000 + i))),
    );
    const before = server.connectionCount;
    const reads = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        client.read('Order', { id: `o-${1000 + (i % 50)}` }, { routing: `c-${1000 + (i % 50)}` }),
      ),
    );
    reads.forEach((entry, i) => expect(entry).toMatchObject({ id: `o-${1000 + (i % 50)}` }));
    expect(server.connectionCount).toBe(before);
  });

  it('delivers subscription events pushed by the server', async () => {
    const events: SpaceEvent[] = [];
    const stop = await client.subscribe('Order', { template: { customerId: 'c-900' } }, (e) =>
      events.push(e),
    );
    await other.write('Order', exampleOrder(900, 900));
    await other.take('Order', { id: 'o-900' }, { routing: 'c-900' });
    await waitFor(() => events.length >= 2);
    expect(events.map((e) => [e.op, e.id, e.version])).toEqual([
      ['WRITE', 'o-900', 1],
      ['TAKE', 'o-900', 1],
    ]);
    expect(events[0]!.entry).toMatchObject({ customerId: 'c-900' });
    stop();
    await other.write('Order', exampleOrder(901, 900));
    await client.count('Order'); // a round trip after the write: any event would have come first
    expect(events).toHaveLength(2);
  });

  it('reconnects after a server restart: reads, safe writes and subscriptions carry on', async () => {
    const events: SpaceEvent[] = [];
    await client.subscribe('Order', { template: { customerId: 'c-950' } }, (e) => events.push(e));
    const port = server.port;
    await server.close();
    // A write that cannot reach the server is retried (it surely did not run) until its deadline.
    const unsent = other.write('Order', exampleOrder(949, 949), { requestTimeout: 300 });
    await expect(unsent).rejects.toBeInstanceOf(RetriesExhaustedError);
    await expect(unsent).rejects.toMatchObject({ cause: expect.any(ConnectionLostError) });
    await expect(unsent.catch((e: RetriesExhaustedError) => e.cause)).resolves.toMatchObject({
      requestSent: false,
    });
    // A read issued while the server is down is retried until it is back.
    const pending = client.read('Order', { id: 'o-1001' }, { routing: 'c-1001' });
    await new Promise((r) => setTimeout(r, 300));
    server = await SpaceServer.listen(grid, { port });
    await expect(pending).resolves.toMatchObject({ id: 'o-1001' });
    await expect(other.write('Order', exampleOrder(950, 950))).resolves.toMatchObject({ version: 1 });
    // The subscription is renewed in the background after the reconnect, and events committed before the
    // renewal are not replayed (documented): keep writing until one is heard.
    for (let i = 0; events.length === 0 && i < 40; i++) {
      await other.write('Order', exampleOrder(2000 + i, 950));
      await waitFor(() => events.length > 0, 250).catch(() => undefined);
    }
    expect(events[0]).toMatchObject({ op: 'WRITE', entry: { customerId: 'c-950' } });
  });

  it('closes idempotently and refuses calls afterwards', async () => {
    const third = await connect();
    await Promise.all([third.close(), third.close()]);
    await expect(third.count('Order')).rejects.toMatchObject({ code: 'CLIENT_CLOSED' });
  });
});

async function waitFor(condition: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
