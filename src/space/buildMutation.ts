import { InvalidArgumentError } from '../errors';
import type { ExecuteContext } from './ExecuteContext';
import type { Entry, Mutation, MutationOp } from './Mutation';
import type { StoredEntry } from './StoredEntry';

/** Builds one mutation stamped with the context's clock and origin. @internal */
export function buildMutation(
  op: MutationOp,
  type: string,
  id: string,
  version: number,
  leaseExpiresAt: number | null,
  state: Entry | null,
  ctx: ExecuteContext,
): Mutation {
  return { op, type, id, version, leaseExpiresAt, timestamp: ctx.now, origin: ctx.origin, state };
}

/** The TAKE / EXPIRE removing a stored entry. @internal */
export function removal(
  op: 'TAKE' | 'EXPIRE',
  type: string,
  stored: StoredEntry,
  ctx: ExecuteContext,
): Mutation {
  return buildMutation(op, type, stored.id, stored.version, stored.leaseExpiresAt, null, ctx);
}

/** Absolute expiry of a lease in ms from now: undefined / Infinity = forever; must be > 0. @internal */
export function leaseExpiry(lease: number | undefined, now: number, type: string): number | null {
  if (lease === undefined || lease === Infinity) return null;
  if (typeof lease !== 'number' || !(lease > 0)) {
    throw new InvalidArgumentError(
      `lease must be a positive number of ms or Infinity, got ${String(lease)}`,
      { type },
    );
  }
  return now + lease;
}
