import type { Space } from '../../../src/api/Space';
import { singleUnitView } from '../../../src/cluster/clusterView';
import { LocalGridConsoleSource } from '../../../src/cluster/LocalGridConsoleSource';
import { CONSOLE_QUERY_CAP } from '../../../src/console/consoleQuery';
import { QuerySyntaxError } from '../../../src/errors';
import type { ReplicaStatus, UnitStatus } from '../../../src/ops/status/UnitStatus';
import type { Selector } from '../../../src/space/Selector';

const LAG = { p50Ms: 1, p99Ms: 2, maxMs: 3, windowMs: 10_000 };

function replica(partition: number, ready: boolean, role = ready ? 'primary' : 'warming'): ReplicaStatus {
  return {
    partition,
    kind: 'primary',
    role,
    ready,
    entries: ready ? 10 * partition : 0,
    lag: 0,
    warmup: ready ? 100 : 40,
  };
}

function gridStatus(replicas: readonly ReplicaStatus[]): UnitStatus {
  return { unit: 'local', endpoint: 'in process', epoch: 1, replicas, eventLoopLag: LAG };
}

/** A grid's space answering from a list of orders, recording what it was asked. */
function fakeSpace(orders: readonly Record<string, unknown>[]): { space: Space; calls: string[] } {
  const calls: string[] = [];
  const space = {
    name: 'orders',
    partitions: 3,
    read: (type: string, selector: Selector) => {
      calls.push(`read ${type}`);
      return Promise.resolve(orders.find((o) => 'id' in selector && o.id === selector.id) ?? null);
    },
    readMultiple: (type: string, selector: Selector, options?: { limit?: number }) => {
      calls.push(`readMultiple ${type} limit ${options?.limit}`);
      if ('query' in selector && selector.query === 'status = = ?') {
        return Promise.reject(new QuerySyntaxError('unexpected =', selector.query, 9));
      }
      return Promise.resolve(orders.slice(0, options?.limit));
    },
    count: (type: string) => {
      calls.push(`count ${type}`);
      return Promise.resolve(type === 'Order' ? orders.length : 0);
    },
  };
  return { space: space as unknown as Space, calls };
}

function sourceOver(space: Space, status: () => UnitStatus): LocalGridConsoleSource {
  return new LocalGridConsoleSource({
    space,
    types: { names: ['Order', 'Customer'] },
    status,
    // Nothing listens there: the log ends fail fast, and the other panels still show.
    connection: { brokers: ['127.0.0.1:1'], clientId: 'test' },
    prefix: 'unit',
    snapshotMaxAgeMs: 0,
  });
}

const orders = Array.from({ length: CONSOLE_QUERY_CAP + 5 }, (_, i) => ({
  id: `o-${i}`,
  status: 'NEW',
  blob: Buffer.from([i]),
}));

describe('singleUnitView', () => {
  it('shows a grid as one unit holding every partition as primary, without backups', () => {
    const view = singleUnitView(gridStatus([replica(0, true), replica(1, false), replica(2, true)]));
    expect(view.placement).toEqual({
      epoch: 1,
      endpoints: { local: 'in process' },
      partitions: [0, 1, 2].map(() => ({ primary: 'local', backups: [] })),
    });
    expect(Object.keys(view.units)).toEqual(['local']);
    expect(view.units.local?.status?.replicas).toHaveLength(3);
    expect(view.partitions.map((p) => [p.partition, p.primary, p.backups.length])).toEqual([
      [0, 'local', 0],
      [1, 'local', 0],
      [2, 'local', 0],
    ]);
    expect(view.partitions[1]?.replicas.local).toMatchObject({ role: 'warming', ready: false, warmup: 40 });
    expect(view.partitions[2]?.replicas.local).toMatchObject({ ready: true, entries: 20 });
  });
});

describe('LocalGridConsoleSource', () => {
  it('answers the query box from the grid in process: capped, JSON-ready, typed refusals', async () => {
    const { space, calls } = fakeSpace(orders);
    const source = sourceOver(space, () => gridStatus([replica(0, true)]));
    try {
      expect(source.space).toBe('orders');
      expect(await source.types()).toEqual(['Order', 'Customer']);
      const many = await source.query({
        type: 'Order',
        operation: 'readMultiple',
        selector: { template: {} },
      });
      expect(many.entries).toHaveLength(CONSOLE_QUERY_CAP);
      expect(many.capped).toBe(true);
      expect(many.entries[1]).toEqual({
        id: 'o-1',
        status: 'NEW',
        blob: Buffer.from([1]).toString('base64'),
      });
      const one = await source.query({ type: 'Order', operation: 'read', selector: { id: 'o-3' } });
      expect(one).toMatchObject({ entries: [{ id: 'o-3' }], capped: false });
      const none = await source.query({ type: 'Order', operation: 'read', selector: { id: 'nope' } });
      expect(none.entries).toEqual([]);
      const count = await source.query({ type: 'Order', operation: 'count', selector: { template: {} } });
      expect(count).toMatchObject({ entries: [], count: orders.length, capped: false });
      await expect(
        source.query({ type: 'Order', operation: 'readMultiple', selector: { query: 'status = = ?' } }),
      ).rejects.toBeInstanceOf(QuerySyntaxError);
      // One more than the cap was asked for, to tell "exactly the cap" from "more".
      expect(calls).toContain(`readMultiple Order limit ${CONSOLE_QUERY_CAP + 1}`);
    } finally {
      await source.close();
    }
  });

  it('shows the partitions and counts from the grid while Kafka is away, and the log ends as unknown', async () => {
    const { space } = fakeSpace(orders.slice(0, 3));
    const source = sourceOver(space, () => gridStatus([replica(0, true), replica(1, true)]));
    try {
      const snapshot = await source.snapshot();
      expect(snapshot.space).toBe('orders');
      expect(snapshot.cluster?.partitions.map((p) => p.primary)).toEqual(['local', 'local']);
      expect(snapshot.counts).toEqual([
        { type: 'Order', count: 3 },
        { type: 'Customer', count: 0 },
      ]);
      expect(snapshot.logEnds).toBeUndefined();
      expect(snapshot.logEndsError).toEqual(expect.any(String));
      // No mirror given: the console's "no mirror" panel.
      expect(snapshot.mirror).toBeUndefined();
    } finally {
      await source.close();
    }
  }, 30_000);

  it('does not count while a partition warms up (a count would wait for it), and says which', async () => {
    const { space, calls } = fakeSpace(orders.slice(0, 3));
    let replicas = [replica(0, true), replica(1, false)];
    const source = sourceOver(space, () => gridStatus(replicas));
    try {
      const warming = await source.snapshot();
      expect(warming.counts).toEqual([]);
      expect(warming.countsError).toBe('not every partition serves: 1 (warming)');
      expect(warming.cluster?.partitions[1]?.replicas.local).toMatchObject({ role: 'warming', ready: false });
      expect(calls.filter((c) => c.startsWith('count'))).toEqual([]);
      replicas = [replica(0, true), replica(1, true)];
      const serving = await source.snapshot();
      expect(serving.countsError).toBeUndefined();
      expect(serving.counts).toContainEqual({ type: 'Order', count: 3 });
    } finally {
      await source.close();
    }
  }, 30_000);
});
