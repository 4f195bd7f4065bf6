import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StackError } from '../../src/errors/stack';
import { PostgresInstance } from './PostgresInstance';
import { PostgresProbeResult, probePostgres, tryProbePostgres } from './postgresProbe';
import { findExecutable, runCommand } from './processes';
import { PostgresRecord, StackState } from './StackState';
import { DEFAULT_DATABASE_URL, ENV_DATABASE_URL, redactUrl, ResolvedStackOptions } from './StackOptions';

/** Where Debian keeps its PostgreSQL clusters' configuration (one folder per major version). */
const DEBIAN_CLUSTERS = '/etc/postgresql';
/** Port of the server the launcher initdb's when nothing else is available. */
const FALLBACK_PORT = 5432;

/** Which PostgreSQL the stack uses, in order of preference. */
export type PostgresSource = 'configured' | 'reachable' | 'pg_ctlcluster' | 'initdb';

/** The outcome of {@link LocalPostgres.up}. */
export interface PostgresUpResult {
  readonly url: string;
  readonly source: PostgresSource;
  /** True when the server was already running (or was not ours to start). */
  readonly reused: boolean;
  readonly version: PostgresProbeResult;
}

/**
 * Finds or starts the stack's PostgreSQL: SPACELOG_DATABASE_URL if set; else a server already answering
 * on 127.0.0.1:5432; else the Debian cluster (pg_ctlcluster); else a server initdb'd into the cache.
 * Only a server this launcher started is recorded, and only a recorded server is ever stopped.
 */
export class LocalPostgres {
  constructor(
    private readonly options: ResolvedStackOptions,
    private readonly state: StackState,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  /** Makes sure a PostgreSQL answers and says which one it is. */
  async up(): Promise<PostgresUpResult> {
    const configured = this.options.configuredDatabaseUrl;
    if (configured !== undefined) {
      const version = await probePostgres(configured).catch((error: unknown) => {
        throw new StackError(
          'POSTGRES_UNAVAILABLE',
          `${ENV_DATABASE_URL}=${redactUrl(configured)} does not answer`,
          {
            cause: error,
          },
        );
      });
      return { url: configured, source: 'configured', reused: true, version };
    }
    const recorded = this.state.read().postgres;
    const reachable = await tryProbePostgres(recorded?.url ?? DEFAULT_DATABASE_URL);
    if (reachable !== undefined) {
      const source = recorded === undefined ? 'reachable' : recorded.kind;
      return { url: recorded?.url ?? DEFAULT_DATABASE_URL, source, reused: true, version: reachable };
    }
    const record = (await this.startDebianCluster()) ?? (await this.startInitdbServer());
    this.state.update((data) => (data.postgres = record));
    return {
      url: record.url,
      source: record.kind,
      reused: false,
      version: await probePostgres(record.url, 10_000),
    };
  }

  /** Stops the server this launcher started, if any. True if one was stopped. */
  async down(): Promise<boolean> {
    const record = this.state.read().postgres;
    if (record === undefined) return false;
    if (record.kind === 'pg_ctlcluster') {
      await runCommand('pg_ctlcluster', [
        '--skip-systemctl-redirect',
        record.version,
        record.cluster,
        'stop',
      ]);
    } else {
      const instance = await PostgresInstance.create({
        port: record.port,
        dataDir: record.dataDir,
        durable: true,
      });
      await instance.stop('fast');
    }
    this.state.update((data) => delete data.postgres);
    return true;
  }

  private async startDebianCluster(): Promise<PostgresRecord | undefined> {
    if (findExecutable('pg_ctlcluster') === undefined || !existsSync(DEBIAN_CLUSTERS)) return undefined;
    const version = readdirSync(DEBIAN_CLUSTERS)
      .filter((entry) => existsSync(path.join(DEBIAN_CLUSTERS, entry, 'main', 'postgresql.conf')))
      .sort((a, b) => Number(b) - Number(a))[0];
    if (version === undefined) return undefined;
    this.log(`starting the PostgreSQL ${version} cluster 'main' with pg_ctlcluster`);
    const result = await runCommand(
      'pg_ctlcluster',
      ['--skip-systemctl-redirect', version, 'main', 'start'],
      {
        timeoutMs: 120_000,
      },
    );
    if (result.code !== 0 || (await tryProbePostgres(DEFAULT_DATABASE_URL, 10_000)) === undefined) {
      throw new StackError(
        'POSTGRES_UNAVAILABLE',
        `pg_ctlcluster ${version} main start did not give a PostgreSQL on 5432`,
        {
          logTail: (result.stdout + result.stderr).trim().split('\n').slice(-15),
        },
      );
    }
    return { kind: 'pg_ctlcluster', version, cluster: 'main', url: DEFAULT_DATABASE_URL };
  }

  private async startInitdbServer(): Promise<PostgresRecord> {
    // As root, the server runs as postgres, who cannot enter root's home: keep its data in the temporary folder.
    const dataDir =
      process.getuid?.() === 0
        ? path.join(os.tmpdir(), 'spacelog-stack-postgres', 'data')
        : path.join(this.options.stateDir, 'postgres', 'data');
    this.log(`starting a PostgreSQL of our own in ${dataDir}`);
    const instance = await PostgresInstance.create({ port: FALLBACK_PORT, dataDir, durable: true });
    await instance.start();
    this.log(`postgres log: ${instance.logFile}`);
    return { kind: 'initdb', dataDir, port: FALLBACK_PORT, url: instance.url };
  }
}
