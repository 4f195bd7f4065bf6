import { InvalidArgumentError } from '../errors';
import type { QueryCompiler } from './ExecuteContext';
import { OrderedIndex } from './indexes/OrderedIndex';
import { bindParams, planQuery, QueryCache, type QueryPlan } from './query';
import type { Matcher, Predicate } from './query/Predicate';
import { lookupCandidates, scanAll, type Selection } from './Selection';
import type { StoredEntry } from './StoredEntry';
import type { TypeStore } from './TypeStore';

type Candidates = (store: TypeStore, visit: (stored: StoredEntry) => boolean) => void;

/**
 * A QueryCompiler backed by the query module: parse + check through an LRU cache (per engine, since a
 * checked query belongs to one schema), bind the `?` parameters, plan onto the type's indexes.
 * The plan only yields candidates; `matches` is always rechecked by the selection.
 */
export function queryCompiler(cache = new QueryCache()): QueryCompiler {
  return (type, query, params) => {
    if (params !== undefined && !Array.isArray(params)) {
      throw new InvalidArgumentError('query params must be an array (one value per ?, in order)', {
        type: type.name,
      });
    }
    const checked = cache.get(type.name, query, type.fieldInfo);
    const bound = bindParams(checked, params ?? []);
    const plan = planQuery(bound, type.indexes);
    let candidates: Candidates | undefined;
    if (plan.kind === 'range') {
      const keep = keyTest(checked.where, plan.index.fields, bound.matches);
      if (keep) candidates = exactRange(plan, keep, bound.matches);
    }
    const selection: Selection = {
      type,
      matches: bound.matches,
      candidates: candidates ?? candidatesOf(plan),
      ...(candidates ? { exact: true } : {}),
      ...(bound.orderBy.length > 0 ? { compare: bound.compare } : {}),
      ...(bound.limit !== undefined ? { limit: bound.limit } : {}),
    };
    return selection;
  };
}

function candidatesOf(plan: QueryPlan): Candidates {
  switch (plan.kind) {
    case 'scan':
      return scanAll;
    case 'lookup':
      return lookupCandidates(plan.index.name, plan.keys);
    case 'range': {
      const { index, lower, upper } = plan;
      return (store, visit) => {
        const ordered = store.indexes.get(index.name);
        if (ordered instanceof OrderedIndex) ordered.range(lower, upper, visit);
        else scanAll(store, visit);
      };
    }
  }
}

/**
 * When every test of the condition is on the range index's one field, the condition can be decided
 * from the index key alone: `matches` run on a probe holding just that field, so a range scan need
 * not read the entries to recheck them (one cache miss less per candidate on a large partition).
 * Exact by construction: same matcher, same value (the key is the field's value; the key's null for
 * a missing value reads like the missing value in every test).
 */
function keyTest(
  where: Predicate | undefined,
  fields: readonly string[],
  matches: Matcher,
): ((key: unknown) => boolean) | undefined {
  const [path] = fields;
  if (where === undefined || path === undefined || fields.length !== 1) return undefined;
  const leaves = where.type === 'leaf' ? [where] : where.type === 'and' ? where.children : [];
  if (leaves.length === 0 || !leaves.every((leaf) => leaf.type === 'leaf' && leaf.path === path))
    return undefined;
  const segments = path.split('.');
  const last = segments.pop() as string;
  const probe: Record<string, unknown> = {};
  let holder = probe;
  for (const segment of segments) {
    const next: Record<string, unknown> = {};
    holder[segment] = next;
    holder = next;
  }
  return (key) => {
    holder[last] = key;
    return matches(probe);
  };
}

/** Range candidates that all match (the selection is `exact`): keys `keep` refuses are skipped. */
function exactRange(
  plan: QueryPlan & { kind: 'range' },
  keep: (key: unknown) => boolean,
  matches: Matcher,
): Candidates {
  const { index, lower, upper } = plan;
  return (store, visit) => {
    const ordered = store.indexes.get(index.name);
    if (ordered instanceof OrderedIndex) ordered.range(lower, upper, visit, keep);
    // No such index (not expected): scan, and since the selection is exact, check here.
    else scanAll(store, (stored) => !matches(stored.entry) || visit(stored));
  };
}
