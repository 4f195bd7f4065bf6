import { partitionOf } from '../../../src/api/partitionOf';
import {
  InvalidArgumentError,
  NotPrimaryError,
  OperationAbortedError,
  TaskFailedError,
  TaskTimeoutError,
  UnknownTaskError,
  VersionConflictError,
} from '../../../src/errors';
import type { TaskContext } from '../../../src/api/Task';
import { partitionOfEngine, taskKit } from './taskKit';

describe('TaskRegistry and execute in process', () => {
  it('runs a task at the partition of its routing value, with that partition in-process', async () => {
    const { tasks, space } = taskKit(4);
    let seen: TaskContext | undefined;
    tasks.register('where', (args: { n: number }, ctx) => {
      seen = ctx;
      return { partition: ctx.partition, engine: partitionOfEngine(ctx.engine), doubled: args.n * 2 };
    });
    const answer = await space.execute('where', { n: 21 }, { routing: 'c-7' });
    const k = partitionOf('c-7', 4);
    expect(answer).toEqual({ partition: k, engine: k, doubled: 42 });
    expect(seen!.space).toBe(space);
    expect(seen!.unit).toBe('unit-a');
    expect(seen!.signal.aborted).toBe(false);
    expect(await space.execute('where', { n: 1 }, { partition: 2 })).toMatchObject({
      partition: 2,
      engine: 2,
    });
  });

  it('needs exactly one of routing and partition, in range', async () => {
    const { tasks, space } = taskKit(4);
    tasks.register('t', () => 1);
    await expect(space.execute('t', {})).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(space.execute('t', {}, { routing: 'x', partition: 1 })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(space.execute('t', {}, { partition: 4 })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('executeAll runs at every partition and reduces on the caller; without reduce, partition order', async () => {
    const { tasks, space } = taskKit(4);
    tasks.register('count', (_args, ctx) => (ctx.partition + 1) * 10);
    expect(await space.executeAll<number>('count')).toEqual([10, 20, 30, 40]);
    const sum = await space.executeAll<number, number>('count', undefined, {
      reduce: (results) => results.reduce((a, b) => a + b, 0),
    });
    expect(sum).toBe(100);
  });

  it('executeAll waits for every partition and fails with the first failure in partition order', async () => {
    const { tasks, space } = taskKit(3);
    const finished: number[] = [];
    tasks.register('mixed', async (_args, ctx) => {
      await new Promise((r) => setTimeout(r, (3 - ctx.partition) * 10));
      finished.push(ctx.partition);
      if (ctx.partition > 0) throw new Error(`boom ${ctx.partition}`);
      return ctx.partition;
    });
    const error = (await space.executeAll('mixed').catch((e: unknown) => e)) as TaskFailedError;
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error.partition).toBe(1);
    expect(finished.sort()).toEqual([0, 1, 2]);
  });

  it('refuses an unknown task with UnknownTaskError before anything runs', async () => {
    const { space } = taskKit(2);
    const error = (await space
      .execute('nope', {}, { partition: 1 })
      .catch((e: unknown) => e)) as UnknownTaskError;
    expect(error).toBeInstanceOf(UnknownTaskError);
    expect(error.retriable).toBe(false);
    expect(error.task).toBe('nope');
    expect(error.partition).toBe(1);
  });

  it('wraps what a task throws in TaskFailedError with the cause, its code and the partition', async () => {
    const { tasks, space } = taskKit(2);
    tasks.register('coded', () => {
      throw Object.assign(new Error('no stock left'), { code: 'OUT_OF_STOCK' });
    });
    tasks.register('spacelog', () =>
      Promise.reject(new VersionConflictError(2, 3, { type: 'Order', entryId: 'o-1' })),
    );
    const coded = (await space
      .execute('coded', {}, { partition: 0 })
      .catch((e: unknown) => e)) as TaskFailedError;
    expect(coded).toBeInstanceOf(TaskFailedError);
    expect(coded).toMatchObject({ task: 'coded', causeCode: 'OUT_OF_STOCK', causeMessage: 'no stock left' });
    expect(coded.partition).toBe(0);
    expect(coded.retriable).toBe(false);
    expect((coded.cause as Error).message).toBe('no stock left');
    const typed = (await space
      .execute('spacelog', {}, { partition: 1 })
      .catch((e: unknown) => e)) as TaskFailedError;
    expect(typed.causeCode).toBe('VERSION_CONFLICT');
    expect(typed.causeName).toBe('VersionConflictError');
    expect(typed.cause).toBeInstanceOf(VersionConflictError);
  });

  it('times out with TaskTimeoutError and aborts the task signal with it', async () => {
    const { tasks, space } = taskKit(2);
    let signal: AbortSignal | undefined;
    tasks.register('slow', (_args, ctx) => {
      signal = ctx.signal;
      return new Promise(() => undefined);
    });
    const error = (await space
      .execute('slow', {}, { partition: 0, timeout: 30 })
      .catch((e: unknown) => e)) as TaskTimeoutError;
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect(error).toMatchObject({ task: 'slow', timeoutMs: 30, partition: 0, retriable: false });
    expect(signal!.aborted).toBe(true);
    expect(signal!.reason).toBe(error);
  });

  it('honours the caller AbortSignal: OperationAbortedError, and the task signal aborted', async () => {
    const { tasks, space } = taskKit(2);
    let signal: AbortSignal | undefined;
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    tasks.register('waits', (_args, ctx) => {
      signal = ctx.signal;
      started();
      return new Promise(() => undefined);
    });
    const controller = new AbortController();
    const call = space.execute('waits', {}, { partition: 1, signal: controller.signal });
    await running;
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(OperationAbortedError);
    expect(signal!.aborted).toBe(true);
    await expect(
      space.execute('waits', {}, { partition: 1, signal: AbortSignal.abort() }),
    ).rejects.toBeInstanceOf(OperationAbortedError);
  });

  it('passes the host NotPrimaryError through unwrapped: nothing ran', async () => {
    const { tasks, space } = taskKit(2, new Set([1]));
    let runs = 0;
    tasks.register('t', () => ++runs);
    await expect(space.execute('t', {}, { partition: 1 })).rejects.toBeInstanceOf(NotPrimaryError);
    expect(runs).toBe(0);
  });

  it('refuses reserved, duplicate and bad registrations; unregister works', async () => {
    const { tasks, space } = taskKit(2);
    expect(() => tasks.register('$mine', () => 1)).toThrow(InvalidArgumentError);
    expect(() => tasks.register('', () => 1)).toThrow(InvalidArgumentError);
    const stop = tasks.register('once', () => 1);
    expect(() => tasks.register('once', () => 2)).toThrow(InvalidArgumentError);
    expect(tasks.names()).toEqual(['once']);
    stop();
    expect(tasks.has('once')).toBe(false);
    await expect(space.execute('once', {}, { partition: 0 })).rejects.toBeInstanceOf(UnknownTaskError);
    await expect(space.execute('once', {}, { partition: 0, timeout: 0 })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
  });
});
