import * as kafkajs from 'kafkajs';
import { isCommitOutcomeUnknown, isFencingError } from '../../../src/log/connection/kafkaErrors';
import { readPatchVersion } from '../../../src/log/append/kafkajsPatch';

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
  commit(): Promise<void>;
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

/** An EndTxn whose answer was lost: the connection closed under it. */
const LOST = 'lost';

/**
 * A coordinator that answers each add request with the next scripted error code (0: success), and
 * each EndTxn with the next of `ends` (0 by default).
 */
function scriptedCoordinator(
  answers: (request: number) => number,
  ends: (request: number) => number | typeof LOST = () => 0,
) {
  let adds = 0;
  let offsetAdds = 0;
  let endTxns = 0;
  const answer = async (n: number): Promise<object> => {
    const code = answers(n);
    if (code !== 0) throw createErrorFromCode(code);
    return {};
  };
  const end = async (n: number): Promise<object> => {
    const code = ends(n);
    if (code === LOST) throw new kafkajs.KafkaJSConnectionError('Connection closed', { broker: 'b:1' });
    if (code !== 0) throw createErrorFromCode(code);
    return {};
  };
  const broker = {
    nodeId: 1,
    initProducerId: async () => ({ producerId: 7, producerEpoch: 3 }),
    addPartitionsToTxn: () => answer(adds++),
    addOffsetsToTxn: () => answer(offsetAdds++),
    txnOffsetCommit: async () => ({}),
    endTxn: () => end(endTxns++),
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
    endTxns: () => endTxns,
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

const UNKNOWN_SERVER_ERROR = -1;
const NOT_COORDINATOR = 16;

describe('EndTxn asked again (kafkajs patch 3)', () => {
  /** A transaction with a partition in it, committed against `ends`. */
  async function commitAgainst(ends: (request: number) => number | typeof LOST) {
    const coordinator = scriptedCoordinator(() => 0, ends);
    const eos = await transactionOn(coordinator.cluster);
    await eos.addPartitionsToTransaction(partition0);
    return { coordinator, commit: eos.commit() };
  }

  it('is in the kafkajs this repository installs', () => {
    expect(readPatchVersion(kafkajs)).toBeGreaterThanOrEqual(3);
  });

  it('answers a commit that raced its fencing on Kafka 3.x (UNKNOWN_SERVER_ERROR) with the fence, as a fence: nothing committed', async () => {
    const { coordinator, commit } = await commitAgainst((n) =>
      n === 0 ? UNKNOWN_SERVER_ERROR : INVALID_PRODUCER_EPOCH,
    );
    const error = await rejectionOf(commit);
    expect(isFencingError(error)).toBe(true);
    expect(isCommitOutcomeUnknown(error)).toBe(false);
    expect(coordinator.endTxns()).toBe(2);
  });

  it('commits once a moved coordinator is found again (NOT_COORDINATOR), and once it stops answering CONCURRENT_TRANSACTIONS', async () => {
    const moved = await commitAgainst((n) => (n === 0 ? NOT_COORDINATOR : 0));
    await moved.commit;
    expect(moved.coordinator.endTxns()).toBe(2);
    expect(moved.coordinator.cluster.findGroupCoordinator).toHaveBeenCalledTimes(2);
    const busy = await commitAgainst((n) => (n < 2 ? CONCURRENT_TRANSACTIONS : 0));
    await busy.commit;
    expect(busy.coordinator.endTxns()).toBe(3);
  });

  it('marks a fence that answers the retry of a lost EndTxn as an unknown outcome (the first may have committed)', async () => {
    const { coordinator, commit } = await commitAgainst((n) => (n === 0 ? LOST : INVALID_PRODUCER_EPOCH));
    const error = await rejectionOf(commit);
    expect(isFencingError(error)).toBe(true);
    expect(isCommitOutcomeUnknown(error)).toBe(true);
    expect(coordinator.endTxns()).toBe(2);
  });

  it('marks a fence after a coordinator that moved or was unavailable as an unknown outcome (its PrepareCommit may be logged)', async () => {
    for (const uncertain of [NOT_COORDINATOR, 15]) {
      const { coordinator, commit } = await commitAgainst((n) =>
        n === 0 ? uncertain : INVALID_PRODUCER_EPOCH,
      );
      const error = await rejectionOf(commit);
      expect(isFencingError(error)).toBe(true);
      expect(isCommitOutcomeUnknown(error)).toBe(true);
      expect(coordinator.endTxns()).toBe(2);
    }
  });

  it('is bounded, and stops at once on an answer that is no reason to ask again', async () => {
    const always = await commitAgainst(() => UNKNOWN_SERVER_ERROR);
    await expect(always.commit).rejects.toMatchObject({ type: 'UNKNOWN', code: UNKNOWN_SERVER_ERROR });
    expect(always.coordinator.endTxns()).toBe(7);
    const invalidTxnState = await commitAgainst(() => 48);
    await expect(invalidTxnState.commit).rejects.toMatchObject({ type: 'INVALID_TXN_STATE' });
    expect(invalidTxnState.coordinator.endTxns()).toBe(1);
  });
});
