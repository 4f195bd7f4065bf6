import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { optionKeys } from '../../config/optionKeys';
import { AuthenticationError, InvalidArgumentError, ProtocolError, type SpacelogError } from '../../errors';
import type { AuthArgs } from './handshake';
import { readPem, type PemSource } from './pem';

/** A client's TLS settings (`Spacelog.connect({ tls })`). */
export interface ClientTlsOptions {
  /** CAs that sign the servers' certificates (PEM text, Buffer or file path); default: Node's bundled CAs. */
  readonly ca?: PemSource;
  /** Client certificate for mutual TLS (its subject CN is the principal). */
  readonly cert?: PemSource;
  /** The client certificate's private key. */
  readonly key?: PemSource;
  /** Name the server certificate must carry (and SNI); default: the endpoint's host. */
  readonly servername?: string;
  /** Default true. false accepts any server certificate: for tests only, never with a password. */
  readonly rejectUnauthorized?: boolean;
}

/** The keys of ClientTlsOptions (a client's `tls`, a unit's `security.client.tls`). @internal */
export const CLIENT_TLS_KEYS = optionKeys<ClientTlsOptions>({
  ca: true,
  cert: true,
  key: true,
  servername: true,
  rejectUnauthorized: true,
});

/** A user name and password, sent in the AUTH first request of every connection (TLS only). */
export interface ClientCredentials {
  readonly username: string;
  readonly password: string;
}

/** How each client connection secures itself. @internal */
export interface ClientSecurity {
  /** node:tls options (host-independent part), when TLS is on. */
  readonly tls: ConnectionOptions | undefined;
  /** The AUTH request, when the client has credentials. */
  readonly auth: AuthArgs | undefined;
}

/**
 * Reads key and certificates once and refuses credentials without TLS (they never travel in clear)
 * or with certificate checks off. The password is kept non-enumerable, so logging or JSON-printing
 * the resolved settings does not show it.
 * @internal
 */
export function resolveClientSecurity(
  tls: ClientTlsOptions | undefined,
  credentials: ClientCredentials | undefined,
): ClientSecurity | undefined {
  if (tls === undefined && credentials === undefined) return undefined;
  if (credentials !== undefined) {
    if (
      credentials === null ||
      typeof credentials.username !== 'string' ||
      typeof credentials.password !== 'string'
    ) {
      throw new InvalidArgumentError('credentials must be { username, password } strings');
    }
    if (tls === undefined) {
      throw new InvalidArgumentError('credentials need tls: a password is never sent over plain TCP');
    }
    if (tls.rejectUnauthorized === false) {
      throw new InvalidArgumentError(
        'credentials need a verified server: tls.rejectUnauthorized must not be false',
      );
    }
  }
  const options: ConnectionOptions | undefined =
    tls === undefined
      ? undefined
      : {
          ...(tls.ca !== undefined ? { ca: readPem(tls.ca, 'tls.ca') } : {}),
          ...(tls.cert !== undefined ? { cert: readPem(tls.cert, 'tls.cert') } : {}),
          ...(tls.key !== undefined ? { key: readPem(tls.key, 'tls.key') } : {}),
          ...(tls.servername !== undefined ? { servername: tls.servername } : {}),
          rejectUnauthorized: tls.rejectUnauthorized ?? true,
          minVersion: 'TLSv1.2',
        };
  if ((tls?.cert === undefined) !== (tls?.key === undefined)) {
    throw new InvalidArgumentError('tls.cert and tls.key go together');
  }
  let auth: AuthArgs | undefined;
  if (credentials !== undefined) {
    auth = { mechanism: 'password', username: credentials.username } as AuthArgs;
    Object.defineProperty(auth, 'password', { value: credentials.password, enumerable: false });
  }
  return { tls: options, auth };
}

/** The node:tls options of one connection: SNI only for a host name (never an IP address). @internal */
export function tlsOptionsFor(tls: ConnectionOptions, host: string, port: number): ConnectionOptions {
  const servername = tls.servername ?? (isIP(host) === 0 ? host : undefined);
  return { ...tls, host, port, ...(servername !== undefined ? { servername } : {}) };
}

/**
 * A TLS failure as a typed error: certificate problems on either side are AuthenticationErrors
 * (non-retriable: the same certificates fail again), talking TLS to a plain server a ProtocolError;
 * undefined for anything else (a reset, a refused connection: retriable ConnectionLostError).
 * @internal
 */
export function tlsFailureOf(error: unknown, endpoint: string): SpacelogError | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  const message = (error as Error).message;
  if (/WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|RECORD_LAYER_FAILURE/u.test(code)) {
    return new ProtocolError(`${endpoint} does not speak TLS (${code})`, { cause: error });
  }
  if (/CERT|_CA$|UNKNOWN_CA|CERTIFICATE|ALTNAME|SELF_SIGNED|UNABLE_TO_(VERIFY|GET)/u.test(code)) {
    return new AuthenticationError(`TLS with ${endpoint} failed: ${message}`, { cause: error });
  }
  return undefined;
}
