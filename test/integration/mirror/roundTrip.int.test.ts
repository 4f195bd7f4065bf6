import type { GridOptions } from '../../../src/cluster/GridConfig';
import type { LocalGrid } from '../../../src/cluster/LocalGrid';
import { MirrorSchemaBehindError } from '../../../src/errors';
import { EntryType } from '../../../src/schema/EntryType';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import { TypeRegistry } from '../../../src/schema/TypeRegistry';
import { EVERYTHING_SCHEMAS, everything } from './everythingFixture';
import { leasedPictureOf as pictureOf, mirrorTestBedForSuite } from './mirrorTestKit';

jest.setTimeout(180_000);

const types = SchemaLoader.loadFolder(EVERYTHING_SCHEMAS);
const space = 'everything';
const partitions = 2;

describe('warm-up from the mirror loses nothing (issue 15, item 5)', () => {
  const bed = mirrorTestBedForSuite('roundtrip');
  const start = (extra: Partial<GridOptions>): Promise<LocalGrid> =>
    bed.startGrid({ space, partitions, schemas: types, leaseSweepMs: 3_600_000, ...extra });

  it('every Avro type and logical type comes back from PostgreSQL as the log has it, field for field', async () => {
    const writer = await start({ mirror: bed.gridMirror({ createTables: true }) });
    for (let n = 0; n < 24; n++) await writer.space.write('Everything', everything(`e${n}`, n));
    for (let n = 0; n < 24; n += 3) await writer.space.write('Everything', everything(`e${n}`, n + 50));
    await writer.space.take('Everything', { id: 'e1' });
    await writer.space.write('Everything', everything('leased', 5), { lease: 3_600_000 });
    await writer.mirrorStarted();
    await writer.mirror!.waitForCatchUp(60_000);
    await writer.close();

    const fromLog = await start({ warmup: 'log' });
    const expected = pictureOf(fromLog);
    await fromLog.close();
    const fallbacks: unknown[] = [];
    const fromMirror = await start({
      warmup: 'mirror',
      mirror: bed.gridMirror({ project: false, onWarmupFallback: (_k, error) => fallbacks.push(error) }),
    });
    const actual = pictureOf(fromMirror);
    await fromMirror.close();

    expect(fallbacks).toEqual([]);
    expect(Object.keys(expected)).toHaveLength(24);
    for (const key of Object.keys(expected))
      expect({ key, ...actual[key] }).toEqual({ key, ...expected[key] });
    expect(actual).toEqual(expected);
    // What toEqual could let through: microseconds, and Buffers rather than base64 strings.
    const e2 = actual['Everything/e2']?.entry as Record<string, unknown>;
    expect(e2.atMicros).toBe(1_700_000_000_123_470);
    expect(Buffer.isBuffer((e2.inner as Record<string, unknown>).blob)).toBe(true);
    const e4 = actual['Everything/e4']?.entry as { items: { precise: number }[] };
    expect(e4.items[1]?.precise).toBeNaN();
  });

  it('a mirror with older schemas than the log writers refuses, naming the field it would drop', async () => {
    const note = (tag: boolean): TypeRegistry =>
      new TypeRegistry([
        EntryType.fromSchema({
          type: 'record',
          name: 'Note',
          namespace: 'spacelog.test',
          spacelog: { id: 'id' },
          fields: [
            { name: 'id', type: 'string' },
            ...(tag ? [{ name: 'tag', type: ['null', 'string'], default: null }] : []),
          ],
        }),
      ]);
    const old = await bed.startGrid({ space: 'notes', partitions: 1, schemas: note(false) });
    await old.space.write('Note', { id: 'n1' });
    await old.close();
    const grid = await bed.startGrid({ space: 'notes', partitions: 1, schemas: note(true) });
    await grid.space.write('Note', { id: 'n2', tag: 'kept' });
    await grid.close();
    const projector = bed.projector({ space: 'notes', schemas: note(false), createTables: true });
    const failure = await projector.start().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(MirrorSchemaBehindError);
    expect((failure as MirrorSchemaBehindError).field).toBe('tag');
  });
});
