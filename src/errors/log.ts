import { SpacelogError, SpacelogErrorOptions } from './SpacelogError';

/**
 * Another primary took over the partition log (Kafka fenced this writer's transactional id).
 * This replica must stop serving as primary at once; retrying on it can never succeed.
 */
export class FencedError extends SpacelogError {
  constructor(message: string, options: SpacelogErrorOptions = {}) {
    super(message, 'FENCED', false, options);
    this.name = 'FencedError';
  }
}

/** The partition is not serving yet (warming up, being promoted, rebuilding): try again shortly. */
export class PartitionNotReadyError extends SpacelogError {
  constructor(message: string, options: SpacelogErrorOptions = {}) {
    super(message, 'PARTITION_NOT_READY', true, options);
    this.name = 'PartitionNotReadyError';
  }
}

/**
 * Appending to the partition log failed; nothing of the batch was acknowledged. When
 * `maybeCommitted` is true the failure came while committing, so the batch may still be in the log
 * (the partition rebuilds from the log, which settles it). The partition fails stop and rebuilds.
 */
export class AppendFailedError extends SpacelogError {
  readonly maybeCommitted: boolean;
  constructor(message: string, maybeCommitted: boolean, options: SpacelogErrorOptions = {}) {
    super(message, 'APPEND_FAILED', true, options);
    this.name = 'AppendFailedError';
    this.maybeCommitted = maybeCommitted;
  }
}

/** A Kafka topic of a space does not have the layout or configuration Spacelog requires. */
export class TopicConfigError extends SpacelogError {
  readonly topic: string;
  constructor(message: string, topic: string, options: SpacelogErrorOptions = {}) {
    super(message, 'TOPIC_CONFIG', false, options);
    this.name = 'TopicConfigError';
    this.topic = topic;
  }
}

/** A new version of an entry type cannot read data written with an older registered version. */
export class SchemaIncompatibleError extends SpacelogError {
  /** Dotted path of the offending field; empty when the record itself (its name) is the problem. */
  readonly field: string;
  /** Fingerprint (hex) of the registered writer schema that the new schema cannot read. */
  readonly writerFingerprint: string;
  constructor(
    message: string,
    typeName: string,
    field: string,
    writerFingerprint: string,
    options: SpacelogErrorOptions = {},
  ) {
    super(message, 'SCHEMA_INCOMPATIBLE', false, { ...options, type: typeName });
    this.name = 'SchemaIncompatibleError';
    this.field = field;
    this.writerFingerprint = writerFingerprint;
  }
}

/** A log record names a writer schema (by fingerprint) that is not in the schema topic (yet). */
export class UnknownSchemaError extends SpacelogError {
  readonly fingerprint: string;
  constructor(typeName: string, fingerprint: string, options: SpacelogErrorOptions = {}) {
    super(`no writer schema ${fingerprint} registered for type '${typeName}'`, 'UNKNOWN_SCHEMA', true, {
      ...options,
      type: typeName,
    });
    this.name = 'UnknownSchemaError';
    this.fingerprint = fingerprint;
  }
}

/** A log record is not a valid Spacelog mutation (bad key, bad envelope, missing headers). */
export class CorruptRecordError extends SpacelogError {
  constructor(message: string, options: SpacelogErrorOptions = {}) {
    super(message, 'CORRUPT_RECORD', false, options);
    this.name = 'CorruptRecordError';
  }
}

/** Kafka could not be reached or did not answer in time. */
export class BrokerUnavailableError extends SpacelogError {
  constructor(message: string, options: SpacelogErrorOptions = {}) {
    super(message, 'BROKER_UNAVAILABLE', true, options);
    this.name = 'BrokerUnavailableError';
  }
}

/** Reading a partition log (warm-up, tail, schema topic) failed or was stopped before catching up. */
export class LogReadError extends SpacelogError {
  constructor(message: string, options: SpacelogErrorOptions = {}) {
    super(message, 'LOG_READ_FAILED', true, options);
    this.name = 'LogReadError';
  }
}

/** No partition topic `<prefix>.<space>.<k>` exists: the space was never created under that prefix. */
export class SpaceNotFoundError extends SpacelogError {
  constructor(message: string, options: SpacelogErrorOptions = {}) {
    super(message, 'SPACE_NOT_FOUND', false, options);
    this.name = 'SpaceNotFoundError';
  }
}

/**
 * A partition log cannot be folded: a record goes back in version for its key (older than the entry
 * the fold already holds). Kafka's compaction never produces that, so the log was written by
 * something other than Spacelog's primaries or was damaged. Not retriable: reading the log again
 * gives the same records. The partition stays unready and says so; its other partitions go on.
 */
export class CorruptLogError extends SpacelogError {
  /** Topic of the record, when the reader knows it. */
  readonly topic?: string;
  /** Record key `<type>/<id>`. */
  readonly key: string;
  constructor(message: string, key: string, options: SpacelogErrorOptions & { topic?: string } = {}) {
    const where =
      (options.topic !== undefined ? ` (topic '${options.topic}'` : ' (') +
      (options.offset !== undefined
        ? `${options.topic !== undefined ? ', ' : ''}offset ${options.offset}`
        : '') +
      `${options.topic !== undefined || options.offset !== undefined ? ', ' : ''}key '${key}')`;
    super(`corrupt partition log: ${message}${where}`, 'CORRUPT_LOG', false, options);
    this.name = 'CorruptLogError';
    if (options.topic !== undefined) this.topic = options.topic;
    this.key = key;
  }
}
