import * as errors from './index';
import { SpacelogError } from './SpacelogError';

/**
 * A typed error as plain data, for crossing a boundary that carries no classes (a worker thread's
 * messages, the wire protocol): the class name, code, retriable flag and context, and the class's own
 * fields as `details`.
 * @internal
 */
export interface ErrorRecord {
  readonly code: string;
  readonly name: string;
  readonly message: string;
  readonly retriable: boolean;
  readonly space: string | null;
  readonly partition: number | null;
  readonly type: string | null;
  readonly entryId: string | null;
  readonly details: Readonly<Record<string, unknown>>;
}

/** Fields every SpacelogError has; the rest of an error's own fields travel as `details`. */
const COMMON = new Set([
  'name',
  'message',
  'stack',
  'cause',
  'code',
  'retriable',
  'space',
  'partition',
  'type',
  'entryId',
]);

type ErrorClass = abstract new (...args: never[]) => SpacelogError;

/** Every exported Spacelog error class, by class name (`VersionConflictError` → its class). */
const CLASSES: ReadonlyMap<string, ErrorClass> = new Map(
  (Object.values(errors) as unknown[])
    .filter(
      (value): value is ErrorClass =>
        typeof value === 'function' &&
        (value === SpacelogError || (value.prototype as unknown) instanceof SpacelogError),
    )
    .map((cls) => [cls.name, cls]),
);

/**
 * Turns any thrown value into an ErrorRecord. A Spacelog error keeps its code, name, retriable flag,
 * context and class-specific fields; anything else becomes an INTERNAL, non-retriable error.
 * @internal
 */
export function toErrorRecord(error: unknown): ErrorRecord {
  if (!(error instanceof SpacelogError)) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      code: 'INTERNAL',
      name: 'SpacelogError',
      message: `server error: ${message}`,
      retriable: false,
      space: null,
      partition: null,
      type: null,
      entryId: null,
      details: {},
    };
  }
  const details: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (!COMMON.has(key) && value !== undefined) details[key] = value;
  }
  return {
    code: error.code,
    name: error.name,
    message: error.message,
    retriable: error.retriable,
    space: error.space ?? null,
    partition: error.partition ?? null,
    type: error.type ?? null,
    entryId: error.entryId ?? null,
    details,
  };
}

/**
 * Rebuilds the typed error of a record: an instance of the same class (so `instanceof
 * VersionConflictError` holds) with the same code, message, flags, context and fields. An unknown
 * class name (a newer server) gives a plain SpacelogError with the code.
 * @internal
 */
export function fromErrorRecord(record: ErrorRecord): SpacelogError {
  const cls = CLASSES.get(record.name);
  let error: SpacelogError;
  if (cls === undefined) {
    error = new SpacelogError(record.message, record.code, record.retriable);
  } else {
    // Constructors differ per class (and build their own messages), so fill an instance directly.
    error = Object.create(cls.prototype) as SpacelogError;
    Object.assign(error, { name: record.name, code: record.code, retriable: record.retriable });
    Object.defineProperty(error, 'message', { value: record.message, writable: true, configurable: true });
    Error.captureStackTrace(error, fromErrorRecord);
  }
  const context: Record<string, unknown> = {};
  if (record.space !== null) context.space = record.space;
  if (record.partition !== null) context.partition = record.partition;
  if (record.type !== null) context.type = record.type;
  if (record.entryId !== null) context.entryId = record.entryId;
  Object.assign(error, context, record.details);
  return error;
}
