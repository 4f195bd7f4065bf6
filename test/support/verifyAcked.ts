import type { RemoteSpace } from '../../src/client/RemoteSpace';
import { customerOf, type AckedState } from './clusterLoad';

/** What a check of the acknowledged state found wrong (empty when nothing was lost). */
export interface LostReport {
  readonly missing: string[];
  readonly stale: string[];
  readonly resurrected: string[];
  readonly checked: number;
}

/**
 * Reads back every acknowledged write and take through `space`, and every id of unknown fate (see
 * `AckedState.inDoubt`): nothing the load touched goes unchecked.
 */
export async function verifyAcked(space: RemoteSpace, acked: AckedState): Promise<LostReport> {
  const report: LostReport = { missing: [], stale: [], resurrected: [], checked: 0 };
  const writes = [...acked.versions];
  for (let i = 0; i < writes.length; i += 500) {
    await Promise.all(
      writes.slice(i, i + 500).map(async ([id, total]) => {
        const found = await space.read('Order', { id }, { routing: customerOf(id) });
        if (found === null) report.missing.push(id);
        else if (found.total !== total) report.stale.push(id);
      }),
    );
  }
  const taken = [...acked.taken];
  for (let i = 0; i < taken.length; i += 500) {
    await Promise.all(
      taken.slice(i, i + 500).map(async (id) => {
        if ((await space.read('Order', { id }, { routing: customerOf(id) })) !== null)
          report.resurrected.push(id);
      }),
    );
  }
  const inDoubt = [...acked.inDoubt];
  for (let i = 0; i < inDoubt.length; i += 500) {
    await Promise.all(
      inDoubt.slice(i, i + 500).map(async ([id, may]) => {
        const found = await space.read('Order', { id }, { routing: customerOf(id) });
        if (found === null) {
          if (!may.mayBeAbsent)
            report.missing.push(`${id} (a re-write of unknown fate; it was acknowledged before)`);
        } else if (!may.totals.includes(Number(found.total))) {
          report.stale.push(`${id} (total ${String(found.total)}, expected one of ${may.totals.join(', ')})`);
        }
      }),
    );
  }
  // A take by id that found nothing: the acknowledged entry was gone when it came (checked as missing too).
  for (const id of acked.takenNothing) report.missing.push(`${id} (a take of it returned null)`);
  return { ...report, checked: writes.length + taken.length + inDoubt.length };
}

/** Time from `killedAt` to the first acknowledgement on each of `partitions`, in ms (the longest). */
export function failoverTime(acked: AckedState, partitions: readonly number[], killedAt: number): number {
  let worst = 0;
  for (const k of partitions) {
    const first = (acked.acksByPartition.get(k) ?? []).find((t) => t > killedAt);
    worst = Math.max(worst, first === undefined ? Infinity : first - killedAt);
  }
  return worst;
}

/**
 * Waits until every one of `partitions` had a write acknowledged after `killedAt` (the load reaches
 * each soon after it serves again), then returns {@link failoverTime}; Infinity if one never did.
 */
export async function waitForFailover(
  acked: AckedState,
  partitions: readonly number[],
  killedAt: number,
  timeoutMs = 30_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (!Number.isFinite(failoverTime(acked, partitions, killedAt)) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  return failoverTime(acked, partitions, killedAt);
}

/**
 * What a failover check that timed out saw: the partitions with no acknowledgement after `since`, and
 * the load's last failures after it (operation, id, error name; oldest first), for the assertion's diff.
 */
export function silentSince(
  acked: AckedState,
  partitions: readonly number[],
  since: number,
): { silent: number[]; lastFailures: string[] } {
  const silent = partitions.filter((k) => !(acked.acksByPartition.get(k) ?? []).some((t) => t > since));
  const lastFailures = acked.failures
    .filter((f) => f.at > since)
    .slice(-5)
    .map((f) => `${f.op} ${f.id} after ${f.at - since} ms: ${f.error}`);
  return { silent, lastFailures };
}
