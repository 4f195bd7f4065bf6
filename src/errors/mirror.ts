import { SpacelogError, SpacelogErrorOptions } from './SpacelogError';

/**
 * The mirror's PostgreSQL tables do not match the entry types (a table or column is missing or has
 * another type). The mirror refuses to start; `spacelog migrate make` writes the migration that fixes it.
 */
export class MirrorSchemaMismatchError extends SpacelogError {
  /** Schema-qualified table name, e.g. `spacelog.orders_order`. */
  readonly table: string;
  /** The column at fault; empty when the whole table is missing. */
  readonly column: string;
  constructor(message: string, table: string, column: string, options: SpacelogErrorOptions = {}) {
    super(message, 'MIRROR_SCHEMA_MISMATCH', false, options);
    this.name = 'MirrorSchemaMismatchError';
    this.table = table;
    this.column = column;
  }
}

/**
 * A log record the mirror cannot project (undecodable, unknown type, a value PostgreSQL refuses).
 * With `onPoison: 'stop'` the projector stops rather than skip it (with the default `'dead-letter'` it
 * goes to `spacelog_dead_letters` instead); a warm-up from the mirror refuses a partition that has dead
 * letters. `offset`, `partition`, `type` and `entryId` name it.
 */
export class MirrorPoisonRecordError extends SpacelogError {
  constructor(message: string, options: SpacelogErrorOptions = {}) {
    super(message, 'MIRROR_POISON_RECORD', false, options);
    this.name = 'MirrorPoisonRecordError';
  }
}

/** `waitFor` / `waitForMirror` ran out of time before the mirror applied the position. */
export class MirrorWaitTimeoutError extends SpacelogError {
  constructor(message: string, options: SpacelogErrorOptions = {}) {
    super(message, 'MIRROR_WAIT_TIMEOUT', true, options);
    this.name = 'MirrorWaitTimeoutError';
  }
}

/** The projector was stopped (or failed) while a caller waited on it. */
export class MirrorStoppedError extends SpacelogError {
  constructor(message: string, options: SpacelogErrorOptions = {}) {
    super(message, 'MIRROR_STOPPED', false, options);
    this.name = 'MirrorStoppedError';
  }
}

/**
 * The log holds records of a writer schema newer than the mirror's entry type, with a field the
 * mirror's schema does not have: projecting them would drop that field silently (and a warm-up from
 * the mirror would lose it). The mirror refuses to go on: give it the new schemas and migrate its tables.
 */
export class MirrorSchemaBehindError extends SpacelogError {
  /** The entry type. */
  readonly typeName: string;
  /** The field the mirror's schema lacks, as a path (`shipping.floor`). */
  readonly field: string;
  /** Fingerprint (hex) of the writer schema that has it. */
  readonly writerFingerprint: string;
  constructor(
    message: string,
    typeName: string,
    field: string,
    writerFingerprint: string,
    options: SpacelogErrorOptions = {},
  ) {
    super(message, 'MIRROR_SCHEMA_BEHIND', false, options);
    this.name = 'MirrorSchemaBehindError';
    this.typeName = typeName;
    this.field = field;
    this.writerFingerprint = writerFingerprint;
  }
}

/**
 * PostgreSQL could not be reached (connection refused, unknown host, no answer in time). `endpoint`
 * is its `host:port`, never the URL, which may carry a password.
 */
export class DatabaseUnavailableError extends SpacelogError {
  readonly endpoint: string;
  constructor(message: string, endpoint: string, options: SpacelogErrorOptions = {}) {
    super(message, 'DATABASE_UNAVAILABLE', true, options);
    this.name = 'DatabaseUnavailableError';
    this.endpoint = endpoint;
  }
}
