import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { LocalGrid } from '../../../src/cluster/LocalGrid';
import type { TailLine } from '../../../src/console/tailFormat';
import { deleteTopicsByPrefix, testKafkaBrokers, uniqueName } from '../../support';
import { CliProcess, runCli } from './cliProcess';

const SCHEMAS = path.resolve(__dirname, '../../../schemas/examples');
const SPACE = 'orders';

function customer(id: string, name: string): Record<string, unknown> {
  return { id, name, email: `${id}@example.com`, city: 'Oslo', tier: 'GOLD', createdAt: 1_700_000_000_000 };
}

function order(id: string, customerId: string): Record<string, unknown> {
  return {
    id,
    customerId,
    status: 'NEW',
    total: 12.5,
    createdAt: 1_700_000_000_000,
    shipping: { city: 'Lyon', zip: '69001' },
    lines: [{ sku: 'sku-1', quantity: 1, price: 12.5 }],
    note: null,
  };
}

function parseLines(stdout: string): TailLine[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as TailLine);
}

describe('spacelog tail', () => {
  const brokers = testKafkaBrokers();
  const prefix = uniqueName('tcli');
  const base = ['tail', SPACE, '--prefix', prefix, '--brokers', brokers.join(',')];
  let grid: LocalGrid;
  const running: CliProcess[] = [];

  beforeAll(async () => {
    grid = await LocalGrid.start({
      space: SPACE,
      partitions: 2,
      schemas: SCHEMAS,
      prefix,
      kafka: { brokers },
    });
    await grid.space.write('Customer', customer('alice', 'Alice'));
    await grid.space.write('Customer', customer('alice', 'Alice B.'));
    await grid.space.write('Order', order('o-1', 'alice'));
    await grid.space.write('Customer', customer('bob', 'Bob'), { lease: 3_600_000 });
    await grid.space.take('Customer', { id: 'alice' });
  }, 60_000);

  afterAll(async () => {
    for (const cli of running) await cli.kill();
    await grid?.close();
    const admin = new Kafka({ clientId: 'cleanup', brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await deleteTopicsByPrefix(admin, `${prefix}.`);
    await admin.disconnect();
  });

  it('prints every committed mutation of every partition from the beginning as JSON lines, then exits at --max', async () => {
    const result = await runCli([...base, '--from-beginning', '--max', '5']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = parseLines(result.stdout);
    expect(lines).toHaveLength(5);
    const summary = lines.map((l) => `${l.op} ${l.type}/${l.id} v${l.version}`).sort();
    expect(summary).toEqual(
      [
        'WRITE Customer/alice v1',
        'UPDATE Customer/alice v2',
        'WRITE Order/o-1 v1',
        'WRITE Customer/bob v1',
        'TAKE Customer/alice v2',
      ].sort(),
    );
    const update = lines.find((l) => l.op === 'UPDATE')!;
    expect(update.state).toMatchObject({ id: 'alice', name: 'Alice B.', tier: 'GOLD' });
    expect(lines.find((l) => l.op === 'TAKE')!.state).toBeNull();
    const bob = lines.find((l) => l.id === 'bob')!;
    expect(bob.leaseExpiresAt).toBeGreaterThan(bob.timestamp);
    expect(lines.find((l) => l.id === 'o-1')!.leaseExpiresAt).toBeNull();
    for (const line of lines) {
      expect([0, 1]).toContain(line.partition);
      expect(typeof line.origin).toBe('string');
      expect(Object.keys(line)).toEqual([
        'partition',
        'offset',
        'op',
        'type',
        'id',
        'version',
        'leaseExpiresAt',
        'timestamp',
        'origin',
        'state',
      ]);
    }
    // Within a partition the lines come in log order, and alice's life is in one partition.
    const alice = lines.filter((l) => l.id === 'alice');
    expect(alice.map((l) => l.op)).toEqual(['WRITE', 'UPDATE', 'TAKE']);
    expect(new Set(alice.map((l) => l.partition)).size).toBe(1);
    expect(alice.map((l) => l.offset)).toEqual([...alice.map((l) => l.offset)].sort((a, b) => a - b));
  }, 60_000);

  it('--type keeps only mutations of that entry type', async () => {
    const result = await runCli([...base, '--from-beginning', '--type', 'Order', '--max', '1']);
    expect(result.code).toBe(0);
    const lines = parseLines(result.stdout);
    expect(lines.map((l) => [l.op, l.type, l.id, l.version])).toEqual([['WRITE', 'Order', 'o-1', 1]]);
    expect(lines[0]!.state).toMatchObject({ customerId: 'alice', shipping: { city: 'Lyon' } });
  }, 60_000);

  it('without --from-beginning starts at the end of the logs: only later mutations show', async () => {
    const cli = new CliProcess([...base, '--max', '1']);
    running.push(cli);
    // The tail announces nothing when it is ready, so keep writing until it prints and exits.
    let n = 0;
    for (let i = 0; !cli.done && i < 300; i++) {
      await grid.space.write('Customer', customer(`later-${n++}`, 'Later'));
      await sleep(100);
    }
    const result = await cli.exited;
    expect(result.code).toBe(0);
    const lines = parseLines(result.stdout);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.id).toMatch(/^later-\d+$/);
    expect(lines[0]).toMatchObject({ op: 'WRITE', type: 'Customer', version: 1 });
  }, 60_000);

  it('stops cleanly with exit code 0 on SIGTERM', async () => {
    const cli = new CliProcess([...base, '--type', 'Product']);
    running.push(cli);
    for (let i = 0; cli.lines().length === 0 && !cli.done && i < 300; i++) {
      await grid.space.write('Product', { sku: `p-${i}`, name: 'Pen', price: 2, stock: 10, tags: [] });
      await sleep(100);
    }
    expect(parseLines(cli.lines().join('\n'))[0]).toMatchObject({ type: 'Product', op: 'WRITE' });
    cli.signal('SIGTERM');
    const result = await cli.exited;
    expect(result).toMatchObject({ code: 0, signal: null });
  }, 60_000);

  it('refuses a space without partition topics, with exit code 1 and a clear message', async () => {
    const result = await runCli(['tail', 'nosuchspace', '--prefix', prefix, '--brokers', brokers.join(',')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      `space 'nosuchspace' has no partition topics '${prefix}.nosuchspace.<k>'`,
    );
  }, 60_000);

  it('refuses a bad --max before connecting, as a usage error (exit code 2)', async () => {
    const result = await runCli([...base, '--max', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("option '--max <n>' argument '0' is invalid");
  }, 60_000);
});
