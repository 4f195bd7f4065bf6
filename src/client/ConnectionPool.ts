import { ClientClosedError } from '../errors';
import { ClientConnection } from '../net/ClientConnection';
import type { EndFrame, EventFrame } from '../net/protocol';
import type { ClientSecurity } from '../net/security/ClientSecurity';

/** What the pool tells its owner. @internal */
export interface ConnectionPoolHooks {
  readonly connectTimeoutMs: number;
  readonly maxFrameBytes: number;
  /** TLS and credentials of every connection. */
  readonly security?: ClientSecurity;
  readonly onEvent: (endpoint: string, event: EventFrame) => void;
  /** A subscription the server ended. */
  readonly onEnd?: (endpoint: string, end: EndFrame) => void;
  /** A connection to an endpoint was lost (the owner may reconnect subscriptions). */
  readonly onLost: (endpoint: string) => void;
}

/**
 * One connection per endpoint, opened on first use; concurrent callers share one in-flight connect,
 * and a lost connection is replaced by the next call (the retrier paces those calls).
 * @internal
 */
export class ConnectionPool {
  private readonly open = new Map<string, ClientConnection>();
  private readonly opening = new Map<string, Promise<ClientConnection>>();
  private closed = false;

  constructor(private readonly hooks: ConnectionPoolHooks) {}

  /** The open connection to an endpoint, opening it if needed. */
  get(endpoint: string): ClientConnection | Promise<ClientConnection> {
    if (this.closed) return Promise.reject(new ClientClosedError());
    const current = this.open.get(endpoint);
    if (current && !current.closed) return current;
    let pending = this.opening.get(endpoint);
    if (!pending) {
      pending = ClientConnection.open({
        endpoint,
        connectTimeoutMs: this.hooks.connectTimeoutMs,
        maxFrameBytes: this.hooks.maxFrameBytes,
        ...(this.hooks.security !== undefined ? { security: this.hooks.security } : {}),
        onEvent: (event) => this.hooks.onEvent(endpoint, event),
        onEnd: (end) => this.hooks.onEnd?.(endpoint, end),
        onClose: (connection) => {
          if (this.open.get(endpoint) === connection) this.open.delete(endpoint);
          if (!this.closed) this.hooks.onLost(endpoint);
        },
      }).then(
        (connection) => {
          this.opening.delete(endpoint);
          if (this.closed) {
            connection.close();
            throw new ClientClosedError();
          }
          this.open.set(endpoint, connection);
          return connection;
        },
        (error: unknown) => {
          this.opening.delete(endpoint);
          throw error;
        },
      );
      this.opening.set(endpoint, pending);
    }
    return pending;
  }

  /** Connections open now (metrics). */
  get openCount(): number {
    let n = 0;
    for (const connection of this.open.values()) if (!connection.closed) n++;
    return n;
  }

  /** The open connection to an endpoint, if there is one (never opens one). */
  peek(endpoint: string): ClientConnection | undefined {
    const current = this.open.get(endpoint);
    return current && !current.closed ? current : undefined;
  }

  /** Closes every connection; later calls fail with ClientClosedError. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const connection of this.open.values()) connection.close();
    this.open.clear();
  }
}
