import { LocalGrid } from '../../../src/cluster/LocalGrid';
import { RemoteSpace } from '../../../src/client/RemoteSpace';
import { SpaceServer } from '../../../src/net/SpaceServer';
import type { Entry } from '../../../src/schema/Entry';
import { EXAMPLE_SCHEMAS, exampleOrder, gridTestKit } from '../../support';
import { seededRandom } from '../../support/seededRandom';

const SPACE = 'orders';
const ROUNDS = 200;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Issue 16, item 2, through the network: a remote take aborted, or past its client-side deadline,
 * while the server commits it (a write handed its entry over and the TAKE is being appended, or a
 * takeMultiple's TAKE is being appended) used to reject on the client and drop the server's answer:
 * the write was acknowledged, the log removed the entry, nobody got it.
 */
describe('remote takes given up on while the server takes (issue 16, item 2)', () => {
  const kit = gridTestKit();
  let grid: LocalGrid;
  let server: SpaceServer;
  let writer: RemoteSpace;
  let taker: RemoteSpace;

  beforeAll(async () => {
    grid = await LocalGrid.start({
      space: SPACE,
      partitions: 2,
      schemas: EXAMPLE_SCHEMAS,
      prefix: kit.prefix,
      kafka: { brokers: kit.brokers },
      lingerMs: 1,
    });
    server = await SpaceServer.listen(grid, { port: 0 });
    writer = await RemoteSpace.connect({ bootstrap: [server.endpoint], space: SPACE });
    taker = await RemoteSpace.connect({ bootstrap: [server.endpoint], space: SPACE });
  });

  afterAll(async () => {
    await writer?.close();
    await taker?.close();
    await server?.close();
    await grid?.close();
    await kit.cleanup();
  });

  it('every acknowledged write is readable or was returned to exactly one take', async () => {
    const random = seededRandom('remoteTakeCancel');
    const acked = new Map<string, string>(); // id -> routing value
    const returned = new Map<string, number>();
    const note = (entries: readonly (Entry | null)[]): void => {
      for (const entry of entries) {
        if (entry === null) continue;
        const id = entry.id as string;
        returned.set(id, (returned.get(id) ?? 0) + 1);
      }
    };
    const figures = { rounds: 0, givenUpButReturned: 0, takeErrors: 0, writeErrors: 0 };

    for (let i = 0; i < ROUNDS; i++) {
      const order = exampleOrder(i, i);
      const id = order.id as string;
      const routing = order.customerId as string;
      const kind = i % 3;
      figures.rounds++;
      if (kind === 2) {
        // A takeMultiple whose client-side deadline (1-4 ms) passes while its TAKE is being appended.
        await writer.write('Order', order);
        acked.set(id, routing);
        const requestTimeout = random.between(1, 5);
        const started = Date.now();
        await taker.takeMultiple('Order', { id }, { routing, requestTimeout }).then(
          (entries) => {
            if (entries.length > 0 && Date.now() - started > requestTimeout) figures.givenUpButReturned++;
            note(entries);
          },
          () => figures.takeErrors++,
        );
        continue;
      }
      // A blocking take (1-5 ms timeout on the server; every other round also aborted after 0-5 ms)
      // racing the write that hands it the entry.
      const controller = new AbortController();
      const taking = taker.take(
        'Order',
        { id },
        { routing, timeout: random.between(1, 6), signal: controller.signal },
      );
      await sleep(random.between(0, 3));
      const writing = writer.write('Order', order);
      if (kind === 1) setTimeout(() => controller.abort(), random.between(0, 6));
      const [wrote, took] = await Promise.allSettled([writing, taking]);
      if (wrote.status === 'fulfilled') acked.set(id, routing);
      else figures.writeErrors++;
      if (took.status === 'fulfilled') {
        if (took.value !== null && controller.signal.aborted) figures.givenUpButReturned++;
        note([took.value]);
      } else figures.takeErrors++;
    }

    const lost: string[] = [];
    const twice: string[] = [];
    for (const [id, routing] of acked) {
      const live = (await grid.space.read('Order', { id }, { routing })) !== null;
      const takes = returned.get(id) ?? 0;
      if (!live && takes === 0) lost.push(id);
      if (takes > 1 || (live && takes > 0)) twice.push(id);
    }
    for (const [id, takes] of returned) if (takes !== 1 || !acked.has(id)) twice.push(id);
    process.stdout.write(
      `[remoteTakeCancel] ${JSON.stringify({ ...figures, acked: acked.size, returned: returned.size, lost: lost.length })}\n`,
    );
    expect({ lost, twice }).toEqual({ lost: [], twice: [] });
    expect(figures.writeErrors).toBe(0);
  }, 120_000);
});
