import type { RemoteSpace } from '../../src/client/RemoteSpace';
import type { TestCluster } from './clusterTestKit';
import { exampleOrder } from './gridTestKit';

/**
 * What a client load saw acknowledged: the latest `total` written to each id, and the taken ids. The law
 * it is checked against: every acknowledged write is still readable (at its latest acknowledged total) or
 * was returned by exactly one acknowledged take. Nothing is dropped from the check: an operation whose
 * fate is unknown (it failed, its answer was lost) moves its id to `inDoubt` with what may be true of it.
 */
export interface AckedState {
  readonly versions: Map<string, number>;
  readonly taken: Set<string>;
  /**
   * Ids an operation of unknown fate touched: the totals the entry may have if present, and whether it
   * may be absent (a failed first write or a failed take). A failed re-write of an acknowledged entry
   * leaves it present at the old or the new total, never absent.
   */
  readonly inDoubt: Map<string, { readonly totals: readonly number[]; readonly mayBeAbsent: boolean }>;
  /** Acknowledged ids that a take by id answered with null: the entry was not there, a loss. */
  readonly takenNothing: string[];
  /** Every failed operation, with its error name (a write or take whose fate is unknown may fail). */
  readonly failures: {
    readonly op: string;
    readonly id: string;
    readonly error: string;
    readonly at: number;
  }[];
  /** When each successful operation was acknowledged, per partition: failover time is read off this. */
  readonly acksByPartition: Map<number, number[]>;
  writes: number;
}

/**
 * A sync-mode client load on a cluster: `writers` loops, each writing new Orders, re-writing
 * (upserting) some and taking some of its own earlier ones by id. Each acknowledgement is recorded;
 * `stop()` ends the loops and resolves with everything acknowledged.
 */
export class ClusterLoad {
  readonly acked: AckedState = {
    versions: new Map(),
    taken: new Set(),
    inDoubt: new Map(),
    takenNothing: [],
    failures: [],
    acksByPartition: new Map(),
    writes: 0,
  };
  private running = true;
  private readonly loops: Promise<void>[];

  constructor(
    private readonly space: RemoteSpace,
    writers: number,
    private readonly tag: string,
  ) {
    this.loops = Array.from({ length: writers }, (_, w) => this.loop(w));
  }

  /**
   * Waits until at least `count` acknowledged entries (live writes and takes) are on record, so a check
   * of them means something on a slow machine too; throws after `timeoutMs`.
   */
  async untilAcked(count: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.acked.versions.size + this.acked.taken.size < count) {
      if (Date.now() > deadline) {
        const have = this.acked.versions.size + this.acked.taken.size;
        throw new Error(`load: ${have} of ${count} acknowledged entries after ${timeoutMs} ms`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<AckedState> {
    this.running = false;
    await Promise.all(this.loops);
    return this.acked;
  }

  private async loop(writer: number): Promise<void> {
    const mine: string[] = [];
    for (let i = 0; this.running; i++) {
      // Per five operations: three new entries, one upsert of an earlier one, one take of the oldest.
      const step = i % 5;
      const op = step === 4 && mine.length > 2 ? 'take' : step === 3 && mine.length > 0 ? 'rewrite' : 'write';
      const target =
        op === 'take'
          ? mine.shift()!
          : op === 'rewrite'
            ? mine[i % mine.length]!
            : `${this.tag}-${writer}-${i}`;
      try {
        if (op === 'take') {
          const routing = { routing: customerOf(target) };
          const got = await this.space.take('Order', { id: target }, routing);
          if (got === null) {
            // Only this loop touches its ids: an acknowledged entry a take cannot find is lost. It stays
            // in `versions`, so the check reads it again, and is reported.
            this.acked.takenNothing.push(target);
          } else {
            this.acked.taken.add(target);
            this.acked.versions.delete(target);
          }
        } else {
          const total = op === 'write' ? i : 100_000 + i;
          const result = await this.space.write('Order', {
            ...exampleOrder(i, writer),
            id: target,
            customerId: customerOf(target),
            total,
          });
          this.acked.versions.set(target, total);
          this.acked.writes++;
          if (op === 'write') mine.push(target);
          const at = this.acked.acksByPartition.get(result.partition) ?? [];
          at.push(Date.now());
          this.acked.acksByPartition.set(result.partition, at);
        }
      } catch (error) {
        this.acked.failures.push({ op, id: target, error: (error as Error).name, at: Date.now() });
        // An operation whose fate is unknown may or may not have happened: its entry is checked for what
        // may be true of it, and not used again.
        const before = this.acked.versions.get(target);
        const attempted = op === 'write' ? i : 100_000 + i;
        this.acked.inDoubt.set(
          target,
          op === 'take'
            ? { totals: before === undefined ? [] : [before], mayBeAbsent: true }
            : op === 'rewrite' && before !== undefined
              ? { totals: [before, attempted], mayBeAbsent: false }
              : { totals: [attempted], mayBeAbsent: true },
        );
        this.acked.versions.delete(target);
        const at = mine.indexOf(target);
        if (at >= 0) mine.splice(at, 1);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }
}

/**
 * Connects a client to `cluster` and runs `body` while a {@link ClusterLoad} of eight writers tagged
 * `tag` runs through that client; however `body` ends, stops the load and closes the client.
 */
export async function withClusterLoad(
  cluster: TestCluster,
  tag: string,
  body: (client: RemoteSpace, load: ClusterLoad) => Promise<void>,
  options: { readonly requestTimeout?: number } = {},
): Promise<void> {
  const client = await cluster.connect(options.requestTimeout ?? 60_000);
  const load = new ClusterLoad(client, 8, tag);
  try {
    await body(client, load);
  } finally {
    await load.stop();
    await client.close();
  }
}

/** Orders are routed by customer: each id gets its own customer, so reads by id can name the partition. */
export function customerOf(id: string): string {
  return `c-${id}`;
}

/**
 * Competing consumers: `takers` loops on their own clients, each taking any Order of status 'PAID' (a job)
 * (a template take fanned out over every partition) while a producer loop writes new jobs. A job
 * handed to two takers would be a take applied twice (or a take lost by a failover and the entry
 * taken again): `duplicates()` lists such ids.
 */
export class TakeRace {
  readonly takenBy = new Map<string, number[]>();
  produced = 0;
  private running = true;
  private readonly loops: Promise<void>[];

  constructor(producer: RemoteSpace, takers: readonly RemoteSpace[], tag: string) {
    this.loops = [this.produce(producer, tag), ...takers.map((space, t) => this.take(space, t))];
  }

  /** Ids taken by more than one taker, or twice by one. */
  duplicates(): string[] {
    return [...this.takenBy].filter(([, by]) => by.length > 1).map(([id]) => id);
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async produce(space: RemoteSpace, tag: string): Promise<void> {
    for (let i = 0; this.running; i++) {
      const id = `${tag}-job-${i}`;
      try {
        await space.write('Order', { ...exampleOrder(i, 0), id, customerId: customerOf(id), status: 'PAID' });
        this.produced++;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  private async take(space: RemoteSpace, taker: number): Promise<void> {
    while (this.running) {
      try {
        const job = await space.take('Order', { template: { status: 'PAID' } }, { timeout: 200 });
        if (job !== null) {
          const id = String(job.id);
          this.takenBy.set(id, [...(this.takenBy.get(id) ?? []), taker]);
        }
      } catch {
        // A take whose answer was lost (its unit died): its job may be gone, it is not counted.
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }
}
