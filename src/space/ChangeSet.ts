import { isDeepStrictEqual } from 'node:util';
import { InvalidArgumentError, SchemaValidationError } from '../errors';
import type { EntryType } from '../schema/EntryType';
import type { Entry } from '../schema/Entry';

/** One in-place change of an entry's field, addressed by a dotted path (XAP's ChangeSet). */
export type ChangeOp =
  | { readonly op: 'set'; readonly path: string; readonly value: unknown }
  | { readonly op: 'unset'; readonly path: string }
  | { readonly op: 'increment'; readonly path: string; readonly by?: number }
  | { readonly op: 'addToArray'; readonly path: string; readonly value: unknown }
  | { readonly op: 'removeFromArray'; readonly path: string; readonly value: unknown };

/**
 * Checks a change set against the type before anything runs: known ops, paths that exist, increments
 * on numbers, array ops on arrays, and no change of the id or routing field (an entry never moves).
 * @internal
 */
export function checkChangeSet(type: EntryType, changes: readonly ChangeOp[]): void {
  if (!Array.isArray(changes) || changes.length === 0) {
    throw new InvalidArgumentError('a change set needs at least one change', { type: type.name });
  }
  for (const change of changes) {
    const path = (change as { path?: unknown }).path;
    if (typeof path !== 'string')
      throw new InvalidArgumentError('every change needs a string path', { type: type.name });
    const found = type.pathNode(path);
    if (!found) {
      throw new SchemaValidationError(`${type.name}.${path}: field not in schema`, path, { type: type.name });
    }
    if (path === type.idField || path === type.routingField) {
      throw new InvalidArgumentError(`${type.name}.${path}: the id and routing fields cannot be changed`, {
        type: type.name,
      });
    }
    const kind = found.info.kind;
    switch (change.op) {
      case 'set':
        break;
      case 'unset':
        if (!found.info.nullable) {
          throw new SchemaValidationError(`${type.name}.${path}: cannot unset a required field`, path, {
            type: type.name,
          });
        }
        break;
      case 'increment':
        if (kind !== 'number') {
          throw new SchemaValidationError(
            `${type.name}.${path}: increment needs a number field, not ${kind}`,
            path,
            {
              type: type.name,
            },
          );
        }
        if (change.by !== undefined && typeof change.by !== 'number') {
          throw new InvalidArgumentError(`increment of ${path}: 'by' must be a number`, { type: type.name });
        }
        break;
      case 'addToArray':
      case 'removeFromArray':
        if (kind !== 'array') {
          throw new SchemaValidationError(
            `${type.name}.${path}: ${change.op} needs an array field, not ${kind}`,
            path,
            {
              type: type.name,
            },
          );
        }
        break;
      default:
        throw new InvalidArgumentError(`unknown change op '${String((change as { op?: unknown }).op)}'`, {
          type: type.name,
        });
    }
  }
}

/**
 * Applies a checked change set to an entry and returns the new, validated, frozen state (the whole
 * entry is validated again, so a `set` of a wrong value fails with the field's path).
 * @internal
 */
export function applyChangeSet(type: EntryType, entry: Entry, changes: readonly ChangeOp[]): Entry {
  let draft: Record<string, unknown> = entry as Record<string, unknown>;
  for (const change of changes) {
    draft = updateIn(
      draft,
      change.path.split('.'),
      0,
      (current) => {
        switch (change.op) {
          case 'set':
            return change.value;
          case 'unset':
            return null;
          case 'increment':
            if (typeof current !== 'number') {
              throw new SchemaValidationError(
                `${type.name}.${change.path}: cannot increment ${String(current)}`,
                change.path,
                {
                  type: type.name,
                },
              );
            }
            return current + (change.by ?? 1);
          case 'addToArray':
            return [...(current as unknown[]), change.value];
          case 'removeFromArray':
            return (current as unknown[]).filter((item) => !isDeepStrictEqual(item, change.value));
        }
      },
      type,
      change.path,
    );
  }
  return type.validate(draft);
}

/** Copy-on-write update of a nested path (only the records along the path are copied). */
function updateIn(
  target: Record<string, unknown>,
  parts: readonly string[],
  at: number,
  update: (current: unknown) => unknown,
  type: EntryType,
  path: string,
): Record<string, unknown> {
  const key = parts[at] as string;
  const current = target[key];
  if (at === parts.length - 1) return { ...target, [key]: update(current) };
  if (current === null || typeof current !== 'object') {
    throw new InvalidArgumentError(`${type.name}.${path}: cannot change inside '${key}', which is null`, {
      type: type.name,
    });
  }
  return {
    ...target,
    [key]: updateIn(current as Record<string, unknown>, parts, at + 1, update, type, path),
  };
}
