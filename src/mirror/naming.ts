import { createHash } from 'node:crypto';

/** PostgreSQL truncates identifiers longer than this many bytes. */
const MAX_IDENTIFIER = 63;

/** `customerId` → `customer_id`, `HTTPCode` → `http_code`, `Order` → `order`. */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9_]/g, '_')
    .toLowerCase();
}

/** Double-quotes an identifier for SQL (`a"b` → `"a""b"`). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"schema"."table"`. */
export function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/** Single-quotes a string literal for SQL (only for DDL the generator writes; data always goes as parameters). */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * An identifier that fits PostgreSQL's 63-byte limit: long names keep a readable head and get a
 * short hash of the whole name, so two long names never collide after truncation.
 */
export function fitIdentifier(name: string): string {
  if (Buffer.byteLength(name) <= MAX_IDENTIFIER) return name;
  const hash = createHash('sha1').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_IDENTIFIER - 9)}_${hash}`;
}

/** The append-only history table of a space (`orders` → `orders_history`), one row per mutation. */
export function historyTableOf(space: string): string {
  return fitIdentifier(`${snakeCase(space)}_history`);
}

/** The mirror table of an entry type: `<space>_<type>` in snake case (`orders` + `OrderLine` → `orders_order_line`). */
export function tableNameOf(space: string, typeName: string): string {
  return fitIdentifier(`${snakeCase(space)}_${snakeCase(typeName)}`);
}
