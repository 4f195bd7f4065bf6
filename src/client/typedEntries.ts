import type { Entry } from '../space/Mutation';

/**
 * The type map of a space nobody typed: every type name is allowed and every entry is an `Entry`.
 * A typed space takes the maps `spacelog types` generates instead (`SpacelogTypes`, `SpacelogInputs`).
 */
export type UntypedEntries = Record<never, never>;

/** The type names a space with map `TM` accepts: its keys, or any string for an untyped space. */
export type EntryTypeName<TM> = [keyof TM & string] extends [never] ? string : keyof TM & string;

/**
 * The type of an entry handed out for type name `N`: `T` when the caller named one
 * (`space.read<Order>('Order', …)`), else the map's type for `N`, else `Entry`.
 */
export type EntryFor<T, TM, N> = [T] extends [never] ? (N extends keyof TM ? TM[N] : Entry) : T;

/**
 * The type of the entry a write of type name `N` accepts: the map's input type for `N` (any object
 * for an untyped space), and `T` too when the caller named one (`space.write<OrderInput>('Order', …)`).
 * `T` is otherwise inferred from the entry itself, which then must still be the input type: a typed
 * space refuses a missing field, a wrong type or an enum value not in the schema at compile time
 * (fields not in the schema are refused by the space when it validates the write).
 */
export type InputFor<T, TI, N> = T & (N extends keyof TI ? TI[N] : object);
