import { BrokerUnavailableError, SpacelogError, type SpacelogErrorOptions } from '../../errors';
import { retry } from '../../retry/Retrier';

/**
 * Kafka protocol error codes newer than kafkajs 2.2.4 (which knows 0 to 88), with Kafka's names, as
 * kafka-clients 4.4.0 lists them (3.9 stops at 127). kafkajs turns every one of them into
 * `{ type: 'KAFKAJS_UNKNOWN_ERROR_CODE', code: -99, message: 'Unknown error code <n>' }`;
 * {@link kafkaErrorOf} gives them back their names.
 *
 * Which of them reach kafkajs depends on the request versions it speaks (Produce v7, AddPartitionsToTxn,
 * EndTxn and InitProducerId v1, TxnOffsetCommit v1): the broker answers those versions with the errors
 * their clients knew, so PRODUCER_FENCED (90) reaches kafkajs only where a broker does not convert it,
 * and TRANSACTION_ABORTABLE (120; Produce v11+ and TxnOffsetCommit v4+ only) arrives as
 * INVALID_TXN_STATE (48). They are named here all the same, so whatever a broker answers is told by name.
 */
export const KAFKA_ERROR_CODES_UNKNOWN_TO_KAFKAJS: Readonly<Record<number, string>> = {
  89: 'THROTTLING_QUOTA_EXCEEDED',
  90: 'PRODUCER_FENCED',
  91: 'RESOURCE_NOT_FOUND',
  92: 'DUPLICATE_RESOURCE',
  93: 'UNACCEPTABLE_CREDENTIAL',
  94: 'INCONSISTENT_VOTER_SET',
  95: 'INVALID_UPDATE_VERSION',
  96: 'FEATURE_UPDATE_FAILED',
  97: 'PRINCIPAL_DESERIALIZATION_FAILURE',
  98: 'SNAPSHOT_NOT_FOUND',
  99: 'POSITION_OUT_OF_RANGE',
  100: 'UNKNOWN_TOPIC_ID',
  101: 'DUPLICATE_BROKER_REGISTRATION',
  102: 'BROKER_ID_NOT_REGISTERED',
  103: 'INCONSISTENT_TOPIC_ID',
  104: 'INCONSISTENT_CLUSTER_ID',
  105: 'TRANSACTIONAL_ID_NOT_FOUND',
  106: 'FETCH_SESSION_TOPIC_ID_ERROR',
  107: 'INELIGIBLE_REPLICA',
  108: 'NEW_LEADER_ELECTED',
  109: 'OFFSET_MOVED_TO_TIERED_STORAGE',
  110: 'FENCED_MEMBER_EPOCH',
  111: 'UNRELEASED_INSTANCE_ID',
  112: 'UNSUPPORTED_ASSIGNOR',
  113: 'STALE_MEMBER_EPOCH',
  114: 'MISMATCHED_ENDPOINT_TYPE',
  115: 'UNSUPPORTED_ENDPOINT_TYPE',
  116: 'UNKNOWN_CONTROLLER_ID',
  117: 'UNKNOWN_SUBSCRIPTION_ID',
  118: 'TELEMETRY_TOO_LARGE',
  119: 'INVALID_REGISTRATION',
  120: 'TRANSACTION_ABORTABLE',
  121: 'INVALID_RECORD_STATE',
  122: 'SHARE_SESSION_NOT_FOUND',
  123: 'INVALID_SHARE_SESSION_EPOCH',
  124: 'FENCED_STATE_EPOCH',
  125: 'INVALID_VOTER_KEY',
  126: 'DUPLICATE_VOTER',
  127: 'VOTER_NOT_FOUND',
  128: 'INVALID_REGULAR_EXPRESSION',
  129: 'REBOOTSTRAP_REQUIRED',
  130: 'STREAMS_INVALID_TOPOLOGY',
  131: 'STREAMS_INVALID_TOPOLOGY_EPOCH',
  132: 'STREAMS_TOPOLOGY_FENCED',
  133: 'SHARE_SESSION_LIMIT_REACHED',
  134: 'GROUP_DELETION_FAILED',
  135: 'STREAMS_TOPOLOGY_DESCRIPTION_UPDATE_FAILED',
  136: 'CONTROLLER_ID_NOT_REGISTERED',
};

/** A Kafka protocol error by Kafka's own code and name, whatever kafkajs made of it. */
export interface KafkaProtocolErrorInfo {
  /** Kafka's error code (90), never kafkajs's -99. */
  readonly code: number;
  /** Kafka's name (`PRODUCER_FENCED`); `UNKNOWN_ERROR_CODE` for a code no Kafka release names. */
  readonly type: string;
}

/** Kafka error types that mean "another producer owns this transactional id now". */
const FENCING_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED']);
/** Kafka protocol codes of the same. */
const FENCING_CODES = new Set([47, 90]);
/** kafkajs's type and message for an error code it does not know. */
const KAFKAJS_UNKNOWN_TYPE = 'KAFKAJS_UNKNOWN_ERROR_CODE';
const UNKNOWN_CODE_MESSAGE = /^Unknown error code (-?\d+)$/;
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

/**
 * The innermost Kafka protocol error in `error`'s chain, by Kafka's code and name: kafkajs's own type
 * and code where it knows them, else the code of its 'Unknown error code <n>' named from
 * {@link KAFKA_ERROR_CODES_UNKNOWN_TO_KAFKAJS}. Undefined when the chain holds no protocol error.
 */
export function kafkaErrorOf(error: unknown): KafkaProtocolErrorInfo | undefined {
  let found: KafkaProtocolErrorInfo | undefined;
  for (const e of errorChain(error)) found = protocolErrorInfo(e) ?? found;
  return found;
}

function protocolErrorInfo(e: unknown): KafkaProtocolErrorInfo | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const like = e as KafkaJSErrorLike;
  if (like.type === KAFKAJS_UNKNOWN_TYPE) {
    const match = e instanceof Error ? UNKNOWN_CODE_MESSAGE.exec(e.message) : null;
    if (match === null) return undefined;
    const code = Number(match[1]);
    return { code, type: KAFKA_ERROR_CODES_UNKNOWN_TO_KAFKAJS[code] ?? 'UNKNOWN_ERROR_CODE' };
  }
  if (typeof like.type === 'string' && typeof like.code === 'number' && /^[A-Z_]+$/.test(like.type)) {
    return { code: like.code, type: like.type };
  }
  return undefined;
}

/** True when Kafka refused a transactional producer because a newer one took its transactional id. */
export function isFencingError(error: unknown): boolean {
  return errorChain(error).some((e) => {
    if (typeof e !== 'object' || e === null) return false;
    const like = e as KafkaJSErrorLike;
    const info = protocolErrorInfo(e);
    return (
      (info !== undefined && FENCING_TYPES.has(info.type)) ||
      (typeof like.type === 'string' && FENCING_TYPES.has(like.type)) ||
      (typeof like.code === 'number' && FENCING_CODES.has(like.code))
    );
  });
}

/**
 * True when an EndTxn was asked again after an attempt whose answer was lost (the kafkajs patch marks
 * the error `spacelogOutcomeUnknown`): the transaction may have ended before the error, so even a
 * fence answering the retry does not prove it was not committed.
 */
export function isCommitOutcomeUnknown(error: unknown): boolean {
  return errorChain(error).some(
    (e) => typeof e === 'object' && e !== null && Reflect.get(e, 'spacelogOutcomeUnknown') === true,
  );
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
  return retry(() => step(), {
    delay: () => delayMs,
    maxAttempts: attempts,
    retriable: isMetadataLag,
    exhausted: 'last',
  });
}

/**
 * Short description of a kafkajs failure: the outermost message plus the innermost Kafka error's name
 * (and its code where kafkajs knew no name for it: `Unknown error code 90` reads `PRODUCER_FENCED, code 90`).
 */
export function describeKafkaError(error: unknown): string {
  const chain = errorChain(error);
  const outer = chain[0] instanceof Error ? chain[0].message : String(error);
  const info = kafkaErrorOf(error);
  if (info !== undefined) {
    const unknownToKafkajs = chain.some((e) => (e as KafkaJSErrorLike | null)?.type === KAFKAJS_UNKNOWN_TYPE);
    const name = unknownToKafkajs ? `${info.type}, code ${info.code}` : info.type;
    return outer.includes(info.type) ? outer : `${outer} (${name})`;
  }
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
