import type { Entry } from '../../../src/schema/Entry';
import { newEngine, order } from './fixtures';

/** Settled value of a promise, or 'pending' (after letting queued callbacks run). */
async function peek(promise: Promise<Entry | null>): Promise<string | null> {
  const pending = Symbol('pending');
  const value = await Promise.race([
    promise,
    new Promise<typeof pending>((r) => setImmediate(() => r(pending))),
  ]);
  return value === pending ? 'pending' : (((value as Entry | null)?.id as string | undefined) ?? null);
}

describe('WaiterQueue (waiters filed by a pinned field)', () => {
  it('serves takes first come first served across filed and unfiled waiters, and every matching read', async () => {
    const { engine } = newEngine();
    const forever = { timeout: Infinity };
    // Unfiled (a query), then filed under status, then filed under customerId.
    const takeQuery = engine.take('Order', { query: 'status = ?', params: ['NEW'] }, forever);
    const takeStatus = engine.take('Order', { template: { status: 'NEW' } }, forever);
    const takeCustomer = engine.take('Order', { template: { customerId: 'c9' } }, forever);
    const readId = engine.read('Order', { template: { id: 'x1' } }, forever);
    const readAll = engine.read('Order', { query: 'total > ?', params: [0] }, forever);
    const readOther = engine.read('Order', { template: { customerId: 'nobody' } }, forever);

    await engine.write('Order', order('x1', { status: 'NEW', customerId: 'c9' }));
    expect(await peek(takeQuery)).toBe('x1');
    expect(await peek(readId)).toBe('x1');
    expect(await peek(readAll)).toBe('x1');
    expect(await peek(takeStatus)).toBe('pending');
    expect(await peek(takeCustomer)).toBe('pending');
    expect(engine.pendingWaiters).toBe(3);

    // Both remaining takes match; the earlier one (filed under status) wins.
    await engine.write('Order', order('x2', { status: 'NEW', customerId: 'c9' }));
    expect(await peek(takeStatus)).toBe('x2');
    expect(await peek(takeCustomer)).toBe('pending');

    // Filed under customerId: a PAID order of c9 satisfies it, one of another customer does not.
    await engine.write('Order', order('x3', { status: 'PAID', customerId: 'c1' }));
    expect(await peek(takeCustomer)).toBe('pending');
    await engine.write('Order', order('x4', { status: 'PAID', customerId: 'c9' }));
    expect(await peek(takeCustomer)).toBe('x4');
    expect(engine.pendingWaiters).toBe(1);
    expect(await peek(readOther)).toBe('pending');
    engine.close();
    await expect(readOther).rejects.toThrow();
  });

  it('forgets a filed waiter whose timeout passed', async () => {
    const { engine } = newEngine();
    const taking = engine.take('Order', { template: { status: 'PAID' } }, { timeout: 1 });
    expect(await taking).toBeNull();
    expect(engine.pendingWaiters).toBe(0);
    await engine.write('Order', order('y1', { status: 'PAID' }));
    expect(engine.lookup('Order', 'y1')).toBeDefined();
  });
});
