import type { FieldInfo } from '../../schema/FieldKind';
import { parseDecimal } from './compareDecimals';

/** Returned by fitValue when a value cannot stand for the field. */
export const NO_FIT: unique symbol = Symbol('NO_FIT');

const MS_PER_DAY = 86_400_000;

/**
 * How values of a field compare, which decides the operators it accepts:
 * numeric (number, timestamp, date), text (string, uuid, enum), boolean, decimal (numeric order
 * on text), and none (bytes, record, array, map: only IS [NOT] NULL).
 */
export type ValueClass = 'numeric' | 'text' | 'boolean' | 'decimal' | 'none';

/** The value class of a field kind. */
export function valueClass(field: FieldInfo): ValueClass {
  switch (field.kind) {
    case 'number':
    case 'timestamp':
    case 'date':
      return 'numeric';
    case 'string':
    case 'uuid':
    case 'enum':
      return 'text';
    case 'boolean':
      return 'boolean';
    case 'decimal':
      return 'decimal';
    default:
      return 'none';
  }
}

/**
 * Converts a literal or parameter to the form the field's values have in an entry, or NO_FIT.
 * timestamp / date also accept a `Date` (turned into epoch milliseconds / days); decimal accepts a
 * decimal string or a finite number (kept as text); null never fits (use IS NULL).
 */
export function fitValue(field: FieldInfo, value: unknown): unknown {
  switch (field.kind) {
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? value : NO_FIT;
    case 'timestamp':
    case 'date': {
      const n = value instanceof Date ? value.getTime() : value;
      if (typeof n !== 'number' || !Number.isFinite(n)) return NO_FIT;
      return field.kind === 'date' && value instanceof Date ? Math.floor(n / MS_PER_DAY) : n;
    }
    case 'string':
    case 'uuid':
      return typeof value === 'string' ? value : NO_FIT;
    case 'enum':
      return typeof value === 'string' && (field.symbols === undefined || field.symbols.includes(value))
        ? value
        : NO_FIT;
    case 'boolean':
      return typeof value === 'boolean' ? value : NO_FIT;
    case 'decimal': {
      const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
      return typeof text === 'string' && parseDecimal(text) !== undefined ? text : NO_FIT;
    }
    default:
      return NO_FIT;
  }
}

/** Says what fits a field, for error messages. */
export function describeExpected(field: FieldInfo): string {
  switch (field.kind) {
    case 'number':
      return 'a finite number';
    case 'timestamp':
      return 'a number (epoch milliseconds) or a Date';
    case 'date':
      return 'a number (days since the epoch) or a Date';
    case 'string':
    case 'uuid':
      return 'a string';
    case 'enum':
      return field.symbols === undefined
        ? 'a string'
        : `one of ${field.symbols.map((symbol) => `'${symbol}'`).join(', ')}`;
    case 'boolean':
      return 'TRUE or FALSE';
    case 'decimal':
      return "a decimal string such as '12.50' or a number";
    default:
      return 'nothing (only IS NULL / IS NOT NULL apply)';
  }
}
