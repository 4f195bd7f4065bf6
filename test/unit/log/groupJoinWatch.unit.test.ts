import type { Consumer } from 'kafkajs';
import { GroupJoinWatch } from '../../../src/log/connection/GroupJoinWatch';

/** A consumer whose `run()` (kafkajs: resolves once the group join is done) the test ends. */
function joiningConsumer(): { consumer: Consumer; join: () => void; crash: () => void; calls: string[] } {
  const calls: string[] = [];
  let join: () => void = () => undefined;
  let crash: () => void = () => undefined;
  const consumer = {
    run: () => {
      calls.push('run');
      return new Promise<void>((resolve, reject) => {
        join = () => {
          calls.push('joined');
          resolve();
        };
        crash = () => reject(new Error('crashed'));
      });
    },
    disconnect: async () => void calls.push('disconnect'),
  } as unknown as Consumer;
  return { consumer, join: () => join(), crash: () => crash(), calls };
}

/** Whether `promise` settled within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const settled = await Promise.race([promise.then(() => true), late]);
  clearTimeout(timer);
  return settled;
}

const noBatches = { eachBatch: async () => undefined };

describe('GroupJoinWatch', () => {
  it('disconnects at once when the consumer never ran', async () => {
    const { consumer, calls } = joiningConsumer();
    const watch = new GroupJoinWatch();
    expect(await settlesWithin(watch.disconnect(consumer), 50)).toBe(true);
    expect(calls).toEqual(['disconnect']);
  });

  it('holds a disconnect until the join in progress is done, then disconnects', async () => {
    const { consumer, join, calls } = joiningConsumer();
    const watch = new GroupJoinWatch();
    const running = watch.run(consumer, noBatches);
    expect(watch.inProgress).toBe(true);
    const disconnected = watch.disconnect(consumer);
    expect(await settlesWithin(disconnected, 50)).toBe(false);
    expect(calls).toEqual(['run']);
    join();
    await running;
    expect(await settlesWithin(disconnected, 50)).toBe(true);
    expect(calls).toEqual(['run', 'joined', 'disconnect']);
    expect(watch.inProgress).toBe(false);
  });

  it('a join that fails ends the wait too, and run() rejects with it', async () => {
    const { consumer, crash, calls } = joiningConsumer();
    const watch = new GroupJoinWatch();
    const running = watch.run(consumer, noBatches);
    const disconnected = watch.disconnect(consumer);
    crash();
    await expect(running).rejects.toThrow('crashed');
    expect(await settlesWithin(disconnected, 50)).toBe(true);
    expect(calls).toEqual(['run', 'disconnect']);
  });

  it('disconnects anyway after the bound when the join never ends', async () => {
    const { consumer, calls } = joiningConsumer();
    const watch = new GroupJoinWatch();
    void watch.run(consumer, noBatches);
    expect(await settlesWithin(watch.disconnect(consumer, 30), 1_000)).toBe(true);
    expect(calls).toEqual(['run', 'disconnect']);
  });
});
