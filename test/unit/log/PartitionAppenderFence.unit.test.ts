import { Type } from 'avsc';
import type { Kafka } from 'kafkajs';
import { AppendFailedError, FencedError } from '../../../src/errors';
import { MutationCodec } from '../../../src/log/MutationCodec';
import { PartitionAppender } from '../../../src/log/PartitionAppender';
import type { Mutation } from '../../../src/space/Mutation';
// kafkajs's own builder of a broker's error (47 = INVALID_PRODUCER_EPOCH: a newer producer took the id).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as {
  createErrorFromCode: (code: number) => Error;
};

/** A transactional producer whose send or commit answers that it was fenced (after the start's own commit). */
function fencedAt(step: 'send' | 'commit'): Kafka {
  let commits = 0;
  const producer = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    transaction: async () => ({
      send: async () => {
        if (step === 'send') throw createErrorFromCode(47);
        return [{ topicName: 't', partition: 0, errorCode: 0, baseOffset: '0' }];
      },
      commit: async () => {
        if (step === 'commit' && commits++ > 0) throw createErrorFromCode(47);
      },
      abort: async () => undefined,
    }),
  };
  return { producer: () => producer } as unknown as Kafka;
}

const codec = new MutationCodec({
  types: [
    {
      name: 'Blob',
      avroType: Type.forSchema({ type: 'record', name: 'Blob', fields: [{ name: 'id', type: 'string' }] }),
    },
  ],
});
const write: Mutation = {
  op: 'WRITE',
  type: 'Blob',
  id: 'b1',
  version: 1,
  leaseExpiresAt: null,
  timestamp: 1_700_000_000_000,
  origin: 'pu-1',
  state: { id: 'b1' },
};

async function appendWhenFencedAt(
  step: 'send' | 'commit',
): Promise<{ error: unknown; fenced: FencedError[] }> {
  const fenced: FencedError[] = [];
  const appender = new PartitionAppender({
    kafka: fencedAt(step),
    prefix: 'p',
    space: 's',
    partition: 0,
    codec,
    onFenced: (e) => fenced.push(e),
  });
  await appender.start();
  const error = await appender.append([write]).then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error, fenced };
}

describe('PartitionAppender fenced (law 3, and no retry of what may be in the log)', () => {
  it('fenced before the commit: the batch surely is not in the log (FencedError), and the replica hears it', async () => {
    const { error, fenced } = await appendWhenFencedAt('send');
    expect(error).toBeInstanceOf(FencedError);
    expect(fenced).toHaveLength(1);
  });

  it('fenced while committing: the batch may be in the log (AppendFailedError, maybeCommitted), and the replica hears the fence', async () => {
    const { error, fenced } = await appendWhenFencedAt('commit');
    expect(error).toBeInstanceOf(AppendFailedError);
    expect(error).toMatchObject({ maybeCommitted: true });
    expect(fenced).toHaveLength(1);
  });
});
