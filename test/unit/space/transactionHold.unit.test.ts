import { GroupCommitQueue, type QueuedItem } from '../../../src/log/append/GroupCommitQueue';

interface Item extends QueuedItem<void> {
  readonly name: string;
}

function item(name: string, alone = false): Item {
  return { name, records: 1, bytes: 10, alone, resolve: () => undefined, reject: () => undefined };
}

/** Waits (a macrotask at a time, up to 2 s) until `done` holds: a busy machine may delay a tick. */
async function until(done: () => boolean): Promise<void> {
  for (let waited = 0; !done() && waited < 2000; waited += 5) await new Promise((r) => setTimeout(r, 5));
}

describe('a transaction hold in the group-commit queue', () => {
  it('goes alone: what queued before it is sent first, what queued after waits until it is released', async () => {
    const batches: string[][] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const queue = new GroupCommitQueue<Item>(
      { maxBatchRecords: 100, maxBatchBytes: 10_000, lingerMs: 0 },
      async (batch) => {
        batches.push(batch.map((i) => i.name));
        if (batch[0]?.alone) await held;
      },
    );
    for (const name of ['a', 'b']) queue.push(item(name));
    queue.push(item('HOLD', true));
    for (const name of ['c', 'd']) queue.push(item(name));
    await until(() => batches.length >= 2);
    // The hold stays in flight until released: nothing behind it goes out meanwhile.
    await new Promise((r) => setTimeout(r, 20));
    expect(batches).toEqual([['a', 'b'], ['HOLD']]);
    expect(queue.size).toBe(2);
    release();
    await until(() => batches.length >= 3);
    expect(batches).toEqual([['a', 'b'], ['HOLD'], ['c', 'd']]);
  });
});
