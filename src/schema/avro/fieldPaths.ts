import type { FieldInfo } from '../FieldKind';
import type { SchemaNode } from './SchemaNode';

/**
 * Every dotted path reachable through records (and `[null, record]` unions) of a record node, with the
 * node at that path. Arrays and maps end a path: `lines` is an array, `lines.sku` is not a field.
 * A nullable record makes every path below it nullable too.
 * @internal
 */
export function fieldPaths(root: SchemaNode): Map<string, { node: SchemaNode; info: FieldInfo }> {
  const out = new Map<string, { node: SchemaNode; info: FieldInfo }>();
  const walk = (node: SchemaNode, prefix: string, nullable: boolean, stack: Set<SchemaNode>): void => {
    const fields = node.fields;
    const record = node.inner ?? node;
    if (!fields || stack.has(record)) return;
    stack.add(record);
    for (const [name, child] of fields) {
      const path = prefix === '' ? name : `${prefix}.${name}`;
      const childNullable = nullable || child.info.nullable;
      const info =
        childNullable === child.info.nullable ? child.info : { ...child.info, nullable: childNullable };
      out.set(path, { node: child, info });
      if (child.info.kind === 'record') walk(child, path, childNullable, stack);
    }
    stack.delete(record);
  };
  walk(root, '', false, new Set());
  return out;
}
