import { InvalidArgumentError } from '../errors';
import type { QueryCompiler } from './ExecuteContext';
import { OrderedIndex } from './indexes/OrderedIndex';
import { bindParams, planQuery, QueryCache, type QueryPlan } from './query';
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
    const selection: Selection = {
      type,
      matches: bound.matches,
      candidates: candidatesOf(planQuery(bound, type.indexes)),
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
