import { sameEntry } from '../../../src/verify/sameEntry';

describe('sameEntry', () => {
  it('compares nested objects and arrays by value', () => {
    expect(sameEntry({ a: 1, b: [{ c: 'x' }] }, { b: [{ c: 'x' }], a: 1 })).toBe(true);
    expect(sameEntry({ a: 1, b: [{ c: 'x' }] }, { a: 1, b: [{ c: 'y' }] })).toBe(false);
    expect(sameEntry([1, 2], [1, 2, 3])).toBe(false);
    expect(sameEntry({ a: 1 }, { a: 1, b: 2 })).toBe(false);
  });

  it('compares bytes by content, whatever their class', () => {
    expect(sameEntry(Buffer.from([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(sameEntry(Buffer.from([1, 2]), Buffer.from([1, 3]))).toBe(false);
    expect(sameEntry(Buffer.from([1]), [1])).toBe(false);
  });

  it('takes NaN as NaN, 0 as -0, a bigint as its number, and a missing field as null', () => {
    expect(sameEntry(NaN, NaN)).toBe(true);
    expect(sameEntry(0, -0)).toBe(true);
    expect(sameEntry(10n, 10)).toBe(true);
    expect(sameEntry(10n, 10.5)).toBe(false);
    expect(sameEntry({ a: null }, {})).toBe(true);
    expect(sameEntry({ a: 0 }, {})).toBe(false);
    expect(sameEntry('1', 1)).toBe(false);
  });
});
