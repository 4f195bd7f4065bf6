import { MAX_SCAN_WORKERS, scanSlot } from '../../../src/log/read/WorkerTopicScanner';

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('scanSlot: at most MAX_SCAN_WORKERS warm-up scan workers at once', () => {
  it('makes the next scan wait until one ends, hands the slot over, and ignores a second release', async () => {
    const held = await Promise.all(Array.from({ length: MAX_SCAN_WORKERS }, () => scanSlot()));
    const order: string[] = [];
    const first = scanSlot().then((release) => (order.push('first'), release));
    const second = scanSlot().then((release) => (order.push('second'), release));
    await settle();
    expect(order).toEqual([]);

    held[0]!();
    held[0]!(); // a second release of the same slot frees nothing
    await settle();
    expect(order).toEqual(['first']);

    held[1]!();
    const [a, b] = await Promise.all([first, second]);
    expect(order).toEqual(['first', 'second']);

    // Every slot back: as many as the limit can be taken again at once.
    for (const release of [...held.slice(2), a, b]) release();
    const again = await Promise.all(Array.from({ length: MAX_SCAN_WORKERS }, () => scanSlot()));
    let extra = false;
    const late = scanSlot().then((release) => ((extra = true), release));
    await settle();
    expect(extra).toBe(false);
    for (const release of again) release();
    (await late)();
  });
});
