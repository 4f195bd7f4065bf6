import { checkGridOptions } from '../../../src/cluster/GridConfig';
import { resolveUnitOptions } from '../../../src/cluster/UnitConfig';
import { resolveConnectOptions } from '../../../src/client/RemoteSpaceConfig';
import { InvalidArgumentError, UnitConfigError } from '../../../src/errors';
import { checkHttpOptions } from '../../../src/http/HttpOptions';
import { expectRefusal, type RefusalCase } from '../../support/refusals';

// The options that must be true or false, site by site: their error class and message are locked
// here, so that sharing one check (rejectNonBoolean in src/config/optionKeys.ts) changes none of them.

const grid = { space: 'orders', partitions: 2, schemas: 'schemas' };
const connect = { bootstrap: ['h:1'], space: 'orders' };

const cases: readonly RefusalCase[] = [
  [
    "a grid's metrics: a string",
    () => checkGridOptions({ ...grid, metrics: 'yes' } as never),
    InvalidArgumentError,
    'metrics must be true or false, got "yes"',
  ],
  [
    "a grid's metrics: null",
    () => checkGridOptions({ ...grid, metrics: null } as never),
    InvalidArgumentError,
    'metrics must be true or false, got null',
  ],
  [
    "a unit's metrics (the grid's check, wrapped)",
    () => resolveUnitOptions({ ...grid, metrics: 0 } as never, 'unit.json'),
    UnitConfigError,
    'unit.json: metrics must be true or false, got 0',
  ],
  [
    "a client's metrics: a string",
    () => resolveConnectOptions({ ...connect, metrics: 'no' } as never),
    InvalidArgumentError,
    'metrics must be true or false, got "no"',
  ],
  [
    "a grid's http.console",
    () => checkGridOptions({ ...grid, http: { console: 'off' } } as never),
    InvalidArgumentError,
    'http.console must be true or false, got "off"',
  ],
  [
    'http.console under another key',
    () => checkHttpOptions({ console: 1 }, 'endpoint'),
    InvalidArgumentError,
    'endpoint.console must be true or false, got 1',
  ],
  [
    "a unit's http.console (the grid's check, wrapped)",
    () => resolveUnitOptions({ ...grid, http: { console: [] } } as never, 'unit.json'),
    UnitConfigError,
    'unit.json: http.console must be true or false, got an array',
  ],
];

describe('an option that must be true or false', () => {
  it.each(cases)('in %s is refused with its own error and message', (_what, run, error, message) => {
    expectRefusal(run, error, message);
  });

  it('is taken as true, false or left out', () => {
    for (const metrics of [true, false, undefined]) {
      expect(() => checkGridOptions({ ...grid, metrics })).not.toThrow();
      expect(resolveConnectOptions({ ...connect, metrics }).metrics).toBe(metrics ?? true);
    }
    for (const console of [true, false, undefined]) expect(() => checkHttpOptions({ console })).not.toThrow();
  });

  it("is the default in a client's null metrics, as it has always been (a grid refuses it)", () => {
    expect(resolveConnectOptions({ ...connect, metrics: null } as never).metrics).toBe(true);
  });

  it('names a value by its shape (never an object printed, nor NaN as null), and still throws the typed error', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const [value, shown] of [
      [10n, 'a bigint'],
      [cyclic, 'an object'],
      [() => true, 'a function'],
      [Symbol('x'), 'a symbol'],
      [NaN, 'NaN'],
      [{ password: 'secret' }, 'an object'],
    ] as const) {
      expectRefusal(
        () => checkGridOptions({ ...grid, metrics: value } as never),
        InvalidArgumentError,
        `metrics must be true or false, got ${shown}`,
      );
    }
  });
});
