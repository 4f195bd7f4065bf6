import { Histogram, mergeHistograms } from '../../../src/ops/metrics/Histogram';
import { OperationStats } from '../../../src/ops/metrics/OperationStats';
import { SpaceStats } from '../../../src/ops/metrics/SpaceStats';
import { METRICS, METRIC_NAMES } from '../../../src/ops/metrics/catalog';
import { createMetricsRegistry } from '../../../src/ops/metrics/createMetricsRegistry';
import { valueOf, type MetricsSnapshot } from '../../../src/ops/metrics/MetricsSnapshot';
import { spaceMetrics } from '../../../src/ops/metrics/spaceMetrics';
import { mirrorMetrics } from '../../../src/mirror/mirrorMetrics';
import { newEngine, order } from '../space/fixtures';

const NO_LAG = { p50Ms: 0, p99Ms: 2, maxMs: 7, windowMs: 10_000 };

describe('metric catalog', () => {
  const allowedLabels = new Set([
    'space',
    'unit',
    'partition',
    'type',
    'operation',
    'role',
    'kind',
    'quantile',
  ]);

  it('names every metric by Prometheus conventions', () => {
    for (const name of METRIC_NAMES) {
      const { type, labels } = METRICS[name];
      expect(name).toMatch(/^spacelog_[a-z0-9_]+$/u);
      // Counters and only counters end in _total; histograms name their unit.
      expect(name.endsWith('_total')).toBe(type === 'counter');
      if (type === 'histogram') expect(name).toMatch(/_(seconds|records)$/u);
      expect(name).not.toMatch(/_(ms|milliseconds|kb|mb)(_|$)/u);
      expect(labels).toContain('space');
      for (const label of labels) expect(allowedLabels.has(label)).toBe(true);
    }
  });
});

describe('Histogram', () => {
  it('counts observations into cumulative buckets with their sum', () => {
    const h = new Histogram([0.001, 0.01, 0.1]);
    for (const v of [0.0005, 0.001, 0.005, 0.05, 3]) h.observe(v);
    expect(h.snapshot()).toEqual({
      bounds: [0.001, 0.01, 0.1],
      cumulative: [2, 3, 4],
      sum: 0.0005 + 0.001 + 0.005 + 0.05 + 3,
      count: 5,
    });
    const merged = mergeHistograms([h.snapshot(), h.snapshot()]);
    expect(merged?.cumulative).toEqual([4, 6, 8]);
    expect(merged?.count).toBe(10);
  });
});

describe('OperationStats', () => {
  it('counts operations and errors per type and operation, and ignores unknown operations', () => {
    const stats = new OperationStats(['write', 'read']);
    const t0 = performance.now();
    stats.done('write', 'Order', t0, false);
    stats.done('write', 'Order', t0, true);
    stats.done('read', 'Customer', t0, false);
    stats.done('nonsense', 'Order', t0, false);
    expect(stats.counts()).toEqual([
      { type: 'Order', operation: 'write', count: 2, errors: 1 },
      { type: 'Customer', operation: 'read', count: 1, errors: 0 },
    ]);
    expect(stats.latencies().map((l) => [l.operation, l.histogram.count])).toEqual([
      ['write', 2],
      ['read', 1],
    ]);
  });
});

describe('SpaceEngine with stats', () => {
  it('counts each public operation once, refusals as errors, without a stats object nothing', async () => {
    const stats = new OperationStats();
    const { engine } = newEngine({ stats });
    await engine.write('Order', order('o1'));
    await engine.write('Order', order('o2'));
    await engine.read('Order', { id: 'o1' });
    await engine.take('Order', { id: 'o2' });
    await expect(engine.write('Order', { id: 'bad' })).rejects.toThrow();
    await expect(engine.read('Nope', { id: 'x' })).rejects.toThrow();
    await expect(engine.take('Nope2', { id: 'x' })).rejects.toThrow();
    await engine.count('Order');
    expect(stats.counts()).toEqual(
      expect.arrayContaining([
        { type: 'Order', operation: 'write', count: 3, errors: 1 },
        { type: 'Order', operation: 'read', count: 1, errors: 0 },
        { type: 'Order', operation: 'take', count: 1, errors: 0 },
        { type: 'Order', operation: 'count', count: 1, errors: 0 },
        { type: '(unknown)', operation: 'read', count: 1, errors: 1 },
        { type: '(unknown)', operation: 'take', count: 1, errors: 1 },
      ]),
    );
    // Names the space does not know never become labels of their own.
    expect(stats.counts().map((c) => c.type)).not.toContain('Nope');
    const plain = newEngine().engine;
    await plain.write('Order', order('o1'));
  });

  it('counts every in-process read and times one in 16 (timing each would cost a third of the read)', async () => {
    const stats = new OperationStats();
    const { engine } = newEngine({ stats });
    await engine.write('Order', order('o1'));
    for (let i = 0; i < 64; i++) await engine.read('Order', { id: 'o1' });
    expect(stats.counts()).toContainEqual({ type: 'Order', operation: 'read', count: 64, errors: 0 });
    const read = stats.latencies().find((l) => l.operation === 'read');
    expect(read?.histogram.count).toBe(4);
    // A read that waits is timed every time.
    await engine.read('Order', { id: 'o1' }, { timeout: 10 });
    expect(stats.latencies().find((l) => l.operation === 'read')?.histogram.count).toBe(5);
  });
});

function gridSnapshot(stats: SpaceStats): MetricsSnapshot {
  return spaceMetrics({
    space: 'orders',
    unit: 'u1',
    stats,
    eventLoopLag: NO_LAG,
    connections: 3,
    replicas: [
      { partition: 0, kind: 'primary', ready: true, warmup: 1, entries: new Map([['Order', 5]]) },
      { partition: 1, kind: 'backup', ready: false, warmup: 0.4, lag: 12, entries: new Map() },
    ],
  });
}

describe('spaceMetrics', () => {
  it('reports counters, replicas, connections and event-loop lag with space, unit and partition labels', () => {
    const stats = new SpaceStats(2);
    stats.operations.done('write', 'Order', performance.now(), false);
    const p0 = stats.partition(0);
    p0.append.transactions = 4;
    p0.append.records = 9;
    p0.append.fencings = 1;
    p0.append.addBytes('Order', 300);
    p0.roleChanged('warming');
    p0.roleChanged('primary');
    stats.appendHistograms.batchRecords.observe(9);
    const s = gridSnapshot(stats);
    expect(valueOf(s, 'spacelog_operations_total', { space: 'orders', unit: 'u1', type: 'Order' })).toBe(1);
    expect(valueOf(s, 'spacelog_log_transactions_total', { partition: '0' })).toBe(4);
    expect(valueOf(s, 'spacelog_log_transactions_total', { partition: '1' })).toBeUndefined();
    expect(valueOf(s, 'spacelog_log_bytes_total', { partition: '0', type: 'Order' })).toBe(300);
    expect(valueOf(s, 'spacelog_fencings_total', { partition: '0' })).toBe(1);
    expect(valueOf(s, 'spacelog_role_changes_total', { role: 'primary' })).toBe(1);
    expect(valueOf(s, 'spacelog_partition_serving', { partition: '1', kind: 'backup' })).toBe(0);
    expect(valueOf(s, 'spacelog_warmup_progress_ratio', { partition: '1' })).toBe(0.4);
    expect(valueOf(s, 'spacelog_entries', { partition: '0', type: 'Order' })).toBe(5);
    expect(valueOf(s, 'spacelog_backup_lag_records', { partition: '1' })).toBe(12);
    expect(valueOf(s, 'spacelog_connections')).toBe(3);
    expect(valueOf(s, 'spacelog_event_loop_lag_seconds', { quantile: '1' })).toBe(0.007);
  });
});

describe('createMetricsRegistry', () => {
  it('serves the text exposition of every source, one snapshot per scrape', async () => {
    const stats = new SpaceStats(2);
    stats.operations.done('write', 'Order', performance.now() - 3, false);
    stats.appendHistograms.commitSeconds.observe(0.004);
    let reads = 0;
    const registry = createMetricsRegistry(
      [
        {
          metrics: () => {
            reads++;
            return gridSnapshot(stats);
          },
        },
        {
          metrics: async () =>
            mirrorMetrics(
              'orders',
              [
                {
                  partition: 0,
                  appliedOffset: 10,
                  endOffset: 15,
                  records: 5,
                  seconds: 1.5,
                  deadLetters: 2,
                  reconciles: 0,
                },
              ],
              true,
            ),
        },
      ],
      { defaultMetrics: false },
    );
    const text = await registry.text();
    expect(reads).toBe(1);
    expect(registry.contentType).toContain('text/plain');
    expect(text).toContain('# TYPE spacelog_operations_total counter');
    expect(text).toContain(
      'spacelog_operations_total{space="orders",unit="u1",type="Order",operation="write"} 1',
    );
    expect(text).toContain('# TYPE spacelog_commit_duration_seconds histogram');
    expect(text).toContain('spacelog_commit_duration_seconds_bucket{space="orders",unit="u1",le="0.005"} 1');
    expect(text).toContain('spacelog_commit_duration_seconds_bucket{space="orders",unit="u1",le="0.0025"} 0');
    expect(text).toContain('spacelog_commit_duration_seconds_count{space="orders",unit="u1"} 1');
    expect(text).toContain('spacelog_mirror_lag_records{space="orders",partition="0"} 5');
    expect(text).toContain('spacelog_mirror_dead_letters{space="orders",partition="0"} 2');
    // Every operation's latency was recorded in seconds: 3 ms lands in the 5 ms bucket.
    expect(text).toMatch(
      /spacelog_operation_duration_seconds_bucket\{[^}]*operation="write",le="0.005"\} 1/u,
    );

    stats.operations.done('write', 'Order', performance.now(), false);
    await new Promise((r) => setTimeout(r, 300));
    expect(await registry.text()).toContain(
      'spacelog_operations_total{space="orders",unit="u1",type="Order",operation="write"} 2',
    );
    expect(reads).toBe(2);
  });

  it('includes the default Node.js metrics unless asked not to', async () => {
    const text = await createMetricsRegistry([]).text();
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).toContain('nodejs_heap_size_used_bytes');
  });
});
