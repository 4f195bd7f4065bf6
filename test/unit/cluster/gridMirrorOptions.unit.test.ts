import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkGridOptions } from '../../../src/cluster/GridConfig';
import { GridMirror } from '../../../src/mirror/GridMirror';
import { checkGridMirrorOptions } from '../../../src/mirror/MirrorConfig';
import type { Knex } from 'knex';
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

  it("resolves the mirror's database settings once: the grid's check hands them to its GridMirror", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spacelog-gridmirror-'));
    const passwordFile = join(dir, 'password');
    writeFileSync(passwordFile, 'secret\n');
    const types = SchemaLoader.loadFolder(EXAMPLE_SCHEMAS);
    const mirror = { database: { url: 'postgres://app@127.0.0.1:1/db', passwordFile } };
    try {
      const checked = checkGridOptions({ ...base, mirror }).mirror!;
      expect(checked.options).toBe(mirror);
      expect(checked.database).toMatchObject({
        host: '127.0.0.1',
        port: 1,
        database: 'db',
        password: 'secret',
      });
      // The file is gone: reading the settings again would throw; the GridMirror built from the check does not.
      rmSync(passwordFile);
      expect(() => checkGridMirrorOptions(mirror)).toThrow(/password/i);
      const kafka = { prefix: 'p', connection: { brokers: ['127.0.0.1:1'], clientId: 'unit' } };
      const built = new GridMirror(checked, 'orders', types, kafka);
      await built.database.destroy();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('hands a knex the grid was given to its GridMirror as it is', () => {
    const knex = (() => undefined) as unknown as Knex;
    expect(checkGridOptions({ ...base, mirror: { database: knex } }).mirror?.database).toBe(knex);
    expect(checkGridOptions(base).mirror).toBeUndefined();
  });
});
