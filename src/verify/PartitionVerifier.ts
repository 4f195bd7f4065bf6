import { InvariantViolationError } from '../errors';
import type { TypeRegistry } from '../schema/TypeRegistry';
import type { Mutation } from '../space/Mutation';
import type { Entry } from '../schema/Entry';
import { PartitionState } from '../space/PartitionState';
import { restoreApply } from '../space/restoreApply';
import type { StoredEntry } from '../space/StoredEntry';
import { sameEntry } from './sameEntry';
import type { DifferenceKind, SourceCounts, VerifyDifference, VerifySource } from './VerifyDifference';

/** One entry as a source (the grid, the mirror) holds it. */
export interface HeldEntry {
  readonly type: string;
  readonly id: string;
  readonly version: number;
  readonly leaseExpiresAt: number | null;
  readonly entry: Entry;
}

/**
 * What a source holds of one partition, and at which log position. Each entry is the fold of the
 * log at one offset in `[from, to]`: a source read at one instant and position has `from === to`
 * (the mirror: its rows and applied offset in one transaction); the grid, read while the log moved,
 * reflects some offset between the log end before its read (`from`) and the log end once everything
 * its read showed was appended (`to`).
 */
export interface SourceSnapshot {
  readonly source: VerifySource;
  /** By {@link entryKey}. */
  readonly entries: ReadonlyMap<string, HeldEntry>;
  readonly from: number;
  readonly to: number;
}

/** The comparison of one partition with every source. */
export interface PartitionVerdict {
  readonly partition: number;
  /** Records of the log folded (below the highest position compared). */
  readonly records: number;
  /** Per source compared. */
  readonly counts: Readonly<Partial<Record<VerifySource, SourceCounts>>>;
  /** The differences, at most `maxDifferences` of them (the counts are complete). */
  readonly differences: readonly VerifyDifference[];
  /** True when the counts hold more differences than `differences` lists. */
  readonly truncated: boolean;
}

/** Default most differences listed per partition. */
export const DEFAULT_MAX_DIFFERENCES = 100;

/** The key of an entry in a {@link SourceSnapshot}. */
export function entryKey(type: string, id: string): string {
  return `${type}\u0000${id}`;
}

/** An entry's state at one log position: held, or absent (null). */
type Candidate = StoredEntry | null;

interface PendingSource {
  readonly snapshot: SourceSnapshot;
  /** Entries the log changed in `[from, to)`: every state each passed through, from its state at `from`. */
  readonly moving: Map<string, Candidate[]>;
}

/**
 * Compares sources with the fold of one partition log, pure and synchronous: feed it the log's
 * records in offset order ({@link apply}), then {@link finish}. The fold is the restore fold every
 * reader of the log uses (`restoreApply`, docs/design.md law 1), so it is the state the log means, compacted or not.
 *
 * Each source is compared when the fold reaches its `to` (before the first record at or past it, or
 * at the end), so one pass serves sources at different positions and nothing is folded twice. An
 * entry no record in `[from, to)` touched must equal the fold exactly (version, lease and state); one
 * the log changed in that window must equal one of the states it passed through there (the state at
 * `from` included), since the source may have read it at any of those instants. With `from === to`
 * the comparison is exact for every entry (docs/design.md law 5 for the mirror).
 */
export class PartitionVerifier {
  private readonly state: PartitionState;
  private readonly pending: PendingSource[];
  private readonly upTo: number;
  private readonly differences: VerifyDifference[] = [];
  private readonly counts: Partial<Record<VerifySource, SourceCounts>> = {};
  private total = 0;
  private records = 0;
  private finished: PartitionVerdict | undefined;

  constructor(
    types: TypeRegistry,
    readonly partition: number,
    sources: readonly SourceSnapshot[],
    private readonly maxDifferences = DEFAULT_MAX_DIFFERENCES,
  ) {
    this.state = new PartitionState(types);
    // Nothing queries the fold: its indexes are never built.
    this.state.deferIndexes();
    for (const s of sources) {
      if (!Number.isSafeInteger(s.from) || !Number.isSafeInteger(s.to) || s.from < 0 || s.to < s.from) {
        throw new InvariantViolationError(`source ${s.source}: bad position window [${s.from}, ${s.to}]`, {
          partition,
        });
      }
    }
    this.pending = [...sources]
      .sort((a, b) => a.to - b.to)
      .map((snapshot) => ({ snapshot, moving: new Map<string, Candidate[]>() }));
    this.upTo = Math.max(0, ...sources.map((s) => s.to));
  }

  /** The log must be folded below this offset (records at or past it are not needed). */
  get needsUpTo(): number {
    return this.upTo;
  }

  /** Folds one record of the log at `offset` (records in offset order). Records at or past `needsUpTo` are ignored. */
  apply(mutation: Mutation, offset: number, topic?: string): void {
    while (this.pending.length > 0 && this.pending[0]!.snapshot.to <= offset)
      this.compare(this.pending.shift()!);
    if (offset >= this.upTo) return;
    this.records++;
    const m = this.normalized(mutation);
    const key = entryKey(m.type, m.id);
    const store = this.state.storeOf(m.type);
    let moving: PendingSource[] | undefined;
    for (const p of this.pending) {
      if (offset < p.snapshot.from) continue;
      (moving ??= []).push(p);
      if (!p.moving.has(key)) p.moving.set(key, [store.entries.get(m.id) ?? null]);
    }
    restoreApply(this.state, m, topic === undefined ? { offset } : { topic, offset });
    if (moving === undefined) return;
    const after = store.entries.get(m.id) ?? null;
    for (const p of moving) p.moving.get(key)!.push(after);
  }

  /** Compares the sources the records did not reach, and returns the verdict (idempotent). */
  finish(): PartitionVerdict {
    if (this.finished !== undefined) return this.finished;
    while (this.pending.length > 0) this.compare(this.pending.shift()!);
    this.finished = {
      partition: this.partition,
      records: this.records,
      counts: { ...this.counts },
      differences: this.differences,
      truncated: this.total > this.differences.length,
    };
    return this.finished;
  }

  /** A state decoded from the log in the type's compact frozen shape (what every replica holds). */
  private normalized(m: Mutation): Mutation {
    if (m.state === null || Object.isFrozen(m.state)) return m;
    try {
      return { ...m, state: this.state.types.require(m.type).validate(m.state) };
    } catch (error) {
      throw new InvariantViolationError(`logged ${m.op} ${m.type}/${m.id} does not fit its schema`, {
        partition: this.partition,
        type: m.type,
        entryId: m.id,
        cause: error,
      });
    }
  }

  private compare(pending: PendingSource): void {
    const { snapshot, moving } = pending;
    const counts = { compared: 0, missing: 0, extra: 0, version: 0, content: 0, moving: moving.size };
    const check = (
      type: string,
      id: string,
      logged: StoredEntry | undefined,
      held: HeldEntry | undefined,
    ): void => {
      counts.compared++;
      const states = moving.get(entryKey(type, id));
      if (states !== undefined ? states.some((c) => matches(c, held)) : matches(logged ?? null, held)) return;
      const found = difference(snapshot.source, this.partition, type, id, logged, held);
      counts[found.kind]++;
      this.total++;
      if (this.differences.length < this.maxDifferences) this.differences.push(found);
    };
    for (const store of this.state.typeStores) {
      const type = store.type.name;
      for (const [id, logged] of store.entries)
        check(type, id, logged, snapshot.entries.get(entryKey(type, id)));
    }
    for (const held of snapshot.entries.values()) {
      if (this.state.store(held.type)?.entries.has(held.id) === true) continue;
      check(held.type, held.id, undefined, held);
    }
    this.counts[snapshot.source] = counts;
  }
}

function matches(logged: Candidate, held: HeldEntry | undefined): boolean {
  if (logged === null || held === undefined) return logged === null && held === undefined;
  return (
    logged.version === held.version &&
    logged.leaseExpiresAt === held.leaseExpiresAt &&
    sameEntry(logged.entry, held.entry)
  );
}

function difference(
  source: VerifySource,
  partition: number,
  type: string,
  id: string,
  logged: StoredEntry | undefined,
  held: HeldEntry | undefined,
): VerifyDifference {
  const base = { source, partition, type, id };
  const log = logged && { version: logged.version, leaseExpiresAt: logged.leaseExpiresAt };
  const found = held && { version: held.version, leaseExpiresAt: held.leaseExpiresAt };
  if (log === undefined) return { ...base, kind: 'extra', ...(found ? { found } : {}) };
  if (found === undefined) return { ...base, kind: 'missing', log };
  const kind: DifferenceKind = log.version === found.version ? 'content' : 'version';
  const field = kind === 'content' ? firstDifferentField(logged!, held!) : undefined;
  return { ...base, kind, log, found, ...(field === undefined ? {} : { field }) };
}

function firstDifferentField(logged: StoredEntry, held: HeldEntry): string | undefined {
  if (logged.leaseExpiresAt !== held.leaseExpiresAt) return '_lease';
  const a = logged.entry as Record<string, unknown>;
  const b = held.entry as Record<string, unknown>;
  for (const field of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (!sameEntry(a[field], b[field])) return field;
  }
  return undefined;
}
