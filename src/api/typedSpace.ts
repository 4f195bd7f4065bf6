import type { Space } from './Space';
import type { UntypedEntries } from './typedEntries';

/**
 * The same space, typed by the maps `spacelog types` generates: `typedSpace<SpacelogTypes,
 * SpacelogInputs>(grid.space)` infers each call's entry type from its type name and refuses unknown
 * names at compile time. Nothing changes at run time (the space validates every write against its
 * schemas whatever the types say), so this is the one place that asserts the types match.
 */
export function typedSpace<TM extends object, TI extends object = TM>(
  space: Space<UntypedEntries, UntypedEntries>,
): Space<TM, TI> {
  return space as unknown as Space<TM, TI>;
}
