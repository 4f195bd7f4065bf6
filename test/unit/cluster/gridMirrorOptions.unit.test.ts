import { checkGridOptions } from '../../../src/cluster/GridConfig';
import { GridMirror } from '../../../src/cluster/GridMirror';
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

  it('refuses unknown mirror keys before connecting anything', () => {
    const types = SchemaLoader.loadFolder(EXAMPLE_SCHEMAS);
    expect(
      () =>
        new GridMirror({ database: 'postgres://x/y', histroy: true } as never, 'orders', types, {
          prefix: 'p',
          brokers: ['127.0.0.1:1'],
        }),
    ).toThrow(/unknown mirror option 'histroy'/);
  });
});
