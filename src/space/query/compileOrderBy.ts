import { QueryTypeError } from '../../errors/query';
import type { FieldResolver } from '../../schema/FieldKind';
import type { EntryComparator, OrderByItem } from './CheckedQuery';
import { compareDecimalTexts } from './compareDecimals';
import { compareValues } from './compareValues';
import { compileAccessor } from './compileAccessor';
import { valueClass } from './fitValue';
import type { OrderByNode } from './QueryAst';

/** Entries compare equal when a query has no ORDER BY (the engine decides the order). */
const UNORDERED: EntryComparator = () => 0;

/**
 * Checks ORDER BY items against the schema and compiles the comparator. Values order as
 * compareValues says (decimal fields numerically), so nulls come last when ascending and first
 * when descending, as in PostgreSQL. Ties compare 0: the engine should break them (by id) if it
 * needs a stable order.
 * @internal
 */
export function compileOrderBy(
  nodes: readonly OrderByNode[],
  resolver: FieldResolver,
  query: string,
): { orderBy: readonly OrderByItem[]; compare: EntryComparator } {
  if (nodes.length === 0) return { orderBy: [], compare: UNORDERED };
  const keys = nodes.map((node) => {
    const field = resolver(node.field.path);
    if (field === undefined) {
      throw new QueryTypeError(`unknown field '${node.field.path}'`, query, node.field.position);
    }
    if (valueClass(field) === 'none') {
      throw new QueryTypeError(
        `cannot ORDER BY ${field.kind} field '${node.field.path}'`,
        query,
        node.position,
      );
    }
    return {
      get: compileAccessor(node.field.segments),
      compare: field.kind === 'decimal' ? compareDecimalTexts : compareValues,
      sign: node.direction === 'asc' ? 1 : -1,
    };
  });
  const orderBy = nodes.map((node) => ({ path: node.field.path, direction: node.direction }));
  const [only] = keys;
  if (keys.length === 1 && only !== undefined) {
    const { get, compare, sign } = only;
    return { orderBy, compare: (a, b) => sign * compare(get(a), get(b)) };
  }
  return {
    orderBy,
    compare: (a, b) => {
      for (const { get, compare, sign } of keys) {
        const order = compare(get(a), get(b));
        if (order !== 0) return sign * order;
      }
      return 0;
    },
  };
}
