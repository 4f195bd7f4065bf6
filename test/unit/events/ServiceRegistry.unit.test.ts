import { partitionOf } from '../../../src/api/partitionOf';
import { InvalidArgumentError, TaskFailedError, UnknownServiceError } from '../../../src/errors';
import { serviceContext } from '../../../src/events/ServiceRegistry';
import { partitionOfEngine, taskKit } from './taskKit';

interface OrderService {
  where(customerId: string): Promise<{ partition: number; engine: number }>;
  add(a: number, b?: number): number;
  fail(): void;
}

function orderService(): OrderService {
  return {
    async where() {
      await Promise.resolve();
      const ctx = serviceContext(); // after an await: still this call's context
      return { partition: ctx.partition, engine: partitionOfEngine(ctx.engine) };
    },
    add(a, b = 100) {
      return a + b;
    },
    fail() {
      throw Object.assign(new Error('payment refused'), { code: 'PAYMENT_REFUSED' });
    },
  };
}

describe('ServiceRegistry and remote proxies in process', () => {
  it('routes a call by the proxy routing, computed on the caller', async () => {
    const { services, space } = taskKit(5);
    services.export('OrderService', orderService());
    const proxy = space.remote<OrderService>('OrderService', { routing: (_m, args) => args[0] });
    for (const customer of ['c-1', 'c-2', 'c-3', 'c-4']) {
      const k = partitionOf(customer, 5);
      expect(await proxy.where(customer)).toEqual({ partition: k, engine: k });
    }
  });

  it("routes by the export's routing when the caller gives none (redirected once)", async () => {
    const { services, space } = taskKit(5);
    services.export('OrderService', orderService(), { routing: (_m, args) => args[0] });
    const proxy = space.remote<OrderService>('OrderService');
    for (let i = 0; i < 20; i++) {
      const k = partitionOf(`c-${i}`, 5);
      expect(await proxy.where(`c-${i}`)).toEqual({ partition: k, engine: k });
    }
  });

  it('broadcasts to every partition and reduces on the caller', async () => {
    const { services, space } = taskKit(4);
    services.export('OrderService', orderService());
    const seen: string[] = [];
    const proxy = space.remote<OrderService>('OrderService', {
      broadcast: {
        reduce: (results, method) => {
          seen.push(method);
          return (results as number[]).reduce((a, b) => a + b, 0);
        },
      },
    });
    expect(await proxy.add(1, 2)).toBe(12);
    expect(seen).toEqual(['add']);
  });

  it('drops trailing undefined arguments so defaults apply', async () => {
    const { services, space } = taskKit(2);
    services.export('OrderService', orderService());
    const proxy = space.remote<OrderService>('OrderService');
    expect(await proxy.add(1, undefined)).toBe(101);
  });

  it('refuses an unknown service or method, and Object methods, with UnknownServiceError', async () => {
    const { services, space } = taskKit(2);
    services.export('OrderService', orderService());
    const missing = (await space
      .remote<OrderService>('Nope')
      .add(1)
      .catch((e: unknown) => e)) as UnknownServiceError;
    expect(missing).toBeInstanceOf(UnknownServiceError);
    expect(missing.service).toBe('Nope');
    const proxy = space.remote<Record<string, () => Promise<unknown>>>('OrderService');
    const method = (await proxy.nope!().catch((e: unknown) => e)) as UnknownServiceError;
    expect(method).toBeInstanceOf(UnknownServiceError);
    expect(method.method).toBe('nope');
    await expect(proxy.toString!()).rejects.toBeInstanceOf(UnknownServiceError);
    await expect(proxy.constructor!()).rejects.toBeInstanceOf(UnknownServiceError);
  });

  it("a method's throw is TaskFailedError naming Service.method with the cause's code", async () => {
    const { services, space } = taskKit(2);
    services.export('OrderService', orderService());
    const error = (await space
      .remote<OrderService>('OrderService')
      .fail()
      .catch((e: unknown) => e)) as TaskFailedError;
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error.task).toBe('OrderService.fail');
    expect(error.causeCode).toBe('PAYMENT_REFUSED');
  });

  it('a proxy is not a thenable; serviceContext outside a call throws; exports are withdrawn', async () => {
    const { services, space } = taskKit(2);
    const withdraw = services.export('OrderService', orderService());
    const proxy = space.remote<OrderService>('OrderService');
    expect((proxy as unknown as { then?: unknown }).then).toBeUndefined();
    expect(() => serviceContext()).toThrow(InvalidArgumentError);
    expect(() => services.export('OrderService', orderService())).toThrow(InvalidArgumentError);
    expect(services.names()).toEqual(['OrderService']);
    withdraw();
    await expect(proxy.add(1)).rejects.toBeInstanceOf(UnknownServiceError);
  });
});
