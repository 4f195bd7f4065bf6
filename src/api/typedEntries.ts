import type { Entry } from '../schema/Entry';

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
 * The fields `K` a write gave that its input type does not have, each typed `never` so no value fits:
 * `{ ...order, colour: 'red' }` fails with "not assignable to type 'NotInSchema<"colour">'" (a
 * variable) or "Type 'string' is not assignable to type 'never'" on `colour` (an object literal).
 */
export type NotInSchema<K extends PropertyKey> = { readonly [F in K]: never };

/**
 * The type of the entry a write of type name `N` accepts: the map's input type for `N` (any object
 * for an untyped space), and `T` too when the caller named one (`space.write<OrderInput>('Order', …)`).
 * `T` is otherwise inferred from the entry itself, which then must be exactly the input type: a typed
 * space refuses a missing field, a wrong type, an enum value not in the schema and a field the input
 * type lacks (an object literal's or a variable's, see {@link NotInSchema}) at compile time. Fields of
 * nested records are checked by type only; the space refuses unknown ones when it validates the write.
 * A caller that names `T` is checked against `T` instead, so `write<OrderInput>('Order', e)` also
 * accepts a generic `E extends OrderInput`.
 */
export type InputFor<T, TI, N> = T &
  (N extends keyof TI ? TI[N] & NotInSchema<Exclude<keyof T, keyof TI[N]>> : object);
