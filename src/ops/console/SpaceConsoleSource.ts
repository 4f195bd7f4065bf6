import type { Admin, Kafka } from 'kafkajs';
import type { Knex } from 'knex';
import { RemoteSpace } from '../../client/RemoteSpace';
import { partitionTopicsOf, toJsonValue } from '../../cli/tailFormat';
import { DEFAULT_PREFIX } from '../../cluster/GridConfig';
import { isSpacelogError } from '../../errors';
import type { KafkaClientOptions } from '../../log/connection/KafkaClientOptions';
import { createKafka, type KafkaConnection } from '../../log/connection/KafkaConnection';
import { resolveKafkaConnection } from '../../log/connection/resolveKafkaConnection';
import { checkPrefix, checkSpaceName } from '../../log/topicNames';
import { DEFAULT_MIRROR_SCHEMA } from '../../mirror/MirrorConfig';
import {
  resolveClientSecurity,
  type ClientCredentials,
  type ClientTlsOptions,
} from '../../net/security/ClientSecurity';
import { ClusterReader } from './ClusterReader';
import type {
  ConsoleDataSource,
  ConsoleQueryResult,
  ConsoleSnapshot,
  MirrorView,
  TypeCount,
} from './ConsoleDataSource';
import { CONSOLE_QUERY_CAP, type ConsoleQuery } from './consoleQuery';
import { ConsoleTail } from './ConsoleTail';
import { describeError } from './describeError';
import { MirrorReader } from './MirrorReader';

/** A snapshot younger than this is served again (many open pages, one read of the cluster). */
export const DEFAULT_SNAPSHOT_MAX_AGE_MS = 1000;

/** Deadline of the grid calls the console makes (counts, queries). */
export const DEFAULT_CONSOLE_REQUEST_TIMEOUT_MS = 5000;

/** Where the console reads a space from. */
export interface SpaceConsoleSourceOptions {
  readonly space: string;
  /** Topic prefix of the deployment; default `spacelog`. */
  readonly prefix?: string;
  /** How to reach Kafka (TLS, SASL); the SPACELOG_KAFKA_* environment fills what is not given. */
  readonly kafka?: KafkaClientOptions;
  /**
   * Grid servers for counts and queries (a unit mounting the console gives its own endpoint);
   * default: the endpoints the units publish in their group.
   */
  readonly bootstrap?: readonly string[];
  /** How to reach secured units, as `Spacelog.connect` takes it. */
  readonly tls?: ClientTlsOptions;
  /** A user allowed to DESCRIBE and read the space. */
  readonly credentials?: ClientCredentials;
  /** The mirror's database (owned by the caller, not closed here) and schema; absent: no mirror panel. */
  readonly mirror?: { readonly knex: Knex; readonly schema?: string };
  readonly snapshotMaxAgeMs?: number;
  readonly requestTimeoutMs?: number;
  /** Something worth a line in a log (an undecodable record in the tail). */
  readonly onWarning?: (line: string) => void;
}

/**
 * The console's data from the real services: the units' Kafka group and each unit's DESCRIBE
 * (cluster), Kafka's log ends, the grid through a remote client (counts, queries), the mirror's
 * PostgreSQL tables, and a shared Kafka tail of the partition logs.
 */
export class SpaceConsoleSource implements ConsoleDataSource {
  readonly space: string;
  readonly feed: ConsoleTail;
  private readonly prefix: string;
  private readonly connection: KafkaConnection;
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  private readonly cluster: ClusterReader;
  private readonly mirror: MirrorReader | undefined;
  private readonly maxAgeMs: number;
  private readonly requestTimeout: number;
  private partitionCount: number | undefined;
  private client: Promise<RemoteSpace> | undefined;
  private latest: ConsoleSnapshot | undefined;
  private reading: Promise<ConsoleSnapshot> | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: SpaceConsoleSourceOptions) {
    checkSpaceName(options.space);
    this.space = options.space;
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    checkPrefix(this.prefix);
    this.connection = resolveKafkaConnection(options.kafka, { clientId: 'spacelog-console' });
    // Fail fast: a page waits on these calls, and a broker that is down is shown, not retried for long.
    this.kafka = createKafka(this.connection, {
      connectionTimeout: 3000,
      retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 1000 },
    });
    this.admin = this.kafka.admin();
    const security = resolveClientSecurity(options.tls, options.credentials);
    this.cluster = new ClusterReader(this.admin, {
      prefix: this.prefix,
      space: this.space,
      ...(security === undefined ? {} : { security }),
    });
    this.mirror =
      options.mirror === undefined
        ? undefined
        : new MirrorReader(options.mirror.knex, options.mirror.schema ?? DEFAULT_MIRROR_SCHEMA, this.space);
    this.maxAgeMs = options.snapshotMaxAgeMs ?? DEFAULT_SNAPSHOT_MAX_AGE_MS;
    this.requestTimeout = options.requestTimeoutMs ?? DEFAULT_CONSOLE_REQUEST_TIMEOUT_MS;
    this.feed = new ConsoleTail({
      kafka: this.kafka,
      connection: this.connection,
      prefix: this.prefix,
      space: this.space,
      ...(options.onWarning === undefined ? {} : { onWarning: options.onWarning }),
    });
  }

  snapshot(): Promise<ConsoleSnapshot> {
    const latest = this.latest;
    if (latest !== undefined && Date.now() - latest.takenAt < this.maxAgeMs) return Promise.resolve(latest);
    this.reading ??= this.read().finally(() => (this.reading = undefined));
    return this.reading;
  }

  async types(): Promise<readonly string[]> {
    return (await this.grid()).types.names;
  }

  async query(query: ConsoleQuery): Promise<ConsoleQueryResult> {
    const client = await this.grid();
    const started = Date.now();
    const options = { requestTimeout: this.requestTimeout };
    const done = (entries: readonly Readonly<Record<string, unknown>>[], extra: { count?: number } = {}) => ({
      entries: entries.slice(0, CONSOLE_QUERY_CAP).map((e) => toJsonValue(e) as Record<string, unknown>),
      capped: entries.length > CONSOLE_QUERY_CAP,
      elapsedMs: Date.now() - started,
      ...extra,
    });
    try {
      switch (query.operation) {
        case 'read': {
          const entry = await client.read(query.type, query.selector, options);
          return done(entry === null ? [] : [entry]);
        }
        case 'readMultiple':
          // One more than the cap: tells "exactly the cap" from "more than the cap".
          return done(
            await client.readMultiple(query.type, query.selector, {
              ...options,
              limit: CONSOLE_QUERY_CAP + 1,
            }),
          );
        case 'count':
          return done([], { count: await client.count(query.type, query.selector, options) });
      }
    } catch (error) {
      this.dropClientAfter(error);
      throw error;
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.feed.close();
      const client = await this.client?.catch(() => undefined);
      await client?.close().catch(() => undefined);
      this.cluster.close();
      await this.admin.disconnect().catch(() => undefined);
    })();
    return this.closing;
  }

  private async read(): Promise<ConsoleSnapshot> {
    const [cluster, count] = await Promise.all([settle(this.cluster.cluster()), settle(this.partitions())]);
    const partitions = cluster.value?.placement?.partitions.length ?? count.value;
    const [logEnds, counts] = await Promise.all([
      partitions === undefined
        ? settle<number[]>(
            Promise.reject(new Error(count.error ?? `space '${this.space}' has no partition topics`)),
          )
        : settle(this.cluster.logEnds(partitions)),
      settle(this.counts()),
    ]);
    const mirror = await this.readMirror(logEnds.value);
    const snapshot: ConsoleSnapshot = {
      space: this.space,
      takenAt: Date.now(),
      ...(cluster.value === undefined ? { clusterError: cluster.error } : { cluster: cluster.value }),
      ...(logEnds.value === undefined ? { logEndsError: logEnds.error } : { logEnds: logEnds.value }),
      ...(mirror === undefined ? {} : { mirror }),
      counts: counts.value ?? [],
      ...(counts.error === undefined ? {} : { countsError: counts.error }),
    };
    this.latest = snapshot;
    return snapshot;
  }

  private async readMirror(logEnds: readonly number[] | undefined): Promise<MirrorView | undefined> {
    if (this.mirror === undefined) return undefined;
    if (logEnds === undefined) return { schema: this.mirror.schema, error: 'the log ends are unknown' };
    try {
      return await this.mirror.read(logEnds);
    } catch (error) {
      return { schema: this.mirror.schema, error: describeError(error) };
    }
  }

  private async counts(): Promise<TypeCount[]> {
    const client = await this.grid();
    return Promise.all(
      client.types.names.map(async (type): Promise<TypeCount> => {
        try {
          return {
            type,
            count: await client.count(type, { template: {} }, { requestTimeout: this.requestTimeout }),
          };
        } catch (error) {
          this.dropClientAfter(error);
          return { type, error: describeError(error) };
        }
      }),
    );
  }

  /** The partition count from the space's topics (fixed when the space was created, so read once). */
  private async partitions(): Promise<number | undefined> {
    if (this.partitionCount !== undefined) return this.partitionCount;
    await this.admin.connect();
    const found = partitionTopicsOf(await this.admin.listTopics(), this.prefix, this.space).length;
    if (found > 0) this.partitionCount = found;
    return this.partitionCount;
  }

  /** The remote client, connected on first use to the given servers or the units' endpoints. */
  private grid(): Promise<RemoteSpace> {
    this.client ??= (async () => {
      const bootstrap =
        this.options.bootstrap ?? Object.values((await this.cluster.cluster()).placement?.endpoints ?? {});
      if (bootstrap.length === 0) {
        throw new Error(`no processing unit of space '${this.space}' is running`);
      }
      return RemoteSpace.connect({
        bootstrap,
        space: this.space,
        requestTimeout: this.requestTimeout,
        connectTimeout: Math.min(this.requestTimeout, 3000),
        ...(this.options.tls === undefined ? {} : { tls: this.options.tls }),
        ...(this.options.credentials === undefined ? {} : { credentials: this.options.credentials }),
      });
    })();
    const pending = this.client;
    pending.catch(() => {
      if (this.client === pending) this.client = undefined;
    });
    return pending;
  }

  /**
   * After a failure the servers may be gone (every unit it knew was replaced): the next call
   * connects afresh to the endpoints the group publishes then. A refused query keeps the client.
   */
  private dropClientAfter(error: unknown): void {
    if (isSpacelogError(error) && !error.retriable) return;
    const stale = this.client;
    this.client = undefined;
    void stale?.then((c) => c.close()).catch(() => undefined);
  }
}

/** A promise's value or its error line, never a rejection. */
async function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: string }> {
  try {
    return { value: await promise };
  } catch (error) {
    return { error: describeError(error) };
  }
}
