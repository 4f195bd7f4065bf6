import type { Admin } from 'kafkajs';
import type { Knex } from 'knex';
import type { Space } from '../api/Space';
import type {
  ConsoleDataSource,
  ConsoleQueryResult,
  ConsoleSnapshot,
  TypeCount,
} from '../console/ConsoleDataSource';
import type { ConsoleQuery } from '../console/consoleQuery';
import { ConsoleTail } from '../console/ConsoleTail';
import { MirrorReader } from '../console/MirrorReader';
import { runConsoleQuery, type ConsoleQueryTarget } from '../console/runConsoleQuery';
import { SnapshotCache } from '../console/SnapshotCache';
import { countTypes, settle, snapshotOf } from '../console/snapshotParts';
import type { KafkaConnection } from '../log/connection/KafkaConnection';
import { KAFKA_CLIENT_IDS, kafkaOn } from '../log/connection/openKafka';
import type { UnitStatus } from '../ops/status/UnitStatus';
import { singleUnitView } from './clusterView';
import { LogEndReader } from './LogEndReader';

/** What the console reads of a one-process grid. */
export interface LocalGridConsoleSourceOptions {
  /** The grid's space, read in this process: counts and the query box (never a socket). */
  readonly space: Space;
  /** The entry types of the space, read on each use. */
  readonly types: { readonly names: readonly string[] };
  /** The grid as one unit's report: every partition a primary replica of it. */
  readonly status: () => UnitStatus;
  /** The grid's Kafka connection, as it is: the console builds its own fail-fast client on it. */
  readonly connection: KafkaConnection;
  readonly prefix: string;
  /** The grid's mirror database (owned by the grid, not closed here) and schema; absent: no mirror panel. */
  readonly mirror?: { readonly knex: Knex; readonly schema: string };
  readonly snapshotMaxAgeMs?: number;
  /** Something worth a line in a log (an undecodable record in the tail). */
  readonly onWarning?: (line: string) => void;
}

/**
 * The console's data from a one-process grid: the grid as one unit holding every partition as primary
 * (its replicas' role, readiness, warm-up and entries, read in process), counts and queries answered
 * by the grid's own space in process, the log ends from Kafka, the grid's mirror tables, and the same
 * shared Kafka tail of the partition logs as `SpaceConsoleSource`.
 */
export class LocalGridConsoleSource implements ConsoleDataSource {
  readonly space: string;
  readonly feed: ConsoleTail;
  private readonly admin: Admin;
  private readonly ends: LogEndReader;
  private readonly mirror: MirrorReader | undefined;
  private readonly snapshots: SnapshotCache<ConsoleSnapshot>;
  private readonly reads: ConsoleQueryTarget;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: LocalGridConsoleSourceOptions) {
    const { space, prefix, mirror } = options;
    this.space = space.name;
    // Fail fast: a page waits on these calls, and a broker that is down is shown, not retried for long.
    const { kafka, connection } = kafkaOn(options.connection, {
      clientId: KAFKA_CLIENT_IDS.console,
      tuning: 'console',
    });
    this.admin = kafka.admin();
    this.ends = new LogEndReader(this.admin, prefix, this.space);
    this.mirror = mirror === undefined ? undefined : new MirrorReader(mirror.knex, mirror.schema, this.space);
    this.snapshots = new SnapshotCache(() => this.read(), options.snapshotMaxAgeMs);
    this.reads = {
      read: (type, selector) => space.read(type, selector),
      readMultiple: (type, selector, limit) => space.readMultiple(type, selector, { limit }),
      count: (type, selector) => space.count(type, selector),
    };
    this.feed = new ConsoleTail({
      kafka,
      connection,
      prefix,
      space: this.space,
      ...(options.onWarning === undefined ? {} : { onWarning: options.onWarning }),
    });
  }

  snapshot(): Promise<ConsoleSnapshot> {
    return this.snapshots.get();
  }

  types(): Promise<readonly string[]> {
    return Promise.resolve([...this.options.types.names]);
  }

  query(query: ConsoleQuery): Promise<ConsoleQueryResult> {
    return runConsoleQuery(this.reads, query);
  }

  /** Stops the tail and disconnects the console's Kafka admin; the grid and its mirror stay up. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.feed.close();
      await this.admin.disconnect().catch(() => undefined);
    })();
    return this.closing;
  }

  private async read(): Promise<ConsoleSnapshot> {
    const status = this.options.status();
    const [logEnds, counts] = await Promise.all([
      settle(this.ends.logEnds(status.replicas.length)),
      settle(this.counts(status)),
    ]);
    const mirror = await this.mirror?.view(logEnds.value);
    return snapshotOf(this.space, { cluster: { value: singleUnitView(status) }, logEnds, mirror, counts });
  }

  /**
   * Entries per type through the grid's space, once every partition serves: a count would wait for a
   * warming partition (up to the grid's `readyWaitMs`) and hold the status panels up with it.
   */
  private async counts(status: UnitStatus): Promise<TypeCount[]> {
    const waiting = status.replicas.filter((r) => !r.ready);
    if (waiting.length > 0) {
      const which = waiting.map((r) => `${r.partition} (${r.role})`).join(', ');
      throw new Error(`not every partition serves: ${which}`);
    }
    return countTypes(this.options.types.names, (type) => this.reads.count(type, { template: {} }));
  }
}
