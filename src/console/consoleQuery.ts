import { InvalidArgumentError } from '../errors';
import type { Selector } from '../space/Selector';

/** Most entries a console query shows. */
export const CONSOLE_QUERY_CAP = 100;

/** Longest query or template text the console accepts (a query box is not a bulk interface). */
export const MAX_CONSOLE_QUERY_CHARS = 4000;

/** The only operations the query box runs: none of them changes the space. */
export const CONSOLE_OPERATIONS = ['readMultiple', 'read', 'count'] as const;
export type ConsoleOperation = (typeof CONSOLE_OPERATIONS)[number];

/** How the query box's text selects entries. */
export const CONSOLE_SELECTOR_KINDS = ['where', 'template', 'id'] as const;
export type ConsoleSelectorKind = (typeof CONSOLE_SELECTOR_KINDS)[number];

/** The query box's form fields as they arrive (URL query parameters). */
export interface ConsoleQueryInput {
  readonly type?: string;
  readonly op?: string;
  readonly mode?: string;
  readonly q?: string;
  /** JSON array of the `?` parameters of a WHERE query. */
  readonly params?: string;
}

/** A read-only query, checked. */
export interface ConsoleQuery {
  readonly type: string;
  readonly operation: ConsoleOperation;
  readonly selector: Selector;
}

/**
 * Turns the query box's fields into a read-only query: a WHERE query (with optional JSON parameters),
 * a JSON template (empty: every entry) or an id. Bad input is refused with InvalidArgumentError
 * naming the field; the query text itself is checked by the grid (QuerySyntaxError, QueryTypeError).
 */
export function parseConsoleQuery(input: ConsoleQueryInput): ConsoleQuery {
  const type = (input.type ?? '').trim();
  if (type === '') throw new InvalidArgumentError('choose an entry type');
  const operation = oneOf(input.op ?? 'readMultiple', CONSOLE_OPERATIONS, 'operation');
  const kind = oneOf(input.mode ?? 'where', CONSOLE_SELECTOR_KINDS, 'selector');
  const text = (input.q ?? '').trim();
  if (text.length > MAX_CONSOLE_QUERY_CHARS) {
    throw new InvalidArgumentError(
      `the query is ${text.length} characters long; the console takes at most ${MAX_CONSOLE_QUERY_CHARS}`,
    );
  }
  return { type, operation, selector: selectorOf(kind, text, (input.params ?? '').trim()) };
}

function selectorOf(kind: ConsoleSelectorKind, text: string, params: string): Selector {
  if (kind === 'id') {
    if (text === '') throw new InvalidArgumentError('an id is required');
    return { id: text };
  }
  if (kind === 'template') {
    const template = text === '' ? {} : parseJson(text, 'the template');
    if (template === null || typeof template !== 'object' || Array.isArray(template)) {
      throw new InvalidArgumentError('the template must be a JSON object, e.g. {"status": "NEW"}');
    }
    return { template: template as Record<string, unknown> };
  }
  if (text === '') return { template: {} };
  if (params === '') return { query: text };
  const values = parseJson(params, 'the parameters');
  if (!Array.isArray(values))
    throw new InvalidArgumentError('the parameters must be a JSON array, e.g. ["NEW", 10]');
  return { query: text, params: values };
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidArgumentError(`${what} is not valid JSON: ${(error as Error).message}`);
  }
}

function oneOf<T extends string>(value: string, allowed: readonly T[], what: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new InvalidArgumentError(`${what} must be one of ${allowed.join(', ')}, got '${value.slice(0, 40)}'`);
}
