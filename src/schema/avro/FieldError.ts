/**
 * A value that does not fit a schema node. Thrown by compiled checkers and caught by their parents,
 * which prepend their field name or array index, so the error ends up carrying the full dotted path
 * without any path bookkeeping on the success path.
 * @internal
 */
export class FieldError extends Error {
  /** Path segments from the entry's root to the offending value. */
  readonly path: (string | number)[] = [];
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'FieldError';
  }

  /** Prepends a segment and returns the error itself, so callers can `throw prefixed(e, name)`. */
  static prefixed(error: unknown, segment: string | number): unknown {
    if (error instanceof FieldError) error.path.unshift(segment);
    return error;
  }
}

/** Short description of a JavaScript value for error messages: its kind and, for scalars, a preview. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'string')
    return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${typeof value} ${String(value)}`;
  }
  return typeof value;
}
