import { LocalGrid } from '../../../src/cluster/LocalGrid';
import { RemoteSpace } from '../../../src/client/RemoteSpace';
import { ResultTooLargeError } from '../../../src/errors';
import { encodeFrame } from '../../../src/net/FrameCodec';
import { FRAME_KIND, GOODBYE_ID } from '../../../src/net/protocol';
import { SpaceServer, type SpaceServerOptions } from '../../../src/net/SpaceServer';
import { RawWireClient, waitUntil } from '../../support/rawWireClient';
import { toWireJson } from '../../../src/net/wireJson';
import { EXAMPLE_SCHEMAS, exampleOrder, gridTestKit } from '../../support';

const SPACE = 'orders';

/** Polls until `check` holds (10 s at most). */
function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  return waitUntil(check, timeoutMs, 'condition');
}

describe('bounded wire server (issue 16, item 6)', () => {
  const kit = gridTestKit();
  let grid: LocalGrid;
  const servers: SpaceServer[] = [];
  const raws: RawWireClient[] = [];

  const serve = async (options: SpaceServerOptions = {}): Promise<SpaceServer> => {
    const server = await SpaceServer.listen(grid, { port: 0, ...options });
    servers.push(server);
    return server;
  };
  const raw = async (server: SpaceServer): Promise<RawWireClient> => {
    const client = await RawWireClient.open(server.endpoint);
    raws.push(client);
    return client;
  };

  beforeAll(async () => {
    grid = await LocalGrid.start({
      space: SPACE,
      partitions: 2,
      schemas: EXAMPLE_SCHEMAS,
      prefix: kit.prefix,
      kafka: { brokers: kit.brokers },
      lingerMs: 1,
    });
  });

  afterAll(async () => {
    for (const client of raws) client.destroy();
    await Promise.all(servers.map((s) => s.close()));
    await grid?.close();
    await kit.cleanup();
  });

  it('regression: a reused request id is refused with a ProtocolError and does not replace the running request', async () => {
    const server = await serve({ maxInFlight: 4 });
    const client = await raw(server);
    const args = toWireJson({ selector: { id: 'never-written' }, options: { timeout: 60_000 } });
    client.send({ id: 5, op: 'TAKE', args });
    await new Promise((r) => setTimeout(r, 50));
    client.send({ id: 5, op: 'PING' });
    expect(await client.answer(5)).toMatchObject({ code: 'PROTOCOL', name: 'ProtocolError' });
    // The blocking take still runs under its id: a cancel answers it.
    client.socket.write(encodeFrame(FRAME_KIND.cancel, { id: 5 }));
    expect(await client.answer(5, 2)).toMatchObject({ code: 'OPERATION_ABORTED' });
  });

  it('counts live requests: past maxInFlight requests wait and are all answered', async () => {
    const server = await serve({ maxInFlight: 2 });
    const client = await raw(server);
    const args = toWireJson({ selector: { id: 'nothing' }, options: { timeout: 200 } });
    for (let id = 1; id <= 6; id++) client.send({ id, op: 'READ', args });
    for (let id = 1; id <= 6; id++) expect(await client.answer(id)).toBeNull();
  });

  it('closes an idle connection with a typed goodbye', async () => {
    const server = await serve({ idleTimeoutMs: 200 });
    const client = await raw(server);
    await waitFor(() => client.isClosed);
    expect(client.answers(GOODBYE_ID)[0]).toMatchObject({
      code: 'CONNECTION_TIMEOUT',
      name: 'ConnectionTimeoutError',
    });
    // The client may see the close before the server's socket reports it: the count follows it.
    await waitFor(() => server.connectionCount === 0);
  });

  it('regression: closes a connection that leaves a frame unfinished (slowloris)', async () => {
    const server = await serve({ frameTimeoutMs: 200 });
    const client = await raw(server);
    const frame = encodeFrame(FRAME_KIND.request, {
      id: 1,
      partition: -1,
      op: 'PING',
      type: '',
      args: Buffer.alloc(0),
      entry: null,
      deadline: 0,
    });
    // Drip the first bytes, then stall.
    for (let i = 0; i < 5; i++) {
      client.socket.write(frame.subarray(i, i + 1));
      await new Promise((r) => setTimeout(r, 30));
    }
    await waitFor(() => client.isClosed);
    const goodbye = client.answers(GOODBYE_ID)[0]!;
    expect(goodbye).toMatchObject({ code: 'CONNECTION_TIMEOUT' });
    expect(goodbye.details).toContain('partial-frame');
  });

  it('regression: refuses connections past maxConnections with a typed goodbye', async () => {
    const server = await serve({ maxConnections: 2 });
    const first = await raw(server);
    const second = await raw(server);
    const third = await raw(server);
    await waitFor(() => third.isClosed);
    expect(third.answers(GOODBYE_ID)[0]).toMatchObject({ code: 'CONNECTION_LIMIT', retriable: true });
    first.send({ id: 1, op: 'PING' });
    second.send({ id: 1, op: 'PING' });
    expect(await first.answer(1)).toBeNull();
    expect(await second.answer(1)).toBeNull();
  });

  it('regression: readMultiple / takeMultiple over the result bounds get ResultTooLargeError and nothing is taken', async () => {
    const server = await serve({ maxResultEntries: 5 });
    const client = await RemoteSpace.connect({ bootstrap: [server.endpoint], space: SPACE });
    try {
      for (let i = 0; i < 8; i++) await client.write('Order', exampleOrder(100 + i, 77));
      const all = { template: { customerId: 'c-77' } };
      const read = client.readMultiple('Order', all);
      await expect(read).rejects.toBeInstanceOf(ResultTooLargeError);
      await expect(read).rejects.toMatchObject({ limitName: 'maxResultEntries', limit: 5 });
      await expect(client.takeMultiple('Order', all)).rejects.toBeInstanceOf(ResultTooLargeError);
      expect(await client.count('Order', all)).toBe(8);
      expect(await client.readMultiple('Order', all, { limit: 5 })).toHaveLength(5);
      expect(await client.takeMultiple('Order', all, { limit: 3 })).toHaveLength(3);
      expect(await client.count('Order', all)).toBe(5);
    } finally {
      await client.close();
    }
    const small = await serve({ maxResultBytes: 150 });
    const other = await RemoteSpace.connect({ bootstrap: [small.endpoint], space: SPACE });
    try {
      await expect(other.readMultiple('Order', { template: { customerId: 'c-77' } })).rejects.toMatchObject({
        name: 'ResultTooLargeError',
        limitName: 'maxResultBytes',
      });
    } finally {
      await other.close();
    }
  });

  it('regression: a subscriber that stops reading is ended with SubscriptionOverflowError (End frame)', async () => {
    const server = await serve({ maxSubscriberBufferBytes: 32 * 1024 });
    const client = await raw(server);
    client.send({
      id: 9,
      op: 'SUBSCRIBE',
      args: toWireJson({ selector: { template: { customerId: 'c-88' } } }),
    });
    expect(await client.answer(9)).toBeNull();
    client.socket.pause();
    const note = 'n'.repeat(2000);
    await Promise.all(
      Array.from({ length: 400 }, (_, i) => grid.space.write('Order', exampleOrder(1000 + i, 88, { note }))),
    );
    client.socket.resume();
    await waitFor(() => client.frames.some((f) => f.kind === FRAME_KIND.end));
    const end = client.frames.find((f) => f.kind === FRAME_KIND.end)!;
    expect(end.body).toMatchObject({ subscription: 9, error: { code: 'SUBSCRIPTION_OVERFLOW' } });
    const events = client.frames.filter((f) => f.kind === FRAME_KIND.event).length;
    expect(events).toBeLessThan(400);
    // Nothing of it after the End frame, and the connection still serves.
    client.send({ id: 10, op: 'PING' });
    expect(await client.answer(10)).toBeNull();
    expect(
      client.frames.slice(client.frames.indexOf(end)).filter((f) => f.kind === FRAME_KIND.event),
    ).toHaveLength(0);
  });

  it('regression: malformed args and entry bytes get typed errors, not INTERNAL', async () => {
    const server = await serve();
    const client = await raw(server);
    client.send({ id: 1, op: 'READ', args: Buffer.from('{"selector":') });
    client.send({
      id: 2,
      op: 'READ',
      args: Buffer.from(`{"selector":{"id":{"$bigint":"${'9'.repeat(1_000_000)}"}}}`),
    });
    client.send({ id: 3, op: 'WRITE', args: Buffer.alloc(0), entry: Buffer.from([0xff, 0xff, 0xff, 0x01]) });
    client.send({ id: 4, op: 'READ', args: toWireJson({ selector: 42 }) });
    client.send({ id: 5, op: 'RENEW', args: toWireJson({ lease: 1000 }) });
    client.send({ id: 6, op: 'READ_MULTIPLE', args: toWireJson({ selector: { query: 7 } }) });
    client.send({ id: 7, op: 'UNSUBSCRIBE', args: toWireJson({ subscription: 'x' }) });
    const codes = await Promise.all([1, 2, 3, 4, 5, 6, 7].map(async (id) => (await client.answer(id))?.code));
    expect(codes).toEqual([
      'PROTOCOL',
      'PROTOCOL',
      'PROTOCOL',
      'INVALID_ARGUMENT',
      'INVALID_ARGUMENT',
      'INVALID_ARGUMENT',
      'PROTOCOL',
    ]);
  });

  it('answers a frame of a kind a server never receives with a goodbye naming it', async () => {
    const server = await serve();
    const client = await raw(server);
    client.socket.write(
      encodeFrame(FRAME_KIND.response, { id: 1, entries: [], result: Buffer.alloc(0), error: null }),
    );
    await waitFor(() => client.isClosed);
    expect(client.answers(GOODBYE_ID)[0]).toMatchObject({ code: 'PROTOCOL' });
  });
});
