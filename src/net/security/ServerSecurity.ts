import type { TlsOptions } from 'node:tls';
import { InsecureBindError, InvalidArgumentError } from '../../errors';
import { CredentialsStore, type CredentialsFileContent } from './Credentials';
import { Permissions, type PermissionsConfig } from './Permissions';
import { readPem, type PemSource } from './pem';
import { isLoopbackHost } from '../../config/loopback';
import { isOptionsObject, optionKeys, rejectUnknownKeys } from '../../config/optionKeys';

/** Who a connection is, once authenticated. */
export interface Principal {
  readonly name: string;
}

/** Checks a user name and password; resolves the principal, or null when they are wrong. */
export type Authenticate = (
  username: string,
  password: string,
  /** Aborted when the connection closes before the check ends. */
  signal?: AbortSignal,
) => Promise<Principal | null>;

/** The server's TLS settings. */
export interface ServerTlsOptions {
  /** The server's private key (PEM text, Buffer, or file path). */
  readonly key: PemSource;
  /** The server's certificate chain (PEM text, Buffer, or file path). */
  readonly cert: PemSource;
  /** CAs that sign client certificates (mutual TLS); default: Node's bundled CAs. */
  readonly ca?: PemSource;
  /**
   * Mutual TLS: `true` = every client must present a certificate signed by `ca` (the TLS handshake
   * refuses others), and its subject CN is the connection's principal; `'optional'` = a client may
   * present one (its CN is then its principal) or authenticate with a password; default false.
   */
  readonly requestClientCert?: boolean | 'optional';
}

/** `SpaceServerOptions.security`, and a unit config's `security` block (docs/security.md). */
export interface ServerSecurityOptions {
  /** Serve TLS only (a plain TCP client is refused with AuthenticationError). */
  readonly tls?: ServerTlsOptions;
  /**
   * Users and scrypt password hashes: a credentials file's path (`spacelog users add`) or its
   * content. Password authentication needs `tls`.
   */
  readonly credentials?: string | CredentialsFileContent;
  /** Or checks user name and password itself (e.g. against a directory); also needs `tls`. */
  readonly authenticate?: Authenticate;
  /**
   * Who may do what per space: a permissions file's path or its content. Absent: an authenticated
   * principal may do everything.
   */
  readonly permissions?: string | PermissionsConfig;
  /** Allows binding a non-loopback address without TLS. Say it only on a network you trust. */
  readonly insecure?: boolean;
  /** How long a failed authentication waits before its connection is closed; default 250 ms. */
  readonly authFailureDelayMs?: number;
}

/** The security settings with files read and checks done. @internal */
export interface ResolvedServerSecurity {
  /** node:tls server options, when TLS is on. */
  readonly tls: TlsOptions | undefined;
  /** Password checker, when passwords are accepted. */
  readonly passwords: Authenticate | undefined;
  /** A verified client certificate's subject CN is an identity. */
  readonly certificates: boolean;
  /** A connection without a verified client certificate is refused (`requestClientCert: true`). */
  readonly clientCertRequired: boolean;
  readonly permissions: Permissions | undefined;
  /** A connection must authenticate (unless the permissions let anonymous ones in). */
  readonly authRequired: boolean;
  readonly authFailureDelayMs: number;
}

export const DEFAULT_AUTH_FAILURE_DELAY_MS = 250;

/** The keys of a server's `security`. @internal */
export const SERVER_SECURITY_KEYS = optionKeys<ServerSecurityOptions>({
  tls: true,
  credentials: true,
  authenticate: true,
  permissions: true,
  insecure: true,
  authFailureDelayMs: true,
});
/** The keys of a server's `security.tls`. @internal */
export const SERVER_TLS_KEYS = optionKeys<ServerTlsOptions>({
  key: true,
  cert: true,
  ca: true,
  requestClientCert: true,
});

/**
 * Reads keys, certificates, credentials and permissions once at start and refuses what would be
 * unsafe: passwords without TLS, a non-loopback bind without TLS (unless `insecure: true`).
 * @internal
 */
export function resolveServerSecurity(
  options: ServerSecurityOptions | undefined,
  host: string,
): ResolvedServerSecurity | undefined {
  if (options === undefined) {
    if (!isLoopbackHost(host)) throw new InsecureBindError(host);
    return undefined;
  }
  if (!isOptionsObject(options)) throw new InvalidArgumentError('security must be an object');
  rejectUnknownKeys(
    options,
    SERVER_SECURITY_KEYS,
    (key) => new InvalidArgumentError(`unknown security option '${key}'`),
  );
  const tls = options.tls === undefined ? undefined : tlsOptionsOf(options.tls);
  if (tls === undefined && !isLoopbackHost(host) && options.insecure !== true)
    throw new InsecureBindError(host);
  const hasPasswords = options.credentials !== undefined || options.authenticate !== undefined;
  if (hasPasswords && tls === undefined) {
    throw new InvalidArgumentError(
      'security: password authentication needs security.tls (credentials never travel in clear)',
    );
  }
  if (options.credentials !== undefined && options.authenticate !== undefined) {
    throw new InvalidArgumentError('security: give credentials or authenticate, not both');
  }
  if (options.authenticate !== undefined && typeof options.authenticate !== 'function') {
    throw new InvalidArgumentError(
      'security.authenticate must be a function (username, password) => Promise<Principal | null>',
    );
  }
  const passwords = passwordCheckOf(options);
  const certificates =
    options.tls?.requestClientCert === true || options.tls?.requestClientCert === 'optional';
  const permissions =
    options.permissions === undefined
      ? undefined
      : typeof options.permissions === 'string'
        ? Permissions.fromFile(options.permissions)
        : new Permissions(options.permissions);
  const delay = options.authFailureDelayMs ?? DEFAULT_AUTH_FAILURE_DELAY_MS;
  if (!Number.isInteger(delay) || delay < 0) {
    throw new InvalidArgumentError(
      `security.authFailureDelayMs must be a non-negative integer, got ${String(delay)}`,
    );
  }
  // Only `insecure` said: nothing to check per connection, so the plain path stays as it is.
  if (tls === undefined && passwords === undefined && permissions === undefined) return undefined;
  return {
    tls,
    passwords,
    certificates,
    clientCertRequired: options.tls?.requestClientCert === true,
    permissions,
    authRequired: passwords !== undefined || certificates,
    authFailureDelayMs: delay,
  };
}

function tlsOptionsOf(tls: ServerTlsOptions): TlsOptions {
  if (!isOptionsObject(tls)) throw new InvalidArgumentError('security.tls must be an object');
  rejectUnknownKeys(
    tls,
    SERVER_TLS_KEYS,
    (key) => new InvalidArgumentError(`unknown security.tls option '${key}'`),
  );
  if (tls.key === undefined || tls.cert === undefined) {
    throw new InvalidArgumentError('security.tls needs key and cert');
  }
  const mode = tls.requestClientCert ?? false;
  if (mode !== true && mode !== false && mode !== 'optional') {
    throw new InvalidArgumentError("security.tls.requestClientCert must be true, false or 'optional'");
  }
  if (mode !== false && tls.ca === undefined) {
    throw new InvalidArgumentError(
      'security.tls.requestClientCert needs security.tls.ca (the CA of client certificates)',
    );
  }
  return {
    key: readPem(tls.key, 'security.tls.key'),
    cert: readPem(tls.cert, 'security.tls.cert'),
    ...(tls.ca !== undefined ? { ca: readPem(tls.ca, 'security.tls.ca') } : {}),
    requestCert: mode !== false,
    // The handshake lets an unverified (or absent) certificate through, so the server can say why in
    // a frame the client reads (a bare TLS alert reaches it as a reset it would retry): a required
    // certificate that did not verify is refused right after the handshake with AuthenticationError;
    // with 'optional' such a connection is no one until it authenticates with a password.
    rejectUnauthorized: false,
    minVersion: 'TLSv1.2',
  };
}

function passwordCheckOf(options: ServerSecurityOptions): Authenticate | undefined {
  if (options.authenticate !== undefined) return options.authenticate;
  if (options.credentials === undefined) return undefined;
  const store =
    typeof options.credentials === 'string'
      ? CredentialsStore.fromFile(options.credentials)
      : new CredentialsStore(options.credentials);
  return async (username, password, signal) =>
    (await store.verify(username, password, signal)) ? { name: username } : null;
}
