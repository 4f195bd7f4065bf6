/**
 * Whether two entry states are the same value, however each was read: decoded from the log, sent
 * over the wire as wire JSON, or read back from a mirror row. Bytes compare by content (Buffer or any
 * Uint8Array), numbers by value (NaN equals NaN, 0 equals -0: JSON keeps no sign of zero) and a
 * bigint equals the number of the same value; a missing field equals null (an optional field the
 * mirror stored as NULL). Objects compare field by field, arrays item by item.
 */
export function sameEntry(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || a === undefined || b === null || b === undefined) {
    return (a === null || a === undefined) && (b === null || b === undefined);
  }
  const ta = typeof a;
  const tb = typeof b;
  if (ta === 'number' || ta === 'bigint' || tb === 'number' || tb === 'bigint') return sameNumber(a, b);
  if (ta !== 'object' || tb !== 'object') return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) return sameBytes(a, b);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameEntry(a[i], b[i])) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (const key of Object.keys(x)) if (!sameEntry(x[key], y[key])) return false;
  for (const key of Object.keys(y)) if (!(key in x) && !sameEntry(undefined, y[key])) return false;
  return true;
}

function sameNumber(a: unknown, b: unknown): boolean {
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    if (typeof a !== 'bigint' && typeof a !== 'number') return false;
    if (typeof b !== 'bigint' && typeof b !== 'number') return false;
    try {
      return BigInt(a) === BigInt(b);
    } catch {
      return false; // a non-integral number never equals a bigint
    }
  }
  if (typeof a !== 'number' || typeof b !== 'number') return false;
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

function sameBytes(a: object, b: object): boolean {
  if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
