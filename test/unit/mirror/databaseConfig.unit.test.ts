import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { ConnectionConfigError } from '../../../src/errors';
import { checkDatabaseArgument, redactDatabaseUrl } from '../../../src/mirror/databaseUrl';
import { checkMirrorOptions } from '../../../src/mirror/MirrorConfig';
import {
  describeDatabase,
  pgConnectionOf,
  resolveDatabaseConfig,
} from '../../../src/mirror/resolveDatabaseConfig';

const CA = '-----BEGIN CERTIFICATE-----\nQ0EgY2VydA==\n-----END CERTIFICATE-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nY2xpZW50\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleQ==\n-----END PRIVATE KEY-----\n';
const PASSWORD = 's3cret pass';

let dir: string;
const file = (name: string, content: string): string => {
  const target = path.join(dir, name);
  writeFileSync(target, content, { mode: 0o600 });
  return target;
};
const refusal = (run: () => unknown): ConnectionConfigError => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectionConfigError);
    return error as ConnectionConfigError;
  }
  throw new Error('expected a ConnectionConfigError');
};

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'spacelog-db-conn-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('PostgreSQL connection settings', () => {
  it('reads the parts of a URL, SPACELOG_DATABASE_URL, or the local default; other parameters pass through', () => {
    expect(pgConnectionOf(resolveDatabaseConfig(undefined, {}))).toEqual({
      host: '127.0.0.1',
      port: 5432,
      database: 'postgres',
      user: 'postgres',
    });
    const config = resolveDatabaseConfig(undefined, {
      SPACELOG_DATABASE_URL: 'postgresql://mirror@db.example.com:6432/reports?application_name=spacelog',
    });
    expect(pgConnectionOf(config)).toEqual({
      host: 'db.example.com',
      port: 6432,
      database: 'reports',
      user: 'mirror',
      application_name: 'spacelog',
    });
    expect(describeDatabase(config)).toBe('mirror@db.example.com:6432/reports');
    expect(
      pgConnectionOf(
        resolveDatabaseConfig({ url: 'postgres://a@h/db', host: 'other', port: 7000, user: 'b' }, {}),
      ),
    ).toMatchObject({ host: 'other', port: 7000, user: 'b', database: 'db' });
  });

  it('takes the password from passwordFile, the URL, SPACELOG_DATABASE_PASSWORD_FILE, then PGPASSWORD, in that order', () => {
    const passwordFile = file('pg-password', `${PASSWORD}\n`);
    const url = 'postgres://mirror@db:5432/reports';
    const passwordOf = (spec: Parameters<typeof resolveDatabaseConfig>[0], env: NodeJS.ProcessEnv) =>
      pgConnectionOf(resolveDatabaseConfig(spec, env)).password;
    expect(passwordOf({ url, passwordFile }, { PGPASSWORD: 'pg' })).toBe(PASSWORD);
    expect(passwordOf({ url, password: 'given' }, { SPACELOG_DATABASE_PASSWORD_FILE: passwordFile })).toBe(
      'given',
    );
    expect(
      passwordOf('postgres://mirror:in%20url@db/reports', { SPACELOG_DATABASE_PASSWORD_FILE: passwordFile }),
    ).toBe('in url');
    expect(passwordOf(url, { SPACELOG_DATABASE_PASSWORD_FILE: passwordFile, PGPASSWORD: 'pg' })).toBe(
      PASSWORD,
    );
    expect(passwordOf(url, { PGPASSWORD: 'from-pgpassword' })).toBe('from-pgpassword');
    // None: node-postgres then tries ~/.pgpass.
    expect(passwordOf(url, {})).toBeUndefined();
  });

  it('maps TLS options to node-postgres ssl: CA, client certificate and key as PEM or files, rejectUnauthorized', () => {
    const spec = {
      url: 'postgres://mirror@db/reports',
      ssl: {
        ca: file('ca.pem', CA),
        cert: CERT,
        key: file('client.key', KEY),
        rejectUnauthorized: false,
        servername: 'db.internal',
      },
    };
    expect(pgConnectionOf(resolveDatabaseConfig(spec, {})).ssl).toEqual({
      ca: [CA],
      cert: CERT,
      key: KEY,
      rejectUnauthorized: false,
      servername: 'db.internal',
    });
    expect(pgConnectionOf(resolveDatabaseConfig({ ssl: true }, {})).ssl).toEqual({
      rejectUnauthorized: true,
    });
  });

  it('regression: refuses a password to a remote server over TLS that does not verify it, naming the setting, never the secret', () => {
    const unverified = (spec: Parameters<typeof resolveDatabaseConfig>[0]) => () =>
      resolveDatabaseConfig(spec, {});
    expect(
      unverified({ url: 'postgres://mirror:s3cret@db.example/r', ssl: { rejectUnauthorized: false } }),
    ).toThrow(expect.objectContaining({ name: 'ConnectionConfigError', setting: 'database.ssl' }));
    expect(unverified('postgres://mirror:s3cret@db.example/r?sslmode=no-verify')).toThrow(/ssl\.ca/u);
    expect(unverified('postgres://mirror:s3cret@db.example/r?sslmode=no-verify')).not.toThrow(/s3cret/u);
    // PGSSLMODE, which node-postgres reads when nothing here sets TLS, counts too; so does a password
    // node-postgres would find itself (PGPASSWORD, ~/.pgpass): only a client certificate is spared.
    expect(() =>
      resolveDatabaseConfig('postgres://mirror:s3cret@db.example/r', { PGSSLMODE: 'no-verify' }),
    ).toThrow(/PGSSLMODE/u);
    expect(unverified('postgres://mirror@db.example/r?sslmode=no-verify')).toThrow(/ssl\.ca/u);
    expect(
      unverified({
        url: 'postgres://mirror@db.example/r',
        ssl: { rejectUnauthorized: false, cert: CERT, key: KEY },
      }),
    ).not.toThrow();
    // To this machine, or with the certificate checked: accepted as before.
    expect(unverified('postgres://mirror:s3cret@127.0.0.1/r?sslmode=no-verify')).not.toThrow();
    expect(unverified('postgres://mirror:s3cret@db.example/r?sslmode=verify-full')).not.toThrow();
  });

  it('reads TLS from SPACELOG_DATABASE_SSL_*; ssl: false wins over URL and environment; nothing set leaves PGSSLMODE to node-postgres', () => {
    const env = {
      SPACELOG_DATABASE_SSL_CA_FILE: file('ca.pem', CA),
      SPACELOG_DATABASE_SSL_REJECT_UNAUTHORIZED: 'true',
    };
    expect(pgConnectionOf(resolveDatabaseConfig('postgres://m@db/r', env)).ssl).toEqual({
      ca: [CA],
      rejectUnauthorized: true,
    });
    expect(
      pgConnectionOf(resolveDatabaseConfig('postgres://m@db/r', { SPACELOG_DATABASE_SSL: 'true' })).ssl,
    ).toEqual({
      rejectUnauthorized: true,
    });
    expect(
      pgConnectionOf(resolveDatabaseConfig({ url: 'postgres://m@db/r?sslmode=require', ssl: false }, env))
        .ssl,
    ).toBe(false);
    expect('ssl' in pgConnectionOf(resolveDatabaseConfig('postgres://m@db/r', {}))).toBe(false);
  });

  it("reads the URL's sslmode and ssl files as node-postgres does", () => {
    const ssl = (url: string) => pgConnectionOf(resolveDatabaseConfig(url, {})).ssl;
    expect(ssl('postgres://m@db/r?sslmode=disable')).toBe(false);
    expect(ssl('postgres://m@db/r?sslmode=verify-full')).toEqual({ rejectUnauthorized: true });
    // (to this machine: no-verify to a remote server is refused, see the regression above)
    expect(ssl('postgres://m@localhost/r?sslmode=no-verify')).toEqual({ rejectUnauthorized: false });
    expect(ssl(`postgres://m@db/r?sslmode=require&sslrootcert=${file('root.pem', CA)}`)).toEqual({
      ca: [CA],
      rejectUnauthorized: true,
    });
    // Options and environment fill in on top of the URL's mode.
    expect(
      pgConnectionOf(
        resolveDatabaseConfig('postgres://m@db/r?sslmode=require', {
          SPACELOG_DATABASE_SSL_CA_FILE: file('ca.pem', CA),
        }),
      ).ssl,
    ).toEqual({ ca: [CA], rejectUnauthorized: true });
    expect(refusal(() => ssl('postgres://m@db/r?sslmode=sometimes')).message).toMatch(/unknown sslmode/);
  });

  it("keeps the URL's TLS files where the ssl option gives a key as undefined (a config built from JSON or env)", () => {
    const url = `postgres://m@db/r?sslmode=require&sslrootcert=${file('root2.pem', CA)}`;
    const resolved = resolveDatabaseConfig({ url, ssl: { ca: undefined, servername: 'db.internal' } }, {});
    expect(pgConnectionOf(resolved).ssl).toEqual({
      ca: [CA],
      rejectUnauthorized: true,
      servername: 'db.internal',
    });
  });

  it('refuses unknown keys, two password sources, half a client certificate and unreadable files, naming the setting', () => {
    expect(
      refusal(() => resolveDatabaseConfig({ url: 'postgres://h/d', pass: 'x' } as never, {})).setting,
    ).toBe('database.pass');
    expect(refusal(() => resolveDatabaseConfig({ ssl: { ca: CA, mode: 'x' } as never }, {})).setting).toBe(
      'database.ssl.mode',
    );
    expect(refusal(() => resolveDatabaseConfig({ password: 'a', passwordFile: 'b' }, {})).setting).toBe(
      'database.password',
    );
    expect(refusal(() => resolveDatabaseConfig({ ssl: { cert: CERT } }, {})).setting).toBe(
      'database.ssl.key',
    );
    const missing = refusal(() =>
      resolveDatabaseConfig(undefined, { SPACELOG_DATABASE_PASSWORD_FILE: path.join(dir, 'absent') }),
    );
    expect(missing.setting).toBe('SPACELOG_DATABASE_PASSWORD_FILE');
    expect(refusal(() => resolveDatabaseConfig('mysql://h/d', {})).message).toMatch(
      /expected a postgres:\/\//,
    );
    expect(() =>
      checkMirrorOptions({
        space: 'orders',
        schemas: 'x',
        database: { url: 'postgres://h/d', sslmode: 'x' } as never,
      }),
    ).toThrow(ConnectionConfigError);
  });

  it('never shows the password or the key when the resolved config is printed or described', () => {
    const config = resolveDatabaseConfig(
      {
        url: `postgres://mirror:${encodeURIComponent(PASSWORD)}@db/reports`,
        ssl: { ca: CA, cert: CERT, key: KEY },
      },
      {},
    );
    for (const text of [JSON.stringify(config), inspect(config, { depth: 5 }), describeDatabase(config)]) {
      expect(text).not.toContain('s3cret');
      expect(text).not.toContain('c2VjcmV0LWtleQ');
    }
    expect(describeDatabase(config)).toBe('mirror@db/reports (TLS)');
    expect(pgConnectionOf(config)).toMatchObject({ password: PASSWORD, ssl: { key: KEY } });
  });

  it('refuses a --database URL that carries a password, showing it redacted', () => {
    expect(checkDatabaseArgument('postgres://mirror@db:5432/reports')).toBe(
      'postgres://mirror@db:5432/reports',
    );
    for (const url of [
      'postgres://mirror:hunter22@db:5432/reports',
      'postgres://mirror@db/reports?password=hunter22',
    ]) {
      const error = refusal(() => checkDatabaseArgument(url));
      expect(error.setting).toBe('--database');
      expect(error.message).not.toContain('hunter22');
      expect(error.message).toMatch(/SPACELOG_DATABASE_PASSWORD_FILE or PGPASSWORD/);
    }
    expect(redactDatabaseUrl('postgres://mirror:hunter22@db:5432/reports')).toBe(
      'postgres://mirror:***@db:5432/reports',
    );
  });
});
