import { execFile } from 'node:child_process';
import path from 'node:path';
import { RemoteSpace } from '../../../src/client/RemoteSpace';
import type { LocalGrid } from '../../../src/cluster/LocalGrid';
import { mapEntryType } from '../../../src/mirror/TableMapping';
import { SpaceServer } from '../../../src/net/SpaceServer';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import { verifySpace, type VerifyOptions } from '../../../src/verify/verifySpace';
import { EXAMPLE_SCHEMAS, mirrorTestBedForSuite, runWorkload } from '../mirror/mirrorTestKit';
import { expectVerified } from '../../support/expectVerified';

jest.setTimeout(240_000);

const types = SchemaLoader.loadFolder(EXAMPLE_SCHEMAS);
const partitions = 3;
const BIN = path.resolve(__dirname, '../../../bin/spacelog.js');

/** Runs the built CLI (dist/) without blocking this process, whose grid it reads. */
function cli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('spacelog verify: the grid and the mirror against the fold of the log (issue 19 item 5)', () => {
  const bed = mirrorTestBedForSuite('verify');
  const open: { close(): Promise<unknown> }[] = [];

  afterAll(async () => {
    for (const o of open.reverse()) await o.close().catch(() => undefined);
  });

  /** A grid with its embedded mirror, served over the wire, and a remote client of it. */
  async function servedGrid(
    space: string,
  ): Promise<{ grid: LocalGrid; remote: RemoteSpace; endpoint: string }> {
    const grid = await bed.startGrid({
      space,
      partitions,
      schemas: types,
      leaseSweepMs: 50,
      mirror: bed.gridMirror({ createTables: true }),
    });
    const server = await SpaceServer.listen(grid, { port: 0 });
    open.push(server);
    const endpoint = `127.0.0.1:${server.port}`;
    const remote = await RemoteSpace.connect({ bootstrap: [endpoint], space });
    open.push(remote);
    await grid.mirrorStarted();
    return { grid, remote, endpoint };
  }

  function options(space: string, remote: RemoteSpace): VerifyOptions {
    return {
      space,
      prefix: bed.prefix,
      kafka: { brokers: bed.brokers },
      grid: remote,
      mirror: { knex: bed.db.knex, schema: bed.db.schema },
    };
  }

  it('passes on a grid after writes, changes and takes, then names exactly the mirror rows corrupted or deleted', async () => {
    const space = 'orders';
    const { grid, remote, endpoint } = await servedGrid(space);
    const counts = await runWorkload(grid, { operations: 300, seed: 3, tag: 'v' });
    expect(counts.takes).toBeGreaterThan(0);
    expect(counts.changes).toBeGreaterThan(0);
    // Let the short leases run out and their EXPIREs reach the log, so the counts below stay put.
    await new Promise((resolve) => setTimeout(resolve, 800));
    await grid.mirror!.waitForCatchUp(60_000);

    const clean = await verifySpace(options(space, remote));
    expect(clean.partitions.flatMap((p) => p.differences)).toEqual([]);
    expect(clean.ok).toBe(true);
    const compared = clean.partitions.reduce((n, p) => n + (p.counts.grid?.compared ?? 0), 0);
    expect(compared).toBe(grid.status().reduce((n, s) => n + s.entries, 0));
    expect(clean.partitions.every((p) => p.counts.mirror !== undefined && p.counts.grid !== undefined)).toBe(
      true,
    );
    expect(compared).toBeGreaterThan(50);

    const cliArgs = [
      'verify',
      '--space',
      space,
      '--prefix',
      bed.prefix,
      '--brokers',
      bed.brokers.join(','),
      '--grid',
      endpoint,
      '--mirror',
      bed.db.url,
      '--pg-schema',
      bed.db.schema,
    ];
    const passed = await cli(cliArgs);
    expect(passed.stdout).toMatch(/OK, the log with the grid and the mirror agree over 3 partitions/);
    expect(passed.stderr).toMatch(
      /partition 2: \d+ records folded, grid at offsets \d+\.\.\d+, mirror at offset \d+/,
    );
    expect(passed.code).toBe(0);

    // Corrupt one mirror row: the total of one Order.
    const orders = mapEntryType(space, types.require('Order'), bed.db.schema);
    const [victim, deleted] = (await bed.db.knex
      .withSchema(bed.db.schema)
      .table(orders.table)
      .select('id', 'total')
      .orderBy('id')
      .limit(2)) as { id: string; total: number }[];
    await bed.db.knex
      .withSchema(bed.db.schema)
      .table(orders.table)
      .where({ id: victim!.id })
      .update({ total: Number(victim!.total) + 1 });
    const corrupted = await verifySpace(options(space, remote));
    expect(corrupted.ok).toBe(false);
    expect(corrupted.differenceCount).toBe(1);
    expect(corrupted.partitions.flatMap((p) => p.differences)).toEqual([
      expect.objectContaining({
        source: 'mirror',
        kind: 'content',
        type: 'Order',
        id: victim!.id,
        field: 'total',
      }),
    ]);
    const failed = await cli(cliArgs);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain(`mirror: content Order/${victim!.id}`);
    expect(failed.stdout).toMatch(/1 difference\(s\)/);
    // The fault suites' check (expectVerified) fails on it too, naming the row.
    await expect(expectVerified(options(space, remote))).rejects.toThrow(
      `mirror: content Order/${victim!.id} in partition`,
    );

    // Delete another row (and put the first one back): reported as missing from the mirror.
    await bed.db.knex
      .withSchema(bed.db.schema)
      .table(orders.table)
      .where({ id: victim!.id })
      .update({ total: victim!.total });
    await bed.db.knex.withSchema(bed.db.schema).table(orders.table).where({ id: deleted!.id }).delete();
    const missing = await verifySpace(options(space, remote));
    expect(missing.partitions.flatMap((p) => p.differences)).toEqual([
      expect.objectContaining({ source: 'mirror', kind: 'missing', type: 'Order', id: deleted!.id }),
    ]);
    expect(missing.differenceCount).toBe(1);
    const gone = await cli(cliArgs);
    expect(gone.code).toBe(1);
    expect(gone.stdout).toContain(`mirror: missing Order/${deleted!.id}`);
  });

  it('passes while a writer keeps writing, changing and taking (compared at log positions)', async () => {
    const space = 'loaded';
    const { grid, remote } = await servedGrid(space);
    await runWorkload(grid, { operations: 200, seed: 5, tag: 'a' });
    let stop = false;
    let operations = 0;
    const writer = (async () => {
      for (let round = 0; !stop; round++) {
        const done = await runWorkload(grid, { operations: 40, seed: 100 + round, tag: `l${round}` });
        operations += done.writes + done.changes + done.takes + done.leased;
      }
    })();
    try {
      const reports = [];
      for (let i = 0; i < 3; i++) reports.push(await verifySpace(options(space, remote)));
      for (const report of reports) {
        expect(report.partitions.flatMap((p) => p.differences)).toEqual([]);
        expect(report.ok).toBe(true);
      }
      // The log did move under the reads, and the sources were compared at different positions.
      const windows = reports.flatMap((r) => r.partitions.map((p) => p.positions));
      expect(windows.some((w) => w.grid !== undefined && w.grid.to > w.grid.from)).toBe(true);
      expect(reports.flatMap((r) => r.partitions).some((p) => (p.counts.grid?.moving ?? 0) > 0)).toBe(true);
    } finally {
      stop = true;
      await writer;
    }
    expect(operations).toBeGreaterThan(0);
  });
});
