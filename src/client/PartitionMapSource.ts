import { ProtocolError, SpaceNotFoundError } from '../errors';
import type { SpaceDescription } from '../net/SpaceDescription';
import { PartitionMap } from './PartitionMap';

/** How long an endpoint that failed to answer is asked last by refreshes. */
const SUSPECT_MS = 10_000;
/** Longest wait for one endpoint's DESCRIBE during a refresh. */
const DESCRIBE_ATTEMPT_MS = 1500;

/** What a PartitionMapSource needs from the client. @internal */
export interface PartitionMapSourceOptions {
  readonly space: string;
  readonly partitions: number;
  /** Addresses to fall back on when no endpoint of the map answers. */
  readonly bootstrap: readonly string[];
  /** Asks one endpoint for the space description (DESCRIBE), within `timeoutMs`. */
  readonly describe: (endpoint: string, timeoutMs: number) => Promise<SpaceDescription>;
  /** Whether the client holds an open connection to an endpoint (a live server: asked first). */
  readonly isOpen: (endpoint: string) => boolean;
  /** Time one refresh may take over all the endpoints it tries, ms. */
  readonly refreshBudgetMs: number;
  /** Refreshes at least this often while `keepFresh()` says so, ms; Infinity = never. */
  readonly maxAgeMs: number;
  /** Whether the map must be kept fresh without operations noticing (open subscriptions do). */
  readonly keepFresh: () => boolean;
}

/**
 * The client's current partition map and how it is refreshed. A refresh asks a live known endpoint
 * for the space description (then the others of the map, then the bootstrap addresses) and adopts
 * the map it answers; concurrent refreshes share one request. Operations ask for a refresh when a
 * server says it is not the partition's primary or cannot be reached; open subscriptions, which no
 * error would tell that their partition moved, also get one every `maxAgeMs`.
 * @internal
 */
export class PartitionMapSource {
  private current: PartitionMap;
  private refreshes = 0;
  private refreshedAt = Date.now();
  private inFlight: Promise<void> | undefined;
  private readonly listeners = new Set<(map: PartitionMap) => void>();
  /** Endpoints that recently failed to answer, until when they are asked last. */
  private readonly suspects = new Map<string, number>();
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: PartitionMapSourceOptions,
    map: PartitionMap,
  ) {
    this.current = map;
    if (Number.isFinite(options.maxAgeMs)) {
      this.timer = setInterval(
        () => {
          if (options.keepFresh() && Date.now() - this.refreshedAt >= options.maxAgeMs) {
            this.refresh().catch(() => undefined);
          }
        },
        Math.max(1, Math.ceil(options.maxAgeMs / 2)),
      );
      this.timer.unref();
    }
  }

  get map(): PartitionMap {
    return this.current;
  }

  /** Counts successful refreshes: an operation that saw generation g asks for one only if no newer came. */
  get generation(): number {
    return this.refreshes;
  }

  /** Replaces the map (a refresh, or `RemoteSpace.updatePartitionMap`); listeners hear of a change. */
  set(map: PartitionMap): void {
    if (map.equals(this.current)) return;
    this.current = map;
    for (const listener of this.listeners) {
      try {
        listener(map);
      } catch {
        // A listener's failure must not stop the others from hearing of the new map.
      }
    }
  }

  /**
   * Refreshes the map; resolves once done (rejects when no endpoint answered: the map stays as it
   * was). With `seen`, a refresh that completed after generation `seen` is enough, so an operation
   * that failed on an old map does not ask again for what another one already fetched.
   */
  refresh(seen?: number, suspect?: string): Promise<void> {
    if (suspect !== undefined) this.suspects.set(suspect, Date.now() + SUSPECT_MS);
    if (seen !== undefined && seen !== this.refreshes) return Promise.resolve();
    this.inFlight ??= this.describeAny().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** Resolves once the refresh in flight, if any, has ended (never rejects). */
  async settled(): Promise<void> {
    await this.inFlight?.catch(() => undefined);
  }

  /** Hears every new map; returns the unsubscribe function. */
  onChange(listener: (map: PartitionMap) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops the periodic refresh. Idempotent. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.listeners.clear();
  }

  /** Endpoints to ask, live ones first, then the map's others, then the bootstrap addresses. */
  private candidates(): string[] {
    const now = Date.now();
    for (const [endpoint, until] of this.suspects) if (until <= now) this.suspects.delete(endpoint);
    const known = [...new Set([...this.current.distinct(), ...this.options.bootstrap])];
    // An endpoint that just went silent (a stopped or dying unit) is asked last: its open connection
    // would otherwise make it the first one asked, again and again.
    const trusted = known.filter((e) => !this.suspects.has(e));
    return [
      ...trusted.filter((e) => this.options.isOpen(e)),
      ...trusted.filter((e) => !this.options.isOpen(e)),
      ...known.filter((e) => this.suspects.has(e)),
    ];
  }

  private async describeAny(): Promise<void> {
    const deadline = Date.now() + this.options.refreshBudgetMs;
    let last: unknown = new ProtocolError('no endpoint to ask for the partition map');
    for (const endpoint of this.candidates()) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      try {
        // A live server answers a DESCRIBE at once: one silent endpoint must not use the whole budget.
        this.adopt(await this.options.describe(endpoint, Math.min(remaining, DESCRIBE_ATTEMPT_MS)), endpoint);
        return;
      } catch (error) {
        last = error;
      }
    }
    throw last;
  }

  private adopt(description: SpaceDescription, endpoint: string): void {
    const { space, partitions } = this.options;
    if (description.name !== space || description.partitions !== partitions) {
      throw new SpaceNotFoundError(
        `${endpoint} serves space '${description.name}' of ${description.partitions} partitions, not '${space}' of ${partitions}`,
        { space },
      );
    }
    const map = mapOf(description, endpoint);
    this.refreshes++;
    this.refreshedAt = Date.now();
    this.set(map);
  }
}

/** The map a description gives: its own, or every partition at the endpoint that answered. @internal */
export function mapOf(description: SpaceDescription, endpoint: string): PartitionMap {
  const listed = description.partitionMap;
  if (listed === undefined) return PartitionMap.uniform(description.partitions, endpoint);
  if (listed.length !== description.partitions || listed.some((e) => typeof e !== 'string' || e === '')) {
    throw new ProtocolError(
      `${endpoint} sent a partition map of ${listed.length} entries for ${description.partitions} partitions`,
    );
  }
  return new PartitionMap(listed);
}
