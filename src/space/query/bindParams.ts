import { QueryTypeError } from '../../errors/query';
import { BoundQuery } from './BoundQuery';
import { buildMatcher } from './buildMatcher';
import type { CheckedQuery, ParamSlot } from './CheckedQuery';
import { compileLike } from './compileLike';
import { describeExpected, fitValue, NO_FIT } from './fitValue';

const NO_VALUES: readonly unknown[] = [];

/**
 * Binds parameter values to a checked query, in `?` order. Throws QueryTypeError, positioned at the
 * `?`, when the count differs or a value does not fit its field:
 * - a value compared with a field must be of the field's kind (see checkQuery; timestamp / date
 *   also take a `Date`); `null` and `undefined` are refused: use IS NULL;
 * - `x IN ?` takes an array of such values (then `IN` an empty array matches nothing and `NOT IN`
 *   an empty array matches everything, as SQL's empty OR / AND would);
 * - `x LIKE ?` takes a pattern string;
 * - `LIMIT ?` takes a non-negative safe integer.
 *
 * Cheap: no parsing; closures are built only for the parts of the condition holding a `?`.
 */
export function bindParams(checked: CheckedQuery, params: readonly unknown[]): BoundQuery {
  const slots = checked.params;
  if (params.length !== slots.length) {
    const missing = slots[params.length];
    const position = missing === undefined ? checked.query.length : missing.position;
    throw new QueryTypeError(
      `query has ${slots.length} parameter(s) but ${params.length} value(s) were given`,
      checked.query,
      position,
    );
  }
  if (slots.length === 0) {
    return new BoundQuery(checked, NO_VALUES, checked.constantMatcher ?? matchNothing, checked.limit);
  }
  const values = new Array<unknown>(slots.length);
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i] as ParamSlot;
    values[i] = fitParam(checked.query, slot, params[i]);
  }
  const matches =
    checked.constantMatcher ??
    (checked.where === undefined ? matchNothing : buildMatcher(checked.where, values));
  const limit = checked.limitParam === undefined ? checked.limit : (values[checked.limitParam] as number);
  return new BoundQuery(checked, values, matches, limit);
}

function fitParam(query: string, slot: ParamSlot, value: unknown): unknown {
  const field = slot.field;
  switch (slot.role) {
    case 'limit':
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
        throw fail(query, slot, `LIMIT needs a non-negative integer, got ${describe(value)}`);
      }
      return value;
    case 'pattern': {
      if (typeof value !== 'string')
        throw fail(query, slot, `LIKE needs a string pattern, got ${describe(value)}`);
      const test = compileLike(value, slot.escape);
      if (test === undefined) throw fail(query, slot, 'LIKE pattern ends with the escape character');
      return test;
    }
    case 'list': {
      if (!Array.isArray(value)) throw fail(query, slot, `IN ? needs an array, got ${describe(value)}`);
      return value.map((item: unknown) => fitOne(query, slot, item));
    }
    default:
      if (field === undefined) return value;
      return fitOne(query, slot, value);
  }
}

function fitOne(query: string, slot: ParamSlot, value: unknown): unknown {
  const field = slot.field;
  if (field === undefined) return value;
  if (value === null || value === undefined) {
    throw fail(query, slot, `a comparison with ${String(value)} is never true; use IS NULL or IS NOT NULL`);
  }
  const fitted = fitValue(field, value);
  if (fitted === NO_FIT) {
    throw fail(
      query,
      slot,
      `${field.kind} field '${slot.path}' needs ${describeExpected(field)}, got ${describe(value)}`,
    );
  }
  return fitted;
}

function fail(query: string, slot: ParamSlot, message: string): QueryTypeError {
  return new QueryTypeError(`parameter ${slot.index + 1}: ${message}`, query, slot.position);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 40 ? `${value.slice(0, 40)}...` : value}'`;
  if (value instanceof Date)
    return Number.isNaN(value.getTime()) ? 'an invalid Date' : `Date ${value.toISOString()}`;
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' && value !== null ? 'an object' : String(value);
}

function matchNothing(): boolean {
  return false;
}
