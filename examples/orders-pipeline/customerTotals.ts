import type { Entry, NotifyEvent, Space } from '../../src';
import { TOTAL_TYPE } from './model';

/** What one batch did to the totals. */
export interface TotalsApplied {
  /** SHIPPED events added to a total. */
  readonly applied: number;
  /** Events at or below their total's lastOffset: redeliveries, skipped. */
  readonly skipped: number;
}

/**
 * Adds a batch of SHIPPED order events (one partition, in log order) to the customers' totals,
 * idempotently: a notify container delivers at least once, so the same event may come again after a
 * crash or a failover.
 *
 * How a redelivery is recognised: a CustomerTotal's id is the customerId, which routes it to the
 * partition of that customer's orders. Every event that changes a total therefore comes from ONE
 * partition log, and comes in offset order. The total stores the offset of the last event it applied
 * (`lastOffset`, and the event id `partition:offset` as `lastEventId`), written in the same
 * transaction as the sum; an event whose offset is not above it was applied already and is skipped.
 *
 * The whole batch is one transaction on the partition (the totals live where the events come from).
 * Each total to change is taken by id, which locks it for this transaction and reads its committed
 * state, then written back with the sum: a read-modify-write nobody can interleave with.
 */
export async function applyShippedEvents(
  space: Space,
  events: readonly NotifyEvent[],
  now: number = Date.now(),
): Promise<TotalsApplied> {
  const byCustomer = new Map<string, NotifyEvent[]>();
  for (const event of events) {
    // A removal carries no entry; the container asks for WRITEs only, so this is belt and braces.
    if (event.entry === null) continue;
    const customerId = String(event.entry.customerId);
    const list = byCustomer.get(customerId) ?? [];
    list.push(event);
    byCustomer.set(customerId, list);
  }
  if (byCustomer.size === 0) return { applied: 0, skipped: events.length };
  let applied = 0;
  let skipped = 0;
  await space.transaction(async (tx) => {
    // Counted per attempt: a rolled-back attempt starts from zero.
    applied = 0;
    skipped = 0;
    for (const [customerId, list] of byCustomer) {
      // Look first without locking: a batch of redeliveries changes nothing and logs nothing.
      const seen = await tx.read(TOTAL_TYPE, { id: customerId });
      if (seen !== null && list.every((e) => e.offset <= Number(seen.lastOffset))) {
        skipped += list.length;
        continue;
      }
      const current: Entry | null = await tx.take(TOTAL_TYPE, { id: customerId });
      const lastOffset = current === null ? -1 : Number(current.lastOffset);
      const fresh = list.filter((e) => e.offset > lastOffset);
      skipped += list.length - fresh.length;
      if (current !== null && fresh.length === 0) {
        // Applied between the look and the take (it cannot happen with one container per partition,
        // but costs nothing to handle): put the total back as it is.
        await tx.write(TOTAL_TYPE, current);
        continue;
      }
      applied += fresh.length;
      const last = fresh[fresh.length - 1] as NotifyEvent;
      await tx.write(TOTAL_TYPE, {
        customerId,
        orders: (current === null ? 0 : Number(current.orders)) + fresh.length,
        totalCents:
          (current === null ? 0 : Number(current.totalCents)) +
          fresh.reduce((sum, e) => sum + Number(e.entry?.totalCents), 0),
        lastEventId: last.id,
        lastOffset: last.offset,
        updatedAt: now,
      });
    }
  });
  return { applied, skipped };
}
