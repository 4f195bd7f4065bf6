import * as kafkajs from 'kafkajs';
import { isFencingError } from '../../../src/log/kafkaErrors';
import { readPatchVersion } from '../../../src/log/kafkajsPatch';

/*
 * The kafkajs patch (version 2) asks AddPartitionsToTxn and AddOffsetsToTxn again at once when the
 * coordinator answers CONCURRENT_TRANSACTIONS (the previous transaction's markers are still being
 * written), instead of a Metadata refresh and a sleep. These tests drive kafkajs's own transaction
 * manager against a scripted coordinator: the retry must be bounded and must stop at any other error,
 * so a fenced producer (PRODUCER_FENCED, INVALID_PRODUCER_EPOCH) is still told at once.
 */

interface TopicData {
  readonly topic: string;
  readonly partitions: readonly { readonly partition: number }[];
}

interface EosManager {
  initProducerId(): Promise<void>;
  beginTransaction(): void;
  addPartitionsToTransaction(topicData: readonly TopicData[]): Promise<void>;
  sendOffsets(request: {
    consumerGroupId: string;
    topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
  }): Promise<void>;
}

type EosManagerFactory = ((options: {
  logger: Record<'debug' | 'info' | 'warn' | 'error', () => void>;
  cluster: unknown;
  transactional: boolean;
  transactionalId: string;
}) => EosManager) & { readonly CONCURRENT_TRANSACTIONS_FAST_RETRIES?: number };

// kafkajs's transaction manager (patched) and its protocol errors, as the producer builds them.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const createEosManager = require('kafkajs/src/producer/eosManager') as EosManagerFactory;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as {
  createErrorFromCode: (code: number) => Error & { type: string; code: number };
};

const CONCURRENT_TRANSACTIONS = 51;
const INVALID_PRODUCER_EPOCH = 47;
/** Unknown to kafkajs 2.2.4: it throws KAFKAJS_UNKNOWN_ERROR_CODE, "Unknown error code 90". */
const PRODUCER_FENCED = 90;
const FAST_RETRIES = 50;

/** A coordinator that answers each add request with the next scripted error code (0: success). */
function scriptedCoordinator(answers: (request: number) => number) {
  let adds = 0;
  let offsetAdds = 0;
  const answer = async (n: number): Promise<object> => {
    const code = answers(n);
    if (code !== 0) throw createErrorFromCode(code);
    return {};
  };
  const broker = {
    nodeId: 1,
    initProducerId: async () => ({ producerId: 7, producerEpoch: 3 }),
    addPartitionsToTxn: () => answer(adds++),
    addOffsetsToTxn: () => answer(offsetAdds++),
    txnOffsetCommit: async () => ({}),
    endTxn: async () => ({}),
  };
  const cluster = {
    retry: { retries: 0 },
    refreshMetadataIfNecessary: jest.fn(async () => undefined),
    refreshMetadata: jest.fn(async () => undefined),
    findGroupCoordinator: jest.fn(async () => broker),
  };
  return {
    cluster,
    adds: () => adds,
    offsetAdds: () => offsetAdds,
  };
}

async function transactionOn(cluster: unknown): Promise<EosManager> {
  const noop = (): void => undefined;
  const eos = createEosManager({
    logger: { debug: noop, info: noop, warn: noop, error: noop },
    cluster,
    transactional: true,
    transactionalId: 'spacelog-test.concurrent',
  });
  await eos.initProducerId();
  eos.beginTransaction();
  return eos;
}

/** What `promise` rejects with; fails the test if it resolves. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

const partition0: TopicData[] = [{ topic: 'orders', partitions: [{ partition: 0 }] }];

describe('CONCURRENT_TRANSACTIONS asked again at once (kafkajs patch 2)', () => {
  it('is in the kafkajs this repository installs', () => {
    expect(readPatchVersion(kafkajs)).toBeGreaterThanOrEqual(2);
    expect(createEosManager.CONCURRENT_TRANSACTIONS_FAST_RETRIES).toBe(FAST_RETRIES);
  });

  it('adds the partition once the coordinator stops answering CONCURRENT_TRANSACTIONS, without a Metadata request', async () => {
    const coordinator = scriptedCoordinator((n) => (n < 3 ? CONCURRENT_TRANSACTIONS : 0));
    const eos = await transactionOn(coordinator.cluster);
    await eos.addPartitionsToTransaction(partition0);
    expect(coordinator.adds()).toBe(4);
    expect(coordinator.cluster.refreshMetadata).not.toHaveBeenCalled();
    // The partition is in the transaction now: adding it again asks nothing.
    await eos.addPartitionsToTransaction(partition0);
    expect(coordinator.adds()).toBe(4);
  });

  it('is bounded: after 50 more answers of CONCURRENT_TRANSACTIONS the error goes to the caller', async () => {
    const coordinator = scriptedCoordinator(() => CONCURRENT_TRANSACTIONS);
    const eos = await transactionOn(coordinator.cluster);
    await expect(eos.addPartitionsToTransaction(partition0)).rejects.toMatchObject({
      type: 'CONCURRENT_TRANSACTIONS',
      retriable: true,
    });
    expect(coordinator.adds()).toBe(1 + FAST_RETRIES);
  });

  it('stops at once when a fenced producer is answered INVALID_PRODUCER_EPOCH (after CONCURRENT_TRANSACTIONS too)', async () => {
    const first = scriptedCoordinator(() => INVALID_PRODUCER_EPOCH);
    const eos = await transactionOn(first.cluster);
    expect(isFencingError(await rejectionOf(eos.addPartitionsToTransaction(partition0)))).toBe(true);
    expect(first.adds()).toBe(1);

    const afterConcurrent = scriptedCoordinator((n) =>
      n < 2 ? CONCURRENT_TRANSACTIONS : INVALID_PRODUCER_EPOCH,
    );
    const again = await transactionOn(afterConcurrent.cluster);
    expect(isFencingError(await rejectionOf(again.addPartitionsToTransaction(partition0)))).toBe(true);
    expect(afterConcurrent.adds()).toBe(3);
  });

  it('stops at once when a fenced producer is answered PRODUCER_FENCED (a code kafkajs 2.2.4 does not name)', async () => {
    const coordinator = scriptedCoordinator((n) => (n === 0 ? CONCURRENT_TRANSACTIONS : PRODUCER_FENCED));
    const eos = await transactionOn(coordinator.cluster);
    await expect(eos.addPartitionsToTransaction(partition0)).rejects.toThrow('Unknown error code 90');
    expect(coordinator.adds()).toBe(2);
  });

  it('stops at once on an error that is not CONCURRENT_TRANSACTIONS (UNKNOWN_TOPIC_OR_PARTITION)', async () => {
    const coordinator = scriptedCoordinator((n) => (n === 0 ? CONCURRENT_TRANSACTIONS : 3));
    const eos = await transactionOn(coordinator.cluster);
    await expect(eos.addPartitionsToTransaction(partition0)).rejects.toMatchObject({
      type: 'UNKNOWN_TOPIC_OR_PARTITION',
    });
    expect(coordinator.adds()).toBe(2);
  });

  it('asks AddOffsetsToTxn again at once too (a notify container storing its position)', async () => {
    const coordinator = scriptedCoordinator((n) => (n < 2 ? CONCURRENT_TRANSACTIONS : 0));
    const eos = await transactionOn(coordinator.cluster);
    await eos.sendOffsets({
      consumerGroupId: 'spacelog-test.group',
      topics: [{ topic: 'orders', partitions: [{ partition: 0, offset: '5' }] }],
    });
    expect(coordinator.offsetAdds()).toBe(3);
  });
});
