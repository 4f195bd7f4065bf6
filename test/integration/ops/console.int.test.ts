import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RemoteSpace } from '../../../src/client/RemoteSpace';
import { ProcessingUnit } from '../../../src/cluster/ProcessingUnit';
import { MirrorProjector } from '../../../src/mirror/MirrorProjector';
import { createConsoleHandler } from '../../../src/console/ConsoleHandler';
import { startConsoleServer, type ConsoleServer } from '../../../src/console/ConsoleServer';
import { SpaceConsoleSource } from '../../../src/cluster/SpaceConsoleSource';
import {
  EXAMPLE_SCHEMAS,
  exampleOrder,
  gridTestKit,
  openTestDatabase,
  type TestDatabase,
} from '../../support';
import { CliProcess } from '../cli/cliProcess';
import {
  launchTestBrowser,
  openOverview,
  queryResultIds,
  runQueryBox,
  tailRowOf,
  until,
  untilCountShown,
  untilMirrorCaughtUp,
  type TestBrowser,
} from './consoleBrowser';

jest.setTimeout(180_000);

const SPACE = 'orders';

describe('web console in a real headless Chromium', () => {
  const kit = gridTestKit();
  const units: ProcessingUnit[] = [];
  let db: TestDatabase;
  let mirror: MirrorProjector;
  let client: RemoteSpace;
  let source: SpaceConsoleSource;
  let server: ConsoleServer;
  let browser: TestBrowser;

  beforeAll(async () => {
    // The browser first: without it nothing here can run, and the error says how to install it.
    browser = await launchTestBrowser();
    db = await openTestDatabase('console');
    const options = (unit: string) => ({
      space: SPACE,
      partitions: 2,
      backups: 1,
      schemas: EXAMPLE_SCHEMAS,
      prefix: kit.prefix,
      kafka: { brokers: kit.brokers },
      port: 0,
      unit,
      readyWaitMs: 2000,
      membership: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 10_000 },
    });
    units.push(
      await ProcessingUnit.start({ ...options('a'), http: { port: 0 } }),
      await ProcessingUnit.start(options('b')),
    );
    client = await RemoteSpace.connect({ bootstrap: units.map((u) => u.endpoint), space: SPACE });
    await until('both partitions served', async () =>
      (await client.count('Order').catch(() => undefined)) === undefined ? undefined : true,
    );
    for (let i = 1; i <= 3; i++) await client.write('Order', exampleOrder(i, i));
    mirror = new MirrorProjector({
      space: SPACE,
      schemas: EXAMPLE_SCHEMAS,
      database: db.knex,
      schema: db.schema,
      prefix: kit.prefix,
      kafka: { brokers: kit.brokers },
      createTables: true,
    });
    await mirror.start();
    source = new SpaceConsoleSource({
      space: SPACE,
      prefix: kit.prefix,
      kafka: { brokers: kit.brokers },
      mirror: { knex: db.knex, schema: db.schema },
    });
    server = await startConsoleServer({ handler: createConsoleHandler({ source }), port: 0 });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await source?.close();
    await mirror?.stop();
    await client?.close();
    await Promise.all(units.map((u) => u.close()));
    await db?.close();
    await kit.cleanup();
  });

  it('loads the overview: units, partition grid, entries per type, mirror lag', async () => {
    const page = await openOverview(browser, server.url);
    expect(await page.title()).toBe(`Spacelog console: ${SPACE}`);
    await page.waitForSelector('#units tr[data-unit="a"]');
    await page.waitForSelector('#units tr[data-unit="b"]');
    const rows = await page.$$eval('#partitions tbody tr', (trs) =>
      trs.map((tr) => ({ primary: tr.getAttribute('data-primary'), cells: tr.children.length })),
    );
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(['a', 'b']).toContain(row.primary);
    // The grid's log end offsets are Kafka's: three writes (and their commit markers) moved them.
    const ends = await page.$$eval('#partitions tbody tr td:nth-child(5)', (tds) =>
      tds.map((td) => Number(td.textContent)),
    );
    expect(ends.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(3);
    // Entries per type through the grid (the page refreshes until the count shows).
    await untilCountShown(page, 'Order', 3);
    // The mirror catches up: lag 0 on every partition, no dead letters.
    await untilMirrorCaughtUp(page, 2);
    expect(await page.$$('#mirror-lag tbody tr')).toHaveLength(2);
    await page.waitForSelector('#no-dead-letters');
    await browser.screenshot(page, 'overview');
    // The query page loads on its own too, with the space's types to choose from.
    await page.goto(`${server.url}query`);
    const types = await page.$$eval('#q-type option', (os) => os.map((o) => o.getAttribute('value')));
    expect(types).toEqual(expect.arrayContaining(['Order', 'Customer']));
    await page.close();
  });

  it('shows a write in the live tail, and filters the tail by type', async () => {
    const page = await openOverview(browser, server.url);
    await page.waitForSelector('#tail-state.ok');
    await client.write('Order', exampleOrder(100, 7, { status: 'PAID' }));
    const row = await tailRowOf(page, 'o-100');
    expect(row.type).toBe('Order');
    expect(row.text).toContain('PAID');
    await browser.screenshot(page, 'tail');
    // Filtered to Customer: a Customer written after shows, an Order written before it does not.
    await page.selectOption('#tail-type', 'Customer');
    await page.waitForSelector('#tail-state.ok');
    await client.write('Order', exampleOrder(101, 7));
    await client.write('Customer', {
      id: 'c-tail',
      name: 'Tail',
      email: 'tail@example.com',
      city: 'Oslo',
      tier: 'GOLD',
      createdAt: 1_700_000_000_000,
    });
    await page.waitForSelector('#tail-body tr[data-id="c-tail"]');
    expect(
      await page.$$eval('#tail-body tr', (trs) => trs.map((tr) => tr.getAttribute('data-type'))),
    ).toEqual(['Customer']);
    await page.close();
  });

  it('answers the query box with a written entry, and a malformed query with its typed error', async () => {
    const page = await openOverview(browser, server.url);
    await runQueryBox(page, {
      type: 'Order',
      op: 'readMultiple',
      mode: 'where',
      q: 'customerId = ? ORDER BY total',
      params: '["c-2"]',
    });
    const ids = await queryResultIds(page);
    const header = await page.$$eval('#query-results thead th', (ths) => ths.map((th) => th.textContent));
    expect(ids.length).toBe(1);
    expect(await page.textContent('#query-results')).toContain('o-2');
    expect(header).toContain('customerId');
    await browser.screenshot(page, 'query');
    // Malformed: the grid's QuerySyntaxError, as one line, and nothing like a stack.
    await runQueryBox(page, { q: 'status = = ?' });
    const error = await page.textContent('#query-error');
    expect(error).toMatch(/^QuerySyntaxError \(QUERY_SYNTAX\): /);
    expect(error).not.toMatch(/\n\s+at /);
    await browser.screenshot(page, 'query-error');
    // A template that is not JSON: the console's own typed refusal.
    await page.goto(`${server.url}query?type=Order&op=count&mode=template&q=%7Bnope`);
    expect(await page.textContent('#query-error')).toMatch(
      /^InvalidArgumentError \(INVALID_ARGUMENT\): the template is not valid JSON/,
    );
    // count over a template.
    await page.goto(
      `${server.url}query?type=Order&op=count&mode=template&q=${encodeURIComponent('{"status":"PAID"}')}`,
    );
    expect(await page.textContent('#query-count')).toContain('count: 1');
    await page.close();
  });

  it('escapes what entries carry: markup in a field shows as text and never runs', async () => {
    const hostile = '<img src=x id=pwned onerror="document.title=1">';
    await client.write('Order', exampleOrder(200, 9, { note: hostile }));
    const page = await browser.newPage();
    await page.goto(`${server.url}query?type=Order&op=read&mode=id&q=o-200`);
    expect(await page.textContent('#query-results')).toContain(hostile);
    expect(await page.$('#pwned')).toBeNull();
    expect(await page.title()).toBe(`Spacelog console: ${SPACE}`);
    await page.close();
  });

  it('is read-only and can be mounted under a path next to other routes', async () => {
    const handler = createConsoleHandler({ source, basePath: '/console' });
    const host: Server = createServer((req, res) => {
      void handler(req, res).then((handled) => {
        if (!handled) res.writeHead(200, { 'content-type': 'text/plain' }).end('host route\n');
      });
    });
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
    try {
      const page = await fetch(`${base}/console/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await page.text()).toContain('href="/console/assets/console.css"');
      expect(await (await fetch(`${base}/metrics`)).text()).toBe('host route\n');
      const post = await fetch(`${base}/console/query?type=Order`, { method: 'POST' });
      expect(post.status).toBe(405);
      const status = (await (await fetch(`${base}/console/api/status`)).json()) as {
        cluster: { placement: { partitions: unknown[] } };
      };
      expect(status.cluster.placement.partitions).toHaveLength(2);
    } finally {
      await new Promise((resolve) => host.close(resolve));
    }
  });

  it("is served by a unit's HTTP endpoint at /console, next to /metrics", async () => {
    const endpoint = units[0]!.http!;
    const page = await browser.newPage();
    await page.goto(`${endpoint.url}/console/`);
    await page.waitForSelector('#partitions tr[data-partition="1"][data-serving="true"]');
    await page.waitForSelector('#tail-state.ok');
    await client.write('Order', exampleOrder(300, 3));
    await page.waitForSelector('#tail-body tr[data-id="o-300"]');
    await browser.screenshot(page, 'unit-endpoint');
    await page.close();
    expect((await fetch(`${endpoint.url}/metrics`)).status).toBe(200);
  });

  it('spacelog console serves the same pages from the command line and stops on SIGTERM', async () => {
    const cli = new CliProcess([
      'console',
      '--space',
      SPACE,
      '--prefix',
      kit.prefix,
      '--brokers',
      kit.brokers.join(','),
      '--mirror',
      db.url,
      '--pg-schema',
      db.schema,
      '--port',
      '0',
    ]);
    try {
      const line = await until('the console URL', async () =>
        cli.lines().find((l) => l.startsWith(`console of space ${SPACE} at http://127.0.0.1:`)),
      );
      const url = line.split(' at ')[1]!;
      const page = await browser.newPage();
      await page.goto(url);
      await page.waitForSelector('#partitions tr[data-partition="0"][data-serving="true"]');
      await page.waitForSelector('#mirror-lag');
      await browser.screenshot(page, 'cli-overview');
      await page.close();
      cli.signal('SIGTERM');
      const exit = await cli.exited;
      expect(exit.stderr).toBe('');
      expect(exit.code).toBe(0);
    } finally {
      await cli.kill();
    }
  });
});
