import { MirrorPoisonRecordError } from '../errors';
import type { MirrorReconcile } from './MirrorConfig';
import type { DeadLetter } from './DeadLetterStore';
import { errorFields, LOG_EVENT } from '../ops/logging/logEvents';
import type { SpacelogLogger } from '../ops/logging/SpacelogLogger';

/** One database call being retried through an outage (see {@link MirrorLogging.databaseCall}). */
export interface DatabaseCallWatch {
  /** An attempt failed with a transient error (the call waits and tries again). */
  failed(error: unknown): void;
  /** The call ended: succeeded, or gave up (a permanent error, a stop). */
  done(succeeded: boolean): void;
}

/**
 * The mirror's records. A PostgreSQL outage is logged once when it begins (`mirror-outage`, the
 * first failure's code) and once when it ends (`mirror-recovered`, its duration and failed
 * attempts), however many partitions retry meanwhile: the outage lasts while any call is failing.
 * Every dead-lettered record is logged once after the transaction that recorded it committed
 * (`poison-record`, partition, offset, code); a stop, once (`mirror-stopped`, or `poison-record`
 * for `onPoison: 'stop'`).
 * @internal
 */
export class MirrorLogging {
  private failing = 0;
  private outageSince = 0;
  private failures = 0;

  constructor(readonly logger: SpacelogLogger) {}

  /** Watches one retried database call. */
  databaseCall(): DatabaseCallWatch {
    let failing = false;
    return {
      failed: (error) => {
        this.failures++;
        if (failing) return;
        failing = true;
        if (this.failing++ === 0) {
          this.outageSince = performance.now();
          this.logger.warn(
            { event: LOG_EVENT.mirrorOutage, ...errorFields(error) },
            'PostgreSQL unreachable: the mirror waits and retries (it falls behind, nothing is skipped)',
          );
        }
      },
      done: (succeeded) => {
        if (!failing) return;
        failing = false;
        if (--this.failing > 0) return;
        const attempts = this.failures;
        this.failures = 0;
        if (!succeeded) return;
        this.logger.info(
          {
            event: LOG_EVENT.mirrorRecovered,
            durationMs: Math.round(performance.now() - this.outageSince),
            failedAttempts: attempts,
          },
          'PostgreSQL reachable again: the mirror catches up',
        );
      },
    };
  }

  /** Records newly dead-lettered by a committed transaction. */
  deadLettered(letters: readonly DeadLetter[]): void {
    for (const letter of letters) {
      this.logger.warn(
        {
          event: LOG_EVENT.poisonRecord,
          partition: letter.partition,
          offset: letter.offset,
          code: letter.code,
          op: letter.op,
          reason: letter.message,
        },
        'a record the mirror cannot apply was dead-lettered',
      );
    }
  }

  /** A partition rebuilt from its whole log. */
  reconciled(event: MirrorReconcile): void {
    this.logger.info(
      { event: LOG_EVENT.mirrorReconcile, ...event },
      'partition rows rebuilt from its whole log (resumed past the tombstone horizon)',
    );
  }

  /** The projector stopped on a failure it cannot retry. */
  stopped(error: unknown): void {
    const poison = error instanceof MirrorPoisonRecordError;
    const offset = (error as { offset?: unknown }).offset;
    this.logger.error(
      {
        event: poison ? LOG_EVENT.poisonRecord : LOG_EVENT.mirrorStopped,
        ...(offset === undefined ? {} : { offset: Number(offset) }),
        ...errorFields(error),
      },
      poison ? 'the mirror stopped on a record it cannot apply' : 'the mirror stopped',
    );
  }
}
