/**
 * `defaults` with each value `given` sets, key by key: a key given as `undefined` keeps its default
 * (an object spread would put the `undefined` in, past every check that skips an unset value).
 * @internal
 */
export function withDefaults<T extends object>(defaults: T, given: Partial<T> | undefined): T {
  const out = { ...defaults };
  if (given === undefined) return out;
  for (const key of Object.keys(given) as (keyof T)[]) {
    const value = given[key];
    if (value !== undefined) out[key] = value as T[keyof T];
  }
  return out;
}
