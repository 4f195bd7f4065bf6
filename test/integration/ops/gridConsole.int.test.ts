import { request } from 'node:http';
import { LocalGrid } from '../../../src/cluster/LocalGrid';
import {
  EXAMPLE_SCHEMAS,
  exampleOrder,
  gridTestKit,
  openTestDatabase,
  type TestDatabase,
} from '../../support';
import {
  launchTestBrowser,
  openOverview,
  queryResultIds,
  runQueryBox,
  tailRowOf,
  untilCountShown,
  untilMirrorCaughtUp,
  type TestBrowser,
} from './consoleBrowser';

jest.setTimeout(180_000);

const SPACE = 'orders';

/** A GET naming another host than the one connected to (a DNS-rebinding page would). */
function getWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

interface StatusJson {
  cluster?: {
    placement: { epoch: number; partitions: { primary: string; backups: string[] }[] };
    units: Record<string, { endpoint: string }>;
  };
  mirror?: unknown;
  counts: { type: string; count?: number }[];
}

describe("a one-process grid's web console at /console (LocalGrid with http)", () => {
  const kit = gridTestKit();
  let db: TestDatabase;
  let grid: LocalGrid;
  let browser: TestBrowser;
  let base: string;

  beforeAll(async () => {
    // The browser first: without it nothing here can run, and the error says how to install it.
    browser = await launchTestBrowser();
    db = await openTestDatabase('gridconsole');
    grid = await LocalGrid.start({
      space: SPACE,
      partitions: 2,
      schemas: EXAMPLE_SCHEMAS,
      prefix: kit.prefix,
      kafka: { brokers: kit.brokers },
      http: { port: 0 },
      mirror: { database: db.knex, schema: db.schema, createTables: true },
    });
    base = `${grid.http!.url}/console/`;
    for (let i = 1; i <= 3; i++) await grid.space.write('Order', exampleOrder(i, i));
  });

  afterAll(async () => {
    await browser?.close();
    await grid?.close();
    await db?.close();
    await kit.cleanup();
  });

  it('shows the grid as unit local serving every partition, its entries, log ends, counts and mirror', async () => {
    const page = await openOverview(browser, base);
    expect(await page.title()).toBe(`Spacelog console: ${SPACE}`);
    const unit = await page.waitForSelector('#units tr[data-unit="local"]');
    expect(await unit.evaluate((tr) => tr.textContent)).toContain('in process');
    expect(await page.$$('#units tbody tr')).toHaveLength(1);
    const rows = await page.$$eval('#partitions tbody tr', (trs) =>
      trs.map((tr) => ({
        primary: tr.getAttribute('data-primary'),
        serving: tr.getAttribute('data-serving'),
        state: tr.children[2]?.textContent?.trim(),
        backups: tr.children[3]?.textContent?.trim(),
        logEnd: Number(tr.children[4]?.textContent),
        entries: Number(tr.children[6]?.textContent),
      })),
    );
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row).toMatchObject({
        primary: 'local',
        serving: 'true',
        state: '(primary, ready)',
        backups: '-',
      });
    }
    // Three writes: three entries across the partitions, and Kafka's log ends moved by them (and markers).
    expect(rows.reduce((sum, r) => sum + r.entries, 0)).toBe(3);
    expect(rows.reduce((sum, r) => sum + r.logEnd, 0)).toBeGreaterThanOrEqual(3);
    await untilCountShown(page, 'Order', 3);
    // The grid's own mirror catches up: lag 0 on every partition, no dead letters.
    await untilMirrorCaughtUp(page, 2);
    await page.waitForSelector('#no-dead-letters');
    await browser.screenshot(page, 'grid-overview');
    await page.close();
  });

  it('shows a write in the live tail', async () => {
    const page = await openOverview(browser, base);
    await page.waitForSelector('#tail-state.ok');
    await grid.space.write('Order', exampleOrder(100, 7, { status: 'PAID' }));
    expect(await tailRowOf(page, 'o-100')).toEqual({ type: 'Order', text: expect.stringContaining('PAID') });
    await browser.screenshot(page, 'grid-tail');
    await page.close();
  });

  it('answers the query box from the grid, and a malformed query with its typed error', async () => {
    const page = await openOverview(browser, base);
    await runQueryBox(page, {
      type: 'Order',
      op: 'readMultiple',
      mode: 'where',
      q: 'customerId = ?',
      params: '["c-2"]',
    });
    expect(await queryResultIds(page)).toEqual(['o-2']);
    await browser.screenshot(page, 'grid-query');
    await runQueryBox(page, { q: 'status = = ?' });
    const error = await page.textContent('#query-error');
    expect(error).toMatch(/^QuerySyntaxError \(QUERY_SYNTAX\): /);
    expect(error).not.toMatch(/\n\s+at /);
    await page.goto(
      `${base}query?type=Order&op=count&mode=template&q=${encodeURIComponent('{"status":"PAID"}')}`,
    );
    expect(await page.textContent('#query-count')).toContain('count: 1');
    await page.close();
  });

  it('is read-only, answers loopback names only, and gives its status as JSON', async () => {
    expect((await fetch(`${base}query?type=Order`, { method: 'POST' })).status).toBe(405);
    expect(await getWithHost(base, 'console.example.com')).toBe(421);
    expect(await getWithHost(base, `localhost:${new URL(base).port}`)).toBe(200);
    const status = (await (await fetch(`${base}api/status`)).json()) as StatusJson;
    expect(status.cluster?.placement.partitions).toEqual([
      { primary: 'local', backups: [] },
      { primary: 'local', backups: [] },
    ]);
    expect(Object.keys(status.cluster?.units ?? {})).toEqual(['local']);
    expect(status.mirror).toBeDefined();
    expect((await fetch(`${grid.http!.url}/metrics`)).status).toBe(200);
  });

  it("shows the console's no-mirror view on a grid without a mirror, and unmounts on close", async () => {
    const plain = await LocalGrid.start({
      space: 'carts',
      partitions: 1,
      schemas: EXAMPLE_SCHEMAS,
      prefix: kit.prefix,
      kafka: { brokers: kit.brokers },
      http: { port: 0 },
    });
    const url = `${plain.http!.url}/console/`;
    try {
      await plain.space.write('Order', exampleOrder(1, 1));
      const status = (await (await fetch(`${url}api/status`)).json()) as StatusJson;
      expect(status.mirror).toBeUndefined();
      expect(status.cluster?.units.local?.endpoint).toBe('in process');
      expect(status.counts).toContainEqual({ type: 'Order', count: 1 });
      expect(await (await fetch(url)).text()).toContain('no mirror');
    } finally {
      await plain.close();
    }
    await expect(fetch(url)).rejects.toThrow();
  });

  it('is not served with http.console false (the endpoint keeps /metrics and the probes)', async () => {
    const bare = await LocalGrid.start({
      space: 'carts',
      partitions: 1,
      schemas: EXAMPLE_SCHEMAS,
      prefix: kit.prefix,
      kafka: { brokers: kit.brokers },
      http: { port: 0, console: false },
    });
    try {
      expect((await fetch(`${bare.http!.url}/console/`)).status).toBe(404);
      expect((await fetch(`${bare.http!.url}/metrics`)).status).toBe(200);
    } finally {
      await bare.close();
    }
  });
});
