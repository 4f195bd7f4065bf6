import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SchemaDefinitionError } from '../../../src/errors';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import { SCHEMAS } from '../space/fixtures';

const record = (spacelog: unknown, fields: unknown[] = [{ name: 'id', type: 'string' }]) => ({
  type: 'record',
  name: 'Thing',
  spacelog,
  fields,
});

describe('SchemaLoader', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spacelog-schema-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, content: unknown): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };

  it('loads the example folder', () => {
    expect(SchemaLoader.loadFolder(SCHEMAS).names.sort()).toEqual([
      'Customer',
      'Order',
      'Payment',
      'Product',
    ]);
  });

  it.each([
    ['not JSON', '{ nope', '', /not valid JSON/],
    ['bad Avro', { type: 'record', name: 'T', fields: [{ name: 'id', type: 'strang' }] }, '', /invalid Avro/],
    ['not a record', { type: 'enum', name: 'E', symbols: ['A'] }, '', /must be an Avro record/],
    ['id field missing', record({ id: 'key' }), 'key', /id field "key"/],
    [
      'id not string or long',
      record({ id: 'id' }, [{ name: 'id', type: 'double' }]),
      'id',
      /non-null string or long/,
    ],
    [
      'nullable id',
      record({ id: 'id' }, [{ name: 'id', type: ['null', 'string'] }]),
      'id',
      /non-null string or long/,
    ],
    ['routing field missing', record({ routing: 'customer' }), 'customer', /routing field "customer"/],
    [
      'index on unknown field',
      record({ indexes: [{ name: 'byX', fields: ['x'], kind: 'equality' }] }),
      'x',
      /unknown field "x"/,
    ],
    [
      'index on an array',
      record({ indexes: [{ name: 'byTags', fields: ['tags'], kind: 'ordered' }] }, [
        { name: 'id', type: 'string' },
        { name: 'tags', type: { type: 'array', items: 'string' } },
      ]),
      'tags',
      /not a scalar/,
    ],
    [
      'bad index kind',
      record({ indexes: [{ name: 'i', fields: ['id'], kind: 'hash' }] }),
      '',
      /kind must be/,
    ],
    ['unknown spacelog key', record({ idd: 'id' }), '', /unknown key/],
    [
      'ambiguous union',
      record({}, [
        { name: 'id', type: 'string' },
        { name: 'n', type: ['int', 'long'] },
      ]),
      '',
      /invalid Avro/,
    ],
  ])('refuses %s naming file and field', (_name, content, field, message) => {
    const file = write('Thing.avsc', content);
    const error = (() => {
      try {
        SchemaLoader.loadFile(file);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(SchemaDefinitionError);
    expect((error as SchemaDefinitionError).file).toBe(file);
    expect((error as SchemaDefinitionError).field).toBe(field);
    expect((error as Error).message).toMatch(message);
  });

  it('refuses a duplicate type in a folder', () => {
    write('a.avsc', record({}));
    write('b.avsc', record({}));
    expect(() => SchemaLoader.loadFolder(dir)).toThrow(/duplicate entry type "Thing"/);
  });
});
