import { Type } from 'avsc';
import { ScratchEncoder } from '../../../src/log/codec/ScratchEncoder';

const type = Type.forSchema({ type: 'record', name: 'Blob', fields: [{ name: 'data', type: 'string' }] });

describe('ScratchEncoder', () => {
  it('encodes as avsc does, growing past its starting size', () => {
    const scratch = new ScratchEncoder();
    for (const size of [0, 10, 5000, 100_000, 3]) {
      const value = { data: 'x'.repeat(size) };
      expect(scratch.copyOf(type, value).equals(type.toBuffer(value))).toBe(true);
      expect(scratch.write(type, value).equals(type.toBuffer(value))).toBe(true);
    }
  });

  it('a copy outlives the next encoding; a view does not promise to', () => {
    const scratch = new ScratchEncoder();
    const copy = scratch.copyOf(type, { data: 'first' });
    scratch.write(type, { data: 'second' });
    expect(type.fromBuffer(copy)).toEqual({ data: 'first' });
  });

  it('a value that does not fit the schema throws and the next encoding still works', () => {
    const scratch = new ScratchEncoder();
    expect(() => scratch.write(type, { data: 42 })).toThrow();
    expect(type.fromBuffer(scratch.copyOf(type, { data: 'ok' }))).toEqual({ data: 'ok' });
  });
});
