import { ValueMappingError } from './ValueMappingError';

const DAY_MS = 86_400_000;

/**
 * The earliest instant PostgreSQL's timestamp types hold: 4714-11-24 00:00:00 BC (Julian day 0), as
 * epoch milliseconds. Their upper bound (294276 AD) lies past JavaScript's, so JavaScript's is the one
 * that binds there.
 */
export const PG_MIN_TIMESTAMP_MS = -210_866_803_200_000;
/** The latest instant a JavaScript Date holds (and so the latest a mirror row can be read back as). */
export const JS_MAX_TIMESTAMP_MS = 8_640_000_000_000_000;
/** The first day PostgreSQL's `date` holds (4714-11-24 BC), in days since the epoch. */
export const PG_MIN_DATE_DAYS = PG_MIN_TIMESTAMP_MS / DAY_MS;
/** The last day a JavaScript Date holds, in days since the epoch. */
export const JS_MAX_DATE_DAYS = JS_MAX_TIMESTAMP_MS / DAY_MS;

/**
 * An instant as PostgreSQL's timestamp input reads it, for every instant both PostgreSQL and a
 * JavaScript Date hold: `YYYY-MM-DDTHH:MM:SS.sss` with `Z` when `zoned`, years past 9999 written
 * out in full and years before 1 AD as `… BC` (PostgreSQL refuses ISO's `+012345` and `-000001`, which
 * `Date.toISOString` writes). Anything else is a ValueMappingError: the mirror never stores a
 * different instant than the one logged.
 */
export function pgInstant(ms: number, zoned: boolean): string {
  if (!Number.isInteger(ms) || ms < PG_MIN_TIMESTAMP_MS || ms > JS_MAX_TIMESTAMP_MS) {
    throw new ValueMappingError(
      `instant ${ms} ms is out of range of what the mirror stores (${PG_MIN_TIMESTAMP_MS} to ${JS_MAX_TIMESTAMP_MS})`,
    );
  }
  const iso = new Date(ms).toISOString();
  const { year, rest } = splitYear(iso);
  const body = `${rest.slice(0, -1)}${zoned ? 'Z' : ''}`;
  return year >= 1
    ? `${String(year).padStart(4, '0')}${body}`
    : `${String(1 - year).padStart(4, '0')}${body} BC`;
}

/** A day (days since the epoch) as PostgreSQL's `date` input reads it; ValueMappingError outside the ranges. */
export function pgDate(days: number): string {
  if (!Number.isInteger(days) || days < PG_MIN_DATE_DAYS || days > JS_MAX_DATE_DAYS) {
    throw new ValueMappingError(
      `date ${days} days is out of range of what the mirror stores (${PG_MIN_DATE_DAYS} to ${JS_MAX_DATE_DAYS})`,
    );
  }
  const text = pgInstant(days * DAY_MS, false);
  const bc = text.endsWith(' BC');
  const date = text.slice(0, text.indexOf('T'));
  return bc ? `${date} BC` : date;
}

/** A time of day in milliseconds (0 to 24:00:00 inclusive, as PostgreSQL's `time`) as `HH:MM:SS.sss`. */
export function pgTime(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0 || ms > DAY_MS) {
    throw new ValueMappingError(`time of day ${ms} ms is out of range 0 to ${DAY_MS}`);
  }
  if (ms === DAY_MS) return '24:00:00.000';
  return new Date(ms).toISOString().slice(11, 23);
}

/** `Date.toISOString`'s year (astronomical: 0 is 1 BC) and the text after it (`-MM-DDTHH:MM:SS.sssZ`). */
function splitYear(iso: string): { year: number; rest: string } {
  const signed = iso.startsWith('+') || iso.startsWith('-');
  const end = iso.indexOf('-', signed ? 1 : 0);
  return { year: Number(iso.slice(0, end)), rest: iso.slice(end) };
}
