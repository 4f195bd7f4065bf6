import { Kafka, logLevel } from 'kafkajs';
import { Spacelog } from '../../../src';
import type { LocalGrid } from '../../../src/cluster/LocalGrid';
import type { ContainerHost } from '../../../src/events/ContainerHost';
import { NotifyContainer, startNotifyContainer } from '../../../src/events/NotifyContainer';
import type { NotifyContainerOptions, NotifyEvent } from '../../../src/events/NotifyOptions';
import { notifyGroupId } from '../../../src/log/admin/topicNames';
import { PartitionEvents } from '../../../src/events/PartitionEvents';
import { fetchLogEndOffsets } from '../../../src/log/read/logEndOffsets';
import { partitionTopic } from '../../../src/log/admin/topicNames';
import { replicaLogReader } from '../../../src/partition/ReplicaLog';
import type { Mutation } from '../../../src/space/Mutation';
import { EXAMPLE_SCHEMAS, exampleOrder, gridTestKit } from '../../support';
import { eventually } from '../../support/eventually';
import type { Order, OrderStatus, SpacelogTypes } from '../../fixtures/exampleEntryTypes';

const PARTITIONS = 3;
const CUSTOMERS = 11;

/** Every mutation of one partition log, with its offset (the ground truth the container is held to). */
interface Logged {
  readonly mutation: Mutation;
  readonly offset: number;
}

describe('durable notify container (real Kafka)', () => {
  const kit = gridTestKit();
  const { prefix, brokers } = kit;
  const groups: string[] = [];
  let grid: LocalGrid;
  let space = '';
  let spaces = 0;

  const start = (
    options: Partial<NotifyContainerOptions> & Pick<NotifyContainerOptions, 'name' | 'handler'>,
  ) => {
    groups.push(notifyGroupId(prefix, space, options.name));
    return startNotifyContainer(grid, { type: 'Order', batchTimeMs: 20, ...options });
  };

  beforeEach(async () => {
    space = `notify${++spaces}`;
    grid = await Spacelog.start({
      space,
      partitions: PARTITIONS,
      schemas: EXAMPLE_SCHEMAS,
      prefix,
      kafka: { brokers },
    });
  });

  afterEach(async () => {
    await grid.close();
  });

  afterAll(async () => {
    const admin = new Kafka({ clientId: 'test-cleanup', brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.deleteGroups([...new Set(groups)]).catch(() => undefined);
    await admin.disconnect();
    await kit.cleanup();
  });

  /** Writes `count` Orders (o-from ...), status NEW, spread over the customers. */
  async function writeOrders(
    from: number,
    count: number,
    overrides: Record<string, unknown> = {},
  ): Promise<void> {
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        grid.space.write('Order', exampleOrder(from + i, (from + i) % CUSTOMERS, overrides)),
      ),
    );
  }

  /** Reads every partition log to its end. */
  async function readLogs(): Promise<Logged[][]> {
    return Promise.all(
      Array.from({ length: PARTITIONS }, async (_, k) => {
        const logged: Logged[] = [];
        await replicaLogReader(grid.logOf(k), {
          onMutation: (mutation, offset) => logged.push({ mutation, offset }),
        }).readToEnd();
        return logged;
      }),
    );
  }

  /**
   * Resolves once every partition of the container has handled everything up to the log's end as it
   * is now, and stored that position (it may be past it: the last commit's marker lands after the ack).
   */
  async function caughtUp(container: NotifyContainer, timeoutMs = 20_000): Promise<void> {
    const ends = await Promise.all(
      Array.from(
        { length: PARTITIONS },
        async (_, k) => (await fetchLogEndOffsets(grid.kafka, partitionTopic(prefix, space, k))).high,
      ),
    );
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = container.status();
      const done = status.every(
        (s) => s.position !== undefined && s.position >= ends[s.partition]! && s.buffered === 0,
      );
      if (status.length === PARTITIONS && done) return;
      if (Date.now() > deadline)
        throw new Error(`not caught up: ${JSON.stringify(status)} ends ${ends.join(',')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Ids per partition, in delivery order. */
  function byPartition(events: readonly { id: string; partition: number }[]): string[][] {
    const out = Array.from({ length: PARTITIONS }, (): string[] => []);
    for (const e of events) out[e.partition]!.push(e.id);
    return out;
  }

  it('delivers every matching mutation with its partition:offset id, in log order per partition, and nothing else', async () => {
    // A mix: NEW orders, some paid (UPDATE), some taken (paid and unpaid), orders written PAID,
    // and Customers (another type).
    await writeOrders(0, 60);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        grid.space.change('Order', { id: `o-${i}` }, [{ op: 'set', path: 'status', value: 'PAID' }], {
          routing: `c-${i % CUSTOMERS}`,
        }),
      ),
    );
    for (let i = 15; i < 25; i++)
      await grid.space.take('Order', { id: `o-${i}` }, { routing: `c-${i % CUSTOMERS}` });
    await writeOrders(100, 5, { status: 'PAID' });
    await grid.space.write('Customer', {
      id: 'c-1',
      name: 'n',
      email: 'c1@example.com',
      city: 'Oslo',
      tier: 'BRONZE',
      createdAt: 1_700_000_000_000,
    });

    const events: NotifyEvent[] = [];
    const sizes: number[] = [];
    const container = start({
      name: 'paid',
      template: { status: 'PAID' },
      ops: ['WRITE', 'UPDATE', 'TAKE'],
      batchSize: 4,
      handler: async (batch) => {
        sizes.push(batch.length);
        events.push(...batch);
      },
    });
    try {
      await caughtUp(container);
      // The expected events, from the raw logs: PAID states, and takes of entries last seen PAID.
      const logs = await readLogs();
      const expected = logs.map((logged, k) => {
        const paid = new Set<string>();
        const ids: string[] = [];
        for (const { mutation: m, offset } of logged) {
          if (m.type !== 'Order') continue;
          if (m.state !== null) {
            if (m.state['status'] === 'PAID') {
              paid.add(m.id);
              ids.push(`${k}:${offset}`);
            } else paid.delete(m.id);
          } else if (m.op === 'TAKE' && paid.delete(m.id)) ids.push(`${k}:${offset}`);
        }
        return ids;
      });
      expect(expected.flat()).toHaveLength(20 + 5 + 5); // 20 paid, 5 written paid, 5 paid ones taken
      expect(byPartition(events)).toEqual(expected);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(4);
      // Events carry what the mutation carries.
      const take = events.find((e) => e.op === 'TAKE')!;
      expect(take).toMatchObject({ type: 'Order', entry: null });
      expect(take.id).toBe(`${take.partition}:${take.offset}`);
      const update = events.find((e) => e.op === 'UPDATE')!;
      expect(update).toMatchObject({ version: 2, entry: expect.objectContaining({ status: 'PAID' }) });
      expect(update.entry?.['id']).toBe(update.entryId);
      expect(container.status().reduce((n, s) => n + s.delivered, 0)).toBe(30);
    } finally {
      await container.stop();
    }
  }, 60_000);

  it('resumes from its stored position after a stop: nothing missed, nothing twice', async () => {
    await writeOrders(0, 60);
    const first: NotifyEvent[] = [];
    let container = start({
      name: 'resume',
      batchSize: 5,
      handler: async (batch) => {
        first.push(...batch);
        // Slow enough that the stop lands mid-stream.
        await new Promise((resolve) => setTimeout(resolve, 20));
      },
    });
    while (first.length < 20) await new Promise((resolve) => setTimeout(resolve, 10));
    await container.stop();
    const stopped = [...first];
    expect(stopped.length).toBeLessThan(60);

    await writeOrders(60, 30);
    const second: NotifyEvent[] = [];
    container = start({ name: 'resume', batchSize: 5, handler: async (batch) => void second.push(...batch) });
    try {
      await caughtUp(container);
    } finally {
      await container.stop();
    }
    // Every WRITE exactly once: a graceful stop stored the position of the batch it drained.
    const all = [...stopped, ...second];
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    expect(all.map((e) => e.entryId).sort()).toEqual(Array.from({ length: 90 }, (_, i) => `o-${i}`).sort());
    expect(first).toEqual(stopped); // nothing delivered after stop() resolved
    // Per partition the second run continues where the first stopped, in log order.
    const logs = await readLogs();
    expect(byPartition(all)).toEqual(logs.map((logged, k) => logged.map((l) => `${k}:${l.offset}`)));
  }, 60_000);

  it("a container typed by the space's map (grid.notifyContainer<SpacelogTypes>) delivers as an untyped one: Orders, then a tombstone", async () => {
    await writeOrders(0, 12);
    await grid.space.change('Order', { id: 'o-1' }, [{ op: 'set', path: 'status', value: 'PAID' }], {
      routing: 'c-1',
    });
    await grid.space.take('Order', { id: 'o-2' }, { routing: 'c-2' });
    const seen: NotifyEvent<Order>[] = [];
    const status = new Map<string, OrderStatus>();
    groups.push(notifyGroupId(prefix, space, 'typed'));
    const container = grid.notifyContainer<SpacelogTypes>({
      name: 'typed',
      type: 'Order',
      batchTimeMs: 20,
      handler: async (batch) => {
        seen.push(...batch);
        // Typed: e.entry is an Order (or null), its fields need no casts.
        for (const e of batch) if (e.entry !== null) status.set(e.entry.id, e.entry.status);
      },
    });
    try {
      await caughtUp(container);
    } finally {
      await container.stop();
    }
    expect(seen).toHaveLength(12 + 1 + 1);
    expect(status.get('o-1')).toBe('PAID');
    expect(status.get('o-3')).toBe('NEW');
    expect(seen.find((e) => e.entryId === 'o-5' && e.op === 'WRITE')?.entry).toMatchObject({ total: 15 });
    expect(seen.find((e) => e.op === 'TAKE')).toMatchObject({ entryId: 'o-2', entry: null });
  }, 60_000);

  it('retries a failing handler with backoff and never stores a position past the failing batch', async () => {
    await writeOrders(0, 30);
    const logs = await readLogs();
    const victim = logs[0]![3]!; // partition 0's fourth mutation: in its second batch of 3
    const victimId = `0:${victim.offset}`;
    let failures = 0;
    const seen: string[] = [];
    const container = start({
      name: 'failing',
      batchSize: 3,
      retry: { initialBackoffMs: 10, maxBackoffMs: 50 },
      handler: async (batch) => {
        if (batch.some((e) => e.id === victimId)) {
          failures++;
          throw new Error('handler down');
        }
        seen.push(...batch.map((e) => e.id));
      },
    });
    try {
      while (failures < 5) await new Promise((resolve) => setTimeout(resolve, 10));
      const p0 = container.status().find((s) => s.partition === 0)!;
      expect(p0.state).toBe('retrying');
      expect(p0.position).toBe(victim.offset); // the first batch (3 events) is stored, the failing one not
      expect(p0.failures).toBeGreaterThanOrEqual(5);
      expect(p0.lastError).toMatch(/handler failed on partition 0/);
      expect(seen.filter((id) => id.startsWith('0:'))).toEqual(
        logs[0]!.slice(0, 3).map((l) => `0:${l.offset}`),
      );
      // The other partitions are not held up by partition 0's failing batch.
      expect(
        container
          .status()
          .filter((s) => s.partition !== 0)
          .every((s) => s.state === 'running'),
      ).toBe(true);
    } finally {
      await container.stop();
    }
    // A new start delivers partition 0 from the failing batch on.
    const again: NotifyEvent[] = [];
    const fixed = start({
      name: 'failing',
      batchSize: 3,
      handler: async (batch) => void again.push(...batch),
    });
    try {
      await caughtUp(fixed);
    } finally {
      await fixed.stop();
    }
    expect(byPartition(again)[0]).toEqual(logs[0]!.slice(3).map((l) => `0:${l.offset}`));
  }, 60_000);

  it('onError decides after maxAttempts: skip stores the position past the batch', async () => {
    await writeOrders(0, 12);
    const logs = await readLogs();
    const decisions: string[] = [];
    const delivered: NotifyEvent[] = [];
    const container = start({
      name: 'skipping',
      batchSize: 100,
      retry: { initialBackoffMs: 1, maxBackoffMs: 5, maxAttempts: 3 },
      handler: async (batch) => {
        if (batch[0]!.partition === 1) throw new Error('poison');
        delivered.push(...batch);
      },
      onError: (error, events) => {
        decisions.push(`${error.partition}:${error.attempts}:${events.length}`);
        return 'skip';
      },
    });
    try {
      await caughtUp(container);
      expect(decisions).toEqual([`1:3:${logs[1]!.length}`]);
      expect(container.status()[1]).toMatchObject({ failures: 3, delivered: 0, lag: 0 });
    } finally {
      await container.stop();
    }
    expect(byPartition(delivered)).toEqual(
      logs.map((l, k) => (k === 1 ? [] : l.map((m) => `${k}:${m.offset}`))),
    );
  }, 60_000);

  it('keeps a position per container name, stored as consumer-group offsets', async () => {
    await writeOrders(0, 30);
    const a: string[] = [];
    const b: string[] = [];
    let first = start({ name: 'alpha', handler: async (batch) => void a.push(...batch.map((e) => e.id)) });
    await caughtUp(first);
    await first.stop();
    await writeOrders(30, 15);
    // beta starts later and has no position yet: it reads the whole log.
    const second = start({ name: 'beta', handler: async (batch) => void b.push(...batch.map((e) => e.id)) });
    first = start({ name: 'alpha', handler: async (batch) => void a.push(...batch.map((e) => e.id)) });
    const before = new Map<string, number[]>();
    try {
      await Promise.all([caughtUp(first), caughtUp(second)]);
      before.set(
        'alpha',
        first.status().map((s) => s.position ?? -1),
      );
      before.set(
        'beta',
        second.status().map((s) => s.position ?? -1),
      );
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
    expect(a).toHaveLength(45);
    expect(new Set(a).size).toBe(45);
    expect(b.sort()).toEqual([...a].sort());

    // The positions are the group's committed offsets, one per partition topic.
    const admin = grid.kafka.admin();
    await admin.connect();
    try {
      const stored = async (name: string): Promise<number[]> => {
        const offsets = await admin.fetchOffsets({
          groupId: notifyGroupId(prefix, space, name),
          topics: Array.from({ length: PARTITIONS }, (_, k) => partitionTopic(prefix, space, k)),
        });
        return Array.from({ length: PARTITIONS }, (_, k) => {
          const topic = offsets.find((o) => o.topic === partitionTopic(prefix, space, k));
          return Number(topic?.partitions[0]?.offset);
        });
      };
      for (const name of ['alpha', 'beta']) {
        const offsets = await stored(name);
        // What the container reported as stored (caught up with the log), or later (an idle store).
        offsets.forEach((offset, k) => expect(offset).toBeGreaterThanOrEqual(before.get(name)![k]!));
        expect(Math.min(...before.get(name)!)).toBeGreaterThan(0);
      }
    } finally {
      await admin.disconnect();
    }
  }, 60_000);

  it('reads ahead at most maxBufferedEvents when the handler is slower than the log, and misses nothing', async () => {
    await writeOrders(0, 150);
    const events: NotifyEvent[] = [];
    let maxBuffered = 0;
    // The first batch of each partition is held until that partition's reader has stopped at the
    // bound: with 40 or more orders per partition (routed by customer) and 8 at most buffered, it
    // must stop, and it must be seen.
    const held = new Set<number>();
    const pausedSeen = new Set<number>();
    const statusOf = (partition: number) => container.status().find((s) => s.partition === partition);
    const container: NotifyContainer = start({
      name: 'bounded',
      batchSize: 4,
      maxBufferedEvents: 8,
      fetchMaxBytes: 1024,
      handler: async (batch, context) => {
        for (const s of container.status()) maxBuffered = Math.max(maxBuffered, s.buffered);
        if (!held.has(context.partition)) {
          held.add(context.partition);
          const deadline = Date.now() + 20_000;
          while (
            statusOf(context.partition)?.readerPaused !== true &&
            Date.now() < deadline &&
            !context.signal.aborted
          ) {
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
          const status = statusOf(context.partition);
          if (status?.readerPaused === true) pausedSeen.add(context.partition);
          maxBuffered = Math.max(maxBuffered, status?.buffered ?? 0);
        }
        events.push(...batch);
        await new Promise((resolve) => setTimeout(resolve, 5));
      },
    });
    try {
      await caughtUp(container, 40_000);
    } finally {
      await container.stop();
    }
    expect(maxBuffered).toBeLessThanOrEqual(8);
    expect([...pausedSeen].sort((a, b) => a - b)).toEqual([0, 1, 2]);
    const logs = await readLogs();
    expect(byPartition(events)).toEqual(logs.map((logged, k) => logged.map((l) => `${k}:${l.offset}`)));
  }, 60_000);

  it("startAt 'latest' skips what was there before its first start, and holds across a restart", async () => {
    await writeOrders(0, 10);
    const seen: NotifyEvent[] = [];
    let container = start({ name: 'latest', startAt: 'latest', handler: async (b) => void seen.push(...b) });
    await caughtUp(container);
    await container.stop();
    expect(seen).toEqual([]);
    await writeOrders(10, 6);
    container = start({ name: 'latest', startAt: 'latest', handler: async (b) => void seen.push(...b) });
    try {
      await caughtUp(container);
    } finally {
      await container.stop();
    }
    expect(seen.map((e) => e.entryId).sort()).toEqual(['o-10', 'o-11', 'o-12', 'o-13', 'o-14', 'o-15']);
  }, 60_000);

  it('a stop during a failing batch leaves its position where it was', async () => {
    await writeOrders(0, 9);
    let calls = 0;
    const container = start({
      name: 'abandoned',
      // A backoff (15-30 s with its jitter) far longer than a stop may take on a busy machine.
      retry: { initialBackoffMs: 30_000, maxBackoffMs: 30_000 },
      handler: async () => {
        calls++;
        throw new Error('down');
      },
    });
    await eventually(
      () => calls >= PARTITIONS,
      20_000,
      () => `a failed batch on every partition (${calls} calls)`,
    );
    const started = Date.now();
    await container.stop(); // does not wait for the backoff
    expect(Date.now() - started).toBeLessThan(10_000);
    const again: NotifyEvent[] = [];
    const next = start({ name: 'abandoned', handler: async (b) => void again.push(...b) });
    try {
      await caughtUp(next);
    } finally {
      await next.stop();
    }
    expect(again.map((e) => e.entryId).sort()).toEqual(Array.from({ length: 9 }, (_, i) => `o-${i}`).sort());
  }, 60_000);

  it('a takeover redelivers only the batch that was not stored, and fences the old store', async () => {
    await writeOrders(0, 30);
    const logs = await readLogs();
    const victim = logs[0]!.slice(3, 6).map((l) => `0:${l.offset}`); // partition 0's second batch
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let hung = false;
    const old: string[] = [];
    const first = start({
      name: 'takeover',
      batchSize: 3,
      handler: async (batch) => {
        old.push(...batch.map((e) => e.id));
        if (batch[0]!.id === victim[0]) {
          hung = true; // handled, like a process that dies before it stores the position
          await held;
        }
      },
    });
    const fresh: string[] = [];
    let second: NotifyContainer | undefined;
    try {
      while (!hung) await new Promise((resolve) => setTimeout(resolve, 10));
      // The other partitions are done and stored before the takeover.
      const ends = logs.map((l) => l[l.length - 1]!.offset + 1);
      while (!first.status().every((st) => st.partition === 0 || (st.position ?? 0) >= ends[st.partition]!))
        await new Promise((resolve) => setTimeout(resolve, 10));
      second = start({
        name: 'takeover',
        batchSize: 3,
        handler: async (b) => void fresh.push(...b.map((e) => e.id)),
      });
      await caughtUp(second);
      release();
      // The old holder's store of the batch is refused: its partition 0 stops as fenced.
      const deadline = Date.now() + 10_000;
      while (first.status()[0]?.state !== 'fenced' && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 10));
      expect(first.status()[0]).toMatchObject({ state: 'fenced', position: logs[0]![3]!.offset });
      expect(first.status()[0]?.lastError).toMatch(/fenced/);
    } finally {
      release();
      await first.stop();
      await second?.stop();
    }
    expect(old.filter((id) => fresh.includes(id))).toEqual(victim);
    expect(new Set([...old, ...fresh]).size).toBe(logs.flat().length);
  }, 60_000);

  it('follows the host: primary-lost drains the batch in flight, a quick primary again waits for that store', async () => {
    // The grid's partitions, with their role changes told by the test.
    const events = new PartitionEvents(() => undefined);
    const host: ContainerHost = {
      spaceName: grid.spaceName,
      unit: grid.unit,
      partitions: grid.partitions,
      types: grid.types,
      space: grid.space,
      kafka: grid.kafka,
      prefix: grid.prefix,
      primaries: () => events.primaries(),
      engine: (k) => grid.engine(k),
      onPartitionEvent: (listener) => events.listen(listener),
      logOf: (k) => grid.logOf(k),
    };
    for (let k = 0; k < PARTITIONS; k++) events.place(k, 'primary');
    await writeOrders(0, 30);
    const logs = await readLogs();
    const held = `0:${logs[0]![3]!.offset}`; // partition 0's second batch
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let holding = false;
    const seen: string[] = [];
    groups.push(notifyGroupId(prefix, space, 'follows'));
    const container = startNotifyContainer(host, {
      name: 'follows',
      type: 'Order',
      batchSize: 3,
      batchTimeMs: 20,
      handler: async (batch) => {
        seen.push(...batch.map((e) => e.id));
        if (batch[0]!.id === held && !holding) {
          holding = true;
          await gate;
        }
      },
    });
    try {
      while (!holding) await new Promise((resolve) => setTimeout(resolve, 10));
      events.place(0, 'none', 'moved away');
      expect(container.status().map((st) => st.partition)).toEqual([1, 2]);
      events.place(0, 'primary');
      // The new runner of partition 0 must not open its position while the old one drains: give it
      // a second to do so wrongly.
      const until = Date.now() + 1000;
      while (Date.now() < until && container.status()[0]?.state === 'starting')
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(container.status()[0]).toMatchObject({ partition: 0, state: 'starting' });
      release();
      await caughtUp(container);
    } finally {
      release();
      await container.stop();
    }
    // Nothing twice: the new runner started from the position the drained batch stored.
    expect(new Set(seen).size).toBe(seen.length);
    expect(byPartition(seen.map((id) => ({ id, partition: Number(id.split(':')[0]) })))).toEqual(
      logs.map((logged, k) => logged.map((l) => `${k}:${l.offset}`)),
    );
  }, 60_000);

  it('refuses bad options at start', () => {
    const handler = async (): Promise<void> => undefined;
    expect(() => startNotifyContainer(grid, { name: 'has.dot', handler })).toThrow(/name/);
    expect(() => startNotifyContainer(grid, { name: 'x', type: 'Nope', handler })).toThrow(
      /unknown entry type/,
    );
    expect(() =>
      startNotifyContainer(grid, { name: 'x', type: 'Order', query: 'total >', handler }),
    ).toThrow();
  });
});
