import {
  CapacityExceededError,
  EntryAlreadyExistsError,
  EntryNotFoundError,
  EntryTooLargeError,
  InvalidArgumentError,
  InvalidIdError,
  SchemaValidationError,
  UnknownTypeError,
  VersionConflictError,
} from '../../../src/errors';
import { newEngine, order, snapshot } from './fixtures';

describe('SpaceEngine write', () => {
  it('writes version 1, then updates to version 2, logging WRITE then UPDATE', async () => {
    const { engine, sink } = newEngine();
    expect(await engine.write('Order', order('o1'))).toEqual({ id: 'o1', version: 1, leaseExpiresAt: null });
    expect(await engine.write('Order', order('o1', { total: 5 }))).toEqual({
      id: 'o1',
      version: 2,
      leaseExpiresAt: null,
    });
    expect(sink.log.map((m) => [m.op, m.id, m.version, m.origin])).toEqual([
      ['WRITE', 'o1', 1, 'test-pu'],
      ['UPDATE', 'o1', 2, 'test-pu'],
    ]);
    expect(engine.lookup('Order', 'o1')?.entry.total).toBe(5);
    expect(engine.size).toBe(1);
  });

  it('hands out deeply frozen normalized entries without copying on read', async () => {
    const { engine } = newEngine();
    await engine.write('Order', order('o1'));
    const a = await engine.read('Order', { id: 'o1' });
    const b = await engine.read('Order', { id: 'o1' });
    expect(a).toBe(b);
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(a?.lines)).toBe(true);
    expect(Object.isFrozen((a?.lines as object[])[0])).toBe(true);
    expect(a?.note).toBeNull();
  });

  it('generates ids through nextId for types that ask for them', async () => {
    const { engine, sink } = newEngine();
    const { id, ...noId } = order('x');
    void id;
    const result = await engine.write('Order', noId);
    expect(result.id).toBe('gen-1');
    expect(sink.log[0]?.id).toBe('gen-1');
    expect(sink.log[0]?.state?.id).toBe('gen-1');
  });

  it('sets lease expiry from the clock', async () => {
    const { engine, clock } = newEngine();
    const result = await engine.write('Order', order('o1'), { lease: 1000 });
    expect(result.leaseExpiresAt).toBe(clock.now + 1000);
  });

  it('insert-only refuses an existing id; update-only refuses a missing one', async () => {
    const { engine } = newEngine();
    await engine.write('Order', order('o1'));
    await expect(engine.write('Order', order('o1'), { mode: 'insert-only' })).rejects.toBeInstanceOf(
      EntryAlreadyExistsError,
    );
    await expect(engine.write('Order', order('o2'), { mode: 'update-only' })).rejects.toBeInstanceOf(
      EntryNotFoundError,
    );
    expect((await engine.write('Order', order('o1'), { mode: 'update-only' })).version).toBe(2);
    expect((await engine.write('Order', order('o3'), { mode: 'insert-only' })).version).toBe(1);
  });

  it('checks expectedVersion (0 = must not exist)', async () => {
    const { engine } = newEngine();
    await expect(engine.write('Order', order('o1'), { expectedVersion: 1 })).rejects.toBeInstanceOf(
      VersionConflictError,
    );
    await engine.write('Order', order('o1'), { expectedVersion: 0 });
    const error = await engine.write('Order', order('o1'), { expectedVersion: 3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VersionConflictError);
    expect(error).toMatchObject({ expectedVersion: 3, actualVersion: 1, entryId: 'o1' });
    expect((await engine.write('Order', order('o1'), { expectedVersion: 1 })).version).toBe(2);
  });

  it('a write over an expired entry not yet EXPIREd logs EXPIRE then WRITE v1', async () => {
    const { engine, clock, sink } = newEngine();
    await engine.write('Order', order('o1'), { lease: 10 });
    clock.advance(10);
    expect(await engine.read('Order', { id: 'o1' })).toBeNull();
    expect((await engine.write('Order', order('o1'))).version).toBe(1);
    expect(sink.log.map((m) => m.op)).toEqual(['WRITE', 'EXPIRE', 'WRITE']);
  });

  it.each([
    ['unknown type', 'Nope', order('o1'), {}, UnknownTypeError],
    ['schema violation', 'Order', order('o1', { total: 'x' }), {}, SchemaValidationError],
    ['extra field', 'Order', order('o1', { color: 'red' }), {}, SchemaValidationError],
    ['empty id', 'Order', order(''), {}, InvalidIdError],
    ['id too long', 'Order', order('x'.repeat(257)), {}, InvalidIdError],
    ['oversize', 'Order', order('o9', { note: 'x'.repeat(2000) }), {}, EntryTooLargeError],
    ['bad mode', 'Order', order('o9'), { mode: 'sideways' }, InvalidArgumentError],
    ['bad lease', 'Order', order('o9'), { lease: -5 }, InvalidArgumentError],
    ['insert over existing', 'Order', order('o1'), { mode: 'insert-only' }, EntryAlreadyExistsError],
    ['version conflict', 'Order', order('o1'), { expectedVersion: 7 }, VersionConflictError],
  ])(
    'refuses %s with a typed error and leaves the state untouched',
    async (_name, type, value, options, kind) => {
      const { engine, sink } = newEngine({ limits: { maxEntryBytes: 1000 } });
      await engine.write('Order', order('o1'));
      await engine.write('Product', { sku: 'p1', name: 'Pen', price: 1.5, stock: 3 });
      const before = snapshot(engine);
      const logged = sink.log.length;
      await expect(engine.write(type, value, options as never)).rejects.toBeInstanceOf(kind);
      expect(snapshot(engine)).toEqual(before);
      expect(sink.log.length).toBe(logged);
    },
  );

  it('refuses writes over capacity, but still accepts updates', async () => {
    const { engine } = newEngine({ limits: { maxEntries: 2 } });
    await engine.write('Order', order('o1'));
    await engine.write('Order', order('o2'));
    const before = snapshot(engine);
    await expect(engine.write('Order', order('o3'))).rejects.toBeInstanceOf(CapacityExceededError);
    expect(snapshot(engine)).toEqual(before);
    expect((await engine.write('Order', order('o2', { total: 1 }))).version).toBe(2);
  });

  it('fills the Avro default of a missing field', async () => {
    const { engine } = newEngine();
    await engine.write('Product', { sku: 'p1', name: 'Pen', price: 1.5, stock: 3 });
    expect((await engine.read('Product', { id: 'p1' }))?.tags).toEqual([]);
  });
});

describe('SpaceEngine read, take, count, clear', () => {
  async function seeded() {
    const setup = newEngine();
    const { engine } = setup;
    await engine.write('Order', order('o1', { status: 'NEW', total: 10 }));
    await engine.write(
      'Order',
      order('o2', { status: 'PAID', total: 20, shipping: { city: 'Lyon', zip: '69001' } }),
    );
    await engine.write('Order', order('o3', { status: 'PAID', total: 30, customerId: 'c2' }));
    return setup;
  }

  it('reads by id and by template (null = wildcard, nested partial record)', async () => {
    const { engine } = await seeded();
    expect((await engine.read('Order', { id: 'o2' }))?.total).toBe(20);
    expect(await engine.read('Order', { id: 'nope' })).toBeNull();
    expect((await engine.read('Order', { template: { status: 'PAID', customerId: 'c2' } }))?.id).toBe('o3');
    expect((await engine.read('Order', { template: { shipping: { city: 'Lyon' } } }))?.id).toBe('o2');
    expect(
      (await engine.readMultiple('Order', { template: { status: 'PAID', note: null } }))
        .map((e) => e.id)
        .sort(),
    ).toEqual(['o2', 'o3']);
    expect(await engine.count('Order', { template: { status: 'SHIPPED' } })).toBe(0);
    expect(await engine.count('Order')).toBe(3);
  });

  it('refuses a template field not in the schema', async () => {
    const { engine } = await seeded();
    await expect(engine.read('Order', { template: { colour: 'red' } })).rejects.toBeInstanceOf(
      SchemaValidationError,
    );
  });

  it('refuses a selector that is not an object, or a template that is not one, with a typed error', async () => {
    const { engine } = await seeded();
    for (const selector of ['o1', null, 7]) {
      await expect(engine.read('Order', selector as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    }
    await expect(engine.read('Order', { template: 'PAID' } as never)).rejects.toBeInstanceOf(
      SchemaValidationError,
    );
  });

  it('takes an entry once and logs TAKE with its version', async () => {
    const { engine, sink } = await seeded();
    const taken = await engine.take('Order', { template: { status: 'NEW' } });
    expect(taken?.id).toBe('o1');
    expect(await engine.take('Order', { template: { status: 'NEW' } })).toBeNull();
    expect(sink.log.at(-1)).toMatchObject({ op: 'TAKE', id: 'o1', version: 1, state: null });
    expect(engine.size).toBe(2);
  });

  it('takeMultiple and readMultiple honour the limit; clear counts what it takes', async () => {
    const { engine } = await seeded();
    expect(await engine.readMultiple('Order', { template: {} }, 2)).toHaveLength(2);
    expect(await engine.takeMultiple('Order', { template: { status: 'PAID' } }, 1)).toHaveLength(1);
    expect(await engine.count('Order')).toBe(2);
    expect(await engine.clear('Order')).toBe(2);
    expect(engine.size).toBe(0);
  });

  it('never returns an entry whose lease passed, before its EXPIRE is logged', async () => {
    const { engine, clock, sink } = newEngine();
    await engine.write('Order', order('o1'), { lease: 100 });
    clock.advance(100);
    expect(await engine.read('Order', { id: 'o1' })).toBeNull();
    expect(await engine.take('Order', { template: {} })).toBeNull();
    expect(await engine.count('Order')).toBe(0);
    expect(engine.size).toBe(1);
    expect(await engine.expireDue()).toBe(1);
    expect(sink.log.at(-1)).toMatchObject({ op: 'EXPIRE', id: 'o1' });
    expect(engine.size).toBe(0);
  });

  it('expireDue expires only leases at or before now, soonest first', async () => {
    const { engine, clock } = newEngine();
    await engine.write('Order', order('a'), { lease: 300 });
    await engine.write('Order', order('b'), { lease: 100 });
    await engine.write('Order', order('c'));
    expect(await engine.expireDue(clock.now + 99)).toBe(0);
    expect(await engine.expireDue(clock.now + 100)).toBe(1);
    expect(engine.lookup('Order', 'b')).toBeUndefined();
    expect(await engine.expireDue(clock.now + 10_000)).toBe(1);
    expect(engine.lookup('Order', 'c')).toBeDefined();
  });

  it('renews a lease with an UPDATE of the same state', async () => {
    const { engine, clock } = newEngine();
    await engine.write('Order', order('o1'), { lease: 100 });
    const renewed = await engine.renew('Order', 'o1', 5000);
    expect(renewed).toEqual({ id: 'o1', version: 2, leaseExpiresAt: clock.now + 5000 });
    clock.advance(1000);
    expect(await engine.read('Order', { id: 'o1' })).not.toBeNull();
    await expect(engine.renew('Order', 'zz', 10)).rejects.toBeInstanceOf(EntryNotFoundError);
  });
});

describe('SpaceEngine change', () => {
  it('applies set, unset, increment, addToArray, removeFromArray atomically as one UPDATE', async () => {
    const { engine, sink } = newEngine();
    await engine.write('Order', order('o1', { note: 'fragile' }));
    const line = { sku: 'sku-2', quantity: 2, price: 5 };
    const result = await engine.change('Order', { id: 'o1' }, [
      { op: 'set', path: 'status', value: 'PAID' },
      { op: 'set', path: 'shipping.city', value: 'Nice' },
      { op: 'unset', path: 'note' },
      { op: 'increment', path: 'total', by: 10 },
      { op: 'addToArray', path: 'lines', value: line },
      { op: 'removeFromArray', path: 'lines', value: { sku: 'sku-1', quantity: 1, price: 100 } },
    ]);
    expect(result).toEqual({ count: 1, changed: [{ id: 'o1', version: 2, leaseExpiresAt: null }] });
    const entry = await engine.read('Order', { id: 'o1' });
    expect(entry).toMatchObject({
      status: 'PAID',
      note: null,
      total: 110,
      lines: [line],
      shipping: { city: 'Nice' },
    });
    expect(sink.log.at(-1)?.op).toBe('UPDATE');
    expect(await engine.count('Order', { template: { shipping: { city: 'Nice' } } })).toBe(1);
  });

  it('changes every match of a template', async () => {
    const { engine } = newEngine();
    await engine.write('Order', order('o1'));
    await engine.write('Order', order('o2'));
    await engine.write('Order', order('o3', { status: 'PAID' }));
    const result = await engine.change('Order', { template: { status: 'NEW' } }, [
      { op: 'set', path: 'status', value: 'CANCELLED' },
    ]);
    expect(result.count).toBe(2);
    expect(await engine.count('Order', { template: { status: 'CANCELLED' } })).toBe(2);
  });

  it.each([
    ['unknown path', [{ op: 'set', path: 'colour', value: 1 }], SchemaValidationError],
    ['wrong value type', [{ op: 'set', path: 'total', value: 'x' }], SchemaValidationError],
    ['increment a string', [{ op: 'increment', path: 'status' }], SchemaValidationError],
    ['array op on scalar', [{ op: 'addToArray', path: 'total', value: 1 }], SchemaValidationError],
    ['unset required', [{ op: 'unset', path: 'total' }], SchemaValidationError],
    ['change id', [{ op: 'set', path: 'id', value: 'o9' }], InvalidArgumentError],
    ['change routing', [{ op: 'set', path: 'customerId', value: 'c9' }], InvalidArgumentError],
    ['bad line in array', [{ op: 'addToArray', path: 'lines', value: { sku: 1 } }], SchemaValidationError],
    ['empty change set', [], InvalidArgumentError],
    ['unknown op', [{ op: 'multiply', path: 'total' }], InvalidArgumentError],
  ])('refuses %s and leaves the state untouched', async (_name, changes, kind) => {
    const { engine, sink } = newEngine();
    await engine.write('Order', order('o1'));
    const before = snapshot(engine);
    await expect(engine.change('Order', { id: 'o1' }, changes as never)).rejects.toBeInstanceOf(kind);
    expect(snapshot(engine)).toEqual(before);
    expect(sink.log).toHaveLength(1);
  });

  it('refuses a missing id and a version conflict', async () => {
    const { engine } = newEngine();
    await engine.write('Order', order('o1'));
    const set = [{ op: 'set' as const, path: 'status', value: 'PAID' }];
    await expect(engine.change('Order', { id: 'zz' }, set)).rejects.toBeInstanceOf(EntryNotFoundError);
    await expect(engine.change('Order', { id: 'o1' }, set, { expectedVersion: 4 })).rejects.toBeInstanceOf(
      VersionConflictError,
    );
    expect((await engine.change('Order', { id: 'o1' }, set, { expectedVersion: 1 })).count).toBe(1);
  });
});
