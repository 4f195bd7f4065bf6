import type { LocalGrid } from '../../../src/cluster/LocalGrid';
import { partitionOf } from '../../../src/api/partitionOf';
import { NotCollocatedError } from '../../../src/errors';
import { deadLetterSchema } from '../../../src/events/deadLetter';
import { startPollingContainer, type PollingContainer } from '../../../src/events/PollingContainer';
import type { PollingHandler } from '../../../src/events/PollingOptions';
import { Spacelog } from '../../../src/index';
import { fromWireJson } from '../../../src/net/wireJson';
import { EntryType } from '../../../src/schema/EntryType';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import type { Mutation } from '../../../src/space/Mutation';
import type { Entry } from '../../../src/schema/Entry';
import { EXAMPLE_SCHEMAS, exampleOrder, gridTestKit } from '../../support';
import { eventually } from '../../support/eventually';
import { foldLog } from '../grid/foldLog';

const P = 2;

/** Customer ids whose Orders land on partition k. */
function customersOn(k: number, count: number, tag: string): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) if (partitionOf(`${tag}-${i}`, P) === k) out.push(`${tag}-${i}`);
  return out;
}

/** Marks an order paid: writes `<id>-paid` for the same customer (so in the same partition). */
const pay: PollingHandler = async (entry, tx) => {
  await tx.write('Order', { ...entry, id: `${String(entry.id)}-paid`, status: 'PAID' });
};

function processed(container: PollingContainer): number {
  return container.status().partitions.reduce((n, p) => n + p.processed, 0);
}

describe('polling containers on an in-process grid (real Kafka)', () => {
  const kit = gridTestKit();
  const { prefix, brokers } = kit;
  // What a user of a polling container over Order declares: the example types and OrderDeadLetter.
  const types = SchemaLoader.loadFolder(EXAMPLE_SCHEMAS);
  types.register(EntryType.fromSchema(deadLetterSchema('Order')));
  const start = (space: string, origin?: string): Promise<LocalGrid> =>
    Spacelog.start({
      space,
      partitions: P,
      schemas: types,
      prefix,
      kafka: { brokers },
      ...(origin ? { origin } : {}),
    });
  const logOf = async (space: string): Promise<{ k: number; m: Mutation; offset: number }[]> => {
    const seen: { k: number; m: Mutation; offset: number }[] = [];
    await foldLog({
      brokers,
      prefix,
      space,
      partitions: P,
      types,
      onMutation: (k, m, offset) => seen.push({ k, m, offset }),
    });
    return seen;
  };
  const fast = { receiveTimeout: 200, backoff: { initialMs: 20, maxMs: 100, multiplier: 2 } };

  afterAll(() => kit.cleanup());

  it('processes every entry exactly once, its result committed with its take', async () => {
    const space = 'pconce';
    const grid = await start(space);
    const container = startPollingContainer(grid, {
      name: 'pay',
      type: 'Order',
      template: { status: 'NEW' },
      concurrency: 2,
      ...fast,
      handler: pay,
    });
    const N = 60;
    try {
      for (let i = 0; i < N; i++) await grid.space.write('Order', exampleOrder(i, i % 9));
      await eventually(() => processed(container) === N, 30_000, 'every order processed');
      expect(await grid.space.count('Order', { template: { status: 'NEW' } })).toBe(0);
      expect(await grid.space.count('Order', { template: { status: 'PAID' } })).toBe(N);
    } finally {
      await container.stop();
      await grid.close();
    }
    const log = await logOf(space);
    for (let i = 0; i < N; i++) {
      const takes = log.filter((r) => r.m.op === 'TAKE' && r.m.id === `o-${i}`);
      const results = log.filter((r) => r.m.op === 'WRITE' && r.m.id === `o-${i}-paid`);
      expect(takes).toHaveLength(1);
      expect(results).toHaveLength(1);
      // One cycle's mutations are one append: the take and its result are next to each other in the
      // same partition log, inside one Kafka transaction.
      expect(results[0]!.k).toBe(takes[0]!.k);
      expect(results[0]!.offset).toBe(takes[0]!.offset + 1);
    }
  }, 120_000);

  it('a handler that throws on one entry: retried maxAttempts times, then a dead letter holds it; the others are processed', async () => {
    const space = 'pcdead';
    const grid = await start(space);
    const attempts: number[] = [];
    const heard: unknown[] = [];
    const container = startPollingContainer(grid, {
      name: 'pay',
      type: 'Order',
      template: { status: 'NEW' },
      maxAttempts: 3,
      ...fast,
      onError: (error) => heard.push(error),
      handler: async (entry, tx, context) => {
        if (entry.id === 'o-3') {
          attempts.push(context.attempt);
          throw new Error('card declined');
        }
        await pay(entry, tx, context);
      },
    });
    let letter: Entry | null;
    const poison = exampleOrder(3, 3);
    try {
      for (let i = 0; i < 10; i++) await grid.space.write('Order', exampleOrder(i, i));
      await eventually(
        () => container.status().partitions.some((p) => p.deadLettered === 1),
        30_000,
        'a dead letter',
      );
      await eventually(() => processed(container) === 9, 30_000, 'the other orders');
      expect(attempts).toEqual([1, 2, 3]);
      expect(heard).toHaveLength(3);
      expect(await grid.space.read('Order', { id: 'o-3' }, { routing: poison.customerId })).toBeNull();
      letter = await grid.space.read('OrderDeadLetter', { id: 'o-3@1' }, { routing: poison.customerId });
    } finally {
      await container.stop();
      await grid.close();
    }
    expect(letter).toMatchObject({
      entryId: 'o-3',
      entryVersion: 1,
      errorCode: 'Error',
      errorMessage: 'card declined',
      attempts: 3,
      container: 'pay',
    });
    expect(fromWireJson(Buffer.from(String(letter!.entry)))).toEqual(poison);
    // In the log: the TAKE and the dead letter, together, in the order's partition.
    const log = await logOf(space);
    const take = log.find((r) => r.m.op === 'TAKE' && r.m.id === 'o-3')!;
    const dead = log.find((r) => r.m.type === 'OrderDeadLetter')!;
    expect(dead.k).toBe(partitionOf(poison.customerId, P));
    expect(dead.k).toBe(take.k);
    expect(dead.offset).toBe(take.offset + 1);
    expect(log.filter((r) => r.m.id === 'o-3-paid')).toEqual([]);
  }, 120_000);

  it('a handler writing to another partition gets NotCollocatedError; nothing of that attempt is applied', async () => {
    const space = 'pccolloc';
    const grid = await start(space);
    const [here] = customersOn(0, 1, 'h');
    const [there] = customersOn(1, 1, 't');
    const errors: unknown[] = [];
    const container = startPollingContainer(grid, {
      name: 'ship',
      type: 'Order',
      template: { status: 'NEW' },
      maxAttempts: 2,
      ...fast,
      onError: (error) => errors.push(error),
      handler: async (entry, tx) => {
        await tx.write('Order', { ...entry, id: 'local-result', status: 'PAID' });
        await tx.write('Order', exampleOrder(99, 0, { id: 'remote-result', customerId: there }));
      },
    });
    try {
      await grid.space.write('Order', exampleOrder(1, 0, { customerId: here }));
      await eventually(() => container.status().partitions[0]?.deadLettered === 1, 30_000, 'the dead letter');
      expect(errors).toHaveLength(2);
      expect(errors[0]).toBeInstanceOf(NotCollocatedError);
      expect(errors[0]).toMatchObject({
        code: 'NOT_COLLOCATED',
        transactionPartition: 0,
        targetPartition: 1,
      });
    } finally {
      await container.stop();
      await grid.close();
    }
    const log = await logOf(space);
    expect(log.filter((r) => r.m.id === 'local-result' || r.m.id === 'remote-result')).toEqual([]);
    expect(log.find((r) => r.m.type === 'OrderDeadLetter')?.k).toBe(0);
  }, 120_000);

  it('stop() drains an in-flight cycle: it commits before stop resolves', async () => {
    const space = 'pcdrain';
    const grid = await start(space);
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => (entered = r));
    const container = startPollingContainer(grid, {
      name: 'slow',
      type: 'Order',
      template: { status: 'NEW' },
      ...fast,
      handler: async (entry, tx, context) => {
        entered();
        await new Promise((r) => setTimeout(r, 500));
        await pay(entry, tx, context);
      },
    });
    const order = exampleOrder(1, 1);
    try {
      await grid.space.write('Order', order);
      await inHandler;
      await container.stop();
      // Resolved only after the commit: the result is there at once, durable.
      expect(await grid.space.read('Order', { id: 'o-1-paid' }, { routing: order.customerId })).toMatchObject(
        {
          status: 'PAID',
        },
      );
      expect(container.status().state).toBe('stopped');
      await grid.space.write('Order', exampleOrder(2, 1));
      await new Promise((r) => setTimeout(r, 400));
      expect(await grid.space.count('Order', { template: { status: 'NEW' } })).toBe(1);
    } finally {
      await grid.close();
    }
  }, 120_000);

  it('a partition lost to a new primary stops its loop; nothing is committed after the loss', async () => {
    const space = 'pcfence';
    const old = await start(space, 'old-primary');
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => (entered = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const heard: unknown[] = [];
    const oldContainer = startPollingContainer(old, {
      name: 'pay',
      type: 'Order',
      template: { status: 'NEW' },
      ...fast,
      onError: (error) => heard.push(error),
      handler: async (entry, tx, context) => {
        entered();
        await gate;
        await pay(entry, tx, context);
      },
    });
    const order = exampleOrder(1, 1);
    const k = partitionOf(order.customerId, P);
    let usurper: LocalGrid | undefined;
    let newContainer: PollingContainer | undefined;
    try {
      await old.space.write('Order', order);
      await inHandler;
      usurper = await start(space, 'new-primary'); // fences every partition of the old grid
      release();
      // The old primary of k learns of its fencing at its commit (the append is refused): its
      // partition is lost there, and its loop stops. (A partition that does not append learns later.)
      await eventually(
        () => oldContainer.status().partitions.find((p) => p.partition === k)?.state === 'stopped',
        30_000,
        'the old loop of the partition to stop',
      );
      expect(oldContainer.status().partitions.find((p) => p.partition === k)?.processed).toBe(0);
      // The new primary's container processes the order the old one never committed.
      newContainer = startPollingContainer(usurper, {
        name: 'pay',
        type: 'Order',
        template: { status: 'NEW' },
        ...fast,
        handler: pay,
      });
      await eventually(() => processed(newContainer!) === 1, 30_000, 'the new container');
    } finally {
      release();
      await newContainer?.stop();
      await oldContainer.stop();
      await usurper?.close();
      await old.close();
    }
    const log = await logOf(space);
    const firstNew = log.findIndex((r) => r.k === k && r.m.origin === 'new-primary');
    expect(firstNew).toBeGreaterThanOrEqual(0);
    expect(log.slice(firstNew).filter((r) => r.k === k && r.m.origin === 'old-primary')).toEqual([]);
    const takes = log.filter((r) => r.m.op === 'TAKE' && r.m.id === 'o-1');
    expect(takes.map((r) => r.m.origin)).toEqual(['new-primary']);
    expect(log.filter((r) => r.m.id === 'o-1-paid').map((r) => r.m.origin)).toEqual(['new-primary']);
  }, 120_000);
});
