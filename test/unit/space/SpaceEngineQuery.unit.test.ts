import { QuerySyntaxError, QueryTypeError } from '../../../src/errors';
import { newEngine, order } from './fixtures';

describe('SpaceEngine query selectors', () => {
  async function seeded() {
    const setup = newEngine();
    for (let i = 1; i <= 20; i++) {
      await setup.engine.write(
        'Order',
        order(`o${i}`, { total: i * 10, status: i % 2 === 0 ? 'PAID' : 'NEW', customerId: `c${i % 3}` }),
      );
    }
    return setup;
  }

  it('reads with parameters, ORDER BY and LIMIT', async () => {
    const { engine } = await seeded();
    const found = await engine.readMultiple('Order', {
      query: 'total >= ? AND status = ? ORDER BY total DESC LIMIT 3',
      params: [50, 'PAID'],
    });
    expect(found.map((e) => e.total)).toEqual([200, 180, 160]);
    expect(await engine.count('Order', { query: 'total < ?', params: [35] })).toBe(3);
  });

  it('takes the first by ORDER BY and changes by query', async () => {
    const { engine } = await seeded();
    expect(
      (await engine.take('Order', { query: 'status = ? ORDER BY total', params: ['PAID'] }))?.total,
    ).toBe(20);
    const changed = await engine.change('Order', { query: 'customerId = ?', params: ['c0'] }, [
      { op: 'set', path: 'status', value: 'SHIPPED' },
    ]);
    expect(changed.count).toBe(6);
    expect(await engine.count('Order', { query: "status = 'SHIPPED'" })).toBe(6);
  });

  it('a waiting take wakes on a write matching its query', async () => {
    const { engine } = newEngine();
    const taking = engine.take('Order', { query: 'total > ?', params: [1000] }, { timeout: Infinity });
    await engine.write('Order', order('small', { total: 5 }));
    await engine.write('Order', order('big', { total: 5000 }));
    expect((await taking)?.id).toBe('big');
  });

  it('refuses bad queries with typed errors', async () => {
    const { engine } = await seeded();
    await expect(engine.read('Order', { query: 'total >>= 3' })).rejects.toBeInstanceOf(QuerySyntaxError);
    await expect(engine.read('Order', { query: 'colour = ?', params: ['red'] })).rejects.toBeInstanceOf(
      QueryTypeError,
    );
  });
});
