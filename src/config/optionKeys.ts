/**
 * The keys an options type accepts, written once as `{ key: true }`: a key the type has and the list
 * lacks, or the reverse, does not compile.
 * @internal
 */
export function optionKeys<T extends object>(keys: { readonly [K in keyof T]-?: true }): ReadonlySet<string> {
  return new Set(Object.keys(keys));
}

/**
 * Throws `refuse(key)` for the first own enumerable key of `options` (Object.keys order) that `known`
 * lacks. Prototype names (`toString`, `constructor`, `__proto__`) are unknown like any other; symbol
 * keys are not options and are not looked at. Each component builds its own error (class, message,
 * setting) in `refuse`.
 * @internal
 */
export function rejectUnknownKeys(
  options: object,
  known: ReadonlySet<string>,
  refuse: (key: string) => Error,
): void {
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw refuse(key);
  }
}

/**
 * True for a value that can hold options: an object that is not null, an array or a function (a
 * string or a number would otherwise pass for one with no keys, or with keys '0', '1' ...).
 * @internal
 */
export function isOptionsObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Throws `refuse(message)` unless `value` is undefined or an options object, the message naming
 * `path` and what was there instead: `retry must be an object, got 5`. A string is shown as "a
 * string", never as itself (it could be a secret). Each component builds its own error in `refuse`.
 * @internal
 */
export function rejectNonObject(value: unknown, path: string, refuse: (message: string) => Error): void {
  if (value === undefined || isOptionsObject(value)) return;
  throw refuse(`${path} must be an object, got ${shapeOf(value)}`);
}

/**
 * Throws `refuse(message)` unless `value` is undefined, true or false, the message naming `path` and
 * what was there: `metrics must be true or false, got "yes"` (a string or a number as itself, anything
 * else by its shape). Each component builds its own error in `refuse`.
 * @internal
 */
export function rejectNonBoolean(value: unknown, path: string, refuse: (message: string) => Error): void {
  if (value === undefined || typeof value === 'boolean') return;
  throw refuse(`${path} must be true or false, got ${shownValue(value)}`);
}

/**
 * A flag's wrong value as the message shows it: a string as JSON (`"yes"`), a number as itself (NaN
 * too, which JSON shows as null), anything else by its shape (an object is not printed: it could hold
 * a secret, and be large).
 */
function shownValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : shapeOf(value);
}

/**
 * What a number option may be: a (safe) integer, or any finite number, of at least `min`;
 * `orInfinity` also takes Infinity, for a limit that may be lifted.
 * @internal
 */
export interface NumberRule {
  readonly integer: boolean;
  readonly min: number;
  readonly orInfinity?: boolean;
}

/** The keys of `T` that hold numbers. @internal */
export type NumberKeys<T> = { [K in keyof T]-?: NonNullable<T[K]> extends number ? K : never }[keyof T];

/** A rule for every number key of `T`: a key the list lacks does not compile. @internal */
export type NumberRules<T> = { readonly [K in NumberKeys<T>]: NumberRule };

/**
 * Throws `refuse(message)` for the first key of `rules` (in their order) whose value in `options` is
 * given and breaks its rule, the message naming `path`, the key, the rule and what was there:
 * `retry.initialBackoffMs must be a non-negative number, got NaN`. For the values of nested option
 * objects (`limits`, `retry`), checked where the options are rather than where each value is used,
 * which may be after topics or connections were made, or never (a NaN compares false). A string is
 * shown as "a string", as by {@link rejectNonObject}. Each component builds its own error in `refuse`.
 * @internal
 */
export function rejectBadNumbers<T extends object>(
  options: T | undefined,
  path: string,
  rules: NumberRules<T>,
  refuse: (message: string) => Error,
): void {
  if (options === undefined) return;
  for (const [key, rule] of Object.entries(rules) as [string, NumberRule][]) {
    const value: unknown = (options as Record<string, unknown>)[key];
    if (value === undefined || fits(value, rule)) continue;
    throw refuse(`${path}.${key} must be ${ruleText(rule)}, got ${shapeOf(value)}`);
  }
}

function fits(value: unknown, rule: NumberRule): boolean {
  if (typeof value !== 'number') return false;
  if (value === Infinity) return rule.orInfinity === true;
  return (rule.integer ? Number.isSafeInteger(value) : Number.isFinite(value)) && value >= rule.min;
}

function ruleText(rule: NumberRule): string {
  const kind = rule.integer ? 'integer' : 'number';
  const base =
    rule.min === 0
      ? `a non-negative ${kind}`
      : rule.min === 1 && rule.integer
        ? 'a positive integer'
        : `${rule.integer ? 'an' : 'a'} ${kind} >= ${rule.min}`;
  return rule.orInfinity === true ? `${base} or Infinity` : base;
}

function shapeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
