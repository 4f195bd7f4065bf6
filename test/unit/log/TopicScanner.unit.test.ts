import type { Kafka } from 'kafkajs';
import { LogReadError } from '../../../src/errors';
import { TopicScanner } from '../../../src/log/TopicScanner';

/** A Kafka client that fails every use: a scan that needs the broker fails with it. */
function unreachableKafka(): { kafka: Kafka; uses: string[] } {
  const uses: string[] = [];
  const kafka = new Proxy(
    {},
    {
      get(_target, name) {
        uses.push(String(name));
        throw new Error('no broker in a unit test');
      },
      ownKeys() {
        uses.push('ownKeys');
        throw new Error('no broker in a unit test');
      },
    },
  ) as Kafka;
  return { kafka, uses };
}

describe('TopicScanner with offsets asked by its caller', () => {
  it('aims at the given high watermark without asking the broker again', async () => {
    const { kafka, uses } = unreachableKafka();
    const positions: [number, number][] = [];
    const scanner = new TopicScanner({
      kafka,
      topic: 't',
      offsets: { low: 5, high: 5 },
      onRecords: () => undefined,
      onPosition: (position, end) => positions.push([position, end]),
    });
    await scanner.start();
    expect(uses).toEqual([]);
    expect(positions).toEqual([[5, 5]]);
    expect(scanner.position).toBe(5);
  });

  it('asks the broker when no offsets are given (here: a typed read error)', async () => {
    const { kafka, uses } = unreachableKafka();
    const scanner = new TopicScanner({ kafka, topic: 't', onRecords: () => undefined });
    await expect(scanner.start()).rejects.toBeInstanceOf(LogReadError);
    expect(uses.length).toBeGreaterThan(0);
  });
});
