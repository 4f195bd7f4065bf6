import {
  appendFileSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StackError } from '../../src/errors/stack';
import type { DatabaseOptions } from '../../src/mirror/DatabaseOptions';
import { isAlive, isPortFree, tailFile } from './processes';
import { findPostgresTools, PostgresTools, postgresUserIds, runPostgresTool } from './postgresTools';
import {
  createSecurePostgresMaterial,
  newPostgresPassword,
  SECURE_PG_HBA,
  securePostgresLayout,
  securePostgresSettings,
  type SecurePostgresLayout,
} from './securePostgres';
import { STACK_HOST } from './StackOptions';

/** First port tried for private instances; far from 5432 so they never meet the shared server. */
export const PRIVATE_POSTGRES_PORT_BASE = 55432;
/** Private instances pick a random port in [base, base + span) so parallel test workers rarely collide. */
const PRIVATE_POSTGRES_PORT_SPAN = 2000;

/** How to create a {@link PostgresInstance}. */
export interface PostgresInstanceOptions {
  /** TCP port on 127.0.0.1. */
  readonly port: number;
  /** Data folder; created (with initdb) when it does not hold a cluster yet. Default: a fresh temporary folder. */
  readonly dataDir?: string;
  /**
   * False (the default for private instances) turns fsync off: faster, and a crash of the machine may
   * lose data, which no test cares about. The launcher's shared fallback server keeps it on.
   */
  readonly durable?: boolean;
  /**
   * Require TLS and a password on every connection: `ssl = on` with a self-signed certificate made
   * at initdb time, and a pg_hba.conf of `hostssl ... scram-sha-256` only, so a connection without
   * TLS or without the password is refused. The password of `postgres` is in `security.passwordFile`.
   * Applies when the data folder is created; a reopened folder keeps what it was made with.
   */
  readonly secure?: boolean;
}

/** How {@link PostgresInstance.stop} shuts the server down: `fast` is clean, `immediate` is a crash. */
export type PostgresStopMode = 'fast' | 'immediate';

/**
 * A PostgreSQL server with its own data folder and port, run with initdb and pg_ctl. Fault tests
 * use private instances to stop and start a database at will without touching the shared one.
 */
export class PostgresInstance {
  /** `postgresql://postgres@127.0.0.1:<port>/postgres`, never with a password (trust auth on loopback unless secure). */
  readonly url: string;
  readonly logFile: string;
  /** A secure instance's certificate (the CA a client trusts), key and password file; undefined for a plain one. */
  readonly security: SecurePostgresLayout | undefined;

  private constructor(
    readonly port: number,
    readonly dataDir: string,
    private readonly tools: PostgresTools,
    private readonly ownsParentDir: boolean,
    secure: boolean,
  ) {
    this.url = `postgresql://postgres@${STACK_HOST}:${port}/postgres`;
    this.logFile = path.join(dataDir, 'server.log');
    this.security = secure ? securePostgresLayout(dataDir) : undefined;
  }

  /**
   * How the mirror (or `openDatabase`) reaches this instance: its URL, and for a secure instance TLS
   * trusting its certificate and the password file.
   */
  databaseOptions(): DatabaseOptions {
    if (this.security === undefined) return { url: this.url };
    return { url: this.url, passwordFile: this.security.passwordFile, ssl: { ca: this.security.certFile } };
  }

  /** Creates the data folder (initdb) if needed. Does not start the server. */
  static async create(options: PostgresInstanceOptions): Promise<PostgresInstance> {
    const tools = findPostgresTools();
    const ids = tools.asPostgresUser ? await postgresUserIds() : undefined;
    let dataDir = options.dataDir;
    let ownsParentDir = false;
    if (dataDir === undefined) {
      // A fresh folder under the temporary folder: reachable by the postgres user even when we are root.
      const parent = mkdtempSync(path.join(os.tmpdir(), 'spacelog-pg-'));
      if (ids !== undefined) chownSync(parent, ids.uid, ids.gid);
      dataDir = path.join(parent, 'data');
      ownsParentDir = true;
    }
    const fresh = !existsSync(path.join(dataDir, 'PG_VERSION'));
    const secure = fresh ? (options.secure ?? false) : existsSync(securePostgresLayout(dataDir).keyFile);
    const instance = new PostgresInstance(options.port, dataDir, tools, ownsParentDir, secure);
    if (fresh) {
      // Parents stay traversable (the server may run as `postgres`); only the data folder is private.
      mkdirSync(path.dirname(dataDir), { recursive: true });
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      if (ids !== undefined) chownSync(dataDir, ids.uid, ids.gid);
      await instance.initdb(options.durable ?? false, ids);
    }
    return instance;
  }

  /** Starts the server and waits until it accepts connections. Does nothing if it is running. */
  async start(): Promise<void> {
    if (this.running) return;
    const result = await runPostgresTool(this.tools, 'pg_ctl', [
      '-D',
      this.dataDir,
      '-l',
      this.logFile,
      '-o',
      `-p ${this.port}`,
      '-w',
      '-t',
      '60',
      'start',
    ]);
    if (result.code !== 0) {
      throw new StackError(
        'POSTGRES_UNAVAILABLE',
        `PostgreSQL in ${this.dataDir} did not start on port ${this.port}`,
        {
          logFile: this.logFile,
          logTail: [...(result.stdout + result.stderr).trim().split('\n'), ...tailFile(this.logFile, 15)],
        },
      );
    }
  }

  /** Stops the server (`fast`: clean; `immediate`: like a crash, recovery runs on the next start). */
  async stop(mode: PostgresStopMode = 'fast'): Promise<void> {
    if (!this.running) return;
    const result = await runPostgresTool(this.tools, 'pg_ctl', [
      '-D',
      this.dataDir,
      '-m',
      mode,
      '-w',
      '-t',
      '60',
      'stop',
    ]);
    if (result.code !== 0 && this.running) {
      throw new StackError('POSTGRES_UNAVAILABLE', `PostgreSQL in ${this.dataDir} did not stop`, {
        logFile: this.logFile,
        logTail: [...(result.stdout + result.stderr).trim().split('\n'), ...tailFile(this.logFile, 15)],
      });
    }
  }

  /** Stops the server at once and deletes its data folder. Idempotent. */
  async destroy(): Promise<void> {
    await this.stop('immediate');
    rmSync(this.ownsParentDir ? path.dirname(this.dataDir) : this.dataDir, { recursive: true, force: true });
  }

  /** True while the postmaster recorded in postmaster.pid is alive. */
  get running(): boolean {
    const pidFile = path.join(this.dataDir, 'postmaster.pid');
    if (!existsSync(pidFile)) return false;
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 && isAlive(pid);
  }

  private async initdb(durable: boolean, owner: { uid: number; gid: number } | undefined): Promise<void> {
    const password = this.security === undefined ? undefined : newPostgresPassword();
    // initdb reads the superuser's password from a file (never an argument), readable by the postgres user.
    const pwDir = password === undefined ? undefined : mkdtempSync(path.join(os.tmpdir(), 'spacelog-pgpw-'));
    const pwFile = pwDir === undefined ? undefined : path.join(pwDir, 'password');
    if (pwDir !== undefined && pwFile !== undefined) {
      writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
      if (owner !== undefined) {
        chownSync(pwDir, owner.uid, owner.gid);
        chownSync(pwFile, owner.uid, owner.gid);
      }
    }
    const result = await runPostgresTool(this.tools, 'initdb', [
      '-D',
      this.dataDir,
      '-U',
      'postgres',
      '-A',
      'trust',
      ...(pwFile === undefined ? [] : [`--pwfile=${pwFile}`]),
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ]).finally(() => {
      if (pwDir !== undefined) rmSync(pwDir, { recursive: true, force: true });
    });
    if (result.code !== 0) {
      throw new StackError('POSTGRES_UNAVAILABLE', `initdb failed in ${this.dataDir}`, {
        logTail: (result.stdout + result.stderr).trim().split('\n').slice(-15),
      });
    }
    // Loopback TCP only: no Unix socket, so nothing is shared with a system server's socket folder.
    const settings = [
      '',
      '# Spacelog launcher',
      `listen_addresses = '${STACK_HOST}'`,
      "unix_socket_directories = ''",
      'max_connections = 100',
      ...(durable ? [] : ['fsync = off', 'synchronous_commit = off', 'full_page_writes = off']),
      ...(this.security === undefined ? [] : securePostgresSettings(this.security)),
    ];
    appendFileSync(path.join(this.dataDir, 'postgresql.conf'), `${settings.join('\n')}\n`);
    if (this.security !== undefined && password !== undefined) {
      await createSecurePostgresMaterial(this.security, password, owner);
      // Replaces initdb's trust rules (the file keeps its owner, the postgres user).
      writeFileSync(path.join(this.dataDir, 'pg_hba.conf'), SECURE_PG_HBA);
    }
  }
}

/** How {@link startPrivatePostgres} sets up its instance. */
export interface PrivatePostgresOptions {
  /** TLS and a SCRAM password required on every connection (see {@link PostgresInstanceOptions.secure}). */
  readonly secure?: boolean;
}

/**
 * Starts a private PostgreSQL (own data folder, own port from 55432 up, fsync off) for a test that
 * needs to stop and start its database, or one that requires TLS (`{ secure: true }`). Call
 * `destroy()` when done.
 */
export async function startPrivatePostgres(options: PrivatePostgresOptions = {}): Promise<PostgresInstance> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const port = PRIVATE_POSTGRES_PORT_BASE + Math.floor(Math.random() * PRIVATE_POSTGRES_PORT_SPAN);
    if (!(await isPortFree(port, STACK_HOST))) continue;
    const instance = await PostgresInstance.create({ port, ...options });
    try {
      await instance.start();
      return instance;
    } catch (error) {
      // Most likely another worker took the port between our check and the bind: try another.
      lastError = error;
      await instance.destroy();
    }
  }
  throw lastError ?? new StackError('POSTGRES_UNAVAILABLE', 'no free port found for a private PostgreSQL');
}
