import { SpacelogError, SpacelogErrorOptions } from './SpacelogError';

/** A query does not parse. `position` is the 0-based character offset of the problem. */
export class QuerySyntaxError extends SpacelogError {
  readonly position: number;
  readonly query: string;
  constructor(message: string, query: string, position: number, options: SpacelogErrorOptions = {}) {
    super(`${message} at position ${position} in query: ${query}`, 'QUERY_SYNTAX', false, options);
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
    super(`${message} at position ${position} in query: ${query}`, 'QUERY_TYPE', false, options);
    this.name = 'QueryTypeError';
    this.position = position;
    this.query = query;
  }
}
