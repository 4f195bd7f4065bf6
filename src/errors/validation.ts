import { SpacelogError, SpacelogErrorOptions } from './SpacelogError';

/** An entry does not fit its type's schema: wrong type, missing required field, unknown field. */
export class SchemaValidationError extends SpacelogError {
  /** Dotted path of the offending field, e.g. `lines.2.quantity`; empty for the whole entry. */
  readonly field: string;
  constructor(message: string, field: string, options: SpacelogErrorOptions = {}) {
    super(message, 'SCHEMA_VALIDATION', false, options);
    this.name = 'SchemaValidationError';
    this.field = field;
  }
}

/** A schema file cannot be turned into an entry type. */
export class SchemaDefinitionError extends SpacelogError {
  readonly file: string;
  readonly field: string;
  constructor(message: string, file: string, field: string, options: SpacelogErrorOptions = {}) {
    super(message, 'SCHEMA_DEFINITION', false, options);
    this.name = 'SchemaDefinitionError';
    this.file = file;
    this.field = field;
  }
}

/** The operation names an entry type the space does not know. */
export class UnknownTypeError extends SpacelogError {
  constructor(typeName: string, options: SpacelogErrorOptions = {}) {
    super(`unknown entry type '${typeName}'`, 'UNKNOWN_TYPE', false, { ...options, type: typeName });
    this.name = 'UnknownTypeError';
  }
}

/** An id is empty, not a string, or longer than the limit. */
export class InvalidIdError extends SpacelogError {
  constructor(message: string, options: SpacelogErrorOptions = {}) {
    super(message, 'INVALID_ID', false, options);
    this.name = 'InvalidIdError';
  }
}

/**
 * The encoded entry is larger than the space's maximum entry size (`maxEntryBytes`), or its log record
 * could be larger than the partition topic takes (`maxRecordBytes`, the topic's `max.message.bytes`).
 */
export class EntryTooLargeError extends SpacelogError {
  readonly size: number;
  readonly limit: number;
  /** The limit passed: `maxEntryBytes` or `maxRecordBytes`. */
  readonly limitName: string;
  constructor(
    size: number,
    limit: number,
    options: SpacelogErrorOptions & { limitName?: string; what?: string } = {},
  ) {
    const { limitName = 'maxEntryBytes', what = 'entry', ...context } = options;
    super(
      `${what} is ${size} bytes, over the limit of ${limit} bytes (${limitName})`,
      'ENTRY_TOO_LARGE',
      false,
      context,
    );
    this.name = 'EntryTooLargeError';
    this.size = size;
    this.limit = limit;
    this.limitName = limitName;
  }
}

/** The partition holds its maximum number of entries; the write is refused, not the process killed. */
export class CapacityExceededError extends SpacelogError {
  readonly limit: number;
  constructor(limit: number, options: SpacelogErrorOptions = {}) {
    super(
      `partition is full (${limit} entries); raise maxEntriesPerPartition or add partitions`,
      'CAPACITY_EXCEEDED',
      false,
      options,
    );
    this.name = 'CapacityExceededError';
    this.limit = limit;
  }
}

/** Optimistic locking failed: the entry's version is not the one the caller expected. */
export class VersionConflictError extends SpacelogError {
  readonly expectedVersion: number;
  readonly actualVersion: number;
  constructor(expectedVersion: number, actualVersion: number, options: SpacelogErrorOptions = {}) {
    super(
      `version conflict: expected version ${expectedVersion}, entry is at version ${actualVersion}`,
      'VERSION_CONFLICT',
      false,
      options,
    );
    this.name = 'VersionConflictError';
    this.expectedVersion = expectedVersion;
    this.actualVersion = actualVersion;
  }
}

/** An insert-only write found an entry with the same id. */
export class EntryAlreadyExistsError extends SpacelogError {
  constructor(options: SpacelogErrorOptions = {}) {
    super(
      `entry ${options.type ?? ''}/${options.entryId ?? ''} already exists`,
      'ENTRY_EXISTS',
      false,
      options,
    );
    this.name = 'EntryAlreadyExistsError';
  }
}

/** An update-only write or a change named an entry that does not exist. */
export class EntryNotFoundError extends SpacelogError {
  constructor(options: SpacelogErrorOptions = {}) {
    super(
      `entry ${options.type ?? ''}/${options.entryId ?? ''} not found`,
      'ENTRY_NOT_FOUND',
      false,
      options,
    );
    this.name = 'EntryNotFoundError';
  }
}

/** An option or argument is malformed (negative timeout, unknown option key, bad change set). */
export class InvalidArgumentError extends SpacelogError {
  constructor(message: string, options: SpacelogErrorOptions = {}) {
    super(message, 'INVALID_ARGUMENT', false, options);
    this.name = 'InvalidArgumentError';
  }
}
