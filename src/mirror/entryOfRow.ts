import type * as avro from 'avsc';
import type { Knex } from 'knex';
import type { Entry } from '../schema/Entry';
import type { ValueKind } from './avroColumn';
import { fromMirrorJson } from './fromMirrorJson';
import { quoteIdent } from './naming';
import { META_COLUMNS, type TableMapping } from './TableMapping';

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
 * bigint strings to numbers, timestamps and dates to epoch ms / days, jsonb as parsed. With the entry
 * type's Avro record `avroType`, jsonb values are restored led by their schema (bytes and fixed from
 * base64, non-finite floats); without it, bytes nested in jsonb stay base64 strings. A
 * `timestamp-micros` column read as `*` holds a Date (milliseconds only): read rows with
 * {@link mirrorColumns} to get every microsecond. For warm-up from the mirror and comparisons with the log.
 */
export function entryOfRow(
  mapping: TableMapping,
  row: Readonly<Record<string, unknown>>,
  avroType?: avro.types.RecordType,
): MirroredEntry {
  const entry: Record<string, unknown> = {};
  for (const column of mapping.columns) {
    const value = row[column.name];
    const field = column.kind === 'json' ? avroType?.field(column.field) : undefined;
    entry[column.field] =
      field === undefined ? fromSql(column.kind, value) : fromMirrorJson(field.type, value);
  }
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
      // Exact when read with mirrorColumns (bigint text); a Date has milliseconds only.
      return value instanceof Date ? value.getTime() * 1000 : Number(value);
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

/**
 * The select list that reads a mirror table's rows losslessly for {@link entryOfRow}: every column,
 * with `timestamp-micros` ones as epoch microseconds (node-postgres would parse them to a Date,
 * which has milliseconds only; PostgreSQL holds microseconds).
 */
export function mirrorColumns(knex: Knex, mapping: TableMapping): (string | Knex.Raw)[] {
  const own = mapping.columns.map((c) => {
    if (c.kind !== 'timestamp-micros') return c.name;
    const col = quoteIdent(c.name);
    // Whole seconds and the microseconds within them, each exact in a double: exact for every instant.
    return knex.raw(
      `(date_part('epoch', date_trunc('second', ${col}))::bigint * 1000000 + ` +
        `date_part('microseconds', ${col})::bigint % 1000000) AS ${col}`,
    );
  });
  return [...own, ...META_COLUMNS.map((c) => c.name)];
}
