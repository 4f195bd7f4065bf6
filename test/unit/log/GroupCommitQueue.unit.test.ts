import { GroupCommitQueue, type QueuedItem } from '../../../src/log/append/GroupCommitQueue';

interface Item extends QueuedItem<number> {
  readonly name: string;
}

function item(name: string, records = 1, bytes = 10): { item: Item; done: Promise<number> } {
  let resolve!: (n: number) => void;
  let reject!: (e: unknown) => void;
  const done = new Promise<number>((res, rej) => ((resolve = res), (reject = rej)));
  return { item: { name, records, bytes, resolve, reject }, done };
}

/** A queue (no linger) whose first batch stays in flight until `release`; `batches` records each batch. */
function queueHoldingItsFirstBatch(): {
  queue: GroupCommitQueue<Item>;
  batches: string[][];
  release: () => void;
} {
  const batches: string[][] = [];
  let release!: () => void;
  const firstInFlight = new Promise<void>((r) => (release = r));
  const queue = new GroupCommitQueue<Item>(
    { maxBatchRecords: 100, maxBatchBytes: 10_000, lingerMs: 0 },
    async (batch) => {
      batches.push(batch.map((i) => i.name));
      if (batches.length === 1) await firstInFlight;
      batch.forEach((i, n) => i.resolve(n));
    },
  );
  return { queue, batches, release };
}

describe('GroupCommitQueue', () => {
  it('joins appends that arrive while a batch is in flight into the next batch', async () => {
    const { queue, batches, release } = queueHoldingItsFirstBatch();
    const a = item('a');
    queue.push(a.item);
    await new Promise((r) => setImmediate(r));
    const rest = ['b', 'c', 'd'].map((n) => item(n));
    rest.forEach((r) => queue.push(r.item));
    release();
    await Promise.all([a.done, ...rest.map((r) => r.done)]);
    expect(batches).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('lets callers answered by a batch join the next one with their next append', async () => {
    const { queue, batches, release } = queueHoldingItsFirstBatch();
    const a = item('a');
    queue.push(a.item);
    await new Promise((r) => setImmediate(r));
    const b = item('b'); // arrives during the flight
    queue.push(b.item);
    // The caller of `a` appends again as soon as it is answered (a chain of microtasks).
    const c = item('c');
    const next = a.done.then(() => Promise.resolve()).then(() => queue.push(c.item));
    release();
    await Promise.all([next, b.done, c.done]);
    expect(batches).toEqual([['a'], ['b', 'c']]);
  });

  it('bounds a batch by records and bytes but never splits an item', async () => {
    const batches: string[][] = [];
    const queue = new GroupCommitQueue<Item>(
      { maxBatchRecords: 3, maxBatchBytes: 25, lingerMs: 5 },
      async (batch) => {
        batches.push(batch.map((i) => i.name));
        batch.forEach((i) => i.resolve(0));
      },
    );
    const items = [
      item('a', 2),
      item('b', 1),
      item('c', 1),
      item('big', 7),
      item('x', 1, 20),
      item('y', 1, 20),
    ];
    items.forEach((i) => queue.push(i.item));
    await Promise.all(items.map((i) => i.done));
    expect(batches).toEqual([['a', 'b'], ['c'], ['big'], ['x'], ['y']]);
  });
});
