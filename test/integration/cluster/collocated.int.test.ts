import { ProcessingUnit } from '../../../src/cluster/ProcessingUnit';
import { partitionOf } from '../../../src/api/partitionOf';
import type { UnitContext } from '../../../src/cluster/UnitConfig';
import type { PartitionEvent } from '../../../src/events/ContainerHost';
import { CrossPartitionTransactionError, NotPrimaryError } from '../../../src/errors';
import { EXAMPLE_SCHEMAS, exampleOrder, gridTestKit } from '../../support';

jest.setTimeout(120_000);

const PARTITIONS = 4;

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A customer number whose orders land on one of `partitions` (or off them, with `not`). */
function customerOn(partitions: readonly number[], not = false, from = 0): number {
  for (let c = from; ; c += 1) {
    if (partitions.includes(partitionOf(`c-${c}`, PARTITIONS)) !== not) return c;
  }
}

describe('collocated code in a processing unit', () => {
  const kit = gridTestKit();
  const units: ProcessingUnit[] = [];
  const events: PartitionEvent[] = [];
  let context: UnitContext | undefined;
  const options = (unit: string) => ({
    space: 'orders',
    partitions: PARTITIONS,
    backups: 1,
    schemas: EXAMPLE_SCHEMAS,
    prefix: kit.prefix,
    kafka: { brokers: kit.brokers },
    port: 0,
    unit,
    readyWaitMs: 2000,
    membership: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 10_000 },
  });

  beforeAll(async () => {
    const services = {
      start: (ctx: UnitContext) => {
        context = ctx;
        ctx.tasks.register('whereAmI', (_args, task) => ({ partition: task.partition, unit: task.unit }));
      },
      onPartitionEvent: (event: PartitionEvent) => events.push(event),
    };
    units.push(await ProcessingUnit.start({ ...options('a'), services }));
    await until('unit a leading every partition', () =>
      units[0]!.primaries().length === PARTITIONS ? true : undefined,
    );
    const tasksOfB = {
      start: (ctx: UnitContext) => {
        ctx.tasks.register('whereAmI', (_args, task) => ({ partition: task.partition, unit: task.unit }));
      },
    };
    units.push(await ProcessingUnit.start({ ...options('b'), services: tasksOfB }));
    await until('both units leading two partitions', () =>
      units.every((u) => u.primaries().length === 2) ? true : undefined,
    );
  });

  afterAll(async () => {
    await Promise.all(units.map((u) => u.close()));
    await kit.cleanup();
  });

  it('hears the partitions it leads as primary events, and their loss when they move', () => {
    const [a] = units as [ProcessingUnit];
    const led = a.primaries();
    const kindsOf = (k: number): string[] => events.filter((e) => e.partition === k).map((e) => e.kind);
    const lastRole = (k: number): string | undefined =>
      kindsOf(k)
        .filter((kind) => kind === 'primary' || kind === 'primary-lost')
        .at(-1);
    // Unit a led every partition until b joined; two moved to b (lost here), two stayed.
    expect(led).toHaveLength(2);
    for (let k = 0; k < PARTITIONS; k += 1) {
      expect(kindsOf(k)[0]).toBe('primary');
      expect(lastRole(k)).toBe(led.includes(k) ? 'primary' : 'primary-lost');
    }
  });

  it('runs operations on partitions it leads in-process: no connection to any server', async () => {
    const [a, b] = units as [ProcessingUnit, ProcessingUnit];
    const space = context!.space;
    const c = customerOn(a.primaries());
    const written = await space.write('Order', exampleOrder(1, c));
    expect(a.primaries()).toContain(written.partition);
    expect(await space.read('Order', { id: 'o-1' }, { routing: `c-${c}` })).toMatchObject({ id: 'o-1' });
    await space.change('Order', { id: 'o-1' }, [{ op: 'set', path: 'status', value: 'PAID' }], {
      routing: `c-${c}`,
    });
    expect(await space.count('Order', { template: { customerId: `c-${c}` } })).toBe(1);
    expect(a.server.connectionCount + b.server.connectionCount).toBe(0);
    // The unit's own server sees the same entry (the in-process write went through the log like any other).
    expect(await (await a.engine(written.partition)).read('Order', { id: 'o-1' })).toMatchObject({
      status: 'PAID',
    });
  });

  it('routes operations on partitions another unit leads through the cluster, same API', async () => {
    const [a, b] = units as [ProcessingUnit, ProcessingUnit];
    const space = context!.space;
    const c = customerOn(a.primaries(), true);
    const written = await space.write('Order', exampleOrder(2, c));
    expect(b.primaries()).toContain(written.partition);
    expect(await (await b.engine(written.partition)).read('Order', { id: 'o-2' })).toMatchObject({
      id: 'o-2',
    });
    expect(a.server.connectionCount + b.server.connectionCount).toBeGreaterThan(0);
    // A broadcast sees both units' partitions.
    expect(await space.count('Order')).toBe(2);
    // The in-process engine of a partition led elsewhere is refused, retriably.
    expect(() => a.engine(written.partition)).toThrow(NotPrimaryError);
  });

  it('commits a transaction on one partition it leads, in-process, all or nothing', async () => {
    const [a] = units as [ProcessingUnit];
    const space = context!.space;
    const c = customerOn(a.primaries(), false, 100);
    await space.transaction(async (tx) => {
      await tx.write('Order', exampleOrder(3, c));
      await tx.write('Order', exampleOrder(4, c));
    });
    expect(await space.count('Order', { template: { customerId: `c-${c}` } })).toBe(2);
    await expect(
      space.transaction(async (tx) => {
        await tx.write('Order', exampleOrder(5, c));
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow(/changed my mind/);
    expect(await space.read('Order', { id: 'o-5' }, { routing: `c-${c}` })).toBeNull();
  });

  it('refuses a transaction over two partitions it leads (one writer per partition), applying nothing', async () => {
    const [a] = units as [ProcessingUnit];
    const space = context!.space;
    const [p, q] = a.primaries() as [number, number];
    const c1 = customerOn([p], false, 200);
    const c2 = customerOn([q], false, 200);
    const outcome = space.transaction(async (tx) => {
      await tx.write('Order', exampleOrder(6, c1));
      await tx.write('Order', exampleOrder(7, c2));
    });
    await expect(outcome).rejects.toBeInstanceOf(CrossPartitionTransactionError);
    await expect(outcome).rejects.toMatchObject({ partitions: [p, q].sort((x, y) => x - y) });
    expect(await space.read('Order', { id: 'o-6' }, { routing: `c-${c1}` })).toBeNull();
    expect(await space.read('Order', { id: 'o-7' }, { routing: `c-${c2}` })).toBeNull();
  });

  it('refuses a transaction on a partition another unit leads with the retriable NotPrimaryError', async () => {
    const [a] = units as [ProcessingUnit];
    const space = context!.space;
    const c = customerOn(a.primaries(), true, 300);
    const outcome = space.transaction(async (tx) => {
      await tx.write('Order', exampleOrder(8, c));
    });
    await expect(outcome).rejects.toMatchObject({ retriable: true });
    expect(await space.read('Order', { id: 'o-8' }, { routing: `c-${c}` })).toBeNull();
  });

  it('runs tasks at the primary of each partition, in-process here and on the other unit through the cluster', async () => {
    const [a, b] = units as [ProcessingUnit, ProcessingUnit];
    const ran = await context!.space.executeAll<{ partition: number; unit: string }>('whereAmI');
    expect(ran.map((r) => r.partition)).toEqual([0, 1, 2, 3]);
    for (const r of ran) expect(r.unit).toBe(a.primaries().includes(r.partition) ? 'a' : 'b');
    const local = a.primaries()[0]!;
    expect(await context!.space.execute('whereAmI', {}, { partition: local })).toEqual({
      partition: local,
      unit: 'a',
    });
    expect(b.primaries()).toHaveLength(2);
  });
});
