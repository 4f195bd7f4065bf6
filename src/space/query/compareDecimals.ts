/** A decimal number held as text, split so two can be compared exactly (no float rounding). */
export interface ParsedDecimal {
  readonly negative: boolean;
  /** Integer digits without leading zeros ('' for zero). */
  readonly integer: string;
  /** Fraction digits without trailing zeros. */
  readonly fraction: string;
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/**
 * Parses `-12.50`, `+3`, `.5`, `7.` into a ParsedDecimal; undefined when the text is not a plain
 * decimal (exponents, spaces and empty digits are refused).
 */
export function parseDecimal(text: string): ParsedDecimal | undefined {
  const match = DECIMAL.exec(text);
  if (match === null) return undefined;
  const digits = match[2] ?? '';
  const fractionDigits = match[3] ?? '';
  if (digits === '' && fractionDigits === '') return undefined;
  const integer = digits.replace(/^0+/, '');
  const fraction = fractionDigits.replace(/0+$/, '');
  // -0 and 0 are the same number.
  const negative = match[1] === '-' && (integer !== '' || fraction !== '');
  return { negative, integer, fraction };
}

/** Compares two parsed decimals numerically. */
export function compareParsedDecimals(a: ParsedDecimal, b: ParsedDecimal): number {
  if (a.negative !== b.negative) return a.negative ? -1 : 1;
  const magnitude = compareMagnitudes(a, b);
  return a.negative ? -magnitude : magnitude;
}

function compareMagnitudes(a: ParsedDecimal, b: ParsedDecimal): number {
  if (a.integer.length !== b.integer.length) return a.integer.length - b.integer.length;
  if (a.integer !== b.integer) return a.integer < b.integer ? -1 : 1;
  if (a.fraction === b.fraction) return 0;
  // Digit strings compare like numbers once the shorter fraction is thought of as zero-padded.
  return a.fraction < b.fraction ? -1 : 1;
}

/**
 * Compares two decimal texts numerically, with null / missing / unparsable values last (as
 * compareValues orders nulls).
 */
export function compareDecimalTexts(a: unknown, b: unknown): number {
  const pa = typeof a === 'string' ? parseDecimal(a) : undefined;
  const pb = typeof b === 'string' ? parseDecimal(b) : undefined;
  if (pa === undefined) return pb === undefined ? 0 : 1;
  if (pb === undefined) return -1;
  return compareParsedDecimals(pa, pb);
}
