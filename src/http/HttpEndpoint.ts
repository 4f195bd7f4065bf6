import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { AuthenticationBusyError, InvalidArgumentError } from '../errors';
import { isLoopbackHost } from '../config/loopback';
import {
  resolveServerSecurity,
  type ResolvedServerSecurity,
  type ServerSecurityOptions,
} from '../net/security/ServerSecurity';
import { BasicAuthCache } from './BasicAuthCache';
import { DEFAULT_HTTP_HOST, DEFAULT_HTTP_PORT, type HttpOptions } from './HttpOptions';
import { hostAllowed, limitHttpServer } from './serverLimits';

/** What a route handler gets besides the request and the response. */
export interface HttpRequestContext {
  /** The request URL, parsed (path and query). */
  readonly url: URL;
  /** Who asked: a user name, a client certificate's CN, or `anonymous` when security is off. */
  readonly principal: string;
}

/**
 * Answers one request (what it returns is awaited, then ignored). A thrown error or a rejection is
 * answered with 500 (without its message).
 */
export type HttpHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  context: HttpRequestContext,
) => unknown;

/** HTTP methods a route may take. */
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

/** Options of a route. */
export interface RouteOptions {
  /**
   * `loopback`: requests from this machine need no credentials even with security on (the liveness
   * probe of a local supervisor). Default: the endpoint's rule for every request.
   */
  readonly open?: 'loopback';
}

/** What {@link HttpEndpoint.listen} takes. */
export interface HttpEndpointOptions extends HttpOptions {
  /**
   * Security as a unit's `security` block takes it: with `tls` the endpoint serves HTTPS; when it
   * requires authentication, every request must carry HTTP Basic credentials checked like the wire
   * protocol's passwords, or a client certificate its CA signed (its CN is the principal). Absent:
   * plain HTTP, no authentication, and only a loopback `host` may be bound (InsecureBindError
   * otherwise, as for the wire server; `insecure: true` allows it).
   */
  readonly security?: ServerSecurityOptions;
  /** Realm named in a 401's `WWW-Authenticate`; default `spacelog`. */
  readonly realm?: string;
}

interface Route {
  readonly method: HttpMethod;
  readonly prefix: string;
  readonly handler: HttpHandler;
  readonly options: RouteOptions;
}

/**
 * The HTTP endpoint of a grid or unit: a small server with a route table. The grid or unit mounts
 * `/metrics`, `/healthz` and `/readyz` (see `mountOperationsRoutes`); other parts mount theirs
 * (the web console its pages) with
 *
 * ```ts
 * const unmount = endpoint.route('GET', '/console', (req, res, { url, principal }) => { ... });
 * ```
 *
 * A request goes to the route with the longest prefix that equals its path or is followed in it by
 * `/` (a prefix ending in `/` matches anything below it); no route: 404; a route for another method
 * only: 405. `HEAD` is answered by a `GET` route (Node drops the body).
 *
 * Security (docs/operations.md, "HTTP endpoint"): when the unit's wire protocol uses TLS, so does the
 * endpoint (same key and certificate); when the unit requires authentication, so does every route
 * (HTTP Basic against the same users file or `authenticate`, or a verified client certificate), except
 * routes mounted `open: 'loopback'` asked from a loopback address (`/healthz`). A failed
 * authentication is answered 401 after the unit's `authFailureDelayMs`. Permissions are not
 * consulted: any authenticated principal may read what the endpoint serves (it serves no entry
 * data unless a mounted route does, which then checks them itself).
 */
export class HttpEndpoint {
  private readonly routes: Route[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly basicAuth = new BasicAuthCache();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly server: Server,
    private readonly security: ResolvedServerSecurity | undefined,
    private readonly realm: string,
    readonly host: string,
  ) {}

  /**
   * Starts listening; resolves once bound. Refuses, before binding, a non-loopback `host` without TLS
   * (InsecureBindError) and security settings that do not hold (the wire server's rules).
   */
  static async listen(options: HttpEndpointOptions = {}): Promise<HttpEndpoint> {
    const host = options.host ?? DEFAULT_HTTP_HOST;
    return HttpEndpoint.listenResolved({
      host,
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.realm !== undefined ? { realm: options.realm } : {}),
      security: resolveServerSecurity(options.security, host),
    });
  }

  /**
   * Starts listening with security resolved already (`resolveServerSecurity`, which applied the bind
   * rule to `host`): what a grid or unit does, sharing its server's resolved security.
   * @internal
   */
  static async listenResolved(options: {
    readonly host: string;
    readonly port?: number;
    readonly realm?: string;
    readonly security: ResolvedServerSecurity | undefined;
  }): Promise<HttpEndpoint> {
    const { host, security } = options;
    const port = options.port ?? DEFAULT_HTTP_PORT;
    const server: Server =
      security?.tls !== undefined ? createHttpsServer({ ...security.tls }) : createHttpServer();
    limitHttpServer(server);
    const endpoint = new HttpEndpoint(server, security, options.realm ?? 'spacelog', host);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      void endpoint.handle(request, response);
    });
    server.on('connection', (socket: Socket) => {
      endpoint.sockets.add(socket);
      socket.on('close', () => endpoint.sockets.delete(socket));
    });
    server.on('secureConnection', (socket: Socket) => {
      endpoint.sockets.add(socket);
      socket.on('close', () => endpoint.sockets.delete(socket));
    });
    server.on('tlsClientError', (_error: Error, socket: Socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return endpoint;
  }

  /** The bound port. */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `http://host:port` or `https://host:port`. */
  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `${this.security?.tls !== undefined ? 'https' : 'http'}://${host}:${this.port}`;
  }

  /**
   * Mounts a handler for requests whose path is `pathPrefix` or below it. Returns the function that
   * unmounts it. A second route for the same method and prefix is refused.
   */
  route(
    method: HttpMethod,
    pathPrefix: string,
    handler: HttpHandler,
    options: RouteOptions = {},
  ): () => void {
    if (!pathPrefix.startsWith('/')) throw new InvalidArgumentError(`a route's path must start with '/'`);
    const prefix = pathPrefix.length > 1 && pathPrefix.endsWith('/') ? pathPrefix.slice(0, -1) : pathPrefix;
    if (this.routes.some((r) => r.method === method && r.prefix === prefix)) {
      throw new InvalidArgumentError(`a route for ${method} ${prefix} is mounted already`);
    }
    const route: Route = { method, prefix, handler, options };
    this.routes.push(route);
    // Longest prefix first.
    this.routes.sort((a, b) => b.prefix.length - a.prefix.length);
    return () => {
      const at = this.routes.indexOf(route);
      if (at >= 0) this.routes.splice(at, 1);
    };
  }

  /** Stops listening and closes open connections (idempotent). */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      // Keep-alive connections (a Prometheus scraper, a console's event stream) would hold close().
      for (const socket of this.sockets) socket.destroy();
    });
    return this.closing;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      // Without credentials to ask, a loopback endpoint answers only requests naming a loopback host.
      if ((this.security === undefined || !this.security.authRequired) && !hostAllowed(request, this.host)) {
        sendJson(response, 421, { error: 'this endpoint answers requests to localhost only' });
        return;
      }
      const url = new URL(request.url ?? '/', 'http://endpoint');
      const method = (request.method ?? 'GET').toUpperCase();
      const matching = this.routes.filter((r) => matches(r.prefix, url.pathname));
      const route =
        matching.find((r) => r.method === method) ??
        (method === 'HEAD' ? matching.find((r) => r.method === 'GET') : undefined);
      if (route === undefined) {
        if (matching.length > 0) {
          response.setHeader('allow', [...new Set(matching.map((r) => r.method))].join(', '));
          sendJson(response, 405, { error: 'method not allowed' });
        } else sendJson(response, 404, { error: 'not found' });
        return;
      }
      const principal = await this.authenticate(request, route);
      if (principal === BUSY) {
        // Nothing was checked: not a 401 (the credentials may be right), and no failure delay.
        response.setHeader('retry-after', '1');
        sendJson(response, 503, { error: 'too many password checks waiting: try again shortly' });
        return;
      }
      if (principal === undefined) {
        response.setHeader('www-authenticate', `Basic realm="${this.realm}", charset="UTF-8"`);
        sendJson(response, 401, { error: 'authentication required' });
        return;
      }
      await route.handler(request, response, { url, principal });
    } catch {
      if (!response.headersSent) sendJson(response, 500, { error: 'internal error' });
      else response.destroy();
    }
  }

  /** The principal of a request, or undefined when it must authenticate and did not. */
  private async authenticate(
    request: IncomingMessage,
    route: Route,
  ): Promise<string | typeof BUSY | undefined> {
    const security = this.security;
    if (security === undefined || !security.authRequired) return 'anonymous';
    const socket = request.socket;
    if (route.options.open === 'loopback' && isLoopbackHost(socket.remoteAddress ?? '')) return 'anonymous';
    if (security.certificates) {
      const name = certificateNameOf(socket);
      if (name !== undefined) return name;
    }
    const header = request.headers.authorization;
    const check = security.passwords;
    if (check !== undefined && header !== undefined && /^basic /iu.test(header)) {
      const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) {
        const [username, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
        const known = this.basicAuth.get(username, password);
        if (known !== undefined) return known;
        const gone = new AbortController();
        const leave = (): void => gone.abort();
        request.socket.once('close', leave);
        const principal = await check(username, password, gone.signal)
          .catch((error: unknown) => (error instanceof AuthenticationBusyError ? BUSY : null))
          .finally(() => request.socket.off('close', leave));
        if (principal === BUSY) return BUSY;
        if (principal !== null) {
          this.basicAuth.remember(username, password, principal.name);
          return principal.name;
        }
      }
      // A wrong password costs its sender time, as on the wire protocol.
      await new Promise((r) => setTimeout(r, security.authFailureDelayMs));
    }
    return undefined;
  }
}

/** The process had too many password checks waiting to check this one (AuthenticationBusyError). */
const BUSY = Symbol('busy');

/** True when `path` is `prefix` or below it. */
function matches(prefix: string, path: string): boolean {
  if (prefix === '/') return true;
  return path === prefix || path.startsWith(`${prefix}/`);
}

/** The subject CN of a client certificate the server verified against its CA (as the wire server reads it). */
function certificateNameOf(socket: Socket): string | undefined {
  const tls = socket as Partial<TLSSocket>;
  if (tls.encrypted !== true || tls.authorized !== true) return undefined;
  const subject = tls.getPeerCertificate?.().subject as Record<string, string | string[]> | undefined;
  const cn = subject?.CN;
  const name = Array.isArray(cn) ? cn[0] : cn;
  return typeof name === 'string' && name.length > 0 ? name : undefined;
}

/** Answers with a JSON body. */
export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  response.end(text);
}
