import { Type } from 'avsc';
import type { Kafka, Message, RecordMetadata } from 'kafkajs';
import { AppendFailedError, FencedError } from '../../../src/errors';
import { MutationCodec } from '../../../src/log/codec/MutationCodec';
import { PartitionAppender } from '../../../src/log/append/PartitionAppender';
import { recordBytesInBatch, RECORD_BATCH_OVERHEAD_BYTES } from '../../../src/log/append/recordSize';
import type { LogMessage } from '../../../src/log/append/kafkaMessage';
import type { Mutation } from '../../../src/space/Mutation';

/** A transactional producer in memory: each committed transaction's sends, offsets counted on. */
function fakeKafka(commitError?: () => Error): { kafka: Kafka; committed: Message[][][] } {
  const committed: Message[][][] = [];
  let next = 0;
  const producer = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    transaction: async () => {
      const sends: Message[][] = [];
      const send = async ({ messages }: { messages: Message[] }): Promise<RecordMetadata[]> => {
        sends.push(messages);
        const baseOffset = String(next);
        next += messages.length;
        return [{ topicName: 't', partition: 0, errorCode: 0, baseOffset }];
      };
      return {
        send,
        sendBatch: async ({ topicMessages }: { topicMessages: { messages: Message[] }[] }) =>
          Promise.all(topicMessages.map((t) => send(t))).then((m) => m.flat()),
        commit: async () => {
          if (commitError !== undefined && sends.length > 0) throw commitError();
          if (sends.length > 0) committed.push(sends);
        },
        abort: async () => undefined,
      };
    },
  };
  return { kafka: { producer: () => producer } as unknown as Kafka, committed };
}

const blob = Type.forSchema({
  type: 'record',
  name: 'Blob',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'data', type: 'string' },
  ],
});
const codec = new MutationCodec({ types: [{ name: 'Blob', avroType: blob }] });

function write(id: string, bytes: number, overrides: Partial<Mutation> = {}): Mutation {
  return {
    op: 'WRITE',
    type: 'Blob',
    id,
    version: 1,
    leaseExpiresAt: null,
    timestamp: 1_700_000_000_000,
    origin: 'pu-1',
    state: { id, data: 'x'.repeat(bytes) },
    ...overrides,
  };
}

/** The bytes of one send as a Kafka record batch (what max.message.bytes bounds). */
function sendBytes(messages: readonly Message[]): number {
  return messages.reduce(
    (n, m) => n + recordBytesInBatch((m as LogMessage).tailBytes),
    RECORD_BATCH_OVERHEAD_BYTES,
  );
}

async function startedAppender(
  options: Partial<ConstructorParameters<typeof PartitionAppender>[0]> = {},
): Promise<{ appender: PartitionAppender; committed: Message[][][] }> {
  const { kafka, committed } = fakeKafka();
  const appender = new PartitionAppender({ kafka, prefix: 'p', space: 's', partition: 0, codec, ...options });
  await appender.start();
  return { appender, committed };
}

describe('PartitionAppender: batches split by bytes (issue 16, item 4)', () => {
  it('concurrent large appends: no send passes maxRecordBytes, every append is answered with its offsets', async () => {
    const maxRecordBytes = 50_000;
    const { appender, committed } = await startedAppender({ maxRecordBytes, maxBatchBytes: 200_000 });
    const appends = Array.from({ length: 40 }, (_, i) =>
      appender.appendWithPositions([write(`b${i}`, 15_000)]),
    );
    const positions = await Promise.all(appends);
    expect(positions.map((p) => p[0]?.offset)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    const sends = committed.flat();
    expect(sends.flat()).toHaveLength(40);
    for (const send of sends) expect(sendBytes(send)).toBeLessThanOrEqual(maxRecordBytes);
    // Several sends share a transaction: the group commit still batches.
    expect(committed.length).toBeLessThan(sends.length);
  });

  it('one append larger than max.message.bytes goes in several sends of one transaction', async () => {
    const maxRecordBytes = 50_000;
    const { appender, committed } = await startedAppender({ maxRecordBytes });
    const positions = await appender.appendWithPositions(
      Array.from({ length: 12 }, (_, i) => write(`c${i}`, 20_000)),
    );
    expect(positions.map((p) => p.offset)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(committed).toHaveLength(1);
    expect(committed[0]!.length).toBeGreaterThan(4);
    for (const send of committed[0]!) expect(sendBytes(send)).toBeLessThanOrEqual(maxRecordBytes);
  });

  it('counts headers: records whose keys and values alone fit a send, but not with their headers, are split', async () => {
    const maxRecordBytes = 4_000;
    const { appender, committed } = await startedAppender({ maxRecordBytes });
    // 20 tiny records with long origins: their headers weigh more than their values.
    const origin = 'o'.repeat(100);
    await appender.append(Array.from({ length: 20 }, (_, i) => write(`h${i}`, 10, { origin })));
    for (const send of committed[0]!) expect(sendBytes(send)).toBeLessThanOrEqual(maxRecordBytes);
    expect(committed[0]!.length).toBeGreaterThan(1);
  });
});

describe('PartitionAppender: every failure reaches the partition (issue 16, item 1)', () => {
  it('a mutation it cannot encode ends it with AppendFailedError and calls onFailed', async () => {
    const failures: unknown[] = [];
    const { appender } = await startedAppender({ onFailed: (e) => failures.push(e) });
    await expect(appender.append([write('a', 1, { leaseExpiresAt: 0.5 })])).rejects.toBeInstanceOf(
      AppendFailedError,
    );
    await Promise.resolve();
    expect(appender.state).toBe('failed');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(AppendFailedError);
    // Later appends get the same failure: the partition rebuilds with a new appender.
    await expect(appender.append([write('b', 1)])).rejects.toBe(failures[0]);
  });

  it('refuses a maxRecordBytes Kafka would not take', () => {
    const { kafka } = fakeKafka();
    expect(
      () =>
        new PartitionAppender({ kafka, prefix: 'p', space: 's', partition: 0, codec, maxRecordBytes: 10 }),
    ).toThrow(/maxRecordBytes/);
  });

  /** kafkajs's error for INVALID_PRODUCER_EPOCH, as the patched EndTxn retry throws it. */
  function fence(outcomeUnknown: boolean): Error {
    return Object.assign(new Error('Producer attempted an operation with an old epoch'), {
      name: 'KafkaJSProtocolError',
      type: 'INVALID_PRODUCER_EPOCH',
      code: 47,
      ...(outcomeUnknown ? { spacelogOutcomeUnknown: true } : {}),
    });
  }

  async function commitAnswered(error: Error) {
    const { kafka } = fakeKafka(() => error);
    const fenced: unknown[] = [];
    const failed: unknown[] = [];
    const appender = new PartitionAppender({
      kafka,
      prefix: 'p',
      space: 's',
      partition: 0,
      codec,
      onFenced: (e) => fenced.push(e),
      onFailed: (e) => failed.push(e),
    });
    await appender.start();
    const rejection = await appender.append([write('a', 1)]).then(
      () => undefined,
      (e: unknown) => e,
    );
    await Promise.resolve();
    return { appender, rejection, fenced, failed };
  }

  it('a commit answered with the fence: not applied (FencedError), the writer stops fenced', async () => {
    const { appender, rejection, fenced, failed } = await commitAnswered(fence(false));
    expect(rejection).toBeInstanceOf(FencedError);
    expect(appender.state).toBe('fenced');
    expect(fenced).toHaveLength(1);
    expect(failed).toHaveLength(0);
  });

  it('a fence after a lost EndTxn answer: outcome unknown (maybeCommitted), and the writer still stops fenced, never rebuilds', async () => {
    const { appender, rejection, fenced, failed } = await commitAnswered(fence(true));
    expect(rejection).toBeInstanceOf(AppendFailedError);
    expect((rejection as AppendFailedError).maybeCommitted).toBe(true);
    expect(appender.state).toBe('fenced');
    expect(fenced).toHaveLength(1);
    expect(failed).toHaveLength(0);
  });
});
