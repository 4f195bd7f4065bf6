import '../disposeSymbols';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { optionKeys, rejectUnknownKeys } from '../config/optionKeys';
import { AuthenticationError, ConnectionLimitError, InvalidArgumentError } from '../errors';
import type { Space } from '../api/Space';
import type { TypeRegistry } from '../schema/TypeRegistry';
import { encodeFrame } from './FrameCodec';
import { toWireError } from './errorCodec';
import { DEFAULT_MAX_FRAME_BYTES, FRAME_KIND, GOODBYE_ID } from './protocol';
import type { SpaceEngine } from '../space/SpaceEngine';
import { RequestHandler } from './RequestHandler';
import { ServerConnection, type ServerConnectionLimits } from './ServerConnection';
import { ConnectionGuard, type RequestInspector } from './security/ConnectionGuard';
import { requestInspector } from './security/requestInspector';
import {
  resolveServerSecurity,
  type ResolvedServerSecurity,
  type ServerSecurityOptions,
} from './security/ServerSecurity';
import { TlsListener } from './security/TlsListener';
import { defaultLogger } from '../ops/logging/createLogger';
import { connectionRefusals, type ConnectionRefusalLog } from '../ops/logging/connectionRefusals';
import type { SpacelogLogger } from '../ops/logging/SpacelogLogger';

/** A space with its entry types, e.g. a `LocalGrid` (`{ space, types }`). */
export interface ServedSpace {
  readonly space: Space;
  readonly types: TypeRegistry;
}

/** Options of {@link SpaceServer.listen}. */
export interface SpaceServerOptions {
  /** TCP port; default 7400. 0 picks a free port (see `server.port`). */
  readonly port?: number;
  /** Interface to bind; default 127.0.0.1. */
  readonly host?: string;
  /** The space's entry types; required when a bare Space is served (a grid brings its own). */
  readonly types?: TypeRegistry;
  /**
   * Requests running at once per connection (live requests, not ids); past it the server stops
   * reading from the connection until one answers; default 1024.
   */
  readonly maxInFlight?: number;
  /** Largest frame accepted, checked from its length prefix before buffering; default 16 MiB. */
  readonly maxFrameBytes?: number;
  /** Open connections at most; one more is closed with ConnectionLimitError; default 1024. */
  readonly maxConnections?: number;
  /** A frame begun and not finished within this closes the connection (slowloris); default 30000 ms. */
  readonly frameTimeoutMs?: number;
  /**
   * A connection with no request running, no subscription and no byte received for this long is
   * closed (ConnectionTimeoutError, which clients retry on a new connection); default 600000 ms.
   */
  readonly idleTimeoutMs?: number;
  /**
   * Bytes waiting in a connection's send buffer past which a subscription pushing events to it is
   * ended with SubscriptionOverflowError (a client that stopped reading); default 8 MiB.
   */
  readonly maxSubscriberBufferBytes?: number;
  /** Entries in one readMultiple / takeMultiple answer at most (ResultTooLargeError); default 10000. */
  readonly maxResultEntries?: number;
  /** Encoded bytes of one readMultiple / takeMultiple answer at most (ResultTooLargeError); default 8 MiB. */
  readonly maxResultBytes?: number;
  /** How long close() lets running requests finish before cutting connections; default 5000 ms. */
  readonly closeGraceMs?: number;
  /**
   * The endpoint of each partition's primary, sent to clients (DESCRIBE); asked at every DESCRIBE,
   * so it may change over time. Absent, or undefined, = this server serves them all.
   */
  readonly partitionMap?: () => readonly string[] | undefined;
  /**
   * For a server that is the primary of some partitions only (a processing unit): the serving engine
   * of partition k, or a throw of the retriable NotPrimaryError when k is not primary here. A request
   * naming partition k then runs on that engine only; requests for any partition (ANY_PARTITION)
   * still run on the served Space. Absent: every request runs on the served Space.
   */
  readonly partition?: (partition: number) => SpaceEngine | Promise<SpaceEngine>;
  /** What a processing unit reports of itself in DESCRIBE answers (`spacelog cluster status`). */
  readonly unitStatus?: () => Readonly<Record<string, unknown>>;
  /**
   * TLS, authentication and permissions (docs/security.md). Without TLS the server binds loopback
   * addresses only, unless `security.insecure` is true.
   */
  readonly security?: ServerSecurityOptions;
  /**
   * Where refused and closed connections are logged (authentication failures, the connection limit,
   * hostile frames); default: the process's default logger (docs/operations.md, "Logging").
   */
  readonly logger?: SpacelogLogger;
}

export const DEFAULT_SPACE_PORT = 7400;
export const DEFAULT_SPACE_HOST = '127.0.0.1';
export const DEFAULT_MAX_IN_FLIGHT = 1024;
export const DEFAULT_CLOSE_GRACE_MS = 5000;
export const DEFAULT_MAX_CONNECTIONS = 1024;
export const DEFAULT_FRAME_TIMEOUT_MS = 30_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 600_000;
export const DEFAULT_MAX_SUBSCRIBER_BUFFER_BYTES = 8 * 1024 * 1024;
export const DEFAULT_MAX_RESULT_ENTRIES = 10_000;
export const DEFAULT_MAX_RESULT_BYTES = 8 * 1024 * 1024;

const KNOWN_KEYS = optionKeys<SpaceServerOptions>({
  port: true,
  host: true,
  types: true,
  maxInFlight: true,
  maxFrameBytes: true,
  closeGraceMs: true,
  maxConnections: true,
  frameTimeoutMs: true,
  idleTimeoutMs: true,
  maxSubscriberBufferBytes: true,
  maxResultEntries: true,
  maxResultBytes: true,
  partitionMap: true,
  partition: true,
  unitStatus: true,
  security: true,
  logger: true,
});

/**
 * Serves a Space over TCP with the Spacelog wire protocol (`schemas/protocol/`), for
 * `Spacelog.connect` clients. `SpaceServer.listen(grid, { port })` serves a local grid.
 */
export class SpaceServer implements AsyncDisposable {
  private readonly connections = new Set<ServerConnection>();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly server: Server,
    private readonly graceMs: number,
    private readonly maxConnections: number,
    private readonly refusals: ConnectionRefusalLog,
  ) {}

  /** Starts serving; resolves once the port is bound. */
  static async listen(target: Space | ServedSpace, options: SpaceServerOptions = {}): Promise<SpaceServer> {
    rejectUnknownKeys(
      options,
      KNOWN_KEYS,
      (key) => new InvalidArgumentError(`unknown server option '${key}'`),
    );
    const served = 'types' in target && 'space' in target ? target : undefined;
    const space = served ? served.space : (target as Space);
    const types = options.types ?? served?.types;
    if (types === undefined) {
      throw new InvalidArgumentError('SpaceServer.listen(space) needs { types } (or pass the grid itself)');
    }
    const host = options.host ?? DEFAULT_SPACE_HOST;
    const security = resolveServerSecurity(options.security, host);
    const limits: ServerConnectionLimits = {
      authFailureDelayMs: security?.authFailureDelayMs ?? 0,
      maxInFlight: positive('maxInFlight', options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT),
      maxFrameBytes: positive('maxFrameBytes', options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES),
      frameTimeoutMs: positive('frameTimeoutMs', options.frameTimeoutMs ?? DEFAULT_FRAME_TIMEOUT_MS),
      idleTimeoutMs: positive('idleTimeoutMs', options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS),
      maxSubscriberBufferBytes: positive(
        'maxSubscriberBufferBytes',
        options.maxSubscriberBufferBytes ?? DEFAULT_MAX_SUBSCRIBER_BUFFER_BYTES,
      ),
    };
    const resultLimits = {
      maxResultEntries: positive('maxResultEntries', options.maxResultEntries ?? DEFAULT_MAX_RESULT_ENTRIES),
      maxResultBytes: positive('maxResultBytes', options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES),
    };
    const maxConnections = positive('maxConnections', options.maxConnections ?? DEFAULT_MAX_CONNECTIONS);
    if (options.partition !== undefined && typeof options.partition !== 'function') {
      throw new InvalidArgumentError('partition must be a function (k) => SpaceEngine');
    }
    const handler = new RequestHandler(
      space,
      types,
      options.partitionMap ?? (() => undefined),
      resultLimits,
      options.partition,
      options.unitStatus,
    );
    const server = createServer();
    const spaceServer = new SpaceServer(
      server,
      options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS,
      maxConnections,
      connectionRefusals(options.logger ?? defaultLogger().child({ component: 'server' })),
    );
    const inspector = security && requestInspector(space, types);
    const accept = (socket: Socket): void => spaceServer.accept(socket, handler, limits, security, inspector);
    if (security?.tls === undefined) {
      // The plain path, as the benches measure it.
      server.on('connection', accept);
    } else {
      const tlsListener = new TlsListener(security.tls, limits.frameTimeoutMs, accept, (socket) =>
        spaceServer.refusePlain(socket),
      );
      server.on('connection', (socket: Socket) => {
        // A handshake costs the server as much as a connection: both count toward maxConnections.
        if (tlsListener.open >= maxConnections)
          spaceServer.refuseUnread(socket, new ConnectionLimitError(maxConnections));
        else tlsListener.take(socket);
      });
    }
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? DEFAULT_SPACE_PORT, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return spaceServer;
  }

  /** The bound port (useful with `port: 0`). */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `host:port` as clients should name it in `bootstrap`. */
  get endpoint(): string {
    const address = this.server.address() as AddressInfo;
    return `${address.address}:${address.port}`;
  }

  /** Open client connections. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** `await using` ends the scope with `close()` (the served space stays open). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Stops accepting, aborts blocking waits (answered with retriable SpaceClosedError), lets running
   * requests answer, then closes every connection. Does not close the served space. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
      await Promise.all([...this.connections].map((c) => c.close(this.graceMs)));
      await stopped;
    })();
    return this.closing;
  }

  /** A plain TCP client of a TLS-only server: told why in a frame it can read, then closed. @internal */
  refusePlain(socket: Socket): void {
    this.refuse(socket, new AuthenticationError('this server accepts TLS connections only'));
  }

  /** Closes a socket before its TLS handshake: no frame it could read can be sent, so it is cut. */
  private refuseUnread(socket: Socket, reason: unknown): void {
    this.refusals(socket, reason);
    socket.on('error', () => undefined);
    socket.destroy();
  }

  /** Closes a connection with a goodbye carrying `reason`, reading nothing from it. */
  private refuse(socket: Socket, reason: unknown): void {
    this.refusals(socket, reason);
    socket.on('error', () => undefined);
    const error = toWireError(reason);
    socket.end(encodeFrame(FRAME_KIND.response, { id: GOODBYE_ID, entries: [], result: EMPTY, error }));
    setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
  }

  private accept(
    socket: Socket,
    handler: RequestHandler,
    limits: ServerConnectionLimits,
    security?: ResolvedServerSecurity,
    inspector?: RequestInspector,
  ): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    if (this.connections.size >= this.maxConnections) {
      // Refused with a reason the client reads (a goodbye), not a bare reset; nothing is read from it.
      this.refuse(socket, new ConnectionLimitError(this.maxConnections));
      return;
    }
    const certificateName = security?.certificates ? certificateNameOf(socket) : undefined;
    if (security?.clientCertRequired && certificateName === undefined) {
      const why = (socket as TLSSocket).authorizationError;
      this.refuse(
        socket,
        new AuthenticationError(
          `a client certificate signed by the server's CA is required${why ? ` (${String(why)})` : ''}`,
        ),
      );
      return;
    }
    const guard = security && inspector && new ConnectionGuard(security, inspector, { certificateName });
    this.connections.add(
      new ServerConnection(socket, handler, limits, (c) => this.connections.delete(c), guard, this.refusals),
    );
  }
}

const EMPTY = Buffer.alloc(0);
/** How long a refused connection may take to read its goodbye before it is cut. */
const REFUSED_LINGER_MS = 1000;

/**
 * The subject CN of a client certificate the TLS handshake verified against the server's CA; the CN
 * (not a SAN) is the identity, as in Kafka's default SSL principal mapping.
 */
function certificateNameOf(socket: Socket): string | undefined {
  const tlsSocket = socket as Partial<TLSSocket>;
  if (tlsSocket.encrypted !== true || tlsSocket.authorized !== true) return undefined;
  const subject = tlsSocket.getPeerCertificate?.().subject as Record<string, string | string[]> | undefined;
  const cn = subject?.CN;
  const name = Array.isArray(cn) ? cn[0] : cn;
  return typeof name === 'string' && name.length > 0 ? name : undefined;
}

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}
