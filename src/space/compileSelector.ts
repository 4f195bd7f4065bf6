import { InvalidArgumentError } from '../errors';
import type { EntryType } from '../schema/EntryType';
import type { QueryCompiler } from './ExecuteContext';
import type { Selection } from './Selection';
import type { Selector } from './Selector';
import { compileTemplate } from './Template';

/**
 * Turns a selector into a Selection for a type: by id, by template or by query.
 * @internal
 */
export function compileSelector(type: EntryType, selector: Selector, queries?: QueryCompiler): Selection {
  if (selector === null || typeof selector !== 'object') {
    throw new InvalidArgumentError('a selector must be { id } | { template } | { query, params }', {
      type: type.name,
    });
  }
  if ('id' in selector) {
    const id = selector.id;
    if (typeof id !== 'string' && typeof id !== 'number') {
      throw new InvalidArgumentError('selector id must be a string', { type: type.name });
    }
    const key = String(id);
    return {
      type,
      matches: (entry) => type.idOf(entry) === key,
      candidates: (store, visit) => {
        const stored = store.entries.get(key);
        if (stored) visit(stored);
      },
    };
  }
  if ('template' in selector) return compileTemplate(type, selector.template);
  if ('query' in selector) {
    if (typeof selector.query !== 'string')
      throw new InvalidArgumentError('query must be a string', { type: type.name });
    if (!queries)
      throw new InvalidArgumentError('queries are not available in this engine', { type: type.name });
    return queries(type, selector.query, selector.params);
  }
  throw new InvalidArgumentError('a selector must be { id } | { template } | { query, params }', {
    type: type.name,
  });
}
