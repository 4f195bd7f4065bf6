import type { Kafka } from 'kafkajs';
import { LogReadError } from '../../../src/errors';
import { TopicScanner } from '../../../src/log/read/TopicScanner';
import { slowConnectingKafka } from '../../support/slowConnectingKafka';

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

/** A scanner of topic `t` whose caller says it holds offsets 0 to 10, dropping what it reads. */
function scannerOfTenRecords(kafka: Kafka, options: { stallMs?: number } = {}): TopicScanner {
  return new TopicScanner({
    kafka,
    topic: 't',
    offsets: { low: 0, high: 10 },
    onRecords: () => undefined,
    ...options,
  });
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

describe('TopicScanner stopped while its consumer connects', () => {
  it('never subscribes or runs, and disconnects again once the connect is done', async () => {
    const { kafka, calls, release } = slowConnectingKafka();
    const scanner = scannerOfTenRecords(kafka);
    const started = scanner.start();
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual(['connect']);
    await scanner.stop();
    release();
    await expect(started).rejects.toBeInstanceOf(LogReadError);
    expect(calls).toEqual(['connect', 'disconnect', 'connected', 'disconnect']);
  });
});

describe('TopicScanner stopped during its group join', () => {
  it('disconnects only once the join is done (kafkajs cannot stop a join in progress)', async () => {
    const calls: string[] = [];
    let join: () => void = () => undefined;
    const consumer = {
      events: {},
      on: () => undefined,
      connect: async () => void calls.push('connect'),
      subscribe: async () => void calls.push('subscribe'),
      run: () => {
        calls.push('run');
        return new Promise<void>((resolve) => (join = resolve));
      },
      seek: () => undefined,
      disconnect: async () => void calls.push('disconnect'),
    };
    const kafka = { consumer: () => consumer } as unknown as Kafka;
    const scanner = scannerOfTenRecords(kafka);
    const started = scanner.start();
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual(['connect', 'subscribe', 'run']);
    const stopped = scanner.stop();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toEqual(['connect', 'subscribe', 'run']);
    calls.push('joined');
    join();
    await stopped;
    await expect(started).rejects.toBeInstanceOf(LogReadError);
    expect(calls.slice(0, 5)).toEqual(['connect', 'subscribe', 'run', 'joined', 'disconnect']);
  });
});

describe('TopicScanner whose consumer stops fetching', () => {
  it('fails the catch-up with a retriable LogReadError after stallMs without a batch', async () => {
    const { kafka, calls, release } = slowConnectingKafka();
    release();
    const scanner = scannerOfTenRecords(kafka, { stallMs: 50 });
    const error = await scanner.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LogReadError);
    expect((error as LogReadError).retriable).toBe(true);
    expect((error as LogReadError).message).toContain('no batch for 50 ms at offset 0 of 10');
    expect(calls).toEqual(['connect', 'connected', 'subscribe', 'run', 'disconnect']);
  });
});

describe('TopicScanner stall check', () => {
  it('does not count the time its onRecords takes as a stall', async () => {
    let eachBatch: ((payload: unknown) => Promise<void>) | undefined;
    const consumer = {
      events: {},
      on: () => undefined,
      connect: async () => undefined,
      subscribe: async () => undefined,
      run: async (config: { eachBatch: (payload: unknown) => Promise<void> }) => {
        eachBatch = config.eachBatch;
      },
      seek: () => undefined,
      disconnect: async () => undefined,
    };
    const kafka = { consumer: () => consumer } as unknown as Kafka;
    const scanner = new TopicScanner({
      kafka,
      topic: 't',
      offsets: { low: 0, high: 1 },
      stallMs: 50,
      // Slower than the stall bound: a parent that grants credit late.
      onRecords: () => new Promise((resolve) => setTimeout(resolve, 200)),
    });
    const started = scanner.start();
    await new Promise((resolve) => setImmediate(resolve));
    const message = { offset: '0', key: null, value: null, timestamp: '0', attributes: 0, headers: {} };
    await eachBatch!({ batch: { messages: [message], highWatermark: '1', lastOffset: () => '0' } });
    await expect(started).resolves.toBeUndefined();
    expect(scanner.position).toBe(1);
  });
});
