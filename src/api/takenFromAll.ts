import type { Entry } from '../schema/Entry';

/**
 * The answer of one takeMultiple sent to several partitions: every entry any of them took, even when
 * others failed or were aborted; a failure is thrown (the first, in partition order) only when
 * nothing was taken. Throwing while some partition had taken entries would remove them for everyone
 * (issue 16), whereas fewer entries than there were is a valid answer of a takeMultiple (it never
 * promises every match; writes race it anyway). Waits for every part, so none is left running.
 * @internal
 */
export async function takenFromAll(parts: readonly Promise<readonly (Entry | null)[]>[]): Promise<Entry[]> {
  const settled = await Promise.allSettled(parts);
  const taken: Entry[] = [];
  let failure: { readonly error: unknown } | undefined;
  for (const part of settled) {
    if (part.status === 'rejected') failure ??= { error: part.reason };
    else for (const entry of part.value) if (entry !== null) taken.push(entry);
  }
  if (taken.length === 0 && failure !== undefined) throw failure.error;
  return taken;
}
