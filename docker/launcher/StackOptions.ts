import os from 'node:os';
import path from 'node:path';
import { StackError } from '../../src/errors/stack';
import { DEFAULT_KAFKA_VERSION, kafkaLibsDirFor, parseKafkaVersion } from './kafkaVersions';
import { checkScramUsers, DEFAULT_SCRAM_USERS } from './secureKafka';
import { redactDatabaseUrl } from '../../src/mirror/databaseUrl';

/** First broker (client) port: brokers listen on 9092, 9093, ... */
export const DEFAULT_BROKER_PORT = 9092;
/** First controller port, kept apart from the broker range so one and three brokers use the same layout. */
export const DEFAULT_CONTROLLER_PORT = 9192;
/** First broker port of the secure stack (SASL_SSL), apart from the plain one so both can run at once. */
export const DEFAULT_SECURE_BROKER_PORT = 9292;
/** First controller port of the secure stack. */
export const DEFAULT_SECURE_CONTROLLER_PORT = 9392;
/** Brokers started when `--brokers` is not given. */
export const DEFAULT_BROKER_COUNT = 1;
/** Largest cluster the launcher starts: enough for fault tests, small enough for a laptop. */
export const MAX_BROKER_COUNT = 5;
/** Java heap per broker: a dev broker needs little, and fault tests run three on two cores. */
export const DEFAULT_BROKER_HEAP = '512m';
/** How long `stack up` waits for the brokers to answer metadata before giving up. */
export const DEFAULT_START_TIMEOUT_MS = 120_000;
/** The PostgreSQL server the launcher looks for (and starts, when it has to) when none is configured. */
export const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';
/** Host every launched service binds to: loopback only, nothing is exposed to the network. */
export const STACK_HOST = '127.0.0.1';

/** Environment variables the launcher and the test setup read. */
export const ENV_KAFKA_BROKERS = 'SPACELOG_KAFKA_BROKERS';
export const ENV_DATABASE_URL = 'SPACELOG_DATABASE_URL';
export const ENV_CACHE_DIR = 'SPACELOG_CACHE_DIR';

/** What the caller (CLI flags, test setup) may ask of the stack. */
export interface StackOptions {
  /** Number of Kafka brokers (1 to {@link MAX_BROKER_COUNT}); default {@link DEFAULT_BROKER_COUNT}. */
  readonly brokers?: number;
  /** Folder for Kafka's jars, the stack's state, data and logs; default ~/.cache/spacelog. */
  readonly cacheDir?: string;
  /** Deadline for the brokers to answer metadata; default {@link DEFAULT_START_TIMEOUT_MS}. */
  readonly startTimeoutMs?: number;
  /**
   * The Apache Kafka release to start (`4.4.0`, `3.9.1`; see {@link parseKafkaVersion}). Default
   * {@link DEFAULT_KAFKA_VERSION}, used only when a new cluster is started: without it, a healthy running
   * cluster of any version is kept; with it, one of another version is refused (STACK_MISMATCH).
   */
  readonly kafkaVersion?: string;
  /**
   * The secured stack: SASL_SSL (SCRAM-SHA-512 over TLS) on every listener, StandardAuthorizer
   * without ACLs (so only the launcher's admin may do anything until ACLs are added), its own folder
   * (`<cacheDir>/stack-secure`) and ports ({@link DEFAULT_SECURE_BROKER_PORT} and up), so it runs
   * beside the plain stack. SPACELOG_KAFKA_BROKERS does not apply to it. Default false.
   */
  readonly secure?: boolean;
  /**
   * Secure stack only: the ordinary SCRAM users created at format time besides the launcher's
   * `admin` (each gets a random password in `credentials/<user>.json`). Default `['spacelog']`.
   */
  readonly scramUsers?: readonly string[];
}

/** {@link StackOptions} with every default applied and the environment read. */
export interface ResolvedStackOptions {
  readonly brokers: number;
  readonly cacheDir: string;
  /** Where the stack records its PIDs (state.json), data and logs. */
  readonly stateDir: string;
  /** The Kafka release a new cluster runs. */
  readonly kafkaVersion: string;
  /** True when the caller named {@link kafkaVersion}, so a running cluster of another version is refused. */
  readonly kafkaVersionRequested: boolean;
  /** Where Maven copies the jars of {@link kafkaVersion} (`<cacheDir>/kafka-<version>/libs`). */
  readonly kafkaLibsDir: string;
  readonly brokerPortBase: number;
  readonly controllerPortBase: number;
  readonly heap: string;
  readonly startTimeoutMs: number;
  /** A secured stack (see {@link StackOptions.secure}). */
  readonly secure: boolean;
  /** The SCRAM users besides `admin` (secure stack only; empty otherwise). */
  readonly scramUsers: readonly string[];
  /** Brokers named by SPACELOG_KAFKA_BROKERS; when set, no broker is launched. */
  readonly configuredKafkaBrokers?: readonly string[];
  /** URL named by SPACELOG_DATABASE_URL; when set, no PostgreSQL is looked for or started. */
  readonly configuredDatabaseUrl?: string;
}

/**
 * Applies defaults and reads the environment. Endpoints configured by environment always win over
 * anything the launcher would start.
 */
export function resolveStackOptions(
  options: StackOptions = {},
  env: NodeJS.ProcessEnv = process.env,
  homeDir: string = os.homedir(),
): ResolvedStackOptions {
  const brokers = options.brokers ?? DEFAULT_BROKER_COUNT;
  if (!Number.isInteger(brokers) || brokers < 1 || brokers > MAX_BROKER_COUNT) {
    throw new StackError(
      'BAD_CONFIG',
      `brokers must be an integer from 1 to ${MAX_BROKER_COUNT}, got ${brokers}`,
    );
  }
  const startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  if (!(startTimeoutMs > 0)) {
    throw new StackError('BAD_CONFIG', `startTimeoutMs must be positive, got ${startTimeoutMs}`);
  }
  const kafkaVersion = parseKafkaVersion(options.kafkaVersion ?? DEFAULT_KAFKA_VERSION).text;
  const envCache = nonEmpty(env[ENV_CACHE_DIR]);
  const cacheDir = path.resolve(options.cacheDir ?? envCache ?? path.join(homeDir, '.cache', 'spacelog'));
  const secure = options.secure ?? false;
  if (!secure && options.scramUsers !== undefined) {
    throw new StackError('BAD_CONFIG', 'scramUsers is a setting of the secure stack only (secure: true)');
  }
  const scramUsers = secure ? checkScramUsers(options.scramUsers ?? DEFAULT_SCRAM_USERS) : [];
  // The environment's brokers name the plain Kafka; the secure stack is always the launcher's own.
  const kafkaEnv = secure ? undefined : nonEmpty(env[ENV_KAFKA_BROKERS]);
  const databaseEnv = nonEmpty(env[ENV_DATABASE_URL]);
  return {
    brokers,
    cacheDir,
    stateDir: path.join(cacheDir, secure ? 'stack-secure' : 'stack'),
    kafkaVersion,
    kafkaVersionRequested: options.kafkaVersion !== undefined,
    kafkaLibsDir: kafkaLibsDirFor(cacheDir, kafkaVersion),
    brokerPortBase: secure ? DEFAULT_SECURE_BROKER_PORT : DEFAULT_BROKER_PORT,
    controllerPortBase: secure ? DEFAULT_SECURE_CONTROLLER_PORT : DEFAULT_CONTROLLER_PORT,
    heap: DEFAULT_BROKER_HEAP,
    startTimeoutMs,
    secure,
    scramUsers,
    ...(kafkaEnv === undefined ? {} : { configuredKafkaBrokers: parseBrokerList(kafkaEnv) }),
    ...(databaseEnv === undefined ? {} : { configuredDatabaseUrl: databaseEnv }),
  };
}

/**
 * Parses a comma-separated broker list (`host:port,host:port`), as in SPACELOG_KAFKA_BROKERS.
 * Blank items are ignored; an item without a valid port is refused.
 */
export function parseBrokerList(value: string): string[] {
  const brokers = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
  if (brokers.length === 0) {
    throw new StackError('BAD_CONFIG', `${ENV_KAFKA_BROKERS} names no broker: '${value}'`);
  }
  for (const broker of brokers) {
    const match = /^(.+):(\d{1,5})$/.exec(broker);
    const port = match === null ? NaN : Number(match[2]);
    if (match === null || port < 1 || port > 65535) {
      throw new StackError('BAD_CONFIG', `'${broker}' in ${ENV_KAFKA_BROKERS} is not host:port`);
    }
  }
  return brokers;
}

/** Parses the value of `--brokers`, for the CLI. */
export function parseBrokerCount(value: string): number {
  const count = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isInteger(count) || count < 1 || count > MAX_BROKER_COUNT) {
    throw new StackError(
      'BAD_CONFIG',
      `--brokers must be an integer from 1 to ${MAX_BROKER_COUNT}, got '${value}'`,
    );
  }
  return count;
}

/** Replaces the password of a connection URL (in its authority or a `password=` parameter) so it can be printed. */
export const redactUrl: (url: string) => string = redactDatabaseUrl;

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
