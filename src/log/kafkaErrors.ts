import { BrokerUnavailableError, SpacelogError, type SpacelogErrorOptions } from '../errors';

/** Kafka error types that mean "another producer owns this transactional id now". */
const FENCING_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED']);
/** Kafka protocol codes of the same. */
const FENCING_CODES = new Set([47, 90]);
/**
 * kafkajs 2.2.4 knows no PRODUCER_FENCED (90, what newer brokers answer with newer request versions):
 * it builds `{ type: 'KAFKAJS_UNKNOWN_ERROR_CODE', code: -99, message: 'Unknown error code 90' }`.
 */
const UNKNOWN_FENCING_MESSAGE = /^Unknown error code (47|90)$/;
/** kafkajs error class names that mean the broker could not be reached. */
const UNAVAILABLE_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSGroupCoordinatorNotFound',
]);

interface KafkaJSErrorLike {
  readonly name?: unknown;
  readonly type?: unknown;
  readonly code?: unknown;
  readonly cause?: unknown;
  readonly originalError?: unknown;
}

/** The error and everything it wraps (`cause`, kafkajs `originalError`), outermost first. */
export function errorChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current !== undefined && current !== null && chain.length < 10 && !chain.includes(current)) {
    chain.push(current);
    const like = current as KafkaJSErrorLike;
    current = like.cause ?? like.originalError;
  }
  return chain;
}

/** True when Kafka refused a transactional producer because a newer one took its transactional id. */
export function isFencingError(error: unknown): boolean {
  return errorChain(error).some((e) => {
    if (typeof e !== 'object' || e === null) return false;
    const like = e as KafkaJSErrorLike;
    return (
      (typeof like.type === 'string' && FENCING_TYPES.has(like.type)) ||
      (typeof like.code === 'number' && FENCING_CODES.has(like.code)) ||
      (like.type === 'KAFKAJS_UNKNOWN_ERROR_CODE' &&
        e instanceof Error &&
        UNKNOWN_FENCING_MESSAGE.test(e.message))
    );
  });
}

/** True when the failure is Kafka being unreachable (connection refused, timeouts, no broker). */
export function isBrokerUnavailable(error: unknown): boolean {
  return errorChain(error).some(
    (e) => typeof e === 'object' && e !== null && UNAVAILABLE_NAMES.has(String((e as KafkaJSErrorLike).name)),
  );
}

/** Kafka error types of metadata that has not reached every broker yet (a topic just created). */
const METADATA_LAG_TYPES = new Set([
  'UNKNOWN_TOPIC_OR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'NOT_LEADER_OR_FOLLOWER',
]);

/**
 * True when a topic or its leader is not known yet to the broker asked: on a multi-broker cluster a
 * topic just created (by this or another process) is unknown to some brokers for a moment.
 */
export function isMetadataLag(error: unknown): boolean {
  return errorChain(error).some((e) => {
    if (typeof e !== 'object' || e === null) return false;
    const type = (e as KafkaJSErrorLike).type;
    if (typeof type === 'string' && METADATA_LAG_TYPES.has(type)) return true;
    // Wrapped into a message only (the type named in the text, or kafkajs's own wording).
    const message = e instanceof Error ? e.message : '';
    return /UNKNOWN_TOPIC_OR_PARTITION|LEADER_NOT_AVAILABLE|NOT_LEADER|does not host this topic-partition/.test(
      message,
    );
  });
}

/** Runs `step` again (every `delayMs`, up to `attempts` times) while it fails with metadata lag. */
export async function retryWhileMetadataLags<T>(
  step: () => Promise<T>,
  attempts = 20,
  delayMs = 500,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (attempt >= attempts || !isMetadataLag(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

/** Short description of a kafkajs failure: the outermost message plus the innermost Kafka error type. */
export function describeKafkaError(error: unknown): string {
  const chain = errorChain(error);
  const outer = chain[0] instanceof Error ? chain[0].message : String(error);
  const typed = chain.map((e) => (e as KafkaJSErrorLike | null)?.type).find((t) => typeof t === 'string');
  return typeof typed === 'string' && !outer.includes(typed) ? `${outer} (${typed})` : outer;
}

/**
 * Wraps a kafkajs failure: Spacelog errors pass through, unreachable brokers become
 * `BrokerUnavailableError`, anything else is handed to `otherwise`.
 */
export function wrapKafkaError(
  error: unknown,
  what: string,
  options: SpacelogErrorOptions,
  otherwise: (message: string) => SpacelogError,
): SpacelogError {
  if (error instanceof SpacelogError) return error;
  const message = `${what}: ${describeKafkaError(error)}`;
  if (isBrokerUnavailable(error)) return new BrokerUnavailableError(message, { ...options, cause: error });
  return otherwise(message);
}
