import { writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ProcessingUnit } from '../../../src/cluster/ProcessingUnit';
import type { UnitOptions } from '../../../src/cluster/UnitConfig';
import { RemoteSpace } from '../../../src/client/RemoteSpace';
import { addUser, type CredentialsFileContent } from '../../../src/net/security/Credentials';
import { valueOf } from '../../../src/ops/metrics/MetricsSnapshot';
import { EXAMPLE_SCHEMAS, exampleOrder, gridTestKit } from '../../support';
import { makeTestCertificates, type TestCertificates } from '../../support/testCertificates';

jest.setTimeout(120_000);

const PARTITIONS = 2;

interface Answer {
  readonly status: number;
  readonly body: string;
}

function get(url: string, options: { auth?: string; ca?: string } = {}): Promise<Answer> {
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        ...(options.auth !== undefined
          ? { headers: { authorization: `Basic ${Buffer.from(options.auth).toString('base64')}` } }
          : {}),
        ...(options.ca !== undefined ? { ca: options.ca } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** A port free now (the endpoint must be known before the unit's start resolves). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** The value of one exposition line `name{labels} value` (labels given in the order the registry prints them). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('a unit with http on (issue 19 items 2, 3)', () => {
  const kit = gridTestKit();
  let unit: ProcessingUnit | undefined;
  let client: RemoteSpace | undefined;
  let base = '';
  const seen: { status: number; body: string }[] = [];

  const options = (port: number): UnitOptions => ({
    space: 'orders',
    partitions: PARTITIONS,
    backups: 0,
    schemas: EXAMPLE_SCHEMAS,
    prefix: kit.prefix,
    kafka: { brokers: kit.brokers },
    port: 0,
    unit: 'a',
    http: { port },
    membership: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 10_000 },
  });

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // /readyz is asked all along the start: the endpoint is up before the unit has a placement.
    let starting = true;
    const probing = (async () => {
      while (starting || seen.at(-1)?.status !== 200) {
        const answer = await get(`${base}/readyz`).catch(() => undefined);
        if (answer !== undefined) seen.push(answer);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    unit = await ProcessingUnit.start(options(port));
    starting = false;
    await probing;
    client = await RemoteSpace.connect({ bootstrap: [unit.endpoint], space: 'orders' });
  });

  afterAll(async () => {
    await client?.close();
    await unit?.close();
    await kit.cleanup();
  });

  it('answers /readyz 503 naming why until every partition placed here serves, then 200', () => {
    const first = seen[0]!;
    expect(first.status).toBe(503);
    const notReady = seen
      .filter((a) => a.status === 503)
      .map((a) => JSON.parse(a.body) as Record<string, unknown>);
    // Before its placement the unit says so; once placed, it names the partitions still warming.
    expect(notReady.some((b) => b.reason === 'no placement yet' || (b.notReady as number[]).length > 0)).toBe(
      true,
    );
    const ready = JSON.parse(seen.at(-1)!.body) as {
      ready: boolean;
      partitions: unknown[];
      notReady: unknown[];
    };
    expect(ready).toMatchObject({ ready: true, notReady: [] });
    expect(ready.partitions).toHaveLength(PARTITIONS);
  });

  it('answers /healthz 200', async () => {
    const health = await get(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok' });
  });

  it('serves /metrics whose series move with the writes', async () => {
    const writes = 'spacelog_operations_total{space="orders",unit="a",type="Order",operation="write"}';
    const before = await get(`${base}/metrics`);
    expect(before.status).toBe(200);
    expect(before.body).toContain('# TYPE spacelog_operations_total counter');
    const writtenBefore = sample(before.body, writes) ?? 0;
    for (let i = 0; i < 20; i++) await client!.write('Order', exampleOrder(i, i));
    await client!.read('Order', { id: exampleOrder(3, 3).id as string });
    // The registry reads a snapshot at most every 250 ms.
    await new Promise((r) => setTimeout(r, 300));
    const after = (await get(`${base}/metrics`)).body;
    expect(sample(after, writes)).toBe(writtenBefore + 20);
    expect(
      sample(after, 'spacelog_operations_total{space="orders",unit="a",type="Order",operation="read"}'),
    ).toBeGreaterThanOrEqual(1);
    const records = [0, 1].map(
      (k) => sample(after, `spacelog_log_records_total{space="orders",unit="a",partition="${k}"}`) ?? 0,
    );
    expect(records[0]! + records[1]!).toBe(20);
    const entries = [0, 1].map(
      (k) => sample(after, `spacelog_entries{space="orders",unit="a",partition="${k}",type="Order"}`) ?? 0,
    );
    expect(entries[0]! + entries[1]!).toBe(20);
    expect(sample(after, 'spacelog_commit_duration_seconds_count{space="orders",unit="a"}')).toBeGreaterThan(
      0,
    );
    expect(sample(after, 'spacelog_connections{space="orders",unit="a"}')).toBeGreaterThanOrEqual(1);
    expect(after).toContain(
      'spacelog_role_changes_total{space="orders",unit="a",partition="0",role="primary"}',
    );
    expect(after).toContain('process_cpu_seconds_total');
    // The same figures through the snapshot API, and the client's own.
    expect(valueOf(unit!.metrics(), 'spacelog_entries', { type: 'Order' })).toBe(20);
    expect(valueOf(client!.metrics(), 'spacelog_client_operations_total', { operation: 'WRITE' })).toBe(20);
  });

  it('lets other parts mount routes next to its own and the console (mounted by the unit)', async () => {
    expect(() => unit!.http!.route('GET', '/console', (_req, res) => res.end('twice'))).toThrow(
      /mounted already/u,
    );
    const unmount = unit!.http!.route('GET', '/extra', (_req, res) => res.end('extra here'));
    expect((await get(`${base}/extra/x`)).body).toBe('extra here');
    unmount();
    expect((await get(`${base}/extra/x`)).status).toBe(404);
  });
});

describe('a secured unit with http on', () => {
  const kit = gridTestKit();
  let unit: ProcessingUnit | undefined;
  let certs: TestCertificates;

  beforeAll(async () => {
    certs = makeTestCertificates();
    let users: CredentialsFileContent = { version: 1, users: {} };
    users = await addUser(users, 'ops', 'ops-secret');
    users = await addUser(users, 'unit', 'unit-secret');
    users = await addUser(users, 'scraper', 'scraper-secret');
    const usersFile = join(certs.dir, 'users.json');
    writeFileSync(usersFile, JSON.stringify(users));
    const permissionsFile = join(certs.dir, 'permissions.json');
    writeFileSync(
      permissionsFile,
      JSON.stringify({
        principals: { unit: { secured: ['*'] }, ops: { secured: ['read'] }, scraper: { other: ['read'] } },
      }),
    );
    unit = await ProcessingUnit.start({
      space: 'secured',
      partitions: 1,
      backups: 0,
      schemas: EXAMPLE_SCHEMAS,
      prefix: kit.prefix,
      kafka: { brokers: kit.brokers },
      port: 0,
      unit: 's',
      http: { port: 0 },
      membership: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 10_000 },
      security: {
        tls: { key: certs.serverKey, cert: certs.serverCert, ca: certs.caCert },
        credentials: usersFile,
        permissions: permissionsFile,
        client: { credentials: { username: 'unit', password: 'unit-secret' } },
      },
    });
  });

  afterAll(async () => {
    await unit?.close();
    await kit.cleanup();
    certs?.remove();
  });

  it('serves HTTPS with the unit certificate and asks for the same credentials as the wire protocol', async () => {
    const url = unit!.http!.url;
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/u);
    const ca = certs.pem(certs.caCert);
    expect((await get(`${url}/metrics`, { ca })).status).toBe(401);
    expect((await get(`${url}/readyz`, { ca })).status).toBe(401);
    expect((await get(`${url}/metrics`, { ca, auth: 'ops:wrong' })).status).toBe(401);
    const scraped = await get(`${url}/metrics`, { ca, auth: 'ops:ops-secret' });
    expect(scraped.status).toBe(200);
    expect(scraped.body).toContain(
      'spacelog_event_loop_lag_seconds{space="secured",unit="s",quantile="0.99"}',
    );
    // Liveness stays open to this machine.
    expect((await get(`${url}/healthz`, { ca })).status).toBe(200);
  });

  it('serves the web console only to a principal granted read on the space; the console reads as the unit', async () => {
    const url = unit!.http!.url;
    const ca = certs.pem(certs.caCert);
    expect((await get(`${url}/console/`, { ca })).status).toBe(401);
    // Authenticated, but granted nothing on this space: the metrics yes, the entries no.
    expect((await get(`${url}/metrics`, { ca, auth: 'scraper:scraper-secret' })).status).toBe(200);
    const refused = await get(`${url}/console/`, { ca, auth: 'scraper:scraper-secret' });
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('scraper may not read space secured');
    const page = await get(`${url}/console/`, { ca, auth: 'ops:ops-secret' });
    expect(page.status).toBe(200);
    expect(page.body).toContain('secured');
    expect(page.body).toMatch(/<table/u);
  });
});
