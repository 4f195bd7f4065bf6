import { createToken, Lexer, TokenType } from 'chevrotain';

/** Tokens of the query language. Keywords are case-insensitive and never swallow a longer identifier. */
export const Identifier = createToken({
  name: 'Identifier',
  label: 'a field name',
  pattern: /[A-Za-z_][A-Za-z0-9_]*/,
});

function keyword(word: string): TokenType {
  return createToken({ name: word, label: word, pattern: new RegExp(word, 'i'), longer_alt: Identifier });
}

export const WhiteSpace = createToken({
  name: 'WhiteSpace',
  pattern: /\s+/,
  group: Lexer.SKIPPED,
  line_breaks: true,
});
export const Where = keyword('WHERE');
export const And = keyword('AND');
export const Or = keyword('OR');
export const Not = keyword('NOT');
export const In = keyword('IN');
export const Is = keyword('IS');
export const Like = keyword('LIKE');
export const Escape = keyword('ESCAPE');
export const Between = keyword('BETWEEN');
export const Null = keyword('NULL');
export const True = keyword('TRUE');
export const False = keyword('FALSE');
export const Order = keyword('ORDER');
export const By = keyword('BY');
export const Asc = keyword('ASC');
export const Desc = keyword('DESC');
export const Limit = keyword('LIMIT');
/** `"name"`: lets a field be called like a keyword (`"limit"`); `""` escapes a quote. */
export const QuotedIdentifier = createToken({
  name: 'QuotedIdentifier',
  label: 'a quoted field name',
  pattern: /"(?:[^"]|"")+"/,
});
export const StringLiteral = createToken({
  name: 'StringLiteral',
  label: 'a string',
  pattern: /'(?:[^']|'')*'/,
});
export const NumberLiteral = createToken({
  name: 'NumberLiteral',
  label: 'a number',
  pattern: /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/,
});
export const NotEquals = createToken({ name: 'NotEquals', label: "'<>'", pattern: /<>|!=/ });
export const LessEquals = createToken({ name: 'LessEquals', label: "'<='", pattern: /<=/ });
export const GreaterEquals = createToken({ name: 'GreaterEquals', label: "'>='", pattern: />=/ });
export const Less = createToken({ name: 'Less', label: "'<'", pattern: /</ });
export const Greater = createToken({ name: 'Greater', label: "'>'", pattern: />/ });
export const Equals = createToken({ name: 'Equals', label: "'='", pattern: /=/ });
export const Minus = createToken({ name: 'Minus', label: "'-'", pattern: /-/ });
export const LParen = createToken({ name: 'LParen', label: "'('", pattern: /\(/ });
export const RParen = createToken({ name: 'RParen', label: "')'", pattern: /\)/ });
export const Comma = createToken({ name: 'Comma', label: "','", pattern: /,/ });
export const Dot = createToken({ name: 'Dot', label: "'.'", pattern: /\./ });
export const Question = createToken({ name: 'Question', label: "'?'", pattern: /\?/ });

/** Order matters: longer operators and keywords before their prefixes, keywords before Identifier. */
export const ALL_TOKENS: readonly TokenType[] = [
  WhiteSpace,
  Where,
  And,
  Order, // before Or: `ORDER` would otherwise lex as `OR` + longer identifier
  Or,
  Not,
  In,
  Is,
  Like,
  Escape,
  Between,
  Null,
  True,
  False,
  By,
  Asc,
  Desc,
  Limit,
  Identifier,
  QuotedIdentifier,
  StringLiteral,
  NumberLiteral,
  NotEquals,
  LessEquals,
  GreaterEquals,
  Less,
  Greater,
  Equals,
  Minus,
  LParen,
  RParen,
  Comma,
  Dot,
  Question,
];

/** The one lexer instance (chevrotain lexers are stateless between `tokenize` calls). */
export const queryLexer = new Lexer([...ALL_TOKENS], { positionTracking: 'onlyOffset' });
