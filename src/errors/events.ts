// Errors of collocated logic: polling and notify containers (src/events).
import { SpacelogError, type SpacelogErrorOptions } from './SpacelogError';

// --- polling containers ---

/**
 * A polling container's handler touched a partition other than the one its cycle runs on. A
 * container's transaction spans ONE partition (like XAP's local transaction manager in a processing
 * unit); the attempt fails and rolls back whole, nothing of it is applied. Route the handler's writes
 * to the taken entry's partition (same routing value), or use `host.space` outside the transaction.
 */
export class NotCollocatedError extends SpacelogError {
  /** The partition the container's transaction is pinned to (also `partition`). */
  readonly transactionPartition: number;
  /** The partition the refused operation routes to. */
  readonly targetPartition: number;

  constructor(
    operation: string,
    transactionPartition: number,
    targetPartition: number,
    options: SpacelogErrorOptions = {},
  ) {
    super(
      `${operation} routes to partition ${targetPartition}, but this polling container's transaction ` +
        `is pinned to partition ${transactionPartition}: a container transaction spans one partition`,
      'NOT_COLLOCATED',
      false,
      { ...options, partition: transactionPartition },
    );
    this.name = 'NotCollocatedError';
    this.transactionPartition = transactionPartition;
    this.targetPartition = targetPartition;
  }
}

/**
 * A polling container cannot start because the dead-letter type of its entry type is not declared,
 * or does not have the expected shape. `schema` holds the Avro schema to add to the space's schemas.
 */
export class DeadLetterTypeError extends SpacelogError {
  /** The dead-letter type's name (`<Type>DeadLetter`). */
  readonly deadLetterType: string;
  /** The schema to declare, as `.avsc` JSON text. */
  readonly schema: string;

  constructor(message: string, deadLetterType: string, schema: string, options: SpacelogErrorOptions = {}) {
    super(message, 'DEAD_LETTER_TYPE', false, options);
    this.name = 'DeadLetterTypeError';
    this.deadLetterType = deadLetterType;
    this.schema = schema;
  }
}

// --- notify containers ---

/**
 * A notify container's handler rejected a batch. `partition` and `offset` (the batch's first event)
 * name it; `attempts` counts the failed calls with it so far. Retriable: the container tries the
 * batch again (see the container's `retry` and `onError`), never past it unless told to skip.
 */
export class NotifyHandlerError extends SpacelogError {
  /** The container's name. */
  readonly container: string;
  /** Failed handler calls with this batch so far. */
  readonly attempts: number;

  constructor(container: string, attempts: number, options: SpacelogErrorOptions = {}) {
    super(
      `notify container ${container}: handler failed on partition ${options.partition ?? '?'} at offset ` +
        `${options.offset ?? '?'} (attempt ${attempts})`,
      'NOTIFY_HANDLER_FAILED',
      true,
      options,
    );
    this.name = 'NotifyHandlerError';
    this.container = container;
    this.attempts = attempts;
  }
}

/**
 * A notify container could not load or store its position of a partition in Kafka. Retriable: it
 * keeps trying (an unstored position only means the batches since the last stored one come again).
 * Not retriable when another process fenced it: the partition's container now runs there.
 */
export class NotifyPositionError extends SpacelogError {
  /** The container's name. */
  readonly container: string;

  constructor(message: string, container: string, retriable: boolean, options: SpacelogErrorOptions = {}) {
    super(message, retriable ? 'NOTIFY_POSITION_FAILED' : 'NOTIFY_CONTAINER_FENCED', retriable, options);
    this.name = 'NotifyPositionError';
    this.container = container;
  }
}

// --- watch (space.watch) ---

/**
 * A `space.watch` iterator fell more than `limit` events behind its reader. The watch has ended (it
 * unsubscribed): the events buffered before the overflow were still handed out, this error comes
 * after them, and mutations committed since were not seen. Read faster, raise `maxBuffered`, or use a
 * durable notify container, which resumes from its last log position.
 */
export class WatchOverflowError extends SpacelogError {
  readonly limit: number;
  constructor(limit: number, options: SpacelogErrorOptions = {}) {
    super(`watch ended: over ${limit} events were waiting for the reader`, 'WATCH_OVERFLOW', false, options);
    this.name = 'WatchOverflowError';
    this.limit = limit;
  }
}
