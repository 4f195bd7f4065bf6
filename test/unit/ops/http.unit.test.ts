import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { hashPassword } from '../../../src/net/security/Credentials';
import { AuthenticationBusyError, InsecureBindError } from '../../../src/errors';
import { HttpEndpoint } from '../../../src/http/HttpEndpoint';
import { checkHttpOptions } from '../../../src/http/HttpOptions';
import { unitReadiness } from '../../../src/http/Readiness';
import { hasOpenssl, makeTestCertificates, type TestCertificates } from '../../support/testCertificates';

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

function get(
  url: string,
  options: { method?: string; auth?: string; ca?: string; cert?: string; key?: string } = {},
): Promise<Answer> {
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method: options.method ?? 'GET',
        ...(options.auth !== undefined
          ? { headers: { authorization: `Basic ${Buffer.from(options.auth).toString('base64')}` } }
          : {}),
        ...(options.ca !== undefined ? { ca: options.ca } : {}),
        ...(options.cert !== undefined ? { cert: options.cert, key: options.key } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('HttpEndpoint route table', () => {
  let endpoint: HttpEndpoint;
  beforeAll(async () => {
    endpoint = await HttpEndpoint.listen({ port: 0 });
    endpoint.route('GET', '/console', (_req, res) => res.end('console'));
    endpoint.route('GET', '/console/api', (_req, res, { url, principal }) =>
      res.end(`api ${url.searchParams.get('q') ?? ''} ${principal}`),
    );
    endpoint.route('POST', '/console/api', (_req, res) => res.end('posted'));
    endpoint.route('GET', '/boom', () => {
      throw new Error('secret detail');
    });
  });
  afterAll(() => endpoint.close());

  it('routes by longest prefix and method', async () => {
    expect((await get(`${endpoint.url}/console`)).body).toBe('console');
    expect((await get(`${endpoint.url}/console/page/2`)).body).toBe('console');
    expect((await get(`${endpoint.url}/console/api?q=x`)).body).toBe('api x anonymous');
    expect((await get(`${endpoint.url}/console/api`, { method: 'POST' })).body).toBe('posted');
    // '/consoleX' is not below '/console'.
    expect((await get(`${endpoint.url}/consoleX`)).status).toBe(404);
    const wrong = await get(`${endpoint.url}/console`, { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('GET');
    expect((await get(`${endpoint.url}/console`, { method: 'HEAD' })).status).toBe(200);
  });

  it('answers a failing handler with 500 without its message, and refuses a route mounted twice', async () => {
    const boom = await get(`${endpoint.url}/boom`);
    expect(boom.status).toBe(500);
    expect(boom.body).not.toContain('secret');
    expect(() => endpoint.route('GET', '/console', () => undefined)).toThrow(/mounted already/u);
    const unmount = endpoint.route('GET', '/later', (_req, res) => res.end('later'));
    expect((await get(`${endpoint.url}/later`)).status).toBe(200);
    unmount();
    expect((await get(`${endpoint.url}/later`)).status).toBe(404);
  });
});

describe('checkHttpOptions', () => {
  it('refuses unknown keys and bad ports', () => {
    expect(() => checkHttpOptions({ host: '127.0.0.1', port: 0 })).not.toThrow();
    expect(() => checkHttpOptions({ prot: 1 })).toThrow(/unknown http option 'prot'/u);
    expect(() => checkHttpOptions({ port: 70000 })).toThrow(/port/u);
    expect(() => checkHttpOptions('x')).toThrow(/object/u);
  });
});

describe('unitReadiness', () => {
  const placement = {
    epoch: 3,
    endpoints: { a: 'h:1', b: 'h:2' },
    partitions: [
      { primary: 'a', backups: ['b'] },
      { primary: 'b', backups: ['a'] },
    ],
  };
  it('is ready only when every partition placed here has its replica ready', () => {
    expect(unitReadiness('a', undefined, [], true)).toMatchObject({
      ready: false,
      reason: 'no placement yet',
    });
    const warming = unitReadiness(
      'a',
      placement,
      [{ partition: 0, kind: 'primary', role: 'warming', ready: false }],
      true,
    );
    expect(warming.ready).toBe(false);
    expect(warming.notReady).toEqual([0, 1]);
    expect(warming.partitions[1]).toEqual({ partition: 1, kind: 'backup', role: 'missing', ready: false });
    const ready = unitReadiness(
      'a',
      placement,
      [
        { partition: 0, kind: 'primary', role: 'primary', ready: true },
        { partition: 1, kind: 'backup', role: 'backup', ready: true },
      ],
      true,
    );
    expect(ready).toMatchObject({ ready: true, notReady: [] });
    expect(unitReadiness('a', placement, [], false).reason).toBe('lost touch with the group');
  });
});

describe('HttpEndpoint.listen bind rule', () => {
  it('regression: refuses a non-loopback host without TLS before binding, as the wire server does', async () => {
    await expect(HttpEndpoint.listen({ host: '0.0.0.0', port: 0 })).rejects.toBeInstanceOf(InsecureBindError);
    const insecure = await HttpEndpoint.listen({ host: '0.0.0.0', port: 0, security: { insecure: true } });
    await insecure.close();
  });
});

(hasOpenssl() ? describe : describe.skip)('HttpEndpoint with security', () => {
  let certs: TestCertificates;
  let endpoint: HttpEndpoint;
  beforeAll(async () => {
    certs = makeTestCertificates(['alice']);
    endpoint = await HttpEndpoint.listen({
      port: 0,
      security: {
        tls: {
          key: certs.serverKey,
          cert: certs.serverCert,
          ca: certs.caCert,
          requestClientCert: 'optional',
        },
        credentials: { version: 1, users: { ops: await hashPassword('s3cret') } },
        authFailureDelayMs: 10,
      },
    });
    endpoint.route('GET', '/metrics', (_req, res, { principal }) => res.end(`metrics for ${principal}`));
    endpoint.route('GET', '/healthz', (_req, res) => res.end('ok'), { open: 'loopback' });
  });
  afterAll(async () => {
    await endpoint.close();
    certs.remove();
  });

  it('serves HTTPS and asks for credentials: Basic against the users, or a client certificate', async () => {
    expect(endpoint.url).toMatch(/^https:/u);
    const ca = certs.pem(certs.caCert);
    const anonymous = await get(`${endpoint.url}/metrics`, { ca });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toContain('Basic');
    expect((await get(`${endpoint.url}/metrics`, { ca, auth: 'ops:wrong' })).status).toBe(401);
    expect((await get(`${endpoint.url}/metrics`, { ca, auth: 'ops:s3cret' })).body).toBe('metrics for ops');
    const alice = certs.clients.alice!;
    const byCert = await get(`${endpoint.url}/metrics`, {
      ca,
      cert: certs.pem(alice.cert),
      key: certs.pem(alice.key),
    });
    expect(byCert.body).toBe('metrics for alice');
    // The liveness probe stays open to this machine.
    expect((await get(`${endpoint.url}/healthz`, { ca })).status).toBe(200);
  });

  it('answers 503 with Retry-After, not 401, when the process has too many password checks waiting', async () => {
    const busy = await HttpEndpoint.listen({
      port: 0,
      security: {
        tls: { key: certs.serverKey, cert: certs.serverCert },
        authenticate: async () => {
          throw new AuthenticationBusyError(128);
        },
      },
    });
    try {
      busy.route('GET', '/metrics', (_req, res) => res.end('metrics'));
      const answer = await get(`${busy.url}/metrics`, { ca: certs.pem(certs.caCert), auth: 'prometheus:pw' });
      expect(answer.status).toBe(503);
      expect(answer.headers['retry-after']).toBe('1');
    } finally {
      await busy.close();
    }
  });

  it('regression: a scraper sending the same Basic credentials costs one password check, not one per request; a wrong one is checked every time', async () => {
    const checked: string[] = [];
    const scraped = await HttpEndpoint.listen({
      port: 0,
      security: {
        tls: { key: certs.serverKey, cert: certs.serverCert },
        authenticate: async (username, password) => {
          checked.push(username);
          return password === 'pw' ? { name: username } : null;
        },
        authFailureDelayMs: 1,
      },
    });
    try {
      scraped.route('GET', '/metrics', (_req, res, { principal }) => res.end(`metrics for ${principal}`));
      const ca = certs.pem(certs.caCert);
      for (let i = 0; i < 5; i++) {
        expect((await get(`${scraped.url}/metrics`, { ca, auth: 'prometheus:pw' })).body).toBe(
          'metrics for prometheus',
        );
      }
      expect(checked).toEqual(['prometheus']);
      for (let i = 0; i < 3; i++) {
        expect((await get(`${scraped.url}/metrics`, { ca, auth: 'prometheus:nope' })).status).toBe(401);
      }
      expect(checked).toHaveLength(4);
    } finally {
      await scraped.close();
    }
  });
});
