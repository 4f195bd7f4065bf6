import type { Consumer, ConsumerRunConfig } from 'kafkajs';
import { sleep } from '../../retry/backoff';

/**
 * How long a disconnect waits for a group join in progress. A join takes well under a second when the
 * broker answers; this bounds a stop while the broker does not (a consumer retrying its join forever).
 */
export const JOIN_SETTLE_MS = 10_000;

/**
 * @internal
 * Runs a kafkajs consumer and makes its disconnect wait for the group join that `consumer.run()` does.
 *
 * kafkajs cannot stop that first join: `disconnect()` during it finds no running consumer to stop and
 * closes the connections, the join retries on new ones, and once joined the consumer fetches for good,
 * owned by nobody (in a test, after its file ended). `run()` resolves when the join is done (or the
 * consumer crashed), so the disconnect waits for it. Later rejoins need no care: kafkajs's stop
 * handles a rebalance in progress.
 */
export class GroupJoinWatch {
  private joining: Promise<void> | undefined;

  /** `consumer.run(config)`, remembered until it resolves: the consumer joined its group or crashed. */
  async run(consumer: Consumer, config: ConsumerRunConfig): Promise<void> {
    const running = consumer.run(config);
    const joining = running.then(
      () => undefined,
      () => undefined,
    );
    this.joining = joining;
    try {
      await running;
    } finally {
      if (this.joining === joining) this.joining = undefined;
    }
  }

  /** Whether a join started by {@link run} is still in progress. */
  get inProgress(): boolean {
    return this.joining !== undefined;
  }

  /**
   * Disconnects `consumer` once a join in progress ended (waiting `maxWaitMs` at most); never throws,
   * since a stop has nothing better to do with a failed disconnect.
   */
  async disconnect(consumer: Consumer, maxWaitMs = JOIN_SETTLE_MS): Promise<void> {
    const joining = this.joining;
    if (joining !== undefined) await Promise.race([joining, sleep(maxWaitMs, undefined, true)]);
    await consumer.disconnect().catch(() => undefined);
  }
}
