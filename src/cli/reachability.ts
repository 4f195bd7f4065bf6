import { BrokerUnavailableError, DatabaseUnavailableError } from '../errors';
import { errorChain } from '../log/connection/kafkaErrors';
import { databaseHostPort, DEFAULT_PROBE_TIMEOUT_MS, parseHostPort, probeTcp } from './endpointProbe';

/** What to do about an unreachable Kafka, on the line that says so. */
const KAFKA_HINT = "start it with 'spacelog stack up' or pass --brokers";
/** What to do about an unreachable PostgreSQL. */
const DATABASE_HINT = "start it with 'spacelog stack up' or pass --database";

/** kafkajs errors that name a broker it could not talk to, and how to say why when no socket code does. */
const KAFKA_CONNECTION_FAILURES: ReadonlyMap<string, string> = new Map([
  ['KafkaJSConnectionError', 'connection failed'],
  ['KafkaJSConnectionClosedError', 'connection closed'],
  ['KafkaJSRequestTimeoutError', 'request timed out'],
]);

/** An endpoint that did not answer, and why (`ECONNREFUSED`, `ETIMEDOUT`, ...). */
export interface ProbeFailure {
  readonly endpoint: string;
  readonly reason: string;
}

/** `cannot reach Kafka at 127.0.0.1:9092 (ECONNREFUSED): start it with ...`. */
export function kafkaUnreachableMessage(failures: readonly ProbeFailure[]): string {
  return `cannot reach Kafka at ${describeFailures(failures)}: ${KAFKA_HINT}`;
}

/** `cannot reach PostgreSQL at 127.0.0.1:5432 (ECONNREFUSED): start it with ...`. */
export function databaseUnreachableMessage(failure: ProbeFailure): string {
  return `cannot reach PostgreSQL at ${describeFailures([failure])}: ${DATABASE_HINT}`;
}

/**
 * Checks, before a command connects, that at least one of the brokers accepts a TCP connection
 * (kafkajs needs one to learn the others), all probed at once within `timeoutMs`. Throws
 * `BrokerUnavailableError` naming each broker and why, instead of kafkajs's retries and stack.
 */
export async function ensureKafkaReachable(
  brokers: readonly string[],
  timeoutMs = DEFAULT_PROBE_TIMEOUT_MS,
): Promise<void> {
  const results = await Promise.all(
    brokers.map(async (endpoint): Promise<ProbeFailure | undefined> => {
      const target = parseHostPort(endpoint);
      // Not host:port: nothing to probe here; kafkajs will say what it makes of it.
      if (target === undefined) return undefined;
      const reason = await probeTcp(target, timeoutMs);
      return reason === undefined ? undefined : { endpoint, reason };
    }),
  );
  const failures = results.filter((r): r is ProbeFailure => r !== undefined);
  if (failures.length === brokers.length && failures.length > 0) {
    throw new BrokerUnavailableError(kafkaUnreachableMessage(failures));
  }
}

/**
 * Checks that the PostgreSQL of `url` accepts a TCP connection within `timeoutMs`; throws
 * `DatabaseUnavailableError` naming `host:port` (never the URL, which may carry a password).
 */
export async function ensureDatabaseReachable(
  url: string,
  timeoutMs = DEFAULT_PROBE_TIMEOUT_MS,
): Promise<void> {
  const target = databaseHostPort(url);
  if (target === undefined) return;
  const reason = await probeTcp(target, timeoutMs);
  if (reason === undefined) return;
  const endpoint = formatEndpoint(target.host, target.port);
  throw new DatabaseUnavailableError(databaseUnreachableMessage({ endpoint, reason }), endpoint);
}

/**
 * One line for a failure to connect that surfaced from kafkajs or a driver after the start (a broker
 * that went away mid-command); undefined for any other failure.
 */
export function connectionFailureLine(error: unknown): string | undefined {
  for (const link of errorChain(error)) {
    if (typeof link !== 'object' || link === null) continue;
    const e = link as { name?: unknown; broker?: unknown; code?: unknown; syscall?: unknown };
    const code = typeof e.code === 'string' ? e.code : undefined;
    const reason = typeof e.name === 'string' ? KAFKA_CONNECTION_FAILURES.get(e.name) : undefined;
    if (reason !== undefined && typeof e.broker === 'string') {
      return kafkaUnreachableMessage([{ endpoint: e.broker, reason: code ?? reason }]);
    }
    if (code !== undefined && (e.syscall === 'connect' || e.syscall === 'getaddrinfo')) {
      const where = link as { address?: unknown; port?: unknown; hostname?: unknown };
      const host = typeof where.address === 'string' ? where.address : String(where.hostname ?? '?');
      const port = typeof where.port === 'number' ? `:${where.port}` : '';
      return `cannot connect to ${host}${port} (${code})`;
    }
  }
  return undefined;
}

function describeFailures(failures: readonly ProbeFailure[]): string {
  return failures.map((f) => `${f.endpoint} (${f.reason})`).join(', ');
}

function formatEndpoint(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
