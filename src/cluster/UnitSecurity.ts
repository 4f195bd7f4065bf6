import { isLoopbackHost } from '../config/loopback';
import { isOptionsObject, optionKeys, rejectNonObject, rejectUnknownKeys } from '../config/optionKeys';
import { readSecretFile } from '../config/settingFiles';
import { isAbsolute, resolve } from 'node:path';
import { UnitConfigError } from '../errors';
import {
  CLIENT_TLS_KEYS,
  type ClientCredentials,
  type ClientTlsOptions,
} from '../net/security/ClientSecurity';
import {
  SERVER_SECURITY_KEYS,
  SERVER_TLS_KEYS,
  type ServerSecurityOptions,
} from '../net/security/ServerSecurity';

/**
 * How a unit's own routed client (collocated code reaching partitions led by other units) proves
 * who it is to the other units. Absent: with mutual TLS on, the unit presents its server certificate
 * (`security.tls.cert` / `key`; its subject CN is the unit's principal, to be granted in the
 * permissions) and trusts `security.tls.ca`; with passwords only, `credentials` is required.
 */
export interface UnitClientSecurity {
  readonly tls?: ClientTlsOptions;
  readonly credentials?: {
    readonly username: string;
    /** The password itself (programmatic options); prefer passwordFile or passwordEnv in files. */
    readonly password?: string;
    /** A file holding the password (its first line). */
    readonly passwordFile?: string;
    /** An environment variable holding the password. */
    readonly passwordEnv?: string;
  };
}

/** A unit's `security` block: the server's settings plus how its own client connects. */
export interface UnitSecurityOptions extends ServerSecurityOptions {
  readonly client?: UnitClientSecurity;
}

const SECURITY_KEYS: ReadonlySet<string> = new Set([
  ...SERVER_SECURITY_KEYS,
  ...optionKeys<Pick<UnitSecurityOptions, 'client'>>({ client: true }),
]);
const CLIENT_KEYS = optionKeys<UnitClientSecurity>({ tls: true, credentials: true });
const CLIENT_CREDENTIALS_KEYS = optionKeys<NonNullable<UnitClientSecurity['credentials']>>({
  username: true,
  password: true,
  passwordFile: true,
  passwordEnv: true,
});

/**
 * Refuses a `security` block, or a part of it, that is not an object or has a key it does not take,
 * when the unit's options are checked: the server would check its part only once it listens (after the
 * space's topics were made), and nothing else checks the `client` part's keys. Values are checked
 * where they are used. @internal
 */
export function checkUnitSecurityKeys(security: unknown, refuse: (message: string) => Error): void {
  const check = (value: unknown, path: string, known: ReadonlySet<string>): void => {
    rejectNonObject(value, path, refuse);
    rejectUnknownKeys(value ?? {}, known, (key) => refuse(`unknown ${path} option '${key}'`));
  };
  check(security, 'security', SECURITY_KEYS);
  const { tls, client } = (security ?? {}) as UnitSecurityOptions;
  check(tls, 'security.tls', SERVER_TLS_KEYS);
  check(client, 'security.client', CLIENT_KEYS);
  check(client?.tls, 'security.client.tls', CLIENT_TLS_KEYS);
  check(client?.credentials, 'security.client.credentials', CLIENT_CREDENTIALS_KEYS);
}

/** The server part of a unit's security block (what SpaceServer takes). @internal */
export function serverSecurityOf(
  security: UnitSecurityOptions | undefined,
): ServerSecurityOptions | undefined {
  if (security === undefined) return undefined;
  const { client: _client, ...server } = security;
  return server;
}

/**
 * The `tls` and `credentials` of the unit's own routed client, or a UnitConfigError when the unit's
 * cluster requires authentication and the unit has no way to give it.
 * @internal
 */
export function unitClientOf(security: UnitSecurityOptions | undefined): {
  tls?: ClientTlsOptions;
  credentials?: ClientCredentials;
} {
  if (security === undefined) return {};
  const client = security.client ?? {};
  const serverTls = security.tls;
  const mutual = serverTls?.requestClientCert === true || serverTls?.requestClientCert === 'optional';
  const tls: ClientTlsOptions | undefined =
    client.tls ??
    (serverTls === undefined
      ? undefined
      : {
          ...(serverTls.ca !== undefined ? { ca: serverTls.ca } : {}),
          ...(mutual ? { cert: serverTls.cert, key: serverTls.key } : {}),
        });
  const credentials = client.credentials === undefined ? undefined : credentialsOf(client.credentials);
  const passwords = security.credentials !== undefined || security.authenticate !== undefined;
  const hasCert = tls?.cert !== undefined;
  if (passwords && !mutual && credentials === undefined) {
    throw new UnitConfigError(
      'security.client.credentials is required: the unit authenticates to the other units of its space like any client',
    );
  }
  if (serverTls?.requestClientCert === true && !hasCert) {
    throw new UnitConfigError(
      'security.client.tls needs cert and key: the units require client certificates',
    );
  }
  return { ...(tls !== undefined ? { tls } : {}), ...(credentials !== undefined ? { credentials } : {}) };
}

/** Refuses a non-loopback host without TLS unless `insecure: true` (before anything starts). @internal */
export function checkUnitBind(host: string, security: UnitSecurityOptions | undefined, source: string): void {
  if (security?.tls === undefined && security?.insecure !== true && !isLoopbackHost(host)) {
    throw new UnitConfigError(
      `${source}: host ${host} is not a loopback address: configure security.tls, or say security.insecure: true`,
    );
  }
}

/** A unit config file's `security` block with its file paths made relative to the file. @internal */
export function securityPathsRelativeTo(security: unknown, baseDir: string): unknown {
  // A part that is not an object is left as it is, for checkUnitSecurityKeys to refuse.
  if (!isOptionsObject(security)) return security;
  const path = (value: unknown): unknown =>
    typeof value === 'string' && !value.trimStart().startsWith('-----BEGIN') && !isAbsolute(value)
      ? resolve(baseDir, value)
      : value;
  const asRecord = (value: unknown): Record<string, unknown> | undefined =>
    isOptionsObject(value) ? (value as Record<string, unknown>) : undefined;
  const tlsPaths = (tls: unknown): unknown => {
    const t = asRecord(tls);
    return t === undefined ? tls : { ...t, key: path(t.key), cert: path(t.cert), ca: path(t.ca) };
  };
  const credentialsPaths = (credentials: unknown): unknown => {
    const c = asRecord(credentials);
    return c === undefined ? credentials : withoutUndefined({ ...c, passwordFile: path(c.passwordFile) });
  };
  const s = security as Record<string, unknown>;
  const client = asRecord(s.client);
  return withoutUndefined({
    ...s,
    tls: tlsPaths(s.tls),
    credentials: path(s.credentials),
    permissions: path(s.permissions),
    client:
      client === undefined
        ? s.client
        : withoutUndefined({
            ...client,
            tls: tlsPaths(client.tls),
            credentials: credentialsPaths(client.credentials),
          }),
  });
}

function credentialsOf(given: NonNullable<UnitClientSecurity['credentials']>): ClientCredentials {
  const sources = [given.password, given.passwordFile, given.passwordEnv].filter((v) => v !== undefined);
  if (typeof given.username !== 'string' || sources.length !== 1) {
    throw new UnitConfigError(
      'security.client.credentials needs username and exactly one of password, passwordFile, passwordEnv',
    );
  }
  let password: string | undefined = given.password;
  if (given.passwordFile !== undefined) {
    password = readSecretFile(
      given.passwordFile,
      'security.client.credentials.passwordFile',
      (message, cause) => new UnitConfigError(message, cause === undefined ? {} : { cause }),
    );
  }
  if (given.passwordEnv !== undefined) password = process.env[given.passwordEnv];
  if (password === undefined || password.length === 0) {
    throw new UnitConfigError(
      `security.client.credentials: the password of '${given.username}' is empty or unset`,
    );
  }
  const credentials = { username: given.username } as ClientCredentials;
  // Non-enumerable: a logged or printed options object does not show it.
  Object.defineProperty(credentials, 'password', { value: password, enumerable: false });
  return credentials;
}

function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}
