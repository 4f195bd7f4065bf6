import type { Producer, Transaction } from 'kafkajs';
import { isFencingError } from '../connection/kafkaErrors';

/** A Kafka transaction that failed: the Kafka error, and whether its commit had been sent. @internal */
export class TransactionFailure extends Error {
  constructor(
    override readonly cause: unknown,
    /** True once the commit was sent: the records may be committed although it failed. */
    readonly committing: boolean,
  ) {
    super('Kafka transaction failed', { cause });
  }
}

/**
 * Runs one Kafka transaction on a transactional producer: `send` writes into it, then it commits.
 * A failed send aborts it at once rather than at its timeout (read_committed readers, the rebuild of
 * this very partition among them, cannot pass an open transaction), unless the producer was fenced:
 * the fencing aborted it already. When the abort is answered with the fence, the failure is that fence.
 * Rejects with a TransactionFailure.
 * @internal
 */
export async function inTransaction<T>(
  producer: Producer,
  send: (transaction: Transaction) => Promise<T>,
): Promise<T> {
  let committing = false;
  try {
    const transaction = await producer.transaction();
    let sent: T;
    try {
      sent = await send(transaction);
    } catch (error) {
      if (!isFencingError(error)) {
        // The abort's answer tells whether a newer writer fenced this one: a send can fail first with
        // another error (INVALID_TXN_STATE from a partition leader checking a transaction that the
        // fencing already ended), and a fenced writer must stop rather than rebuild and fence back.
        const aborted = await transaction.abort().then(
          () => undefined,
          (abortError: unknown) => abortError,
        );
        if (isFencingError(aborted)) throw aborted;
      }
      throw error;
    }
    committing = true;
    await transaction.commit();
    return sent;
  } catch (error) {
    throw new TransactionFailure(error, committing);
  }
}
