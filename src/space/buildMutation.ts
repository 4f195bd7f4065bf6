import { InvalidArgumentError } from '../errors';
import type { ExecuteContext } from './ExecuteContext';
import type { Mutation, MutationOp } from './Mutation';
import type { Entry } from '../schema/Entry';
import type { StoredEntry } from './StoredEntry';

/** The longest lease: 10 years of 365.25 days, in ms. Longer ones are refused; Infinity means forever. */
export const MAX_LEASE_MS = 10 * 365.25 * 24 * 3600 * 1000;

/**
 * Builds one mutation stamped with the context's clock and origin. Its numbers must be what the log's
 * Avro `long`s hold (integers within +-(2^53 - 2)): a mutation that could not be encoded after it was
 * applied would wedge its partition, so it is refused here, during validation, before anything is applied.
 * @internal
 */
export function buildMutation(
  op: MutationOp,
  type: string,
  id: string,
  version: number,
  leaseExpiresAt: number | null,
  state: Entry | null,
  ctx: Pick<ExecuteContext, 'now' | 'origin'>,
): Mutation {
  const timestamp = ctx.now;
  if (
    !isLogLong(version) ||
    !isLogLong(timestamp) ||
    (leaseExpiresAt !== null && !isLogLong(leaseExpiresAt))
  ) {
    throw new InvalidArgumentError(
      `${op} ${type}/${id}: version ${version}, timestamp ${timestamp} and lease expiry ${String(leaseExpiresAt)} must be integer ms`,
      { type, entryId: id },
    );
  }
  return { op, type, id, version, leaseExpiresAt, timestamp, origin: ctx.origin, state };
}

/** The largest magnitude avsc writes as a `long` from a number (it refuses +-(2^53 - 1) itself). */
const MAX_LOG_LONG = Number.MAX_SAFE_INTEGER - 1;

function isLogLong(n: number): boolean {
  return Number.isInteger(n) && n >= -MAX_LOG_LONG && n <= MAX_LOG_LONG;
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

/**
 * Absolute expiry of a lease given in ms from now: undefined / Infinity = forever (null); otherwise an
 * integer from 1 ms to MAX_LEASE_MS, else InvalidArgumentError (0.5, 1e300, -1, NaN are refused, not
 * rounded: the caller meant something else).
 * @internal
 */
export function leaseExpiry(lease: number | undefined, now: number, type: string): number | null {
  if (lease === undefined || lease === Infinity) return null;
  if (typeof lease !== 'number' || !Number.isInteger(lease) || lease < 1 || lease > MAX_LEASE_MS) {
    throw new InvalidArgumentError(
      `lease must be an integer number of ms from 1 to ${MAX_LEASE_MS} (10 years), or Infinity, got ${String(lease)}`,
      { type },
    );
  }
  return now + lease;
}
