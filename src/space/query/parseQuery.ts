import { QuerySyntaxError } from '../../errors/query';
import type { QueryAst } from './QueryAst';
import { queryLexer } from './QueryLexer';
import type { QueryLimits } from './queryLimits';
import { resolveQueryLimits } from './queryLimits';
import { QueryParser } from './QueryParser';

let parser: QueryParser | undefined;

/**
 * Parses a query into its typed AST. Throws QuerySyntaxError, with the 0-based position of the
 * offending character or token, when the text is not a query, and also when it is longer or nests
 * deeper than `limits` allow (defaults: DEFAULT_MAX_QUERY_LENGTH, DEFAULT_MAX_QUERY_DEPTH). Nothing
 * in the text is ever evaluated.
 */
export function parseQuery(text: string, limits?: QueryLimits): QueryAst {
  const { maxLength, maxDepth } = resolveQueryLimits(limits);
  if (text.length > maxLength) {
    // Refused before lexing; the error carries only the part within the limit, not the whole text.
    throw new QuerySyntaxError(
      `query is ${text.length} characters long, longer than the limit of ${maxLength}`,
      text.slice(0, maxLength),
      maxLength,
    );
  }
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
  return parser.parse(text, lexed.tokens, maxDepth);
}
