import type { Admin, Kafka } from 'kafkajs';
import type { Knex } from 'knex';
import { RemoteSpace } from '../client/RemoteSpace';
import { partitionTopicsOf } from '../console/tailFormat';
import { DEFAULT_PREFIX } from '../log/admin/topicNames';
import { isSpacelogError } from '../errors';
import type { KafkaClientOptions } from '../log/connection/KafkaClientOptions';
import { KAFKA_CLIENT_IDS, openKafka } from '../log/connection/openKafka';
import { checkPrefix, checkSpaceName } from '../log/admin/topicNames';
import { DEFAULT_MIRROR_SCHEMA } from '../mirror/MirrorConfig';
import {
  resolveClientSecurity,
  type ClientCredentials,
  type ClientTlsOptions,
} from '../net/security/ClientSecurity';
import { ClusterReader } from './ClusterReader';
import type {
  ConsoleDataSource,
  ConsoleQueryResult,
  ConsoleSnapshot,
  TypeCount,
} from '../console/ConsoleDataSource';
import type { ConsoleQuery } from '../console/consoleQuery';
import { ConsoleTail } from '../console/ConsoleTail';
import { MirrorReader } from '../console/MirrorReader';
import { runConsoleQuery } from '../console/runConsoleQuery';
import { SnapshotCache } from '../console/SnapshotCache';
import { countTypes, settle, snapshotOf } from '../console/snapshotParts';

export { DEFAULT_SNAPSHOT_MAX_AGE_MS } from '../console/SnapshotCache';

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
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  private readonly cluster: ClusterReader;
  private readonly mirror: MirrorReader | undefined;
  private readonly snapshots: SnapshotCache<ConsoleSnapshot>;
  private readonly requestTimeout: number;
  private partitionCount: number | undefined;
  private client: Promise<RemoteSpace> | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: SpaceConsoleSourceOptions) {
    checkSpaceName(options.space);
    this.space = options.space;
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    checkPrefix(this.prefix);
    // Fail fast: a page waits on these calls, and a broker that is down is shown, not retried for long.
    const { kafka, connection } = openKafka(options.kafka, {
      clientId: KAFKA_CLIENT_IDS.console,
      tuning: 'console',
    });
    this.kafka = kafka;
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
    this.snapshots = new SnapshotCache(() => this.read(), options.snapshotMaxAgeMs);
    this.requestTimeout = options.requestTimeoutMs ?? DEFAULT_CONSOLE_REQUEST_TIMEOUT_MS;
    this.feed = new ConsoleTail({
      kafka,
      connection,
      prefix: this.prefix,
      space: this.space,
      ...(options.onWarning === undefined ? {} : { onWarning: options.onWarning }),
    });
  }

  snapshot(): Promise<ConsoleSnapshot> {
    return this.snapshots.get();
  }

  async types(): Promise<readonly string[]> {
    return (await this.grid()).types.names;
  }

  async query(query: ConsoleQuery): Promise<ConsoleQueryResult> {
    const client = await this.grid();
    const options = { requestTimeout: this.requestTimeout };
    try {
      return await runConsoleQuery(
        {
          read: (type, selector) => client.read(type, selector, options),
          readMultiple: (type, selector, limit) => client.readMultiple(type, selector, { ...options, limit }),
          count: (type, selector) => client.count(type, selector, options),
        },
        query,
      );
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
    const mirror = await this.mirror?.view(logEnds.value);
    return snapshotOf(this.space, { cluster, logEnds, mirror, counts });
  }

  private async counts(): Promise<TypeCount[]> {
    const client = await this.grid();
    return countTypes(client.types.names, async (type) => {
      try {
        return await client.count(type, { template: {} }, { requestTimeout: this.requestTimeout });
      } catch (error) {
        this.dropClientAfter(error);
        throw error;
      }
    });
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
