import { partitionOf } from '../../../src/api/partitionOf';
import type { Space } from '../../../src/api/Space';
import {
  OperationAbortedError,
  TaskFailedError,
  TaskTimeoutError,
  UnknownTaskError,
} from '../../../src/errors';
import type { Entry } from '../../../src/schema/Entry';
import { exampleOrder } from '../../support';
import { eventually } from '../../support/eventually';
import { startTaskGrid, type TaskGrid } from './taskGrid';

const PARTITIONS = 3;
const ORDERS = 60;
const CUSTOMERS = 12;

describe('tasks on a real one-process grid, in process and through a remote client', () => {
  let t: TaskGrid;
  const timedOutSignals: AbortSignal[] = [];
  const abortedSignals: AbortSignal[] = [];

  beforeAll(async () => {
    t = await startTaskGrid('orders', PARTITIONS);
    for (let i = 0; i < ORDERS; i++) await t.space.write('Order', exampleOrder(i, i % CUSTOMERS));
    t.tasks.register('ordersHere', async (_args, ctx) => {
      const here = await ctx.engine.readMultiple('Order');
      return { partition: ctx.partition, customers: [...new Set(here.map((o: Entry) => o.customerId))] };
    });
    t.tasks.register('countNew', (_args, ctx) => ctx.engine.count('Order', { template: { status: 'NEW' } }));
    t.tasks.register('ship', async (args: { customerId: string }, ctx) => {
      // Writes through the in-process engine: the task runs where the customer's orders live.
      const result = await ctx.engine.change('Order', { template: { customerId: args.customerId } }, [
        { op: 'set', path: 'status', value: 'SHIPPED' },
      ]);
      return result.count;
    });
    t.tasks.register('refuse', () => {
      throw Object.assign(new Error('credit limit reached'), { code: 'CREDIT_LIMIT' });
    });
    t.tasks.register('sleepy', (_args, ctx) => {
      timedOutSignals.push(ctx.signal);
      return new Promise((resolve) => setTimeout(resolve, 5000).unref());
    });
    t.tasks.register('waitForever', (_args, ctx) => {
      abortedSignals.push(ctx.signal);
      return new Promise(() => undefined);
    });
  });

  afterAll(async () => {
    await t?.close();
  });

  const sides: ReadonlyArray<[string, () => Space]> = [
    ['in process', () => t.space],
    ['remote client', () => t.client],
  ];

  describe.each(sides)('%s', (_side, spaceOf) => {
    it("execute at a routing value's partition sees only that partition's entries", async () => {
      const space = spaceOf();
      for (let c = 0; c < CUSTOMERS; c++) {
        const customer = `c-${c}`;
        const k = partitionOf(customer, PARTITIONS);
        const answer = await space.execute<{ partition: number; customers: string[] }>('ordersHere', null, {
          routing: customer,
        });
        expect(answer.partition).toBe(k);
        expect(answer.customers).toContain(customer);
        // Only customers of this partition: everything it holds routes here.
        for (const seen of answer.customers) expect(partitionOf(seen, PARTITIONS)).toBe(k);
      }
    });

    it('executeAll with reduce sums the partition counts and equals space.count', async () => {
      const space = spaceOf();
      const sum = await space.executeAll<number, number>('countNew', null, {
        reduce: (counts) => counts.reduce((a, b) => a + b, 0),
      });
      const perPartition = await space.executeAll<number>('countNew');
      expect(perPartition).toHaveLength(PARTITIONS);
      expect(sum).toBe(await space.count('Order', { template: { status: 'NEW' } }));
      expect(sum).toBeGreaterThan(0);
    });

    it('an unknown task is UnknownTaskError', async () => {
      await expect(spaceOf().execute('noSuchTask', {}, { routing: 'c-1' })).rejects.toBeInstanceOf(
        UnknownTaskError,
      );
    });

    it("a task that throws is TaskFailedError with the cause's code and the partition", async () => {
      const error = (await spaceOf()
        .execute('refuse', {}, { routing: 'c-2' })
        .catch((e: unknown) => e)) as TaskFailedError;
      expect(error).toBeInstanceOf(TaskFailedError);
      expect(error.causeCode).toBe('CREDIT_LIMIT');
      expect(error.causeMessage).toBe('credit limit reached');
      expect(error.partition).toBe(partitionOf('c-2', PARTITIONS));
    });

    it("a timeout is TaskTimeoutError and aborts the task's signal", async () => {
      const before = timedOutSignals.length;
      const error = (await spaceOf()
        .execute('sleepy', {}, { routing: 'c-3', timeout: 100 })
        .catch((e: unknown) => e)) as TaskTimeoutError;
      expect(error).toBeInstanceOf(TaskTimeoutError);
      expect(error.timeoutMs).toBe(100);
      expect(timedOutSignals.length).toBe(before + 1);
      expect(timedOutSignals.at(-1)!.aborted).toBe(true);
    });

    it("the caller's AbortSignal cancels the call and aborts the task's signal", async () => {
      const before = abortedSignals.length;
      const controller = new AbortController();
      const call = spaceOf().execute('waitForever', {}, { routing: 'c-4', signal: controller.signal });
      // The task runs before the abort: its signal is the one the abort must reach.
      await eventually(() => abortedSignals.length > before, 20_000, 'the task to start');
      expect(abortedSignals.length).toBe(before + 1);
      controller.abort();
      await expect(call).rejects.toBeInstanceOf(OperationAbortedError);
      const signal = abortedSignals.at(-1)!;
      await eventually(() => signal.aborted, 10_000, "the task's signal to be aborted");
    }, 45_000);
  });

  it("a task's writes on its in-process engine are applied and visible to every client", async () => {
    const changed = await t.client.execute<number>('ship', { customerId: 'c-5' }, { routing: 'c-5' });
    expect(changed).toBe(ORDERS / CUSTOMERS);
    const shipped = await t.grid.space.readMultiple('Order', { template: { customerId: 'c-5' } });
    expect(shipped.every((o) => o.status === 'SHIPPED')).toBe(true);
    expect(await t.client.count('Order', { template: { status: 'SHIPPED' } })).toBe(ORDERS / CUSTOMERS);
  });
});
