import { LocalGrid } from '../../../src/cluster/LocalGrid';
import { RemoteSpace } from '../../../src/client/RemoteSpace';
import { SpaceServer } from '../../../src/net/SpaceServer';
import type { ListenerErrorContext } from '../../../src/ops/logging';
import { ALL } from '../../../src/space/Selector';
import { EXAMPLE_SCHEMAS, gridTestKit } from '../../support';
import { CapturingLogger, type CapturedRecord } from '../../support/capturingLogger';
import { RawWireClient } from '../../support/rawWireClient';

function customer(id: string): Record<string, unknown> {
  return {
    id,
    name: `n ${id}`,
    email: `${id}@example.com`,
    city: 'Oslo',
    tier: 'GOLD',
    createdAt: 1_700_000_000_000,
  };
}

/** Waits until `find` returns records (the log is written as things happen, not when a call returns). */
async function eventually(find: () => CapturedRecord[], timeoutMs = 10_000): Promise<CapturedRecord[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found.length > 0 || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('logging (docs/operations.md, "Logging")', () => {
  const kit = gridTestKit();
  const { prefix, brokers } = kit;

  afterAll(() => kit.cleanup());

  it('a grid logs its warm-up, a listener error and its fencing once each, with space, partition and code', async () => {
    const space = 'logged';
    const log = new CapturingLogger();
    const listenerErrors: [unknown, ListenerErrorContext][] = [];
    const old = await LocalGrid.start({
      space,
      partitions: 1,
      schemas: EXAMPLE_SCHEMAS,
      prefix,
      kafka: { brokers },
      logger: log,
      onListenerError: (error, context) => listenerErrors.push([error, context]),
    });
    let usurper: LocalGrid | undefined;
    try {
      expect(log.find({ event: 'warmup-start', partition: 0 })).toHaveLength(1);
      const [ready, ...more] = log.find({ event: 'warmup-end', partition: 0 });
      expect(more).toEqual([]);
      expect(ready).toMatchObject({
        level: 'info',
        fields: { space, replica: 'primary', role: 'primary', entries: 0 },
      });
      expect(typeof ready?.fields.durationMs).toBe('number');

      // A listener that throws: logged once, handed to onListenerError once, and the write still succeeds.
      const boom = new Error('listener bug');
      const unsubscribe = await old.space.subscribe('Customer', ALL, () => {
        throw boom;
      });
      await old.space.write('Customer', customer('c1'));
      unsubscribe();
      const listenerRecords = await eventually(() => log.find({ event: 'listener-error' }));
      expect(listenerRecords).toHaveLength(1);
      expect(listenerRecords[0]).toMatchObject({
        level: 'error',
        fields: { space, partition: 0, source: 'subscription', err: boom },
      });
      expect(listenerErrors).toEqual([[boom, { source: 'subscription', space, partition: 0 }]]);

      // A second primary of the same partition fences the first; its next append finds out.
      usurper = await LocalGrid.start({
        space,
        partitions: 1,
        schemas: EXAMPLE_SCHEMAS,
        prefix,
        kafka: { brokers },
        logger: new CapturingLogger(),
      });
      await expect(old.space.write('Customer', customer('zombie'))).rejects.toMatchObject({
        name: 'FencedError',
      });
      await expect(old.space.write('Customer', customer('zombie2'))).rejects.toMatchObject({
        name: 'FencedError',
      });
      const fenced = await eventually(() => log.find({ event: 'fenced' }));
      expect(fenced).toHaveLength(1);
      expect(fenced[0]).toMatchObject({
        level: 'warn',
        fields: { space, partition: 0, replica: 'primary', role: 'fenced', code: 'FENCED' },
      });
      // kafkajs's own records arrive through the same logger, a level lower, marked as such.
      expect(
        log.records.filter((r) => r.fields.component === 'kafkajs').every((r) => r.level !== 'error'),
      ).toBe(true);
    } finally {
      await old.close();
      await usurper?.close();
    }
    // Closing a fenced partition is no new fencing.
    expect(log.find({ event: 'fenced' })).toHaveLength(1);
  }, 60_000);

  it('the wire server logs a connection over its limit and a hostile frame once each, with the peer and code', async () => {
    const space = 'served';
    const grid = await LocalGrid.start({
      space,
      partitions: 1,
      schemas: EXAMPLE_SCHEMAS,
      prefix,
      kafka: { brokers },
      logger: new CapturingLogger(),
    });
    const log = new CapturingLogger();
    const server = await SpaceServer.listen(grid, {
      port: 0,
      maxConnections: 1,
      maxFrameBytes: 1024,
      logger: log,
    });
    const clients: RawWireClient[] = [];
    try {
      const first = await RawWireClient.open(`127.0.0.1:${server.port}`);
      clients.push(first);
      await eventually(() => (server.connectionCount === 1 ? [{} as CapturedRecord] : []));
      const second = await RawWireClient.open(`127.0.0.1:${server.port}`);
      clients.push(second);
      await second.closed;
      const refused = await eventually(() => log.find({ event: 'connection-refused' }));
      expect(refused).toHaveLength(1);
      expect(refused[0]).toMatchObject({ level: 'warn', fields: { code: 'CONNECTION_LIMIT' } });
      expect(refused[0]?.fields.remote).toMatch(/^127\.0\.0\.1:\d+$/);

      // A frame announcing more than maxFrameBytes: a goodbye, logged once.
      const header = Buffer.alloc(8);
      header.writeUInt32BE(10 * 1024 * 1024, 0);
      first.write(header);
      await first.closed;
      const hostile = await eventually(() => log.find({ event: 'connection-refused' }).slice(1));
      expect(hostile).toHaveLength(1);
      expect(hostile[0]?.level).toBe('warn');
      expect(hostile[0]?.fields.code).toEqual(expect.any(String));
      expect(hostile[0]?.fields.code).not.toBe('CONNECTION_LIMIT');
    } finally {
      for (const c of clients) c.destroy();
      await server.close();
      await grid.close();
    }
  }, 60_000);

  it("a remote client's throwing listener is logged once and reaches onListenerError, and events keep coming", async () => {
    const space = 'remote';
    const grid = await LocalGrid.start({
      space,
      partitions: 2,
      schemas: EXAMPLE_SCHEMAS,
      prefix,
      kafka: { brokers },
      logger: new CapturingLogger(),
    });
    const server = await SpaceServer.listen(grid, { port: 0, logger: new CapturingLogger() });
    const log = new CapturingLogger();
    const handed: ListenerErrorContext[] = [];
    const client = await RemoteSpace.connect({
      bootstrap: [`127.0.0.1:${server.port}`],
      space,
      logger: log,
      onListenerError: (_error, context) => handed.push(context),
    });
    try {
      const heard: string[] = [];
      await client.subscribe('Customer', ALL, (event) => {
        heard.push(event.id);
        if (event.id === 'bad') throw new Error('client listener bug');
      });
      await client.write('Customer', customer('bad'));
      await client.write('Customer', customer('good'));
      await eventually(() => (heard.includes('good') ? [{} as CapturedRecord] : []));
      expect(heard.sort()).toEqual(['bad', 'good']);
      const records = log.find({ event: 'listener-error' });
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({
        level: 'error',
        fields: { component: 'client', space, source: 'subscription', type: 'Customer' },
      });
      expect(handed).toEqual([expect.objectContaining({ source: 'subscription', type: 'Customer' })]);
    } finally {
      await client.close();
      await server.close();
      await grid.close();
    }
  }, 60_000);
});
