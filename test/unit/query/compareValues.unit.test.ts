import fc from 'fast-check';
import {
  compareDecimalTexts,
  compareKeyTuples,
  compareStrings,
  compareValues,
} from '../../../src/space/query';

const sign = (n: number): number => Math.sign(n) + 0;

describe('compareValues', () => {
  it('orders numbers, strings and booleans', () => {
    expect(sign(compareValues(1, 2))).toBe(-1);
    expect(sign(compareValues(-0.5, -1))).toBe(1);
    expect(compareValues(3, 3)).toBe(0);
    expect(sign(compareValues('a', 'b'))).toBe(-1);
    expect(sign(compareValues('ab', 'a'))).toBe(1);
    expect(sign(compareValues('B', 'a'))).toBe(-1);
    expect(sign(compareValues(false, true))).toBe(-1);
  });

  it('puts null and undefined after every value, equal to each other', () => {
    expect(compareValues(null, undefined)).toBe(0);
    for (const value of [0, -1e300, '', 'zzz', true, false]) {
      expect(sign(compareValues(null, value))).toBe(1);
      expect(sign(compareValues(value, undefined))).toBe(-1);
    }
  });

  it('puts NaN after every other number', () => {
    expect(sign(compareValues(Number.NaN, Infinity))).toBe(1);
    expect(compareValues(Number.NaN, Number.NaN)).toBe(0);
  });

  it('orders mixed types by type, so the order stays total', () => {
    expect(sign(compareValues(true, 0))).toBe(-1);
    expect(sign(compareValues(5, '0'))).toBe(-1);
  });

  it('orders strings like their UTF-8 bytes (PostgreSQL C collation)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        expect(sign(compareStrings(a, b))).toBe(sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
      }),
    );
    expect(sign(compareStrings('\uffee', '😀'))).toBe(-1);
  });
});

describe('compareKeyTuples', () => {
  it('compares position by position, a prefix first', () => {
    expect(sign(compareKeyTuples(['a', 2], ['a', 10]))).toBe(-1);
    expect(sign(compareKeyTuples(['b'], ['a', 10]))).toBe(1);
    expect(sign(compareKeyTuples(['a'], ['a', 10]))).toBe(-1);
    expect(compareKeyTuples(['a', null], ['a', undefined])).toBe(0);
    expect(sign(compareKeyTuples([1, null], [1, 5]))).toBe(1);
  });
});

describe('compareDecimalTexts', () => {
  it('compares decimal text numerically, exactly', () => {
    const sorted = [
      '10',
      '-0.5',
      '9.99',
      '0',
      '-0',
      '100.000',
      '0.1',
      '-10',
      '.5',
      '0.10000000000000000001',
    ].sort(compareDecimalTexts);
    expect(sorted).toEqual([
      '-10',
      '-0.5',
      '0',
      '-0',
      '0.1',
      '0.10000000000000000001',
      '.5',
      '9.99',
      '10',
      '100.000',
    ]);
    expect(compareDecimalTexts('1.50', '1.5')).toBe(0);
    expect(sign(compareDecimalTexts(null, '1'))).toBe(1);
  });
});
