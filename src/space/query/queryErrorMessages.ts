import { EOF, IParserErrorMessageProvider, IToken, TokenType } from 'chevrotain';

function describeToken(token: IToken): string {
  return token.tokenType === EOF ? 'end of query' : `'${token.image}'`;
}

function describeType(type: TokenType): string {
  return type === EOF ? 'end of query' : (type.LABEL ?? type.name);
}

/** First tokens of the alternatives chevrotain expected, deduplicated and in grammar order. */
function firstTokens(paths: readonly (readonly (readonly TokenType[])[])[]): string {
  const names = new Set<string>();
  for (const alternative of paths) {
    for (const path of alternative) {
      const first = path[0];
      if (first !== undefined) names.add(describeType(first));
    }
  }
  return [...names].join(', ');
}

/**
 * Short, user-facing parse messages (chevrotain's defaults list whole token paths). The
 * position is added by QuerySyntaxError itself.
 * @internal
 */
export const queryErrorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    return `expected ${describeType(expected)} but found ${describeToken(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `unexpected ${describeToken(firstRedundant)}`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual }) {
    const found = actual[0];
    const what = found === undefined ? 'end of query' : describeToken(found);
    return `unexpected ${what}, expected one of: ${firstTokens(expectedPathsPerAlt)}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual }) {
    const found = actual[0];
    const what = found === undefined ? 'end of query' : describeToken(found);
    return `unexpected ${what}, expected one of: ${firstTokens([expectedIterationPaths])}`;
  },
};
