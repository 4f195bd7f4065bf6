import type { Admin, Consumer, Kafka } from 'kafkajs';
import { GroupJoinWatch } from '../log/connection/GroupJoinWatch';
import { retryWhileMetadataLags } from '../log/connection/kafkaErrors';
import { unitsGroupId, unitsTopicName } from '../log/admin/topicNames';
import { errorFields, LOG_EVENT } from '../ops/logging/logEvents';
import type { SpacelogLogger } from '../ops/logging/SpacelogLogger';
import type { Placement } from '../ops/status/Placement';
import { decodePlacement, spacelogAssigner, type MemberInfo, type PlacementShape } from './SpacelogAssigner';
import { GroupConfirmation } from './GroupConfirmation';

/** Membership timing; a short session in tests makes failover fast. */
export interface MembershipTiming {
  /** A unit silent this long is out of the group (and its primaries move). Kafka's floor is 6000 ms. */
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** How long a rebalance waits for members to rejoin. */
  readonly rebalanceTimeoutMs: number;
}

export const DEFAULT_MEMBERSHIP_TIMING: MembershipTiming = {
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 1_000,
  rebalanceTimeoutMs: 20_000,
};

/** What the membership needs. */
export interface UnitMembershipOptions {
  readonly kafka: Kafka;
  readonly prefix: string;
  readonly space: string;
  readonly shape: PlacementShape;
  readonly timing: MembershipTiming;
  /** What this unit hosts now; asked at every (re)join. */
  readonly announce: () => MemberInfo;
  /** Every newer placement, in epoch order. */
  readonly onPlacement: (placement: Placement) => void;
  readonly onError?: (error: unknown) => void;
  /** Where placements and group failures are logged (bound to the space and unit); absent: nowhere. */
  readonly logger?: SpacelogLogger;
}

/**
 * A processing unit's membership in its space's cluster: a kafkajs consumer in the space's units
 * group, subscribed to the (empty) units topic, with the Spacelog assignor. The group coordinator
 * detects dead units (session timeout) and triggers rebalances; the leader's placement is read back
 * from the group description. `confirmedWithin` tells whether this unit still belongs to the group
 * as far as it can know: a primary that cannot say so stops serving (docs/design.md law 3, zombies).
 */
export class UnitMembership {
  private consumer: Consumer | undefined;
  /** The consumer's first group join, which a stop lets end before disconnecting. */
  private readonly join = new GroupJoinWatch();
  private admin: Admin | undefined;
  private readonly confirmation = new GroupConfirmation();
  private current: Placement | undefined;
  private refreshing: Promise<void> | undefined;
  private stopped = false;
  private readonly groupId: string;
  private readonly topic: string;

  constructor(private readonly options: UnitMembershipOptions) {
    this.groupId = unitsGroupId(options.prefix, options.space);
    this.topic = unitsTopicName(options.prefix, options.space);
  }

  /** The newest placement seen. */
  get placement(): Placement | undefined {
    return this.current;
  }

  /** True when the group confirmed this member (heartbeat or join) on a request sent less than `ms` ago. */
  confirmedWithin(ms: number): boolean {
    return this.confirmation.within(ms);
  }

  /** Joins the group; resolves once the consumer runs (the first placement arrives through `onPlacement`). */
  async start(): Promise<void> {
    const { kafka, timing } = this.options;
    this.admin = kafka.admin();
    await this.admin.connect();
    const consumer = kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: timing.sessionTimeoutMs,
      heartbeatInterval: timing.heartbeatIntervalMs,
      rebalanceTimeout: timing.rebalanceTimeoutMs,
      maxWaitTimeInMs: Math.min(timing.heartbeatIntervalMs, 1000),
      partitionAssigners: [spacelogAssigner(this.options.shape, this.options.announce)],
      allowAutoTopicCreation: false,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 2000 },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.REQUEST, ({ payload }) =>
      this.confirmation.answered(payload.apiName, payload.sentAt),
    );
    consumer.on(consumer.events.HEARTBEAT, () => this.confirmation.confirmed('Heartbeat'));
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.confirmation.confirmed('SyncGroup');
      void this.refresh();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.options.logger?.warn(
        { event: LOG_EVENT.membershipCrash, restart: payload.restart, ...errorFields(payload.error) },
        'group membership consumer crashed',
      );
      this.options.onError?.(payload.error);
    });
    await consumer.connect();
    // The units topic may be just created: a broker that does not know it yet answers
    // UNKNOWN_TOPIC_OR_PARTITION to the subscription's metadata request for a moment.
    if (!this.stopped)
      await retryWhileMetadataLags(() => consumer.subscribe({ topic: this.topic, fromBeginning: false }));
    if (!this.stopped) await this.join.run(consumer, { autoCommit: false, eachBatch: async () => undefined });
    // stop() during the connects came before they were done: what connected after it must not
    // stay in the group (or keep fetching) for a unit that is gone.
    if (this.stopped) {
      await consumer.disconnect().catch(() => undefined);
      await this.admin?.disconnect().catch(() => undefined);
    }
  }

  /**
   * Asks for a rebalance, so the leader places again with what this unit reports now (a backup
   * that became ready can take a primary). kafkajs has no rejoin call: a short-lived observer
   * member joins and leaves the group, which makes every member rejoin.
   */
  async requestRebalance(): Promise<void> {
    if (this.stopped) return;
    const observer = this.options.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: this.options.timing.sessionTimeoutMs,
      heartbeatInterval: this.options.timing.heartbeatIntervalMs,
      rebalanceTimeout: this.options.timing.rebalanceTimeoutMs,
      partitionAssigners: [spacelogAssigner(this.options.shape, () => ({ kind: 'observer' }))],
      allowAutoTopicCreation: false,
    });
    const joined = new Promise<void>((resolve) => observer.on(observer.events.GROUP_JOIN, () => resolve()));
    try {
      await observer.connect();
      await observer.subscribe({ topic: this.topic, fromBeginning: false });
      await observer.run({ autoCommit: false, eachBatch: async () => undefined });
      await Promise.race([joined, sleep(this.options.timing.rebalanceTimeoutMs)]);
    } finally {
      await observer.disconnect().catch(() => undefined);
    }
  }

  /** Reads the placement the group holds now and hands it on if newer. */
  async refresh(): Promise<void> {
    this.refreshing ??= this.readPlacement().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** Leaves the group (the others rebalance at once) and disconnects. Idempotent. */
  async stop(): Promise<void> {
    await this.leave();
    await this.admin?.disconnect().catch(() => undefined);
  }

  /**
   * Leaves the group, then waits (up to `timeoutMs`) for the placement the others make without
   * `unit` and adopts it, so this unit can still tell clients where its partitions went.
   */
  async leaveAndFollow(unit: string, timeoutMs: number): Promise<void> {
    await this.leave();
    const deadline = Date.now() + timeoutMs;
    while (this.admin !== undefined && Date.now() < deadline) {
      const group = await describeGroup(this.admin, this.groupId).catch(() => undefined);
      // The last unit of the space left: nobody will place the partitions, so there is nothing to follow.
      if (group !== undefined && group.members === 0) return;
      const placement = group?.placement;
      if (placement !== undefined && !(unit in placement.endpoints)) {
        this.current = placement;
        return;
      }
      await sleep(200);
    }
  }

  private async leave(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const consumer = this.consumer;
    this.consumer = undefined;
    if (consumer !== undefined) await this.join.disconnect(consumer);
  }

  /** One `rebalance` record per placement adopted: its epoch, the units, and what it gives this unit. */
  private logPlacement(placement: Placement): void {
    const logger = this.options.logger;
    if (logger === undefined) return;
    const me = this.options.announce();
    const unit = me.kind === 'unit' ? me.report.unit : undefined;
    const primaries: number[] = [];
    const backups: number[] = [];
    placement.partitions.forEach((p, k) => {
      if (p.primary === unit) primaries.push(k);
      else if (unit !== undefined && p.backups.includes(unit)) backups.push(k);
    });
    const unplaced = placement.partitions.filter((p) => p.primary === null).length;
    logger.info(
      {
        event: LOG_EVENT.rebalance,
        epoch: placement.epoch,
        units: Object.keys(placement.endpoints).sort(),
        primaries,
        backups,
        ...(unplaced > 0 ? { unplaced } : {}),
      },
      `placement ${placement.epoch}: ${primaries.length} primaries and ${backups.length} backups here`,
    );
  }

  private async readPlacement(): Promise<void> {
    for (let attempt = 0; attempt < 20 && !this.stopped; attempt++) {
      const placement = await describePlacement(this.admin!, this.groupId).catch((error: unknown) => {
        this.options.onError?.(error);
        return undefined;
      });
      if (placement !== undefined) {
        if (placement.epoch > (this.current?.epoch ?? 0)) {
          this.current = placement;
          this.logPlacement(placement);
          this.options.onPlacement(placement);
        }
        return;
      }
      // Between a join and the leader's sync the group holds no assignments yet.
      await sleep(100 + attempt * 50);
    }
  }
}

/** The placement a group's members were last assigned (the newest one among them), if any. */
export async function describePlacement(admin: Admin, groupId: string): Promise<Placement | undefined> {
  return (await describeGroup(admin, groupId)).placement;
}

/** How many members a group has, and the newest placement among their assignments. */
async function describeGroup(
  admin: Admin,
  groupId: string,
): Promise<{ members: number; placement: Placement | undefined }> {
  const { groups } = await admin.describeGroups([groupId]);
  const members = groups[0]?.members ?? [];
  let newest: Placement | undefined;
  for (const member of members) {
    const placement = decodePlacement(member.memberAssignment);
    if (placement && placement.epoch > (newest?.epoch ?? 0)) newest = placement;
  }
  return { members: members.length, placement: newest };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
