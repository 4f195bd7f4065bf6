import { isDeepStrictEqual } from 'node:util';
import { SchemaValidationError } from '../errors';
import type { EntryType } from '../schema/EntryType';
import type { Entry } from './Mutation';
import { lookupCandidates, scanAll, type Selection } from './Selection';

interface Constraint {
  readonly path: string;
  readonly get: (entry: Entry) => unknown;
  readonly value: unknown;
  readonly scalar: boolean;
}

const SCALAR_KINDS = new Set(['string', 'number', 'boolean', 'enum', 'timestamp', 'date', 'uuid', 'decimal']);

/**
 * Compiles a template (null / undefined = wildcard, nested partial objects for nested records) into a
 * Selection: by id when the id field is set, else through the equality index covering the most set
 * fields, else an ordered index on a set field, else a scan. Unknown fields are refused.
 * @internal
 */
export function compileTemplate(type: EntryType, template: Readonly<Record<string, unknown>>): Selection {
  if (template === null || typeof template !== 'object' || Array.isArray(template)) {
    throw new SchemaValidationError(`${type.name}: a template must be an object`, '', { type: type.name });
  }
  const constraints: Constraint[] = [];
  collect(type, template, '', constraints);

  const matches =
    constraints.length === 0
      ? () => true
      : (entry: Entry): boolean => {
          for (const c of constraints) {
            const actual = c.get(entry);
            if (c.scalar ? actual !== c.value : !isDeepStrictEqual(actual, c.value)) return false;
          }
          return true;
        };

  const byPath = new Map(constraints.filter((c) => c.scalar).map((c) => [c.path, c.value]));
  const id = byPath.get(type.idField);
  if (id !== undefined) {
    const key = String(id);
    return {
      type,
      matches,
      candidates: (store, visit) => {
        const stored = store.entries.get(key);
        if (stored) visit(stored);
      },
    };
  }
  let best: { name: string; key: unknown[]; score: number } | undefined;
  for (const index of type.indexes) {
    if (!index.fields.every((f) => byPath.has(f))) continue;
    // Equality indexes first, then more fields covered.
    const score = index.fields.length + (index.kind === 'equality' ? 100 : 0);
    if (!best || score > best.score) best = { name: index.name, key: index.fields.map((f) => byPath.get(f)), score };
  }
  return { type, matches, candidates: best ? lookupCandidates(best.name, [best.key]) : scanAll };
}

function collect(type: EntryType, template: object, prefix: string, out: Constraint[]): void {
  for (const [key, value] of Object.entries(template)) {
    if (value === undefined || value === null) continue;
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const found = type.pathNode(path);
    if (!found) {
      throw new SchemaValidationError(`${type.name}.${path}: template field not in schema`, path, { type: type.name });
    }
    if (found.info.kind === 'record' && typeof value === 'object' && !Array.isArray(value)) {
      collect(type, value, path, out);
      continue;
    }
    out.push({ path, get: type.getter(path), value, scalar: SCALAR_KINDS.has(found.info.kind) });
  }
}
