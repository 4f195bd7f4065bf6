import type { Entry } from '../space/Mutation';
import type { ValueKind } from './avroColumn';
import type { TableMapping } from './TableMapping';

const DAY_MS = 86_400_000;

/** A mirror row read back: the entry, its version and where it came from in the log. */
export interface MirroredEntry {
  readonly id: string;
  readonly version: number;
  readonly partition: number;
  readonly offset: number;
  /** Lease expiry, epoch ms; null for an entry that lives forever. */
  readonly leaseExpiresAt: number | null;
  readonly entry: Entry;
}

/**
 * Turns a row read with node-postgres back into the entry it mirrors (the inverse of the mapping):
 * bigint strings to numbers, timestamps and dates to epoch ms / days, jsonb as parsed. Bytes nested
 * in jsonb stay base64 strings. For comparisons with the log, and for warm-up from the mirror.
 */
export function entryOfRow(mapping: TableMapping, row: Readonly<Record<string, unknown>>): MirroredEntry {
  const entry: Record<string, unknown> = {};
  for (const column of mapping.columns) entry[column.field] = fromSql(column.kind, row[column.name]);
  return {
    id: String(row[mapping.idColumn.name]),
    version: Number(row._version),
    partition: Number(row._partition),
    offset: Number(row._offset),
    leaseExpiresAt: row._lease_expires_at == null ? null : (row._lease_expires_at as Date).getTime(),
    entry,
  };
}

function fromSql(kind: ValueKind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'bigint':
    case 'integer':
    case 'double':
      return Number(value);
    case 'real':
      return Math.fround(Number(value));
    case 'timestamp-millis':
      return (value as Date).getTime();
    case 'timestamp-micros':
      return (value as Date).getTime() * 1000;
    case 'local-timestamp-millis': {
      const d = value as Date;
      return Date.UTC(
        d.getFullYear(),
        d.getMonth(),
        d.getDate(),
        d.getHours(),
        d.getMinutes(),
        d.getSeconds(),
        d.getMilliseconds(),
      );
    }
    case 'date': {
      const d = value as Date;
      return Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) / DAY_MS;
    }
    case 'time-millis': {
      const [h = '0', m = '0', s = '0'] = String(value).split(':');
      return Math.round((Number(h) * 3600 + Number(m) * 60 + Number(s)) * 1000);
    }
    default:
      return value;
  }
}
