import { ProtocolError } from '../../errors';
import { SpaceRouting } from '../../api/SpaceRouting';
import type { Space } from '../../api/Space';
import type { TypeRegistry } from '../../schema/TypeRegistry';
import type { RequestFrame } from '../protocol';
import { decodeArgs } from '../requestArgs';
import type { RequestInspector } from './ConnectionGuard';

/**
 * What authorization reads of a request's args, decoded only for a principal whose grant depends on
 * them: whether a CHANGE / TAKE_MULTIPLE is broadcast (its selector, an id or a template with the
 * routing field, names no single partition; a routing option does not count), and an EXECUTE's task name.
 * @internal
 */
export function requestInspector(space: Space, types: TypeRegistry): RequestInspector {
  const routing = new SpaceRouting(space.partitions);
  return {
    space: space.name,
    broadcast(request: RequestFrame): boolean {
      const args = decodeArgs(request.args);
      if (args.selector === undefined) throw new ProtocolError('request without a selector');
      // The selector alone decides: a routing value only names a partition, and the op then acts on
      // every entry there, so routing values chosen per partition would reach every entry.
      return routing.forSelector(types.require(request.type), args.selector, undefined) === undefined;
    },
    task(request: RequestFrame): string {
      const task = decodeArgs(request.args).task;
      if (task === undefined) throw new ProtocolError('EXECUTE without a task');
      return task;
    },
  };
}
