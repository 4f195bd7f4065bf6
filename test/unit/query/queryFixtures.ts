import type { FieldInfo, FieldResolver } from '../../../src/schema/FieldKind';
import { bindParams, BoundQuery, checkQuery, parseQuery } from '../../../src/space/query';

/** A small Order-like entry type, as the engine's schema layer would describe it. */
const FIELDS: Record<string, FieldInfo> = {
  id: { kind: 'string', nullable: false },
  name: { kind: 'string', nullable: true },
  status: { kind: 'enum', nullable: false, symbols: ['NEW', 'PAID', 'SHIPPED'] },
  total: { kind: 'number', nullable: true },
  qty: { kind: 'number', nullable: false },
  amount: { kind: 'decimal', nullable: true },
  paid: { kind: 'boolean', nullable: true },
  createdAt: { kind: 'timestamp', nullable: false },
  day: { kind: 'date', nullable: true },
  ref: { kind: 'uuid', nullable: true },
  photo: { kind: 'bytes', nullable: true },
  lines: { kind: 'array', nullable: false },
  attrs: { kind: 'map', nullable: false },
  customer: { kind: 'record', nullable: true },
  'customer.city': { kind: 'string', nullable: true },
  'customer.age': { kind: 'number', nullable: true },
  shipping: { kind: 'record', nullable: false },
  'shipping.address': { kind: 'record', nullable: false },
  'shipping.address.zip': { kind: 'string', nullable: true },
  limit: { kind: 'number', nullable: true },
};

export const resolver: FieldResolver = (path) => FIELDS[path];

/** Parses, checks and binds in one go. */
export function compile(query: string, params: readonly unknown[] = []): BoundQuery {
  return bindParams(checkQuery(parseQuery(query), resolver, query), params);
}

/** Runs `fn` and returns what it threw (failing the test when it does not throw). */
export function thrown(fn: () => unknown): Error & { position?: number; code?: string } {
  try {
    fn();
  } catch (error) {
    return error as Error & { position?: number };
  }
  throw new Error('expected an error');
}
