import {
  AuthenticationBusyError,
  AuthenticationError,
  AuthorizationError,
  ProtocolError,
  type SpacelogError,
} from '../../errors';
import type { RequestFrame } from '../protocol';
import { decodeAuthArgs } from './handshake';
import { ADMIN_WHEN_BROADCAST, SpaceGrants } from './Permissions';
import type { ResolvedServerSecurity } from './ServerSecurity';

/** What the guard needs to know of a request beyond its op (decoded only when a grant depends on it). @internal */
export interface RequestInspector {
  /** The served space's name. */
  readonly space: string;
  /** True when a CHANGE / TAKE_MULTIPLE names no single partition (selector and routing value). */
  broadcast(request: RequestFrame): boolean;
  /** An EXECUTE's task name. */
  task(request: RequestFrame): string;
}

/** What the TLS layer proved about the peer. @internal */
export interface PeerIdentity {
  /** Subject CN of a client certificate the server verified against its CA. */
  readonly certificateName?: string;
}

/**
 * The security state of one connection: who it is (a verified client certificate, the AUTH first
 * request, or anonymous when the permissions allow it) and what it may do on the served space.
 *
 * `check` is called for each request before it runs. The first request may be AUTH (then
 * `authenticate` runs it, once per connection); a connection that must authenticate and whose first
 * request is anything else gets an AuthenticationError (the server says goodbye and closes); an op the
 * principal was not granted gets an AuthorizationError answer and nothing runs.
 * @internal
 */
export class ConnectionGuard {
  private first = true;
  private principal: string | undefined;
  private grants: SpaceGrants | undefined;
  /** An AUTH is being checked: requests behind it wait. */
  authenticating = false;

  constructor(
    private readonly security: ResolvedServerSecurity,
    private readonly inspector: RequestInspector,
    peer: PeerIdentity,
  ) {
    if (peer.certificateName !== undefined && security.certificates) {
      this.become(peer.certificateName);
    } else if (!security.authRequired) {
      this.principal = 'anonymous';
      this.grants = security.permissions?.anonymousGrants(inspector.space) ?? SpaceGrants.ALL;
    } else if (security.permissions?.allowsAnonymous) {
      this.principal = 'anonymous';
      this.grants = security.permissions.anonymousGrants(inspector.space);
    }
  }

  /** True once the connection may run requests (authenticated, or anonymous where that is allowed). */
  get authenticated(): boolean {
    return this.grants !== undefined;
  }

  /** Who the connection is now (`anonymous` before or without authentication). */
  get name(): string {
    return this.principal ?? 'anonymous';
  }

  /**
   * 'authenticate' for an AUTH first request; an error to answer (AuthorizationError, ProtocolError)
   * or to close with (AuthenticationError); undefined when the request may run.
   */
  check(request: RequestFrame): 'authenticate' | SpacelogError | undefined {
    const first = this.first;
    this.first = false;
    if (request.op === 'AUTH') {
      return first
        ? 'authenticate'
        : new ProtocolError('AUTH is only accepted as the first request of a connection');
    }
    if (this.grants === undefined) {
      return new AuthenticationError(
        `authentication required: the first request must be AUTH, not ${request.op}`,
        {
          space: this.inspector.space,
        },
      );
    }
    return this.authorize(request, this.grants);
  }

  /**
   * Runs the AUTH request: a password against the server's credentials (only over TLS, which the
   * server ensures by accepting passwords only with TLS on), or the verified client certificate.
   * Resolves the principal's name; rejects with AuthenticationError (never naming the secret).
   */
  async authenticate(request: RequestFrame, signal?: AbortSignal): Promise<string> {
    this.authenticating = true;
    try {
      const args = decodeAuthArgs(request.args);
      if (args.mechanism === 'certificate') {
        if (this.principal === undefined || this.principal === 'anonymous' || !this.security.certificates) {
          throw new AuthenticationError('no verified client certificate on this connection');
        }
        return this.principal;
      }
      const check = this.security.passwords;
      if (check === undefined) {
        throw new AuthenticationError('this server does not accept passwords', { principal: args.username });
      }
      let found;
      try {
        found = await check(args.username, args.password, signal);
      } catch (error) {
        // Too many checks waiting: nothing was checked, the client may try again.
        if (error instanceof AuthenticationBusyError) throw error;
        // A callback that fails says nothing to the peer about why (it may hold internals).
        found = null;
      }
      if (found === null || typeof found?.name !== 'string' || found.name.length === 0) {
        throw new AuthenticationError(`authentication of '${args.username}' failed`, {
          principal: args.username,
          space: this.inspector.space,
        });
      }
      this.become(found.name);
      return found.name;
    } finally {
      this.authenticating = false;
    }
  }

  private become(name: string): void {
    this.principal = name;
    this.grants = this.security.permissions?.grantsOf(name, this.inspector.space) ?? SpaceGrants.ALL;
  }

  private authorize(request: RequestFrame, grants: SpaceGrants): SpacelogError | undefined {
    if (grants.unrestricted) return undefined;
    let broadcast = false;
    let task: string | undefined;
    try {
      if (ADMIN_WHEN_BROADCAST.has(request.op)) broadcast = this.inspector.broadcast(request);
      if (request.op === 'EXECUTE') task = this.inspector.task(request);
    } catch (error) {
      return error as SpacelogError;
    }
    const missing = grants.missing(request.op, broadcast, task);
    if (missing === undefined) return undefined;
    return new AuthorizationError(this.name, request.op, missing, {
      space: this.inspector.space,
      ...(request.type !== '' ? { type: request.type } : {}),
      ...(request.partition >= 0 ? { partition: request.partition } : {}),
    });
  }
}
