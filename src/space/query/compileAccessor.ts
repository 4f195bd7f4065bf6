/** Reads one field (possibly nested) of an entry; a missing or null step yields undefined. */
export type Accessor = (entry: Readonly<Record<string, unknown>>) => unknown;

/**
 * Builds a reader for a dotted path. Paths of one or two segments (the common cases) get a
 * dedicated closure; longer ones walk the segments. No allocation per call.
 */
export function compileAccessor(segments: readonly string[]): Accessor {
  const [first, second] = segments;
  if (first === undefined) return () => undefined;
  if (segments.length === 1) return (entry) => entry[first];
  if (segments.length === 2 && second !== undefined) {
    return (entry) => {
      const parent = entry[first];
      return typeof parent === 'object' && parent !== null
        ? (parent as Record<string, unknown>)[second]
        : undefined;
    };
  }
  return (entry) => {
    let current: unknown = entry;
    for (const segment of segments) {
      if (typeof current !== 'object' || current === null) return undefined;
      current = (current as Record<string, unknown>)[segment];
    }
    return current;
  };
}
