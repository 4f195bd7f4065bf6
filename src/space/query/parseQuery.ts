import { QuerySyntaxError } from '../../errors/query';
import type { QueryAst } from './QueryAst';
import { queryLexer } from './QueryLexer';
import { QueryParser } from './QueryParser';

let parser: QueryParser | undefined;

/**
 * Parses a query into its typed AST. Throws QuerySyntaxError, with the 0-based position of the
 * offending character or token, when the text is not a query. Nothing in the text is ever evaluated.
 */
export function parseQuery(text: string): QueryAst {
  const lexed = queryLexer.tokenize(text);
  const lexError = lexed.errors[0];
  if (lexError !== undefined) {
    const offset = lexError.offset;
    const char = text.charAt(offset);
    const message =
      char === "'"
        ? 'unterminated string literal'
        : char === '"'
          ? 'unterminated quoted field name'
          : `unexpected character '${char}'`;
    throw new QuerySyntaxError(message, text, offset);
  }
  // Built on first use: chevrotain's grammar analysis costs a few milliseconds.
  parser ??= new QueryParser();
  return parser.parse(text, lexed.tokens);
}
