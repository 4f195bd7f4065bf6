import { partitionOf } from '../../../src/api/partitionOf';
import type { Space } from '../../../src/api/Space';
import { TaskFailedError, UnknownServiceError } from '../../../src/errors';
import { serviceContext } from '../../../src/events/ServiceRegistry';
import { exampleOrder } from '../../support';
import { startTaskGrid, type TaskGrid } from './taskGrid';

const PARTITIONS = 3;
const CUSTOMERS = 9;
const ORDERS = 45;

/** What clients see of the service the unit exports. */
interface OrderService {
  status(orderId: string, customerId: string): Promise<{ status: string | null; partition: number }>;
  countNew(): Promise<number>;
  cancel(orderId: string, customerId: string): Promise<void>;
}

describe('space-based remoting on a real one-process grid', () => {
  let t: TaskGrid;

  beforeAll(async () => {
    t = await startTaskGrid('orders', PARTITIONS);
    for (let i = 0; i < ORDERS; i++) await t.space.write('Order', exampleOrder(i, i % CUSTOMERS));
    t.services.export<OrderService>(
      'OrderService',
      {
        async status(orderId) {
          // Reads its own partition's engine only: a wrong routing would not find the order.
          const { engine, partition } = serviceContext();
          const order = await engine.read('Order', { id: orderId });
          return { status: (order?.status as string | undefined) ?? null, partition };
        },
        countNew() {
          return serviceContext().engine.count('Order', { template: { status: 'NEW' } });
        },
        cancel() {
          throw Object.assign(new Error('already shipped'), { code: 'ALREADY_SHIPPED' });
        },
      },
      { routing: (_method, args) => args[1] },
    );
  });

  afterAll(async () => {
    await t?.close();
  });

  const sides: ReadonlyArray<[string, () => Space]> = [
    ['in process', () => t.space],
    ['remote client', () => t.client],
  ];

  describe.each(sides)('%s', (_side, spaceOf) => {
    it("a proxy call runs at the primary of its routing value (the export's routing, redirected)", async () => {
      const orders = spaceOf().remote<OrderService>('OrderService');
      for (let i = 0; i < ORDERS; i += 4) {
        const customer = `c-${i % CUSTOMERS}`;
        const answer = await orders.status(`o-${i}`, customer);
        expect(answer).toEqual({ status: 'NEW', partition: partitionOf(customer, PARTITIONS) });
      }
    });

    it('a proxy call routed by the client-side routing', async () => {
      const orders = spaceOf().remote<OrderService>('OrderService', { routing: (_m, args) => args[1] });
      for (let i = 1; i < ORDERS; i += 4) {
        const customer = `c-${i % CUSTOMERS}`;
        expect(await orders.status(`o-${i}`, customer)).toEqual({
          status: 'NEW',
          partition: partitionOf(customer, PARTITIONS),
        });
      }
    });

    it('a broadcast call reduces every partition and equals space.count', async () => {
      const orders = spaceOf().remote<OrderService>('OrderService', {
        broadcast: { reduce: (results) => (results as number[]).reduce((a, b) => a + b, 0) },
      });
      const total = await orders.countNew();
      expect(total).toBe(await spaceOf().count('Order', { template: { status: 'NEW' } }));
      expect(total).toBe(ORDERS);
    });

    it('unknown services and methods are UnknownServiceError; a throw is TaskFailedError with its code', async () => {
      await expect(spaceOf().remote<OrderService>('NoService').countNew()).rejects.toBeInstanceOf(
        UnknownServiceError,
      );
      const missing = spaceOf().remote<{ nothing(): Promise<void> }>('OrderService');
      const error = (await missing.nothing().catch((e: unknown) => e)) as UnknownServiceError;
      expect(error).toBeInstanceOf(UnknownServiceError);
      expect(error.method).toBe('nothing');
      const failed = (await spaceOf()
        .remote<OrderService>('OrderService')
        .cancel('o-1', 'c-1')
        .catch((e: unknown) => e)) as TaskFailedError;
      expect(failed).toBeInstanceOf(TaskFailedError);
      expect(failed.causeCode).toBe('ALREADY_SHIPPED');
      expect(failed.partition).toBe(partitionOf('c-1', PARTITIONS));
    });
  });
});
