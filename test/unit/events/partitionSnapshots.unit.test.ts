import { PartitionedSpace } from '../../../src/client/PartitionedSpace';
import { readPartitionSnapshot } from '../../../src/client/readPartitionSnapshot';
import { SnapshotCursorError, TaskFailedError } from '../../../src/errors';
import {
  MAX_OPEN_SNAPSHOTS,
  SNAPSHOT_OPEN_TASK,
  SNAPSHOT_PAGE_TASK,
  type SnapshotOpened,
} from '../../../src/events/PartitionSnapshots';
import { TaskRegistry } from '../../../src/events/TaskRegistry';
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
