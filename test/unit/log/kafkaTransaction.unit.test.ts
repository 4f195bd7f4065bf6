import type { Producer, Transaction } from 'kafkajs';
import { isFencingError } from '../../../src/log/connection/kafkaErrors';
import { inTransaction, TransactionFailure } from '../../../src/log/append/kafkaTransaction';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as {
  createErrorFromCode: (code: number) => Error & { type: string; code: number };
};

const INVALID_PRODUCER_EPOCH = 47;
const INVALID_TXN_STATE = 48;

/** A producer whose one transaction's send and abort answer as scripted. */
function producerWith(sendError: number, abortError: number | undefined) {
  const calls: string[] = [];
  const transaction = {
    send: async () => {
      calls.push('send');
      throw createErrorFromCode(sendError);
    },
    abort: async () => {
      calls.push('abort');
      if (abortError !== undefined) throw createErrorFromCode(abortError);
    },
    commit: async () => {
      calls.push('commit');
    },
  };
  const producer = { transaction: async () => transaction } as unknown as Producer;
  return { producer, calls };
}

async function failureOf(producer: Producer): Promise<TransactionFailure> {
  const error = await inTransaction(producer, (t: Transaction) => t.send({ topic: 't', messages: [] })).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TransactionFailure);
  return error as TransactionFailure;
}

describe('inTransaction: a failed send', () => {
  it('is the fence when the abort is answered with it (a send failing first with INVALID_TXN_STATE)', async () => {
    const { producer, calls } = producerWith(INVALID_TXN_STATE, INVALID_PRODUCER_EPOCH);
    const failure = await failureOf(producer);
    expect(calls).toEqual(['send', 'abort']);
    expect(failure.committing).toBe(false);
    expect(isFencingError(failure.cause)).toBe(true);
  });

  it('stays the send error when the abort succeeds (this writer is still the writer)', async () => {
    const { producer, calls } = producerWith(INVALID_TXN_STATE, undefined);
    const failure = await failureOf(producer);
    expect(calls).toEqual(['send', 'abort']);
    expect(isFencingError(failure.cause)).toBe(false);
    expect(failure.cause).toMatchObject({ type: 'INVALID_TXN_STATE' });
  });

  it('is not aborted when the send itself was answered with the fence (the fencing aborted it)', async () => {
    const { producer, calls } = producerWith(INVALID_PRODUCER_EPOCH, undefined);
    const failure = await failureOf(producer);
    expect(calls).toEqual(['send']);
    expect(isFencingError(failure.cause)).toBe(true);
  });
});
