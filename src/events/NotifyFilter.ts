import { InvalidArgumentError } from '../errors';
import type { TypeRegistry } from '../schema/TypeRegistry';
import { compileSelector } from '../space/compileSelector';
import type { Mutation, MutationOp } from '../space/Mutation';
import type { Entry } from '../schema/Entry';
import { queryCompiler } from '../space/QuerySelection';
import type { Selector } from '../space/Selector';

/** What a notify container listens to: a type (or all), a template or query, and ops. @internal */
export interface NotifyFilterSpec {
  readonly name: string;
  readonly type: string | undefined;
  readonly template: Readonly<Record<string, unknown>> | undefined;
  readonly query: string | undefined;
  readonly params: readonly unknown[] | undefined;
  readonly ops: ReadonlySet<MutationOp>;
}

/**
 * Decides which mutations of ONE partition's log a notify container delivers, with the engine's own
 * selector matching (the same template and query semantics as read, take and subscribe).
 *
 * WRITE / UPDATE are tested on their new state. TAKE / EXPIRE are log tombstones without a state, so
 * with a template or query they are delivered unless the last state this filter saw of the entry did
 * not match: a removal of an entry that may match is never missed (at least once), and one of an
 * entry known not to match is not delivered. That costs one remembered key per live entry of the
 * type seen not matching; a key is forgotten at its removal.
 * @internal
 */
export class NotifyFilter {
  private readonly matches: ((entry: Entry) => boolean) | undefined;
  private readonly notMatching = new Set<string>();

  constructor(
    private readonly spec: NotifyFilterSpec,
    types: TypeRegistry,
  ) {
    if (spec.type === undefined) return;
    const type = types.get(spec.type);
    if (type === undefined) {
      throw new InvalidArgumentError(`notify container ${spec.name}: unknown entry type '${spec.type}'`, {
        type: spec.type,
      });
    }
    const selector: Selector | undefined =
      spec.template !== undefined
        ? { template: spec.template }
        : spec.query !== undefined
          ? { query: spec.query, ...(spec.params === undefined ? {} : { params: spec.params }) }
          : undefined;
    if (selector === undefined) return;
    const selection = compileSelector(type, selector, queryCompiler());
    if (selection.compare !== undefined || selection.limit !== undefined) {
      throw new InvalidArgumentError(
        `notify container ${spec.name}: a query filter takes no ORDER BY or LIMIT`,
        { type: spec.type },
      );
    }
    this.matches = selection.matches;
  }

  /** Whether the container delivers this mutation (call once per mutation, in log order). */
  accepts(mutation: Mutation): boolean {
    if (this.spec.type !== undefined && mutation.type !== this.spec.type) return false;
    const wanted = this.spec.ops.has(mutation.op);
    const matches = this.matches;
    if (matches === undefined) return wanted;
    if (mutation.state === null) {
      const known = this.notMatching.delete(mutation.id);
      return wanted && !known;
    }
    if (matches(mutation.state)) {
      this.notMatching.delete(mutation.id);
      return wanted;
    }
    this.notMatching.add(mutation.id);
    return false;
  }

  /** Keys remembered as not matching (for tests and status). */
  get remembered(): number {
    return this.notMatching.size;
  }
}
