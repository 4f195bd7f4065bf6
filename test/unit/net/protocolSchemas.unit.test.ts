import * as fs from 'node:fs';
import * as path from 'node:path';
import * as protocol from '../../../src/net/protocolSchemas';
import { fromWireJson, toWireJson } from '../../../src/net/wireJson';

const DIR = path.resolve(__dirname, '../../../schemas/protocol');

describe('protocol schemas', () => {
  it.each(['Request', 'Response', 'Event', 'Cancel', 'End'])('%s.avsc equals the inline schema', (name) => {
    const file: unknown = JSON.parse(fs.readFileSync(path.join(DIR, `${name}.avsc`), 'utf8'));
    const inline = (protocol as Record<string, unknown>)[`${name.toUpperCase()}_SCHEMA`];
    expect(inline).toEqual(file);
  });

  it('has no schema file without an inline constant', () => {
    const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.avsc'));
    expect(files.sort()).toEqual(['Cancel.avsc', 'End.avsc', 'Event.avsc', 'Request.avsc', 'Response.avsc']);
  });
});

describe('wire JSON', () => {
  it('keeps Buffers, non-finite numbers and bigints, drops undefined fields', () => {
    const value = {
      template: { blob: Buffer.from([0, 255, 7]), name: 'x', gone: undefined, n: null },
      lease: Infinity,
      low: -Infinity,
      big: 12345678901234567890n,
      list: [1, 'a', Buffer.from('hi')],
    };
    expect(fromWireJson(toWireJson(value))).toEqual({
      template: { blob: Buffer.from([0, 255, 7]), name: 'x', n: null },
      lease: Infinity,
      low: -Infinity,
      big: 12345678901234567890n,
      list: [1, 'a', Buffer.from('hi')],
    });
  });

  it('encodes undefined as no bytes and back', () => {
    expect(toWireJson(undefined).length).toBe(0);
    expect(fromWireJson(Buffer.alloc(0))).toBeUndefined();
  });
});
