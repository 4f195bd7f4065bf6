import fc from 'fast-check';
import {
  JS_MAX_TIMESTAMP_MS,
  PG_MIN_DATE_DAYS,
  PG_MIN_TIMESTAMP_MS,
  pgDate,
  pgInstant,
} from '../../../src/mirror/sqlInstant';
import { toSqlJson, ValueMappingError } from '../../../src/mirror/sqlValues';

/** Reads a `pgInstant` text back as epoch ms (astronomical year: `N BC` is year 1 - N). */
function parsePg(text: string): number {
  const bc = text.endsWith(' BC');
  const body = bc ? text.slice(0, -3) : text;
  const match = /^(\d+)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d\d\d)Z$/.exec(body);
  if (match === null) throw new Error(`not a PostgreSQL instant: ${text}`);
  const [, y, mo, d, h, mi, s, ms] = match.map(Number) as number[];
  const date = new Date(0);
  date.setUTCFullYear(bc ? 1 - (y ?? 0) : (y ?? 0), (mo ?? 1) - 1, d);
  date.setUTCHours(h ?? 0, mi ?? 0, s ?? 0, ms ?? 0);
  return date.getTime();
}

describe('toSqlJson (values PostgreSQL must hold as logged)', () => {
  it('writes years past 9999 in full and years before 1 AD as BC, which PostgreSQL reads (not ISO ±YYYYYY)', () => {
    expect(toSqlJson('timestamp-millis', JS_MAX_TIMESTAMP_MS)).toBe('275760-09-13T00:00:00.000Z');
    expect(toSqlJson('timestamp-millis', PG_MIN_TIMESTAMP_MS)).toBe('4714-11-24T00:00:00.000Z BC');
    expect(toSqlJson('timestamp-millis', -62_135_596_800_001)).toBe('0001-12-31T23:59:59.999Z BC');
    expect(toSqlJson('local-timestamp-millis', -62_135_596_800_001)).toBe('0001-12-31T23:59:59.999 BC');
    expect(toSqlJson('timestamp-micros', -1)).toBe('1969-12-31T23:59:59.999999Z');
    expect(toSqlJson('timestamp-millis', 1_700_000_000_000)).toBe('2023-11-14T22:13:20.000Z');
    expect(toSqlJson('date', PG_MIN_DATE_DAYS)).toBe('4714-11-24 BC');
    expect(toSqlJson('date', 0)).toBe('1970-01-01');
    expect(toSqlJson('time-millis', 86_400_000)).toBe('24:00:00.000');
  });

  it('refuses (never clamps) an instant, date or time PostgreSQL or JavaScript cannot hold', () => {
    for (const [kind, value] of [
      ['timestamp-millis', PG_MIN_TIMESTAMP_MS - 1],
      ['timestamp-millis', JS_MAX_TIMESTAMP_MS + 1],
      ['timestamp-millis', -8e15],
      ['local-timestamp-millis', 1e300],
      ['timestamp-micros', (PG_MIN_TIMESTAMP_MS - 1) * 1000],
      ['date', PG_MIN_DATE_DAYS - 1],
      ['date', 2_000_000_000],
      ['time-millis', -1],
      ['time-millis', 90_000_000],
    ] as const) {
      expect(() => toSqlJson(kind, value)).toThrow(ValueMappingError);
    }
  });

  it('refuses U+0000 in a text, a uuid, and in any string or key of a JSON value', () => {
    expect(() => toSqlJson('text', 'a\u0000b')).toThrow(/U\+0000 at index 1/);
    expect(() => toSqlJson('uuid', '\u0000')).toThrow(ValueMappingError);
    expect(() => toSqlJson('json', { lines: [{ sku: 'x\u0000' }] })).toThrow(ValueMappingError);
    expect(() => toSqlJson('json', { ['k\u0000']: 1 })).toThrow(ValueMappingError);
    expect(toSqlJson('text', 'a\u0001b')).toBe('a\u0001b');
    expect(toSqlJson('json', { a: ['b'] })).toEqual({ a: ['b'] });
  });

  it('stores every instant in range as exactly that instant (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: PG_MIN_TIMESTAMP_MS, max: JS_MAX_TIMESTAMP_MS }), (ms) => {
        expect(parsePg(pgInstant(ms, true))).toBe(ms);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: PG_MIN_DATE_DAYS, max: 100_000_000 }), (days) => {
        const text = pgDate(days);
        const [date, bc] = text.split(' ');
        expect(parsePg(`${date ?? ''}T00:00:00.000Z${bc === undefined ? '' : ' BC'}`)).toBe(
          days * 86_400_000,
        );
      }),
    );
  });
});
