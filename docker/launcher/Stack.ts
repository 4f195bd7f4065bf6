import { StackError } from '../../src/errors/stack';
import { tryProbeKafka } from './kafkaProbe';
import { LocalKafkaCluster } from './LocalKafkaCluster';
import { LocalPostgres, PostgresSource } from './LocalPostgres';
import { tryProbePostgres } from './postgresProbe';
import { isOurProcess } from './processes';
import { ADMIN_USER, KafkaClientSecurity } from './secureKafka';
import { KafkaSecurityRecord, StackState } from './StackState';
import {
  DEFAULT_DATABASE_URL,
  ENV_KAFKA_BROKERS,
  redactUrl,
  resolveStackOptions,
  ResolvedStackOptions,
  STACK_HOST,
  StackOptions,
} from './StackOptions';

/** Where the Kafka the stack uses comes from. */
export type KafkaSource = 'configured' | 'launcher' | 'reachable';

/** Where clients find the stack's services. */
export interface StackEndpoints {
  readonly kafkaBrokers: readonly string[];
  readonly databaseUrl: string;
}

/** The Kafka the stack uses, as {@link Stack.upKafka} found or started it. */
export interface KafkaUp {
  readonly brokers: string[];
  readonly source: KafkaSource;
  /** True when this call started the brokers (so the caller may stop them again). */
  readonly startedNow: boolean;
  readonly logFiles: readonly string[];
  /** The Apache Kafka release of a cluster the launcher runs (state.json); undefined for any other. */
  readonly version?: string;
  /** A secure stack's CA and credential files (paths only); undefined for a plain one. */
  readonly security?: KafkaSecurityRecord;
}

/** The PostgreSQL the stack uses, as {@link Stack.upPostgres} found or started it. */
export interface PostgresUp {
  readonly url: string;
  readonly source: PostgresSource;
  /** True when this call started the server (so the caller may stop it again). */
  readonly startedNow: boolean;
  /** `show server_version`. */
  readonly version: string;
}

/** The outcome of {@link Stack.up}. */
export interface StackUpResult {
  readonly endpoints: StackEndpoints;
  readonly kafka: KafkaUp;
  readonly postgres: PostgresUp;
}

/** One service as `stack status` reports it. */
export interface ServiceStatus {
  readonly up: boolean;
  /** `configured` (environment), `launcher` (started by spacelog), `reachable` (someone else's), or `none`. */
  readonly source: KafkaSource | PostgresSource | 'none';
  /** Bootstrap list or URL (password hidden). */
  readonly endpoint: string;
  /** e.g. "Apache Kafka 3.9.1" or "PostgreSQL 15.14 (Debian ...)"; undefined when not known. */
  readonly version?: string;
  readonly details: readonly string[];
}

/** What `stack status` reports. */
export interface StackStatus {
  readonly kafka: ServiceStatus;
  readonly postgres: ServiceStatus;
}

/**
 * The local stack: Kafka (KRaft, from Kafka's jars) and PostgreSQL, without Docker. Endpoints
 * configured by SPACELOG_KAFKA_BROKERS / SPACELOG_DATABASE_URL always win over anything launched.
 */
export class Stack {
  readonly options: ResolvedStackOptions;
  private readonly state: StackState;
  private readonly kafka: LocalKafkaCluster;
  private readonly postgres: LocalPostgres;

  constructor(options: StackOptions = {}, log: (line: string) => void = () => undefined, env = process.env) {
    this.options = resolveStackOptions(options, env);
    this.state = new StackState(this.options.stateDir);
    this.kafka = new LocalKafkaCluster(this.options, this.state, log);
    this.postgres = new LocalPostgres(this.options, this.state, log);
  }

  /** Starts what is missing, reuses what is healthy, and returns the endpoints. */
  async up(): Promise<StackUpResult> {
    const postgres = await this.upPostgres();
    const kafka = await this.upKafka();
    return { endpoints: { kafkaBrokers: kafka.brokers, databaseUrl: postgres.url }, kafka, postgres };
  }

  /** Finds or starts PostgreSQL only (see {@link LocalPostgres}). */
  async upPostgres(): Promise<PostgresUp> {
    const postgres = await this.postgres.up();
    return {
      url: postgres.url,
      source: postgres.source,
      startedNow: !postgres.reused,
      version: postgres.version.serverVersion,
    };
  }

  /**
   * Finds or starts Kafka only: the configured brokers, else the recorded healthy cluster, else a
   * Kafka someone else runs on our ports, else a new cluster.
   */
  async upKafka(): Promise<KafkaUp> {
    const configured = this.options.configuredKafkaBrokers;
    if (configured !== undefined) {
      if ((await tryProbeKafka(configured, 10_000)) === undefined) {
        throw new StackError(
          'KAFKA_UNAVAILABLE',
          `${ENV_KAFKA_BROKERS}=${configured.join(',')} does not answer`,
        );
      }
      return { brokers: [...configured], source: 'configured', startedNow: false, logFiles: [] };
    }
    if (this.state.read().kafka === undefined && !this.options.secure) {
      // Someone else's Kafka (docker compose, say) already on our ports: use it rather than fail on a taken port.
      const foreign = await tryProbeKafka(this.defaultBootstrap(), 2_000);
      if (foreign !== undefined && foreign.brokers.length === this.options.brokers) {
        return { brokers: this.defaultBootstrap(), source: 'reachable', startedNow: false, logFiles: [] };
      }
    }
    const { record, reused } = await this.kafka.up();
    return {
      brokers: LocalKafkaCluster.bootstrap(record),
      source: 'launcher',
      startedNow: !reused,
      logFiles: record.brokers.map((broker) => broker.logFile),
      version: record.version,
      ...(record.security === undefined ? {} : { security: record.security }),
    };
  }

  /**
   * The kafkajs `ssl` and `sasl` settings that log in to the running secure stack as `username`
   * (default its super user, `admin`); undefined for a plain stack or when none runs.
   */
  kafkaClientSecurity(username: string = ADMIN_USER): KafkaClientSecurity | undefined {
    return this.kafka.clientSecurity(undefined, username);
  }

  /** Stops only what this launcher started (recorded PIDs / clusters). */
  async down(): Promise<{ readonly kafkaStopped: boolean; readonly postgresStopped: boolean }> {
    const kafkaStopped = await this.downKafka();
    const postgresStopped = await this.downPostgres();
    return { kafkaStopped, postgresStopped };
  }

  /** Stops the Kafka brokers this launcher started, if any. True if one was running. */
  downKafka(): Promise<boolean> {
    return this.kafka.down();
  }

  /** Stops the PostgreSQL this launcher started, if any (never one it merely found). */
  downPostgres(): Promise<boolean> {
    return this.postgres.down();
  }

  /** Reports both services, with their versions. */
  async status(): Promise<StackStatus> {
    return { kafka: await this.kafkaStatus(), postgres: await this.postgresStatus() };
  }

  private async kafkaStatus(): Promise<ServiceStatus> {
    const configured = this.options.configuredKafkaBrokers;
    const record = this.state.read().kafka;
    const source: KafkaSource =
      configured !== undefined ? 'configured' : record !== undefined ? 'launcher' : 'reachable';
    const brokers =
      configured ?? (record === undefined ? this.defaultBootstrap() : LocalKafkaCluster.bootstrap(record));
    const probe = await tryProbeKafka(brokers, 3_000, this.kafka.clientSecurity(record));
    const details: string[] = [];
    if (probe !== undefined) details.push(`cluster ${probe.clusterId}, ${probe.brokers.length} broker(s)`);
    if (record?.security !== undefined) {
      details.push(
        `${record.security.protocol} (${record.security.mechanism}), CA ${record.security.caFile}`,
      );
      for (const [user, file] of Object.entries(record.security.credentialFiles)) {
        details.push(`credentials of ${user}: ${file}`);
      }
    }
    let version: string | undefined;
    if (source === 'launcher' && record !== undefined) {
      // The version the cluster was started with (state.json), not the one a new stack would get.
      version = `Apache Kafka ${record.version}`;
      for (const broker of record.brokers) {
        const alive = isOurProcess(broker.pid, broker.configFile);
        details.push(
          `kafka ${broker.nodeId}: pid ${broker.pid} ${alive ? 'running' : 'NOT running'}, log ${broker.logFile}`,
        );
      }
    } else if (probe !== undefined) {
      details.push('not started by spacelog: version not known');
    }
    return {
      up: probe !== undefined,
      source: probe === undefined && source === 'reachable' ? 'none' : source,
      endpoint: brokers.join(','),
      ...(version === undefined ? {} : { version }),
      details,
    };
  }

  private async postgresStatus(): Promise<ServiceStatus> {
    const configured = this.options.configuredDatabaseUrl;
    const record = this.state.read().postgres;
    const url = configured ?? record?.url ?? DEFAULT_DATABASE_URL;
    const source: PostgresSource = configured !== undefined ? 'configured' : (record?.kind ?? 'reachable');
    const probe = await tryProbePostgres(url);
    return {
      up: probe !== undefined,
      source: probe === undefined && source === 'reachable' ? 'none' : source,
      endpoint: redactUrl(url),
      ...(probe === undefined ? {} : { version: `PostgreSQL ${probe.serverVersion}` }),
      details: probe === undefined ? [] : [probe.description],
    };
  }

  private defaultBootstrap(): string[] {
    return Array.from(
      { length: this.options.brokers },
      (_, i) => `${STACK_HOST}:${this.options.brokerPortBase + i}`,
    );
  }
}
