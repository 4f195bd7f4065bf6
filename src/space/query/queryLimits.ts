/** The longest query text parseQuery accepts by default, in UTF-16 characters. */
export const DEFAULT_MAX_QUERY_LENGTH = 16_384;

/**
 * How deep a query may nest by default: each `(` around a condition and each `NOT` is one level.
 * The parser and checker recurse once per level, so this keeps a hostile query far from the
 * stack limit (about 1,000 levels overflowed it) while no hand-written query comes near it.
 */
export const DEFAULT_MAX_QUERY_DEPTH = 100;

/** Bounds on query text; a query past one is refused with QuerySyntaxError naming the limit. */
export interface QueryLimits {
  /** Longest query text, in UTF-16 characters. Default DEFAULT_MAX_QUERY_LENGTH. */
  readonly maxLength?: number;
  /** Deepest nesting of parentheses and NOT. Default DEFAULT_MAX_QUERY_DEPTH. */
  readonly maxDepth?: number;
}

/** QueryLimits with every default applied. @internal */
export interface ResolvedQueryLimits {
  readonly maxLength: number;
  readonly maxDepth: number;
}

/** Applies the defaults. @internal */
export function resolveQueryLimits(limits: QueryLimits = {}): ResolvedQueryLimits {
  return {
    maxLength: limits.maxLength ?? DEFAULT_MAX_QUERY_LENGTH,
    maxDepth: limits.maxDepth ?? DEFAULT_MAX_QUERY_DEPTH,
  };
}
