import { ProcessingUnit } from '../../../src/cluster/ProcessingUnit';
import type { Placement } from '../../../src/cluster/Placement';
import { NotPrimaryError } from '../../../src/errors';
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
    units.push(await ProcessingUnit.start(options('a')), await ProcessingUnit.start(options('b')));
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
    const access = (u: ProcessingUnit, k: number) => (u as unknown as { access(k: number): unknown }).access(k);
    expect(() => access(b, onA)).toThrow(NotPrimaryError);

    // Graceful stop of a: b becomes primary of everything and holds what a wrote.
    const engine = (await access(a, onA)) as { write(t: string, e: unknown): Promise<unknown> };
    await engine.write('Order', exampleOrder(1, 1));
    await a.close();
    await until('b primary of all', () => (b.primaries().length === 4 ? true : undefined), 30_000);
    const after = (await access(b, onA)) as { read(t: string, s: unknown): Promise<unknown> };
    expect(await after.read('Order', { id: 'o-1' })).toMatchObject({ id: 'o-1' });
  });
});
