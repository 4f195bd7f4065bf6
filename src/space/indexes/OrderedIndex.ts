import BTree from 'sorted-btree';
import type { FieldGetter } from '../../schema/EntryType';
import type { IndexDefinition } from '../../schema/IndexDefinition';
import { compareValues } from '../query/compareValues';
import type { StoredEntry } from '../StoredEntry';
import type { SpaceIndex } from './SpaceIndex';

/** A search bound in the tree: sorts just before (side -1) or just after (side 1) every key with that prefix. */
interface Probe {
  readonly probe: true;
  readonly values: readonly unknown[];
  readonly side: -1 | 1;
}
type Key = StoredEntry | Probe;

/** One end of a range on an index's leading field(s). */
export interface RangeBound {
  readonly value: unknown;
  readonly inclusive: boolean;
}

/**
 * B+tree index ordered by (field values..., id). The tree's keys are the StoredEntry objects themselves
 * and the comparator reads their fields, so the index costs one pointer per entry and no key tuples.
 * Range scans cost O(log n + k).
 * @internal
 */
export class OrderedIndex implements SpaceIndex {
  private readonly tree: BTree<Key, undefined>;
  private readonly single: FieldGetter | undefined;

  constructor(
    readonly definition: IndexDefinition,
    private readonly getters: readonly FieldGetter[],
  ) {
    this.single = getters.length === 1 ? getters[0] : undefined;
    this.tree = new BTree<Key, undefined>(undefined, (a, b) => this.compare(a, b));
  }

  add(stored: StoredEntry): void {
    this.tree.set(stored, undefined);
  }

  remove(stored: StoredEntry): void {
    this.tree.delete(stored);
  }

  replace(previous: StoredEntry, next: StoredEntry): void {
    this.tree.delete(previous);
    this.tree.set(next, undefined);
  }

  lookup(key: readonly unknown[], visit: (id: string) => boolean): boolean {
    return this.range({ value: key, inclusive: true }, { value: key, inclusive: true }, (s) => visit(s.id), true);
  }

  /**
   * Visits entries in index order between the bounds (values of the leading field, or a tuple of leading
   * fields when `tuple` is set); stops when `visit` returns false. Returns false when stopped.
   */
  range(
    lower: RangeBound | undefined,
    upper: RangeBound | undefined,
    visit: (stored: StoredEntry) => boolean,
    tuple = false,
  ): boolean {
    const asValues = (bound: RangeBound): readonly unknown[] => (tuple ? (bound.value as unknown[]) : [bound.value]);
    const low: Probe | undefined = lower && { probe: true, values: asValues(lower), side: lower.inclusive ? -1 : 1 };
    const high: Probe | undefined = upper && { probe: true, values: asValues(upper), side: upper.inclusive ? 1 : -1 };
    const iterator = low ? this.tree.keys(low) : this.tree.keys();
    for (let step = iterator.next(); !step.done; step = iterator.next()) {
      const key = step.value;
      if (high && this.compare(key, high) > 0) break;
      if (!visit(key as StoredEntry)) return false;
    }
    return true;
  }

  /** Number of indexed entries (for tests). */
  get size(): number {
    return this.tree.size;
  }

  private compare(a: Key, b: Key): number {
    if (this.single !== undefined && !('probe' in a) && !('probe' in b)) {
      // Hot path (inserts, deletes): two stored entries on a single-field index.
      const c = compareValues(this.single(a.entry), this.single(b.entry));
      if (c !== 0) return c;
      return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    }
    const getters = this.getters;
    const pa = 'probe' in a ? a : undefined;
    const pb = 'probe' in b ? b : undefined;
    for (let i = 0; i < getters.length; i++) {
      if (pa && i >= pa.values.length) return pa.side;
      if (pb && i >= pb.values.length) return -pb.side;
      const get = getters[i] as FieldGetter;
      const va = pa ? pa.values[i] : get((a as StoredEntry).entry);
      const vb = pb ? pb.values[i] : get((b as StoredEntry).entry);
      const c = compareValues(va, vb);
      if (c !== 0) return c;
    }
    if (pa) return pa.side;
    if (pb) return -pb.side;
    const ia = (a as StoredEntry).id;
    const ib = (b as StoredEntry).id;
    return ia < ib ? -1 : ia > ib ? 1 : 0;
  }
}
