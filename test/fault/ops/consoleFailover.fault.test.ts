import type { Page } from 'playwright-core';
import { createConsoleHandler } from '../../../src/console/ConsoleHandler';
import { startConsoleServer, type ConsoleServer } from '../../../src/console/ConsoleServer';
import { SpaceConsoleSource } from '../../../src/cluster/SpaceConsoleSource';
import { launchTestBrowser, type TestBrowser } from '../../integration/ops/consoleBrowser';
import { clusterForSuite } from '../../support/clusterTestKit';

const SESSION_MS = 6000;
/**
 * The group notices the dead unit after the session timeout; the backups then catch up, fence and
 * serve, and the page refreshes every 2 s. "Within seconds": the session timeout plus 10 s.
 */
const SHOWN_WITHIN_MS = SESSION_MS + 10_000;

/** Each partition row of the page's grid: its primary and whether that primary serves. */
function gridOf(page: Page): Promise<{ partition: number; primary: string; serving: boolean }[]> {
  return page.$$eval('#partitions tbody tr', (trs) =>
    trs.map((tr) => ({
      partition: Number(tr.getAttribute('data-partition')),
      primary: tr.getAttribute('data-primary') ?? '',
      serving: tr.getAttribute('data-serving') === 'true',
    })),
  );
}

/** Reads the page's grid every 250 ms until `done` holds (the page refreshes itself; no reload). */
async function untilGrid(
  page: Page,
  done: (grid: Awaited<ReturnType<typeof gridOf>>) => boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const grid = await gridOf(page);
    if (done(grid)) return;
    if (Date.now() > deadline) throw new Error(`the page's grid never got there: ${JSON.stringify(grid)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('web console: the partition grid shows a failover after a SIGKILL', () => {
  const cluster = clusterForSuite(['u1', 'u2', 'u3'], {
    partitions: 6,
    backups: 1,
    sessionTimeoutMs: SESSION_MS,
  });
  let browser: TestBrowser;
  let source: SpaceConsoleSource;
  let server: ConsoleServer;

  beforeAll(async () => {
    browser = await launchTestBrowser();
    source = new SpaceConsoleSource({
      space: cluster.space,
      prefix: cluster.kit.prefix,
      kafka: { brokers: cluster.kit.brokers },
    });
    server = await startConsoleServer({ handler: createConsoleHandler({ source }), port: 0 });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await source?.close();
  });

  it('moves the dead unit’s primaries to the survivors on the page within seconds', async () => {
    await cluster.waitUntilSettled(['u1', 'u2', 'u3']);
    const page = await browser.newPage();
    await page.goto(server.url);
    // Every partition served by one of the three units, as the page shows it.
    await untilGrid(page, (grid) => grid.length === 6 && grid.every((p) => p.serving), 60_000);
    const before = await gridOf(page);
    const primaries = new Set(before.map((p) => p.primary));
    expect(primaries.size).toBeGreaterThan(1);
    // The victim: the unit leading partition 0 (it leads something, so the grid must change).
    const victim = before.find((p) => p.partition === 0)!.primary;
    const led = before.filter((p) => p.primary === victim).map((p) => p.partition);
    await browser.screenshot(page, 'failover-before');

    const killedAt = Date.now();
    await cluster.units.get(victim)!.kill();
    cluster.units.delete(victim);
    // No reload: the page's own refresh must bring the new primaries in.
    await untilGrid(
      page,
      (grid) => grid.length === 6 && grid.every((p) => p.serving && p.primary !== victim),
      SHOWN_WITHIN_MS + 20_000,
    );
    const shownAfter = Date.now() - killedAt;
    await browser.screenshot(page, 'failover-after');
    const after = await gridOf(page);
    for (const p of led) expect(after[p]!.primary).not.toBe(victim);
    expect(after.every((p) => p.serving && p.primary !== victim)).toBe(true);
    // The units panel no longer lists the dead unit once the group moved on.
    expect(await page.$(`#units tr[data-unit="${victim}"]`)).toBeNull();
    process.stdout.write(
      `console showed the failover of ${victim} (${led.length} primaries) ${shownAfter} ms after the SIGKILL\n`,
    );
    expect(shownAfter).toBeLessThanOrEqual(SHOWN_WITHIN_MS);
    await page.close();
  });
});
