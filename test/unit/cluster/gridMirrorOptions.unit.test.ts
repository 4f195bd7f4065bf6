import { checkGridOptions } from '../../../src/cluster/GridConfig';
import { GridMirror } from '../../../src/cluster/GridMirror';
import { replicaLogOf, type PreparedSpace } from '../../../src/cluster/SpaceSetup';
import type { ReplicaLogOptions } from '../../../src/partition/ReplicaLog';
import { InvalidArgumentError } from '../../../src/errors';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import { EXAMPLE_SCHEMAS } from '../../support/gridTestKit';

const base = { space: 'orders', partitions: 2, schemas: EXAMPLE_SCHEMAS };

describe('grid mirror and warm-up options', () => {
  it("refuses warmup 'mirror' without a mirror, and an unknown warm-up source", () => {
    expect(() => checkGridOptions({ ...base, warmup: 'mirror' })).toThrow(
      /warmup 'mirror' needs the mirror option/,
    );
    expect(() => checkGridOptions({ ...base, warmup: 'disk' as 'log' })).toThrow(InvalidArgumentError);
    expect(() =>
      checkGridOptions({ ...base, warmup: 'mirror', mirror: { database: 'postgres://x/y' } }),
    ).not.toThrow();
  });

  it("takes warmUpInWorker true, false or 'auto', refuses anything else, and maps it to the replica log", () => {
    for (const ok of [true, false, 'auto'] as const)
      expect(() => checkGridOptions({ ...base, warmUpInWorker: ok })).not.toThrow();
    expect(() => checkGridOptions({ ...base, warmUpInWorker: 'always' as 'auto' })).toThrow(
      /warmUpInWorker must be true, false or 'auto', got "always"/,
    );
    const prepared = { connection: { brokers: ['b:1'] } } as unknown as PreparedSpace;
    const log = (warmUpInWorker?: boolean | 'auto'): ReplicaLogOptions =>
      replicaLogOf(
        prepared,
        { space: 'orders', ...(warmUpInWorker === undefined ? {} : { warmUpInWorker }) },
        0,
      );
    expect(log(false).fetchInWorker).toBeUndefined();
    expect(log(true)).toMatchObject({ fetchInWorker: { brokers: ['b:1'] }, workerMinOffsets: 0 });
    for (const auto of [log('auto'), log()]) {
      expect(auto.fetchInWorker).toEqual({ brokers: ['b:1'] });
      expect(auto.workerMinOffsets).toBeUndefined();
    }
  });

  it('refuses unknown mirror keys before connecting anything', () => {
    const types = SchemaLoader.loadFolder(EXAMPLE_SCHEMAS);
    expect(
      () =>
        new GridMirror({ database: 'postgres://x/y', histroy: true } as never, 'orders', types, {
          prefix: 'p',
          connection: { brokers: ['127.0.0.1:1'], clientId: 'unit' },
        }),
    ).toThrow(/unknown mirror option 'histroy'/);
  });
});
