import { SpacelogError, SpacelogErrorOptions } from './SpacelogError';

/** How much of the query text a message quotes: a hostile query should not make a huge message. */
const QUOTED_QUERY_CHARS = 200;

function quote(query: string): string {
  if (query.length <= QUOTED_QUERY_CHARS) return query;
  return `${query.slice(0, QUOTED_QUERY_CHARS)}... (${query.length} characters)`;
}

/**
 * A query does not parse, is too long or nests too deep. `position` is the 0-based character offset
 * of the problem; the message quotes at most the first 200 characters of the query.
 */
export class QuerySyntaxError extends SpacelogError {
  readonly position: number;
  readonly query: string;
  constructor(message: string, query: string, position: number, options: SpacelogErrorOptions = {}) {
    super(`${message} at position ${position} in query: ${quote(query)}`, 'QUERY_SYNTAX', false, options);
    this.name = 'QuerySyntaxError';
    this.position = position;
    this.query = query;
  }
}

/** A query parses but does not fit the schema: unknown field, string compared to a number, bad parameter. */
export class QueryTypeError extends SpacelogError {
  readonly position: number;
  readonly query: string;
  constructor(message: string, query: string, position: number, options: SpacelogErrorOptions = {}) {
    super(`${message} at position ${position} in query: ${quote(query)}`, 'QUERY_TYPE', false, options);
    this.name = 'QueryTypeError';
    this.position = position;
    this.query = query;
  }
}
