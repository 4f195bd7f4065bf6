import type { IndexDefinition } from '../../schema/IndexDefinition';

/** One end of a range; `inclusive` says whether the bound value itself is in the range. */
export interface RangeBound {
  readonly value: unknown;
  readonly inclusive: boolean;
}

/**
 * How the engine should find candidate entries for a query. A plan only generates candidates:
 * the engine must still test each with `BoundQuery.matches`, and no plan ever leaves out an
 * entry that matches.
 * - `scan`: every entry of the type.
 * - `lookup`: the entries whose key in `index` (the tuple of its fields' values, in the index's
 *   field order) equals one of `keys`. Keys are distinct; an empty list means no entry can match.
 * - `range`: the entries whose value of the ordered single-field `index` lies between the bounds
 *   (by compareValues; a missing bound is open). Entries with a null value may be returned or not.
 */
export type QueryPlan =
  | { readonly kind: 'scan' }
  | {
      readonly kind: 'lookup';
      readonly index: IndexDefinition;
      readonly keys: readonly (readonly unknown[])[];
    }
  | {
      readonly kind: 'range';
      readonly index: IndexDefinition;
      readonly lower?: RangeBound;
      readonly upper?: RangeBound;
    };
