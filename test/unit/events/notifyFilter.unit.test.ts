import { InvalidArgumentError } from '../../../src/errors';
import { NotifyFilter, type NotifyFilterSpec } from '../../../src/events/NotifyFilter';
import type { Mutation, MutationOp } from '../../../src/space/Mutation';
import { exampleTypes } from '../space/fixtures';

const ALL_OPS: ReadonlySet<MutationOp> = new Set(['WRITE', 'UPDATE', 'TAKE', 'EXPIRE']);

function spec(extra: Partial<NotifyFilterSpec>): NotifyFilterSpec {
  return {
    name: 'f',
    type: 'Order',
    template: undefined,
    query: undefined,
    params: undefined,
    ops: ALL_OPS,
    ...extra,
  };
}

function order(id: string, status: string, total = 10): Record<string, unknown> {
  return {
    id,
    customerId: 'c-1',
    status,
    total,
    createdAt: 1_700_000_000_000,
    shipping: { city: 'Oslo', zip: '1000' },
    lines: [],
    note: null,
  };
}

let version = 0;
function m(op: MutationOp, id: string, state: Record<string, unknown> | null, type = 'Order'): Mutation {
  return { op, type, id, version: ++version, leaseExpiresAt: null, timestamp: 0, origin: 'test', state };
}

describe('notify filter', () => {
  const types = exampleTypes();

  it('without a selector: every mutation of the type whose op is wanted', () => {
    const filter = new NotifyFilter(spec({ ops: new Set<MutationOp>(['WRITE', 'TAKE']) }), types);
    expect(filter.accepts(m('WRITE', 'o1', order('o1', 'NEW')))).toBe(true);
    expect(filter.accepts(m('UPDATE', 'o1', order('o1', 'PAID')))).toBe(false);
    expect(filter.accepts(m('TAKE', 'o1', null))).toBe(true);
    expect(filter.accepts(m('EXPIRE', 'o2', null))).toBe(false);
    expect(filter.accepts(m('WRITE', 'c1', { id: 'c1' }, 'Customer'))).toBe(false);
  });

  it('without a type: every type', () => {
    const filter = new NotifyFilter(spec({ type: undefined }), types);
    expect(filter.accepts(m('WRITE', 'c1', { id: 'c1' }, 'Customer'))).toBe(true);
    expect(filter.accepts(m('TAKE', 'o1', null))).toBe(true);
  });

  it('a template tests the new state of writes and updates with the engine matching', () => {
    const filter = new NotifyFilter(spec({ template: { status: 'PAID', shipping: { city: null } } }), types);
    expect(filter.accepts(m('WRITE', 'o1', order('o1', 'NEW')))).toBe(false);
    expect(filter.accepts(m('UPDATE', 'o1', order('o1', 'PAID')))).toBe(true);
    expect(filter.accepts(m('UPDATE', 'o1', order('o1', 'SHIPPED')))).toBe(false);
  });

  it('a query with parameters; ORDER BY / LIMIT and bad queries are refused', () => {
    const filter = new NotifyFilter(spec({ query: 'total > ? AND status = ?', params: [20, 'NEW'] }), types);
    expect(filter.accepts(m('WRITE', 'o1', order('o1', 'NEW', 21)))).toBe(true);
    expect(filter.accepts(m('WRITE', 'o2', order('o2', 'NEW', 20)))).toBe(false);
    expect(() => new NotifyFilter(spec({ query: 'total > 1 ORDER BY total' }), types)).toThrow(
      /ORDER BY or LIMIT/,
    );
    expect(() => new NotifyFilter(spec({ query: 'total >' }), types)).toThrow();
    expect(() => new NotifyFilter(spec({ query: 'nosuchfield = 1' }), types)).toThrow();
  });

  it('refuses an unknown type', () => {
    expect(() => new NotifyFilter(spec({ type: 'Nope' }), types)).toThrow(InvalidArgumentError);
  });

  it('a removal is delivered unless the entry was last seen not matching, then forgotten', () => {
    const filter = new NotifyFilter(spec({ template: { status: 'PAID' } }), types);
    // Seen matching, then taken: delivered.
    expect(filter.accepts(m('WRITE', 'o1', order('o1', 'PAID')))).toBe(true);
    expect(filter.accepts(m('TAKE', 'o1', null))).toBe(true);
    // Seen not matching, then taken: not delivered; the key is forgotten.
    expect(filter.accepts(m('WRITE', 'o2', order('o2', 'NEW')))).toBe(false);
    expect(filter.remembered).toBe(1);
    expect(filter.accepts(m('EXPIRE', 'o2', null))).toBe(false);
    expect(filter.remembered).toBe(0);
    // Matching, then no longer, then taken: not delivered.
    expect(filter.accepts(m('WRITE', 'o3', order('o3', 'PAID')))).toBe(true);
    expect(filter.accepts(m('UPDATE', 'o3', order('o3', 'NEW')))).toBe(false);
    expect(filter.accepts(m('TAKE', 'o3', null))).toBe(false);
    // Never seen (written before the container's position): delivered, it may have matched.
    expect(filter.accepts(m('TAKE', 'o4', null))).toBe(true);
  });

  it('an unwanted op still updates what the filter knows of the entry', () => {
    const filter = new NotifyFilter(
      spec({ template: { status: 'PAID' }, ops: new Set<MutationOp>(['TAKE']) }),
      types,
    );
    expect(filter.accepts(m('WRITE', 'o1', order('o1', 'NEW')))).toBe(false);
    expect(filter.accepts(m('TAKE', 'o1', null))).toBe(false);
    expect(filter.accepts(m('WRITE', 'o2', order('o2', 'PAID')))).toBe(false);
    expect(filter.accepts(m('TAKE', 'o2', null))).toBe(true);
  });
});
