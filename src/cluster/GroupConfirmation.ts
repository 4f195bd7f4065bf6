/** The group requests whose success says the coordinator still counts this member in. */
const CONFIRMING_REQUESTS: ReadonlySet<string> = new Set(['Heartbeat', 'SyncGroup']);

/**
 * When the units group last confirmed this member, dated from when the confirming request was SENT,
 * not when its answer was read: a unit paused (SIGSTOP, a long GC pause, a starved VM) with an answer
 * in its socket buffer reads it on waking, and must not count the pause as time in the group while
 * another unit has taken its primaries (docs/design.md, zombies).
 * @internal
 */
export class GroupConfirmation {
  /** Epoch ms each confirming request was last sent, from kafkajs's request events. */
  private readonly sentAt = new Map<string, number>();
  /** performance.now() of the last confirmation. */
  private last = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly clock: { epochMs(): number; monotonicMs(): number } = {
      epochMs: Date.now,
      monotonicMs: () => performance.now(),
    },
  ) {}

  /** A request's answer was read (kafkajs `consumer.network.request`: `sentAt` in epoch ms). */
  answered(apiName: string, sentAt: number): void {
    if (CONFIRMING_REQUESTS.has(apiName)) this.sentAt.set(apiName, sentAt);
  }

  /** The group confirmed the member through `apiName` (a heartbeat, or a join's SyncGroup). */
  confirmed(apiName: 'Heartbeat' | 'SyncGroup'): void {
    const sent = this.sentAt.get(apiName);
    const age = sent === undefined ? 0 : Math.max(0, this.clock.epochMs() - sent);
    this.last = Math.max(this.last, this.clock.monotonicMs() - age);
  }

  /** True when the last confirmation's request was sent less than `ms` ago. */
  within(ms: number): boolean {
    return this.clock.monotonicMs() - this.last < ms;
  }
}
