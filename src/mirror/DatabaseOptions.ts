import { optionKeys } from '../config/optionKeys';

/**
 * How the mirror reaches PostgreSQL, when it opens its own pool: a URL without the password, or its
 * parts; TLS; and the password from a file or the environment, so it never sits in a command line or
 * a config file. Anything not given comes from the environment (`DATABASE_ENVIRONMENT`).
 */
export interface DatabaseOptions {
  /** `postgres://user@host:5432/db` (query parameters such as `sslmode` as node-postgres reads them). Default: SPACELOG_DATABASE_URL, else the local stack's. */
  readonly url?: string;
  /** Host (or a Unix socket folder); overrides the URL's. */
  readonly host?: string;
  readonly port?: number;
  /** Database name; overrides the URL's. */
  readonly database?: string;
  /** User; overrides the URL's. */
  readonly user?: string;
  /** The password itself, for programs that hold it already (from a vault); prefer `passwordFile`. */
  readonly password?: string;
  /** A file holding the password (one trailing newline ignored), read when the pool opens. */
  readonly passwordFile?: string;
  /**
   * TLS: `true` (Node's CA store, the server's host name checked), or the CA, a client certificate and
   * key (PEM text or file paths), `rejectUnauthorized`. `false` turns TLS off whatever the URL or
   * environment say. Default: from the environment, else the URL's `sslmode`, else PGSSLMODE.
   */
  readonly ssl?: boolean | DatabaseTlsOptions;
}

/** TLS to PostgreSQL: each of `ca`, `cert`, `key` is PEM text or the path of a PEM file. */
export interface DatabaseTlsOptions {
  /** CA certificate(s) the server's certificate must chain to; default: Node's CA store. */
  readonly ca?: string | readonly string[];
  /** Client certificate (PostgreSQL `clientcert=verify-full` / `cert` auth). Needs `key`. */
  readonly cert?: string;
  /** The client certificate's private key. Needs `cert`. Never logged. */
  readonly key?: string;
  /** Default true. `false` accepts any server certificate: development only. */
  readonly rejectUnauthorized?: boolean;
  /** Host name to check the certificate against, when it differs from `host` (connecting by IP). */
  readonly servername?: string;
}

/** What a mirror's `database` may be given as: a URL, or {@link DatabaseOptions}. */
export type DatabaseSpec = string | DatabaseOptions;

/**
 * The environment variables the mirror, `spacelog mirror` and `spacelog migrate` read for PostgreSQL.
 * Options win key by key; a password is taken in the order: the `password` / `passwordFile` option,
 * the URL's, SPACELOG_DATABASE_PASSWORD_FILE, PGPASSWORD, then ~/.pgpass (node-postgres).
 */
export const DATABASE_ENVIRONMENT = {
  SPACELOG_DATABASE_URL: 'PostgreSQL URL (default postgres://postgres@127.0.0.1:5432/postgres)',
  SPACELOG_DATABASE_PASSWORD_FILE: 'file holding the password (one trailing newline ignored)',
  PGPASSWORD: 'the password itself (libpq’s and node-postgres’s variable)',
  SPACELOG_DATABASE_SSL: 'true: TLS with Node’s CA store; false: no TLS (default: on when a TLS file is set)',
  SPACELOG_DATABASE_SSL_CA_FILE: 'PEM file of the CA(s) the server’s certificate chains to (turns TLS on)',
  SPACELOG_DATABASE_SSL_CERT_FILE: 'PEM client certificate (with the key file)',
  SPACELOG_DATABASE_SSL_KEY_FILE: 'PEM private key of the client certificate',
  SPACELOG_DATABASE_SSL_REJECT_UNAUTHORIZED:
    'false accepts any server certificate (development only; default true)',
  PGSSLMODE: 'read by node-postgres when nothing above and no sslmode in the URL sets TLS',
} as const;

export const DATABASE_OPTION_KEYS = optionKeys<DatabaseOptions>({
  url: true,
  host: true,
  port: true,
  database: true,
  user: true,
  password: true,
  passwordFile: true,
  ssl: true,
});
