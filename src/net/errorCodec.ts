import * as errors from '../errors';
import { SpacelogError } from '../errors';
import type { WireError } from './protocol';
import { fromWireJson, toWireJson } from './wireJson';

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
 * Turns any thrown value into its wire form. A Spacelog error keeps its code, name, retriable flag,
 * context and class-specific fields; anything else becomes an INTERNAL, non-retriable error.
 * @internal
 */
export function toWireError(error: unknown): WireError {
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
      details: '{}',
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
    details: toWireJson(details).toString('utf8'),
  };
}

/**
 * Rebuilds the typed error a server threw: an instance of the same class (so `instanceof
 * VersionConflictError` holds) with the same code, message, flags, context and fields. An unknown
 * class name (a newer server) gives a plain SpacelogError with the code.
 * @internal
 */
export function fromWireError(wire: WireError): SpacelogError {
  const cls = CLASSES.get(wire.name);
  let error: SpacelogError;
  if (cls === undefined) {
    error = new SpacelogError(wire.message, wire.code, wire.retriable);
  } else {
    // Constructors differ per class (and build their own messages), so fill an instance directly.
    error = Object.create(cls.prototype) as SpacelogError;
    Object.assign(error, { name: wire.name, code: wire.code, retriable: wire.retriable });
    Object.defineProperty(error, 'message', { value: wire.message, writable: true, configurable: true });
    Error.captureStackTrace(error, fromWireError);
  }
  const context: Record<string, unknown> = {};
  if (wire.space !== null) context.space = wire.space;
  if (wire.partition !== null) context.partition = wire.partition;
  if (wire.type !== null) context.type = wire.type;
  if (wire.entryId !== null) context.entryId = wire.entryId;
  const details = fromWireJson(Buffer.from(wire.details, 'utf8'));
  Object.assign(error, context, details !== null && typeof details === 'object' ? details : {});
  return error;
}
