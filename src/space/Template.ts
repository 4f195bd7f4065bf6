import { isDeepStrictEqual } from 'node:util';
import { SchemaValidationError } from '../errors';
import type { EntryType, FieldGetter } from '../schema/EntryType';
import type { Entry } from '../schema/Entry';
import { lookupCandidates, scanAll, type Selection } from './Selection';
import { isExpired, type StoredEntry } from './StoredEntry';
import type { TypeStore } from './TypeStore';

const SCALAR_KINDS = new Set(['string', 'number', 'boolean', 'enum', 'timestamp', 'date', 'uuid', 'decimal']);

/** What a template's shape (the set of fields it sets) compiles to; cached per type and shape. */
interface TemplatePlan {
  readonly paths: readonly string[];
  readonly getters: readonly FieldGetter[];
  readonly scalar: readonly boolean[];
  /** Position of the id field among the set fields, or -1. */
  readonly idAt: number;
  /** Best index covering set scalar fields, with the positions of its fields' values. */
  readonly index: { readonly name: string; readonly positions: readonly number[] } | undefined;
  /**
   * True when that index is an equality index on exactly the set fields: its key equals the
   * template's values exactly when `matches` would hold (a NaN value aside, see compileTemplate).
   */
  readonly exact: boolean;
}

const MAX_SHAPES_PER_TYPE = 256;
const plans = new WeakMap<EntryType, Map<string, TemplatePlan>>();

/**
 * Compiles a template (null / undefined = wildcard, nested partial objects for nested records) into a
 * Selection: by id when the id field is set, else through the equality index covering the most set
 * fields, else an ordered index whose fields are all set, else a scan. Unknown fields are refused.
 * The plan depends only on which fields are set, so it is cached per (type, shape).
 * @internal
 */
export function compileTemplate(type: EntryType, template: Readonly<Record<string, unknown>>): Selection {
  if (template === null || typeof template !== 'object' || Array.isArray(template)) {
    throw new SchemaValidationError(`${type.name}: a template must be an object`, '', { type: type.name });
  }
  const paths: string[] = [];
  const values: unknown[] = [];
  collect(type, template, '', paths, values);
  const plan = planFor(type, paths);
  const scalar = plan.scalar;
  const n = values.length;

  const matches = n === 0 ? () => true : (entry: Entry): boolean => holdsValues(plan, values, entry);

  const waitAt = plan.idAt >= 0 ? plan.idAt : plan.index ? plan.index.positions[0] : scalar.indexOf(true);
  const waitOn =
    waitAt === undefined || waitAt < 0
      ? undefined
      : { path: plan.paths[waitAt] as string, value: values[waitAt] };
  if (plan.idAt >= 0) {
    const key = String(values[plan.idAt]);
    const candidates = (store: TypeStore, visit: (stored: StoredEntry) => boolean): void => {
      const stored = store.entries.get(key);
      if (stored) visit(stored);
    };
    return waitOn ? { type, matches, candidates, waitOn } : { type, matches, candidates };
  }
  const index = plan.index;
  if (index && plan.exact && !values.some(isNaNValue)) {
    const key = index.positions.map((p) => values[p]);
    const name = index.name;
    const candidates = (store: TypeStore, visit: (stored: StoredEntry) => boolean): void => {
      const found = store.indexes.get(name);
      if (found) found.lookup(key, visit);
      // No such index (not expected): the selection is exact, so check here.
      else scanAll(store, (stored) => !matches(stored.entry) || visit(stored));
    };
    // No spread: a blocking take compiles its template on every call.
    return waitOn
      ? { type, matches, candidates, exact: true, waitOn }
      : { type, matches, candidates, exact: true };
  }
  const candidates = index ? lookupCandidates(index.name, [index.positions.map((p) => values[p])]) : scanAll;
  return waitOn ? { type, matches, candidates, waitOn } : { type, matches, candidates };
}

/** `firstMatchOfTemplate`'s answer when the template needs a compiled Selection. */
export const NEEDS_SELECTION = Symbol('needs selection');

/**
 * The first live entry (lease not passed at `now`) a template selects, or null, when the template
 * names its id or exactly the fields of an equality index: one lookup, with no Selection compiled
 * (a read by template's hot path). Any other template answers NEEDS_SELECTION, and the caller
 * compiles it (`compileTemplate`); both paths pick the same entry.
 * @internal
 */
export function firstMatchOfTemplate(
  type: EntryType,
  store: TypeStore,
  template: Readonly<Record<string, unknown>>,
  now: number,
): StoredEntry | null | typeof NEEDS_SELECTION {
  if (template === null || typeof template !== 'object' || Array.isArray(template)) return NEEDS_SELECTION;
  const paths: string[] = [];
  const values: unknown[] = [];
  collect(type, template, '', paths, values);
  const plan = planFor(type, paths);
  if (plan.idAt >= 0) {
    const stored = store.entries.get(String(values[plan.idAt]));
    return stored !== undefined && !isExpired(stored, now) && holdsValues(plan, values, stored.entry)
      ? stored
      : null;
  }
  const at = plan.index;
  const index = at && plan.exact ? store.indexes.get(at.name) : undefined;
  if (at === undefined || index === undefined || values.some(isNaNValue)) return NEEDS_SELECTION;
  const positions = at.positions;
  const key = new Array<unknown>(positions.length);
  for (let i = 0; i < positions.length; i++) key[i] = values[positions[i] as number];
  let found: StoredEntry | null = null;
  index.lookup(key, (stored) => {
    if (isExpired(stored, now)) return true;
    found = stored;
    return false;
  });
  return found;
}

/** The plan last used, checked first: a hot loop reads with one shape of template over and over. */
let lastPlan: { type: EntryType; plan: TemplatePlan } | undefined;

function planFor(type: EntryType, paths: readonly string[]): TemplatePlan {
  const last = lastPlan;
  if (last !== undefined && last.type === type && samePaths(last.plan.paths, paths)) return last.plan;
  const plan = cachedPlanFor(type, paths);
  lastPlan = { type, plan };
  return plan;
}

function samePaths(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function cachedPlanFor(type: EntryType, paths: readonly string[]): TemplatePlan {
  let byShape = plans.get(type);
  if (!byShape) plans.set(type, (byShape = new Map()));
  const shape = paths.join('\u0000');
  let plan = byShape.get(shape);
  if (plan) return plan;
  const scalar = paths.map((p) => SCALAR_KINDS.has(type.pathNode(p)?.info.kind ?? ''));
  const scalarAt = new Map<string, number>();
  paths.forEach((p, i) => {
    if (scalar[i]) scalarAt.set(p, i);
  });
  let best: { name: string; positions: number[]; score: number; exact: boolean } | undefined;
  for (const index of type.indexes) {
    if (!index.fields.every((f) => scalarAt.has(f))) continue;
    // Equality indexes first, then more fields covered.
    const score = index.fields.length + (index.kind === 'equality' ? 100 : 0);
    if (!best || score > best.score) {
      best = {
        name: index.name,
        positions: index.fields.map((f) => scalarAt.get(f) as number),
        score,
        exact:
          index.kind === 'equality' &&
          new Set(index.fields).size === paths.length &&
          paths.every((p) => index.fields.includes(p)),
      };
    }
  }
  plan = {
    paths: [...paths],
    getters: paths.map((p) => type.getter(p)),
    scalar,
    idAt: scalarAt.get(type.idField) ?? -1,
    index: best && { name: best.name, positions: best.positions },
    exact: best?.exact ?? false,
  };
  if (byShape.size >= MAX_SHAPES_PER_TYPE) byShape.clear();
  byShape.set(shape, plan);
  return plan;
}

/** Whether an entry holds every value of a template, field by field (see compileTemplate). */
function holdsValues(plan: TemplatePlan, values: readonly unknown[], entry: Entry): boolean {
  const { getters, scalar } = plan;
  for (let i = 0; i < values.length; i++) {
    const actual = (getters[i] as FieldGetter)(entry);
    if (scalar[i] ? actual !== values[i] : !isDeepStrictEqual(actual, values[i])) return false;
  }
  return true;
}

/** NaN is the one value an index key (SameValueZero) finds but `!==` refuses. */
function isNaNValue(value: unknown): boolean {
  return value !== value;
}

function collect(
  type: EntryType,
  template: object,
  prefix: string,
  paths: string[],
  values: unknown[],
): void {
  for (const key in template) {
    const value = (template as Record<string, unknown>)[key];
    if (value === undefined || value === null) continue;
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const found = type.pathNode(path);
    if (!found) {
      throw new SchemaValidationError(`${type.name}.${path}: template field not in schema`, path, {
        type: type.name,
      });
    }
    if (found.info.kind === 'record' && typeof value === 'object' && !Array.isArray(value)) {
      collect(type, value, path, paths, values);
      continue;
    }
    paths.push(path);
    values.push(value);
  }
}
