import type { Knex } from 'knex';
import { optionKeys, rejectUnknownKeys } from '../config/optionKeys';
import { isLoopbackHost } from '../config/loopback';
import { ConnectionConfigError } from '../errors/connection';
import { defineSecret, parseBooleanSetting, readPem, readSecretFile } from '../log/connection/secretSettings';
import { databaseUrlFromEnv, redactDatabaseUrl } from './databaseUrl';
import { DATABASE_OPTION_KEYS, type DatabaseSpec, type DatabaseTlsOptions } from './DatabaseOptions';
import { withDefaults } from '../config/withDefaults';

/** TLS to PostgreSQL with every file read. `key` is non-enumerable (never printed). */
export interface DatabaseTls {
  readonly ca?: readonly string[];
  readonly cert?: string;
  readonly key?: string;
  readonly rejectUnauthorized: boolean;
  readonly servername?: string;
}

/**
 * A PostgreSQL connection resolved from options, URL and environment, every file read. `password` is
 * non-enumerable. `ssl` undefined leaves TLS to node-postgres's PGSSLMODE.
 */
export interface DatabaseConfig {
  readonly host?: string;
  readonly port?: number;
  readonly database?: string;
  readonly user?: string;
  readonly password?: string;
  readonly ssl?: false | DatabaseTls;
  /** Other URL query parameters (`application_name`, `options`, ...), passed to node-postgres as they are. */
  readonly params: Readonly<Record<string, string>>;
}

const TLS_KEYS = optionKeys<DatabaseTlsOptions>({
  ca: true,
  cert: true,
  key: true,
  rejectUnauthorized: true,
  servername: true,
});
/** URL query parameters read here rather than passed on. */
const URL_SSL_PARAMS = ['ssl', 'sslmode', 'sslrootcert', 'sslcert', 'sslkey'];

/**
 * Resolves the mirror's `database` (a URL or {@link DatabaseOptions}; undefined: SPACELOG_DATABASE_URL,
 * else the local default) into one checked config: unknown keys, unreadable files, half a client
 * certificate and contradictory password sources are refused with a ConnectionConfigError naming the
 * setting, never the secret. See {@link DATABASE_ENVIRONMENT} for the environment it reads.
 */
export function resolveDatabaseConfig(
  spec: DatabaseSpec | undefined,
  env: NodeJS.ProcessEnv = process.env,
  path = 'database',
): DatabaseConfig {
  checkDatabaseOptions(spec, path);
  const options = typeof spec === 'string' ? { url: spec } : (spec ?? {});
  const urlSetting = options.url !== undefined ? `${path}.url` : 'SPACELOG_DATABASE_URL';
  const url = options.url ?? (options.host === undefined ? databaseUrlFromEnv(env) : undefined);
  const fromUrl = url === undefined ? emptyUrl() : parseDatabaseUrl(url, urlSetting);
  const host = options.host ?? fromUrl.host;
  const port = options.port ?? fromUrl.port;
  const database = options.database ?? fromUrl.database;
  const user = options.user ?? fromUrl.user;
  const password = resolvePassword(options, fromUrl.password, path, env);
  const ssl = resolveTls(options.ssl, fromUrl.ssl, path, env);
  // TLS that does not check the server: ours, or PGSSLMODE's when nothing here set TLS (node-postgres
  // reads it itself then).
  const unverified =
    ssl === undefined ? env.PGSSLMODE === 'no-verify' : ssl !== false && !ssl.rejectUnauthorized;
  // No host (node-postgres's localhost) and a socket directory are this machine.
  const remote = host !== undefined && !host.startsWith('/') && !isLoopbackHost(host);
  // A password may also come from PGPASSWORD or ~/.pgpass, which node-postgres reads itself: only a
  // client certificate without a password is an identity such a peer cannot take.
  const certificateOnly =
    password === undefined && ssl !== undefined && ssl !== false && ssl.cert !== undefined;
  if (unverified && remote && !certificateOnly) {
    // PostgreSQL may ask for the password in clear (the `password` method); over TLS that does not
    // check who answers, whoever sits in the middle can ask, and read it.
    throw new ConnectionConfigError(
      `${path}.ssl: the password would go to whoever answers for ${host} (the server certificate is ` +
        `not verified: rejectUnauthorized false, sslmode=no-verify or PGSSLMODE=no-verify); give the ` +
        `server's CA in ${path}.ssl.ca (or sslrootcert) instead`,
      `${path}.ssl`,
    );
  }
  const config = {
    params: fromUrl.params,
    ...(host === undefined ? {} : { host }),
    ...(port === undefined ? {} : { port }),
    ...(database === undefined ? {} : { database }),
    ...(user === undefined ? {} : { user }),
    ...(ssl === undefined ? {} : { ssl }),
  };
  return password === undefined ? config : defineSecret(config, 'password', password);
}

/** Refuses unknown keys and wrong types in `database` options, without reading anything. */
export function checkDatabaseOptions(spec: unknown, path = 'database'): void {
  if (spec === undefined || typeof spec === 'string') return;
  const refusal = (setting: string, message: string): ConnectionConfigError =>
    new ConnectionConfigError(`${setting}: ${message}`, setting);
  const fail = (setting: string, message: string): never => {
    throw refusal(setting, message);
  };
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    fail(path, 'must be a URL or { url | host/port/database/user, passwordFile, ssl }');
  }
  const record = spec as Record<string, unknown>;
  rejectUnknownKeys(record, DATABASE_OPTION_KEYS, (key) => refusal(`${path}.${key}`, 'unknown key'));
  for (const key of ['url', 'host', 'database', 'user', 'password', 'passwordFile']) {
    const value = record[key];
    if (value !== undefined && (typeof value !== 'string' || value.length === 0)) {
      fail(`${path}.${key}`, 'must be a non-empty string');
    }
  }
  const port = record.port;
  if (port !== undefined && !(Number.isInteger(port) && (port as number) > 0 && (port as number) < 65536)) {
    fail(`${path}.port`, 'must be a port number');
  }
  if (record.password !== undefined && record.passwordFile !== undefined) {
    fail(`${path}.password`, 'give password or passwordFile, not both');
  }
  const ssl = record.ssl;
  if (ssl === undefined || typeof ssl === 'boolean') return;
  if (typeof ssl !== 'object' || ssl === null || Array.isArray(ssl)) {
    fail(`${path}.ssl`, 'must be true, false or { ca, cert, key, rejectUnauthorized, servername }');
  }
  const tls = ssl as Record<string, unknown>;
  rejectUnknownKeys(tls, TLS_KEYS, (key) => refusal(`${path}.ssl.${key}`, 'unknown key'));
  const ca = tls.ca;
  const isText = (value: unknown): boolean => typeof value === 'string' && value.length > 0;
  if (ca !== undefined && !isText(ca) && !(Array.isArray(ca) && ca.every(isText))) {
    fail(`${path}.ssl.ca`, 'must be PEM text or a file path, or a list of them');
  }
  for (const key of ['cert', 'key', 'servername']) {
    if (tls[key] !== undefined && !isText(tls[key])) fail(`${path}.ssl.${key}`, 'must be a non-empty string');
  }
  if (tls.rejectUnauthorized !== undefined && typeof tls.rejectUnauthorized !== 'boolean') {
    fail(`${path}.ssl.rejectUnauthorized`, 'must be true or false');
  }
}

/**
 * The connection settings knex hands to node-postgres: a fresh object each time (node-postgres copies
 * `ssl` with Object.assign, which skips non-enumerable keys, so the key is a plain property here).
 * @internal
 */
export function pgConnectionOf(config: DatabaseConfig): Knex.PgConnectionConfig {
  const { ssl } = config;
  const connection: Record<string, unknown> = { ...config.params };
  for (const key of ['host', 'port', 'database', 'user', 'password'] as const) {
    if (config[key] !== undefined) connection[key] = config[key];
  }
  if (ssl !== undefined) {
    connection.ssl =
      ssl === false
        ? false
        : {
            rejectUnauthorized: ssl.rejectUnauthorized,
            ...(ssl.ca === undefined ? {} : { ca: [...ssl.ca] }),
            ...(ssl.cert === undefined ? {} : { cert: ssl.cert }),
            ...(ssl.key === undefined ? {} : { key: ssl.key }),
            ...(ssl.servername === undefined ? {} : { servername: ssl.servername }),
          };
  }
  return connection as Knex.PgConnectionConfig;
}

/** `user@host:port/database (TLS)`: for status lines and errors; never the password. */
export function describeDatabase(config: DatabaseConfig): string {
  const where = `${config.user === undefined ? '' : `${config.user}@`}${config.host ?? 'localhost'}${
    config.port === undefined ? '' : `:${config.port}`
  }/${config.database ?? ''}`;
  if (config.ssl === undefined || config.ssl === false) return where;
  return `${where} (${config.ssl.rejectUnauthorized ? 'TLS' : 'TLS, certificate not verified'})`;
}

interface UrlParts {
  readonly host?: string;
  readonly port?: number;
  readonly database?: string;
  readonly user?: string;
  readonly password?: string;
  /** TLS as the URL's sslmode / ssl / sslrootcert / sslcert / sslkey say it, node-postgres's way. */
  readonly ssl?: false | DatabaseTlsOptions;
  readonly params: Record<string, string>;
}

function emptyUrl(): UrlParts {
  return { params: {} };
}

/**
 * The parts of a `postgres://` URL, as node-postgres's own parser reads them (it cannot be used
 * directly: its password and TLS would override ours when given to node-postgres as a URL).
 */
function parseDatabaseUrl(url: string, setting: string): UrlParts {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    // The text is not shown: a malformed URL may still hold a password.
    throw new ConnectionConfigError(`${setting}: not a valid postgres:// URL`, setting, { cause: error });
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new ConnectionConfigError(
      `${setting}: expected a postgres:// or postgresql:// URL, got ${redactDatabaseUrl(url)}`,
      setting,
    );
  }
  const query = Object.fromEntries(parsed.searchParams);
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    if (!URL_SSL_PARAMS.includes(key) && !['host', 'port', 'user', 'password'].includes(key))
      params[key] = value;
  }
  const host = query.host ?? (decodeURIComponent(parsed.hostname) || undefined);
  const portText = query.port ?? parsed.port;
  const port = portText === '' || portText === undefined ? undefined : Number(portText);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    throw new ConnectionConfigError(`${setting}: bad port in ${redactDatabaseUrl(url)}`, setting);
  }
  const database = decodeURIComponent(parsed.pathname.slice(1)) || undefined;
  const user = decodeURIComponent(parsed.username) || query.user;
  const password = decodeURIComponent(parsed.password) || query.password;
  return {
    params,
    ...(host === undefined ? {} : { host }),
    ...(port === undefined ? {} : { port }),
    ...(database === undefined ? {} : { database }),
    ...(user === undefined ? {} : { user }),
    ...(password === undefined ? {} : { password }),
    ...urlTls(query, setting),
  };
}

function urlTls(query: Record<string, string>, setting: string): { ssl?: false | DatabaseTlsOptions } {
  const { ssl, sslmode, sslrootcert, sslcert, sslkey } = query;
  if (sslmode === 'disable' || ssl === '0' || ssl === 'false') return { ssl: false };
  const files = {
    ...(sslrootcert === undefined ? {} : { ca: sslrootcert }),
    ...(sslcert === undefined ? {} : { cert: sslcert }),
    ...(sslkey === undefined ? {} : { key: sslkey }),
  };
  if (sslmode === undefined && ssl === undefined && Object.keys(files).length === 0) return {};
  const modes = ['allow', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'];
  if (sslmode !== undefined && !modes.includes(sslmode)) {
    throw new ConnectionConfigError(`${setting}: unknown sslmode '${sslmode}'`, setting);
  }
  // As node-postgres: every mode but no-verify checks the certificate (libpq's `require` does not).
  return { ssl: { ...files, ...(sslmode === 'no-verify' ? { rejectUnauthorized: false } : {}) } };
}

function resolvePassword(
  options: { readonly password?: string; readonly passwordFile?: string },
  urlPassword: string | undefined,
  path: string,
  env: NodeJS.ProcessEnv,
): string | undefined {
  if (options.password !== undefined) return options.password;
  if (options.passwordFile !== undefined) return readSecretFile(options.passwordFile, `${path}.passwordFile`);
  if (urlPassword !== undefined) return urlPassword;
  const file = env.SPACELOG_DATABASE_PASSWORD_FILE?.trim();
  if (file !== undefined && file !== '') return readSecretFile(file, 'SPACELOG_DATABASE_PASSWORD_FILE');
  const value = env.PGPASSWORD;
  return value === undefined || value === '' ? undefined : value;
}

function resolveTls(
  option: boolean | DatabaseTlsOptions | undefined,
  fromUrl: false | DatabaseTlsOptions | undefined,
  path: string,
  env: NodeJS.ProcessEnv,
): false | DatabaseTls | undefined {
  if (option === false) return false;
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const caFile = read('SPACELOG_DATABASE_SSL_CA_FILE');
  const certFile = read('SPACELOG_DATABASE_SSL_CERT_FILE');
  const keyFile = read('SPACELOG_DATABASE_SSL_KEY_FILE');
  const rejectText = read('SPACELOG_DATABASE_SSL_REJECT_UNAUTHORIZED');
  const sslText = read('SPACELOG_DATABASE_SSL');
  const fromEnv = sslText === undefined ? undefined : parseBooleanSetting(sslText, 'SPACELOG_DATABASE_SSL');
  const anyFile = caFile !== undefined || certFile !== undefined || keyFile !== undefined;
  if (option === undefined) {
    if (fromEnv === false && anyFile) {
      throw new ConnectionConfigError(
        'SPACELOG_DATABASE_SSL is false but TLS files are set (SPACELOG_DATABASE_SSL_*_FILE)',
        'SPACELOG_DATABASE_SSL',
      );
    }
    if (fromEnv === false) return false;
    // Nothing from options or environment: the URL decides, else node-postgres (PGSSLMODE).
    if (fromEnv !== true && !anyFile) {
      return fromUrl === undefined || fromUrl === false ? fromUrl : resolveTlsFiles(fromUrl, {}, path, env);
    }
  }
  const given: DatabaseTlsOptions = typeof option === 'object' ? option : {};
  const base = fromUrl === false || fromUrl === undefined ? {} : fromUrl;
  return resolveTlsFiles(
    {
      // Key by key: a key given as undefined leaves the URL's value (its CA, its key) in place.
      ...withDefaults<DatabaseTlsOptions>(base, given),
      ...(given.ca === undefined && caFile !== undefined ? { ca: caFile } : {}),
      ...(given.cert === undefined && certFile !== undefined ? { cert: certFile } : {}),
      ...(given.key === undefined && keyFile !== undefined ? { key: keyFile } : {}),
      ...(given.rejectUnauthorized === undefined && rejectText !== undefined
        ? { rejectUnauthorized: parseBooleanSetting(rejectText, 'SPACELOG_DATABASE_SSL_REJECT_UNAUTHORIZED') }
        : {}),
    },
    given,
    path,
    env,
  );
}

function resolveTlsFiles(
  tls: DatabaseTlsOptions,
  given: DatabaseTlsOptions,
  path: string,
  env: NodeJS.ProcessEnv,
): DatabaseTls {
  // Name the setting a file came from: the option, else its environment variable, else the URL's parameter.
  const settingOf = (key: 'ca' | 'cert' | 'key'): string => {
    if (given[key] !== undefined) return `${path}.ssl.${key}`;
    const variable = `SPACELOG_DATABASE_SSL_${key.toUpperCase()}_FILE`;
    if (env[variable]?.trim()) return variable;
    return `the URL's ssl${key === 'ca' ? 'rootcert' : key}`;
  };
  const caList = tls.ca === undefined ? undefined : typeof tls.ca === 'string' ? [tls.ca] : tls.ca;
  const ca = caList?.map((value) => readPem(value, settingOf('ca')));
  const cert = tls.cert === undefined ? undefined : readPem(tls.cert, settingOf('cert'));
  const key = tls.key === undefined ? undefined : readPem(tls.key, settingOf('key'));
  if ((cert === undefined) !== (key === undefined)) {
    // The missing half is what to set, wherever the other came from.
    const setting = `${path}.ssl.${cert === undefined ? 'cert' : 'key'}`;
    throw new ConnectionConfigError(
      `${setting}: a client certificate needs its key and a key its certificate`,
      setting,
    );
  }
  const resolved = {
    rejectUnauthorized: tls.rejectUnauthorized ?? true,
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined ? {} : { cert }),
    ...(tls.servername === undefined ? {} : { servername: tls.servername }),
  };
  return key === undefined ? resolved : defineSecret(resolved, 'key', key);
}
