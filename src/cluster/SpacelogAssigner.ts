import { AssignerProtocol, type GroupMember, type PartitionAssigner } from 'kafkajs';
import type { Placement, UnitReport } from '../ops/status/Placement';
import { placeReplicas } from './placeReplicas';

/** The assignor's protocol name in the consumer group. */
export const ASSIGNER_NAME = 'spacelog-placement';
const VERSION = 1;

/** What a member announces when it joins: a unit with its report, or an observer (a rebalance nudge). */
export type MemberInfo =
  { readonly kind: 'unit'; readonly report: UnitReport } | { readonly kind: 'observer' };

/** Shape of the space the assignor places. */
export interface PlacementShape {
  readonly partitions: number;
  readonly backups: number;
}

/**
 * The Spacelog assignor for kafkajs: every member announces what it hosts (its `MemberInfo`), the
 * group leader computes the placement with `placeReplicas`, and every member's assignment carries
 * the whole placement in its user data (no Kafka partitions are assigned: the group is used for
 * membership and leader election only). Members and clients read it back with `describeGroups`.
 */
export function spacelogAssigner(shape: PlacementShape, announce: () => MemberInfo): PartitionAssigner {
  return () => ({
    name: ASSIGNER_NAME,
    version: VERSION,
    protocol: ({ topics }) => ({
      name: ASSIGNER_NAME,
      metadata: AssignerProtocol.MemberMetadata.encode({
        version: VERSION,
        topics,
        userData: Buffer.from(JSON.stringify(announce())),
      }),
    }),
    assign: async ({ members }) => {
      const placement = placeReplicas({ ...shape, units: unitsOf(members) });
      const userData = encodePlacement(placement);
      return members.map((member) => ({
        memberId: member.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: VERSION,
          assignment: {},
          userData,
        }),
      }));
    },
  });
}

/** The units among the group's members (observers and unreadable metadata are left out). */
function unitsOf(members: readonly GroupMember[]): UnitReport[] {
  const units: UnitReport[] = [];
  for (const member of members) {
    const info = decodeMemberInfo(member.memberMetadata);
    if (info?.kind === 'unit') units.push(info.report);
  }
  return units;
}

/** Reads a member's announcement; undefined when it is not a Spacelog member's. */
function decodeMemberInfo(metadata: Buffer): MemberInfo | undefined {
  try {
    const decoded = AssignerProtocol.MemberMetadata.decode(metadata);
    if (!decoded) return undefined;
    const info = JSON.parse(decoded.userData.toString('utf8')) as MemberInfo;
    if (info.kind === 'observer') return info;
    if (info.kind !== 'unit' || typeof info.report?.unit !== 'string') return undefined;
    return info;
  } catch {
    return undefined;
  }
}

function encodePlacement(placement: Placement): Buffer {
  return Buffer.from(JSON.stringify(placement));
}

/** The placement a member's assignment carries; undefined when empty (a rebalance is under way) or foreign. */
export function decodePlacement(memberAssignment: Buffer): Placement | undefined {
  if (memberAssignment.length === 0) return undefined;
  try {
    const decoded = AssignerProtocol.MemberAssignment.decode(memberAssignment);
    if (!decoded || decoded.userData.length === 0) return undefined;
    const placement = JSON.parse(decoded.userData.toString('utf8')) as Placement;
    return Number.isInteger(placement.epoch) && Array.isArray(placement.partitions) ? placement : undefined;
  } catch {
    return undefined;
  }
}
