import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { InvalidArgumentError } from '../errors';
import type { Space } from '../client/Space';
import type { TypeRegistry } from '../schema/TypeRegistry';
import { DEFAULT_MAX_FRAME_BYTES } from './protocol';
import type { SpaceEngine } from '../space/SpaceEngine';
import { RequestHandler } from './RequestHandler';
import { ServerConnection } from './ServerConnection';

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
  /** Requests run at once per connection before the server stops reading from it; default 1024. */
  readonly maxInFlight?: number;
  /** Largest frame accepted; default 16 MiB. */
  readonly maxFrameBytes?: number;
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
}

export const DEFAULT_SPACE_PORT = 7400;
export const DEFAULT_SPACE_HOST = '127.0.0.1';
export const DEFAULT_MAX_IN_FLIGHT = 1024;
export const DEFAULT_CLOSE_GRACE_MS = 5000;

const KNOWN_KEYS = new Set([
  'port',
  'host',
  'types',
  'maxInFlight',
  'maxFrameBytes',
  'closeGraceMs',
  'partitionMap',
  'partition',
  'unitStatus',
]);

/**
 * Serves a Space over TCP with the Spacelog wire protocol (`schemas/protocol/`), for
 * `Spacelog.connect` clients. `SpaceServer.listen(grid, { port })` serves a local grid.
 */
export class SpaceServer {
  private readonly connections = new Set<ServerConnection>();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly server: Server,
    private readonly graceMs: number,
  ) {}

  /** Starts serving; resolves once the port is bound. */
  static async listen(target: Space | ServedSpace, options: SpaceServerOptions = {}): Promise<SpaceServer> {
    for (const key of Object.keys(options)) {
      if (!KNOWN_KEYS.has(key)) throw new InvalidArgumentError(`unknown server option '${key}'`);
    }
    const served = 'types' in target && 'space' in target ? target : undefined;
    const space = served ? served.space : (target as Space);
    const types = options.types ?? served?.types;
    if (types === undefined) {
      throw new InvalidArgumentError('SpaceServer.listen(space) needs { types } (or pass the grid itself)');
    }
    const limits = {
      maxInFlight: positive('maxInFlight', options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT),
      maxFrameBytes: positive('maxFrameBytes', options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES),
    };
    if (options.partition !== undefined && typeof options.partition !== 'function') {
      throw new InvalidArgumentError('partition must be a function (k) => SpaceEngine');
    }
    const handler = new RequestHandler(
      space,
      types,
      options.partitionMap ?? (() => undefined),
      options.partition,
      options.unitStatus,
    );
    const server = createServer();
    const spaceServer = new SpaceServer(server, options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS);
    server.on('connection', (socket: Socket) => spaceServer.accept(socket, handler, limits));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? DEFAULT_SPACE_PORT, options.host ?? DEFAULT_SPACE_HOST, () => {
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

  private accept(
    socket: Socket,
    handler: RequestHandler,
    limits: ConstructorParameters<typeof ServerConnection>[2],
  ): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    this.connections.add(new ServerConnection(socket, handler, limits, (c) => this.connections.delete(c)));
  }
}

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}
