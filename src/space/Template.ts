import { isDeepStrictEqual } from 'node:util';
import { SchemaValidationError } from '../errors';
import type { EntryType, FieldGetter } from '../schema/EntryType';
import type { Entry } from './Mutation';
import { lookupCandidates, scanAll, type Selection } from './Selection';
import type { StoredEntry } from './StoredEntry';
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
  const { getters, scalar } = plan;
  const n = values.length;

  const matches =
    n === 0
      ? () => true
      : (entry: Entry): boolean => {
          for (let i = 0; i < n; i++) {
            const actual = (getters[i] as FieldGetter)(entry);
            if (scalar[i] ? actual !== values[i] : !isDeepStrictEqual(actual, values[i])) return false;
          }
          return true;
        };

  const waitAt = plan.idAt >= 0 ? plan.idAt : plan.index ? plan.index.positions[0] : scalar.indexOf(true);
  const waitOn =
    waitAt === undefined || waitAt < 0
      ? undefined
      : { path: plan.paths[waitAt] as string, value: values[waitAt] };
  if (plan.idAt >= 0) {
    const key = String(values[plan.idAt]);
    return {
      type,
      matches,
      ...(waitOn ? { waitOn } : {}),
      candidates: (store, visit) => {
        const stored = store.entries.get(key);
        if (stored) visit(stored);
      },
    };
  }
  const index = plan.index;
  // NaN is the one value an index key (SameValueZero) finds but `!==` refuses.
  if (index && plan.exact && values.every((v) => v === v)) {
    const key = index.positions.map((p) => values[p]);
    const name = index.name;
    const candidates = (store: TypeStore, visit: (stored: StoredEntry) => boolean): void => {
      const found = store.indexes.get(name);
      if (found) found.lookup(key, visit);
      // No such index (not expected): the selection is exact, so check here.
      else scanAll(store, (stored) => !matches(stored.entry) || visit(stored));
    };
    return { type, matches, candidates, exact: true, ...(waitOn ? { waitOn } : {}) };
  }
  const candidates = index ? lookupCandidates(index.name, [index.positions.map((p) => values[p])]) : scanAll;
  return waitOn ? { type, matches, candidates, waitOn } : { type, matches, candidates };
}

function planFor(type: EntryType, paths: readonly string[]): TemplatePlan {
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
