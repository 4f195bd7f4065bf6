import { ProcessingUnit } from '../../../src/cluster/ProcessingUnit';
import type { Placement } from '../../../src/ops/status/Placement';
import { NotPrimaryError } from '../../../src/errors';
import { readClusterStatus } from '../../../src/cluster/ClusterStatus';
import { formatClusterView } from '../../../src/cli/clusterCommand';
import { EXAMPLE_SCHEMAS, exampleOrder, gridTestKit } from '../../support';

jest.setTimeout(120_000);

/** Polls until `check` holds (a guard against hanging, not a timing assertion). */
async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function everyPartitionServed(units: readonly ProcessingUnit[], partitions: number): Placement | undefined {
  const placement = units[0]!.placement;
  if (!placement || units.some((u) => u.placement?.epoch !== placement.epoch)) return undefined;
  const served = new Set(units.flatMap((u) => u.primaries()));
  return served.size === partitions ? placement : undefined;
}

describe('processing units: membership and placement through a Kafka consumer group', () => {
  const kit = gridTestKit();
  const units: ProcessingUnit[] = [];
  const options = (unit: string) => ({
    space: 'orders',
    partitions: 4,
    backups: 1,
    schemas: EXAMPLE_SCHEMAS,
    prefix: kit.prefix,
    kafka: { brokers: kit.brokers },
    port: 0,
    unit,
    readyWaitMs: 2000,
    membership: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 10_000 },
  });

  afterAll(async () => {
    await Promise.all(units.map((u) => u.close()));
    await kit.cleanup();
  });

  it('places one primary and one backup per partition, hands over on a graceful stop', async () => {
    // Collocated code: started with the unit's context, stopped first on close.
    const services: string[] = [];
    const collocated = {
      start: (context: { unit: string; primaries(): number[] }) => {
        services.push(`start ${context.unit}`);
        return { stop: async () => void services.push(`stop ${context.unit}`) };
      },
    };
    units.push(
      await ProcessingUnit.start({ ...options('a'), services: collocated }),
      await ProcessingUnit.start(options('b')),
    );
    expect(services).toEqual(['start a']);
    const placement = await until('both units serving', () => {
      const p = everyPartitionServed(units, 4);
      return p && units.every((u) => u.primaries().length === 2) ? p : undefined;
    });
    for (const part of placement.partitions) {
      expect(part.backups).toHaveLength(1);
      expect(part.backups[0]).not.toBe(part.primary);
    }
    const [a, b] = units as [ProcessingUnit, ProcessingUnit];
    // Writes land on the primary; the other unit refuses with the retriable NotPrimaryError.
    const onA = a.primaries()[0]!;
    await until('backups ready', () =>
      units.every((u) => u.status().replicas.every((r) => r.ready)) ? true : undefined,
    );
    // `spacelog cluster status` reads the same picture from the group and the units.
    const view = await readClusterStatus({ brokers: kit.brokers, prefix: kit.prefix, space: 'orders' });
    expect(view.placement?.epoch).toBeGreaterThanOrEqual(placement.epoch);
    for (const p of view.partitions) {
      expect(p.replicas[p.primary!]).toMatchObject({ kind: 'primary', role: 'primary', ready: true });
      expect(p.replicas[p.backups[0]!]).toMatchObject({
        kind: 'backup',
        role: 'backup',
        ready: true,
        lag: 0,
      });
    }
    expect(formatClusterView('orders', view)).toMatch(/placement epoch \d+, 2 unit\(s\)/);
    const access = (u: ProcessingUnit, k: number) =>
      (u as unknown as { access(k: number): unknown }).access(k);
    expect(() => access(b, onA)).toThrow(NotPrimaryError);

    // Graceful stop of a: b becomes primary of everything and holds what a wrote.
    const engine = (await access(a, onA)) as { write(t: string, e: unknown): Promise<unknown> };
    await engine.write('Order', exampleOrder(1, 1));
    await a.close();
    expect(services).toEqual(['start a', 'stop a']);
    await until('b primary of all', () => (b.primaries().length === 4 ? true : undefined), 30_000);
    const after = (await access(b, onA)) as { read(t: string, s: unknown): Promise<unknown> };
    expect(await after.read('Order', { id: 'o-1' })).toMatchObject({ id: 'o-1' });
  });
});
