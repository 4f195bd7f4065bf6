import { murmur2, partitionOf } from '../../../src/cluster/partitionOf';

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
});
