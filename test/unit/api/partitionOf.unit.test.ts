import fc from 'fast-check';
import { murmur2, partitionOf } from '../../../src/api/partitionOf';

/** The definition: murmur2 of the UTF-8 bytes, made positive, modulo the partition count. */
const byDefinition = (text: string, partitions: number): number =>
  (murmur2(Buffer.from(text, 'utf8')) & 0x7fffffff) % partitions;

describe('partitionOf', () => {
  it('matches the murmur2 values of Kafka Utils.murmur2 (reference vectors from the Kafka test suite)', () => {
    // Vectors from kafka clients' UtilsTest.testMurmur2.
    const cases: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [text, expected] of cases) expect(murmur2(Buffer.from(text, 'utf8'))).toBe(expected);
  });

  it('is stable, in range and spreads keys over the partitions', () => {
    const counts = new Array<number>(8).fill(0);
    for (let i = 0; i < 8000; i++) {
      const p = partitionOf(`customer-${i}`, 8);
      expect(p).toBe(partitionOf(`customer-${i}`, 8));
      counts[p] = (counts[p] ?? 0) + 1;
    }
    for (const c of counts) expect(c).toBeGreaterThan(800);
    expect(partitionOf(42, 8)).toBe(partitionOf('42', 8));
  });

  it('routes every string (ASCII through the reused buffer, any other through Buffer) as the definition says', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ maxLength: 300 })),
        (text) => {
          expect(partitionOf(text, 12)).toBe(byDefinition(text, 12));
        },
      ),
      { numRuns: 2000 },
    );
    // Longer than the buffer's first size, then a short one after it (no stale bytes).
    const long = 'x'.repeat(1000);
    expect(partitionOf(long, 7)).toBe(byDefinition(long, 7));
    expect(partitionOf('ab', 7)).toBe(byDefinition('ab', 7));
    expect(partitionOf('café', 7)).toBe(byDefinition('café', 7));
  });
});
