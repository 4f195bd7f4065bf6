import type { MutationPosition, MutationSink } from '../space/SpaceEngineOptions';
import type { Mutation } from '../space/Mutation';

/** The partition appender as the sink sees it: appends that report where each mutation landed. */
export interface PositionedLog {
  appendWithPositions(mutations: readonly Mutation[]): Promise<readonly MutationPosition[]>;
}

/** `sync`: acknowledge after Kafka (acks=all). `async`: acknowledge after apply, append behind. */
export type ReplicationMode = 'sync' | 'async';

/** Most mutations an async partition may have acknowledged but not yet appended (its window of loss). */
export const DEFAULT_ASYNC_WINDOW = 10_000;

/**
 * The engine's sink in a primary. In `sync` mode it is the appender itself, and each append resolves
 * with the log positions of its mutations (a write answers with its position). In `async` mode it
 * acknowledges at once and appends behind, holding at most `window` unappended mutations: a caller
 * past the window waits for the appender (backpressure), so the loss on a crash is bounded by it.
 * Every failed append, in either mode, is handed to `onFailure` (the partition fail-stops and rebuilds
 * from the log): its mutations were applied already.
 */
export class ReplicationSink implements MutationSink {
  private pending = 0;
  private readonly drained: (() => void)[] = [];
  /** The latest append (appends complete in order): what `appended` waits for. */
  private lastAppended: Promise<unknown> | undefined;

  constructor(
    private readonly appender: PositionedLog,
    private readonly mode: ReplicationMode,
    private readonly onFailure: (error: unknown) => void,
    private readonly window: number = DEFAULT_ASYNC_WINDOW,
  ) {}

  /** Acknowledged but not yet appended (always 0 in sync mode). */
  get unappended(): number {
    return this.pending;
  }

  /** Settles once every mutation appended so far is in the log or failed to be (never rejects). */
  appended(): Promise<void> {
    return this.lastAppended === undefined ? Promise.resolve() : this.lastAppended.then(noop, noop);
  }

  append(mutations: readonly Mutation[]): Promise<void | readonly MutationPosition[]> {
    if (mutations.length === 0) return this.appender.appendWithPositions(mutations);
    const appended = this.appender.appendWithPositions(mutations);
    this.lastAppended = appended;
    if (this.mode === 'sync') {
      // The mutations are applied: a failed append leaves a state the log lacks, whatever the cause,
      // so every rejection reaches the partition (which ignores all but the first, and any once closed).
      void appended.catch((error: unknown) => this.onFailure(error));
      return appended;
    }
    this.pending += mutations.length;
    const settle = (): void => {
      this.pending -= mutations.length;
      if (this.pending < this.window) for (const wake of this.drained.splice(0)) wake();
    };
    appended.then(settle, (error: unknown) => {
      settle();
      this.onFailure(error);
    });
    if (this.pending <= this.window) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }
}

function noop(): void {}
