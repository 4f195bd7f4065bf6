import { NotCollocatedError } from '../../../src/errors';
import { startPollingContainer, type PollingContainer } from '../../../src/events/PollingContainer';
import type { PollingContainerOptions } from '../../../src/events/PollingOptions';
import { fromWireJson } from '../../../src/net/wireJson';
import type { Mutation } from '../../../src/space/Mutation';
import type { Entry } from '../../../src/schema/Entry';
import { customersOn, eventually, FakeHost, orderOf } from './pollingFixtures';

const P = 2;
const fast = { receiveTimeout: 50, backoff: { initialMs: 5, maxMs: 20, multiplier: 2 } };

/** The handler of the tests: marks an order paid by writing `<id>-paid` (same customer, same partition). */
const pay: PollingContainerOptions['handler'] = async (entry, tx) => {
  await tx.write('Order', { ...entry, id: `${String(entry.id)}-paid`, status: 'PAID' });
};

describe('PollingContainer on in-memory engines', () => {
  let container: PollingContainer | undefined;
  afterEach(async () => {
    await container?.stop();
    container = undefined;
  });

  it('processes each entry exactly once; the take and the handler writes commit in one append', async () => {
    const host = new FakeHost(P);
    let calls = 0;
    container = startPollingContainer(host, {
      name: 'pay',
      type: 'Order',
      template: { status: 'NEW' },
      concurrency: 3,
      batchSize: 4,
      ...fast,
      handler: async (entry, tx, context) => {
        calls++;
        expect(context).toMatchObject({ container: 'pay', attempt: 1, type: 'Order', id: entry.id });
        await pay(entry, tx, context);
      },
    });
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      ids.push(`o-${i}`);
      await host.space.write('Order', orderOf(`o-${i}`, `c-${i % 7}`));
    }
    await eventually(() => container!.status().partitions.reduce((n, p) => n + p.processed, 0) === 40);
    expect(calls).toBe(40);
    expect(await host.space.count('Order', { template: { status: 'NEW' } })).toBe(0);
    expect(await host.space.count('Order', { template: { status: 'PAID' } })).toBe(40);
    for (let k = 0; k < P; k++) {
      for (const batch of host.sinks[k]!.appends) {
        // A batch is a plain write (one WRITE) or one cycle: TAKEs with their results, one each.
        if (batch.length === 1 && batch[0]!.op === 'WRITE' && !batch[0]!.id.endsWith('-paid')) continue;
        const taken = batch.filter((m) => m.op === 'TAKE').map((m) => m.id);
        const paid = batch.filter((m) => m.op === 'WRITE').map((m) => m.id.replace(/-paid$/, ''));
        expect(taken.length).toBeGreaterThan(0);
        expect(paid.sort()).toEqual(taken.sort());
      }
    }
    const takes = [0, 1].flatMap((k) =>
      host
        .logOfPartition(k)
        .filter((m) => m.op === 'TAKE')
        .map((m) => m.id),
    );
    expect(takes.sort()).toEqual(ids.sort());
  });

  it('retries a failing entry maxAttempts times, then moves it to OrderDeadLetter; the others are processed', async () => {
    const host = new FakeHost(P);
    const heard: [string, unknown, number][] = [];
    const attempts: number[] = [];
    container = startPollingContainer(host, {
      name: 'pay',
      type: 'Order',
      template: { status: 'NEW' },
      maxAttempts: 3,
      batchSize: 2,
      ...fast,
      onError: (error, entry, attempt) => heard.push([String(entry?.id), error, attempt]),
      handler: async (entry, tx, context) => {
        if (entry.id === 'poison') {
          attempts.push(context.attempt);
          throw new Error('cannot pay');
        }
        await pay(entry, tx, context);
      },
    });
    const [c] = customersOn(0, P, 1);
    await host.space.write('Order', orderOf('poison', c!));
    for (let i = 0; i < 6; i++) await host.space.write('Order', orderOf(`ok-${i}`, c!));
    await eventually(() => container!.status().partitions[0]?.deadLettered === 1);
    expect(attempts).toEqual([1, 2, 3]);
    expect(heard.map(([id, , attempt]) => [id, attempt])).toEqual([
      ['poison', 1],
      ['poison', 2],
      ['poison', 3],
    ]);
    await eventually(() => container!.status().partitions[0]?.processed === 6);
    expect(container.status().partitions[0]).toMatchObject({
      failed: 3,
      deadLettered: 1,
      processed: 6,
      retrying: 0,
    });
    expect(await host.space.read('Order', { id: 'poison' }, { routing: c })).toBeNull();
    const letter = (await host.space.read('OrderDeadLetter', { id: 'poison@1' }, { routing: c })) as Entry;
    expect(letter).toMatchObject({
      routing: c,
      entryId: 'poison',
      entryVersion: 1,
      errorCode: 'Error',
      errorMessage: 'cannot pay',
      attempts: 3,
      container: 'pay',
    });
    expect(fromWireJson(Buffer.from(letter.entry as string))).toMatchObject({ id: 'poison', status: 'NEW' });
    // The move is one append on the entry's partition: the TAKE with the dead letter.
    const move = host.sinks[0]!.appends.find((b) => b.some((m) => m.type === 'OrderDeadLetter'))!;
    expect(move.map((m) => `${m.op} ${m.type}/${m.id}`)).toEqual([
      'TAKE Order/poison',
      'WRITE OrderDeadLetter/poison@1',
    ]);
  });

  it('a handler writing to another partition gets NotCollocatedError and nothing of the attempt is applied', async () => {
    const host = new FakeHost(P);
    const [here] = customersOn(0, P, 1);
    const [there] = customersOn(1, P, 1);
    const errors: unknown[] = [];
    container = startPollingContainer(host, {
      name: 'misrouted',
      type: 'Order',
      template: { status: 'NEW' },
      maxAttempts: 2,
      ...fast,
      onError: (error) => errors.push(error),
      handler: async (entry, tx) => {
        await tx.write('Order', { ...entry, id: 'local-result', status: 'PAID' });
        await tx.write('Order', orderOf('remote-result', there!, { status: 'PAID' }));
      },
    });
    await host.space.write('Order', orderOf('o-1', here!));
    await eventually(() => container!.status().partitions[0]?.deadLettered === 1);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBeInstanceOf(NotCollocatedError);
    expect(errors[0]).toMatchObject({
      code: 'NOT_COLLOCATED',
      retriable: false,
      partition: 0,
      transactionPartition: 0,
      targetPartition: 1,
    });
    const all: Mutation[] = [...host.logOfPartition(0), ...host.logOfPartition(1)];
    expect(all.some((m) => m.id === 'local-result' || m.id === 'remote-result')).toBe(false);
    expect(await host.space.read('OrderDeadLetter', { id: 'o-1@1' }, { routing: here })).toMatchObject({
      errorCode: 'NOT_COLLOCATED',
    });
  });

  it('reads and takes naming another partition are refused too; unrouted ones see this partition', async () => {
    const host = new FakeHost(P);
    const [here] = customersOn(0, P, 1);
    const [there] = customersOn(1, P, 1);
    await host.space.write('Order', orderOf('ref-there', there!, { status: 'CANCELLED' }));
    const seen: unknown[] = [];
    container = startPollingContainer(host, {
      name: 'reader',
      type: 'Order',
      template: { status: 'NEW' },
      maxAttempts: 1,
      ...fast,
      handler: async (_entry, tx, context) => {
        seen.push(await tx.readMultiple('Order', { template: { status: 'CANCELLED' } }));
        seen.push(await context.space.read('Order', { id: 'ref-there' }, { routing: there }));
        await tx.read('Order', { id: 'ref-there' }, { routing: there });
      },
    });
    await host.space.write('Order', orderOf('o-1', here!));
    await eventually(() => container!.status().partitions[0]?.deadLettered === 1);
    expect(seen[0]).toEqual([]); // the transaction sees its own partition only
    expect(seen[1]).toMatchObject({ id: 'ref-there' }); // host.space reaches everywhere, outside it
    expect(await host.space.read('OrderDeadLetter', { id: 'o-1@1' }, { routing: here })).toMatchObject({
      errorCode: 'NOT_COLLOCATED',
    });
  });

  it('stop() drains an in-flight cycle: it commits, then stop resolves; no cycle starts after', async () => {
    const host = new FakeHost(P);
    const [c] = customersOn(0, P, 1);
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => (entered = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let calls = 0;
    container = startPollingContainer(host, {
      name: 'slow',
      type: 'Order',
      template: { status: 'NEW' },
      ...fast,
      handler: async (entry, tx, context) => {
        calls++;
        entered();
        await gate;
        await pay(entry, tx, context);
      },
    });
    await host.space.write('Order', orderOf('o-1', c!));
    await inHandler;
    expect(container.status().partitions[0]?.state).toBe('running');
    let stopped = false;
    const stopping = container.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(await host.space.read('Order', { id: 'o-1-paid' }, { routing: c })).toMatchObject({
      status: 'PAID',
    });
    expect(container.status()).toMatchObject({ state: 'stopped' });
    await host.space.write('Order', orderOf('o-2', c!));
    await new Promise((r) => setTimeout(r, 100));
    expect(calls).toBe(1);
    expect(await host.space.read('Order', { id: 'o-2' }, { routing: c })).toMatchObject({ status: 'NEW' });
  });

  it('a lost partition stops its loop; its in-flight cycle never commits; other partitions go on', async () => {
    const host = new FakeHost(P);
    const [c0] = customersOn(0, P, 1);
    const [c1] = customersOn(1, P, 1);
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => (entered = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    container = startPollingContainer(host, {
      name: 'pay',
      type: 'Order',
      template: { status: 'NEW' },
      ...fast,
      handler: async (entry, tx, context) => {
        if (context.partition === 0) {
          entered();
          await gate;
        }
        await pay(entry, tx, context);
      },
    });
    await host.space.write('Order', orderOf('o-0', c0!));
    await inHandler;
    const before = host.logOfPartition(0).length;
    host.lose(0);
    release();
    await eventually(() => container!.status().partitions[0]?.state === 'stopped');
    expect(host.logOfPartition(0)).toHaveLength(before);
    expect(host.engines[0]!.lookup('Order', 'o-0')).toBeDefined();
    await host.space.write('Order', orderOf('o-1', c1!));
    await eventually(() => container!.status().partitions[1]?.processed === 1);
    expect(container.status().partitions[0]).toMatchObject({ processed: 0, state: 'stopped' });
  });

  it('a handler running past transactionTimeout is a failed attempt: rolled back, retried, then dead-lettered', async () => {
    const host = new FakeHost(P);
    const [c] = customersOn(0, P, 1);
    const heard: unknown[] = [];
    container = startPollingContainer(host, {
      name: 'stuck',
      type: 'Order',
      template: { status: 'NEW' },
      maxAttempts: 2,
      transactionTimeout: 30,
      ...fast,
      onError: (error) => heard.push(error),
      handler: async (entry, tx, context) => {
        await new Promise((r) => setTimeout(r, 60));
        await pay(entry, tx, context); // too late: the transaction has ended
      },
    });
    await host.space.write('Order', orderOf('o-1', c!));
    await eventually(() => container!.status().partitions[0]?.deadLettered === 1);
    expect(heard.map((e) => (e as Error).name)).toEqual([
      'TransactionTimeoutError',
      'TransactionTimeoutError',
    ]);
    expect(host.logOfPartition(0).some((m) => m.id === 'o-1-paid')).toBe(false);
  });

  it('waits without a busy loop while idle, and wakes for a matching write', async () => {
    const host = new FakeHost(P);
    const [c] = customersOn(1, P, 1);
    container = startPollingContainer(host, {
      name: 'pay',
      type: 'Order',
      template: { status: 'NEW' },
      receiveTimeout: 10_000,
      handler: pay,
    });
    await new Promise((r) => setTimeout(r, 300));
    // One look per loop (two partitions), then asleep until a write or the 10 s receive timeout.
    expect(host.engineCalls).toBe(2);
    const started = Date.now();
    await host.space.write('Order', orderOf('o-1', c!));
    await eventually(() => container!.status().partitions[1]?.processed === 1);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(container.status().partitions.map((p) => p.state)).toEqual(['idle', 'idle']);
  });
});
