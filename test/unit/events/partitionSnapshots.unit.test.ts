import { PartitionedSpace } from '../../../src/api/PartitionedSpace';
import { readPartitionSnapshot } from '../../../src/events/readPartitionSnapshot';
import { SnapshotCursorError, TaskFailedError } from '../../../src/errors';
import {
  MAX_OPEN_SNAPSHOTS,
  SNAPSHOT_OPEN_TASK,
  SNAPSHOT_PAGE_TASK,
  type SnapshotOpened,
} from '../../../src/events/PartitionSnapshots';
import { TaskRegistry } from '../../../src/events/TaskRegistry';
import type { Space } from '../../../src/api/Space';
import type { Mutation } from '../../../src/space/Mutation';
import type { MutationSink } from '../../../src/space/SpaceEngineOptions';
import { newEngine, order, exampleTypes } from '../space/fixtures';

/** A sink whose appends stay pending until released. */
class HeldSink implements MutationSink {
  private readonly held: (() => void)[] = [];
  readonly log: Mutation[] = [];
  append(mutations: readonly Mutation[]): Promise<void> {
    return new Promise((resolve) =>
      this.held.push(() => {
        this.log.push(...mutations);
        resolve();
      }),
    );
  }
  release(): void {
    for (const r of this.held.splice(0)) r();
  }
  get pending(): number {
    return this.held.length;
  }
}

function gridOf(engine: ReturnType<typeof newEngine>['engine']) {
  const host = {
    unit: 'u',
    partitions: 1,
    space: undefined as unknown as PartitionedSpace,
    engine: () => engine,
  };
  const tasks = new TaskRegistry(host);
  const space = new PartitionedSpace('orders', exampleTypes(), 1, () => engine, tasks);
  host.space = space;
  return space;
}

describe('partition snapshots ($snapshot:open / $snapshot:page, read by spacelog verify)', () => {
  it('reads every resident entry with version and lease, page by page', async () => {
    const { engine } = newEngine();
    for (let i = 0; i < 25; i++)
      await engine.write('Order', order(`o${i}`), i === 3 ? { lease: 60_000 } : {});
    await engine.change('Order', { id: 'o1' }, [{ op: 'set', path: 'total', value: 1 }]);
    const space = gridOf(engine);
    const read = await readPartitionSnapshot(space, 0, { pageRows: 10 });
    expect(read.calls).toBe(1 + 3);
    expect(read.rows).toHaveLength(25);
    const byId = new Map(read.rows.map((r) => [r[1], r]));
    expect(byId.get('o1')?.slice(0, 3)).toEqual(['Order', 'o1', 2]);
    expect(byId.get('o3')?.[3]).toBe(1_700_000_000_000 + 60_000);
    expect(byId.get('o1')?.[4]).toEqual(engine.lookup('Order', 'o1')?.entry);
  });

  it('answers the open only once the log holds every mutation the snapshot shows', async () => {
    const sink = new HeldSink();
    const { engine } = newEngine({ sink });
    void engine.write('Order', order('o1'));
    const space = gridOf(engine);
    let opened = false;
    const opening = space
      .execute<SnapshotOpened>(SNAPSHOT_OPEN_TASK, {}, { partition: 0 })
      .then((o) => ((opened = true), o));
    await new Promise((r) => setImmediate(r));
    expect(opened).toBe(false);
    expect(sink.pending).toBe(1);
    sink.release();
    expect((await opening).total).toBe(1);
    expect(sink.log.map((m) => m.id)).toEqual(['o1']);
  });

  it('refuses a page of a cursor it dropped (after the last page, or evicted) as retriable', async () => {
    const { engine } = newEngine();
    await engine.write('Order', order('o1'));
    const space = gridOf(engine);
    const first = await space.execute<SnapshotOpened>(SNAPSHOT_OPEN_TASK, {}, { partition: 0 });
    await space.execute(SNAPSHOT_PAGE_TASK, { cursor: first.cursor, from: 0, limit: 10 }, { partition: 0 });
    const again = space.execute(
      SNAPSHOT_PAGE_TASK,
      { cursor: first.cursor, from: 0, limit: 10 },
      { partition: 0 },
    );
    await expect(again).rejects.toBeInstanceOf(TaskFailedError);
    await expect(again).rejects.toMatchObject({ causeCode: 'SNAPSHOT_CURSOR_GONE', causeRetriable: true });
    const oldest = await space.execute<SnapshotOpened>(SNAPSHOT_OPEN_TASK, {}, { partition: 0 });
    for (let i = 0; i < MAX_OPEN_SNAPSHOTS; i++)
      await space.execute(SNAPSHOT_OPEN_TASK, {}, { partition: 0 });
    await expect(
      space.execute(SNAPSHOT_PAGE_TASK, { cursor: oldest.cursor, from: 0, limit: 1 }, { partition: 0 }),
    ).rejects.toMatchObject({ causeCode: 'SNAPSHOT_CURSOR_GONE' });
    expect(new SnapshotCursorError('x', { partition: 0 }).retriable).toBe(true);
  });
});

describe('readPartitionSnapshot: a cursor the primary dropped mid-read', () => {
  /**
   * The grid's space, where the page calls named in `drop` (1 = the first page asked) fail as a dropped
   * cursor does: over the wire (TaskFailedError) or in process (SnapshotCursorError).
   */
  function dropping(space: Pick<Space, 'execute'>, drop: (pageCall: number) => boolean, wire = true) {
    const tasks: string[] = [];
    let pageCalls = 0;
    const execute: Space['execute'] = (name, args, options) => {
      tasks.push(name);
      if (name === SNAPSHOT_PAGE_TASK && drop(++pageCalls)) {
        const gone = new SnapshotCursorError((args as { cursor: string }).cursor, { partition: 0 });
        return Promise.reject(wire ? new TaskFailedError(name, gone, { partition: 0 }) : gone);
      }
      return space.execute(name, args, options);
    };
    return { tasks, space: { execute } };
  }

  async function gridWith(entries: number) {
    const { engine } = newEngine();
    for (let i = 0; i < entries; i++) await engine.write('Order', order(`o${i}`));
    return gridOf(engine);
  }

  it('opens a new snapshot and reads it all again, without the rows of the lost one', async () => {
    const { tasks, space } = dropping(await gridWith(25), (k) => k === 2);
    const read = await readPartitionSnapshot(space, 0, { pageRows: 10 });
    expect(read.rows.map((r) => r[1]).sort()).toEqual(Array.from({ length: 25 }, (_, i) => `o${i}`).sort());
    // Open, page 1, (page 2 lost), open again, pages 1 to 3: the lost page is not counted.
    expect(tasks).toEqual(
      [SNAPSHOT_OPEN_TASK, SNAPSHOT_PAGE_TASK, SNAPSHOT_PAGE_TASK, SNAPSHOT_OPEN_TASK].concat([
        SNAPSHOT_PAGE_TASK,
        SNAPSHOT_PAGE_TASK,
        SNAPSHOT_PAGE_TASK,
      ]),
    );
    expect(read.calls).toBe(2 + 4);
  });

  it('gives up after reopenAttempts opens with the last failure as is', async () => {
    for (const wire of [true, false]) {
      const { tasks, space } = dropping(await gridWith(3), () => true, wire);
      const read = readPartitionSnapshot(space, 0, { reopenAttempts: 2 });
      await expect(read).rejects.toBeInstanceOf(wire ? TaskFailedError : SnapshotCursorError);
      expect(tasks.filter((t) => t === SNAPSHOT_OPEN_TASK)).toHaveLength(2);
    }
    const { tasks, space } = dropping(await gridWith(3), () => true);
    await expect(readPartitionSnapshot(space, 0)).rejects.toBeInstanceOf(TaskFailedError);
    expect(tasks.filter((t) => t === SNAPSHOT_OPEN_TASK)).toHaveLength(3); // default 3
  });

  it('does not reopen after another failure, nor retry a failed open', async () => {
    const grid = await gridWith(3);
    const other = new Error('partition moved');
    let opens = 0;
    const failingPage: Pick<Space, 'execute'> = {
      execute: (name, args, options) => {
        if (name === SNAPSHOT_OPEN_TASK) opens++;
        return name === SNAPSHOT_PAGE_TASK ? Promise.reject(other) : grid.execute(name, args, options);
      },
    };
    await expect(readPartitionSnapshot(failingPage, 0)).rejects.toBe(other);
    expect(opens).toBe(1);
    const gone = new SnapshotCursorError('c', { partition: 0 });
    const failingOpen: Pick<Space, 'execute'> = {
      execute: () => {
        opens++;
        return Promise.reject(gone);
      },
    };
    await expect(readPartitionSnapshot(failingOpen, 0)).rejects.toBe(gone);
    expect(opens).toBe(2);
  });
});
