import { checkGridOptions } from '../../../src/cluster/GridConfig';
import { LocalGrid } from '../../../src/cluster/LocalGrid';
import { ProcessingUnit } from '../../../src/cluster/ProcessingUnit';
import { resolveUnitOptions } from '../../../src/cluster/UnitConfig';
import { RemoteSpace } from '../../../src/client/RemoteSpace';
import { resolveConnectOptions } from '../../../src/client/RemoteSpaceConfig';
import { InvalidArgumentError, UnitConfigError } from '../../../src/errors';
import { checkMirrorOptions } from '../../../src/mirror/MirrorConfig';
import { MirrorProjector } from '../../../src/mirror/MirrorProjector';
import { DEFAULT_RETRY_POLICY as DEFAULT_CLIENT_RETRY } from '../../../src/client/RetryPolicy';
import { DEFAULT_MEMBERSHIP_TIMING } from '../../../src/cluster/UnitMembership';
import { withDefaults } from '../../../src/config/withDefaults';
import { EXAMPLE_SCHEMAS } from '../../support/gridTestKit';
import { expectRefusal, thrown, type RefusalCase } from '../../support/refusals';

// The numbers inside `limits` and `retry` objects are checked with the options, at start (rejectBadNumbers
// in src/config/optionKeys.ts): before, a NaN or negative backoff, or a zero or fractional limit, was
// only seen where the value was used (a maxRecordBytes under 1024 by the appender, after the space's
// topics were made), or never (a NaN compares false: no limit, or a busy retry loop).

const grid = { space: 'orders', partitions: 2, schemas: 'schemas' };
const connect = { bootstrap: ['h:1'], space: 'orders' };
const mirror = { space: 'orders', schemas: 'x', database: 'postgres://x/y' };
/** Nothing listens there: a start that got as far as Kafka would fail late, with another error. */
const nowhere = { brokers: ['127.0.0.1:1'] };

const limits = (value: Record<string, unknown>): unknown =>
  checkGridOptions({ ...grid, limits: value } as never);

const cases: readonly RefusalCase[] = [
  [
    "a grid's limits.maxRecordBytes: negative",
    () => limits({ maxRecordBytes: -1 }),
    InvalidArgumentError,
    'limits.maxRecordBytes must be an integer >= 1024, got -1',
  ],
  [
    "a grid's limits.maxRecordBytes: under the appender's floor (was refused only after the topics were made)",
    () => limits({ maxRecordBytes: 1023 }),
    InvalidArgumentError,
    'limits.maxRecordBytes must be an integer >= 1024, got 1023',
  ],
  [
    "a grid's limits.maxRecordBytes: Infinity (the topic has a size)",
    () => limits({ maxRecordBytes: Infinity }),
    InvalidArgumentError,
    'limits.maxRecordBytes must be an integer >= 1024, got Infinity',
  ],
  [
    "a grid's limits.maxEntryBytes: zero",
    () => limits({ maxEntryBytes: 0 }),
    InvalidArgumentError,
    'limits.maxEntryBytes must be a positive integer or Infinity, got 0',
  ],
  [
    "a grid's limits.maxEntryBytes: NaN (no limit at all, silently)",
    () => limits({ maxEntryBytes: NaN }),
    InvalidArgumentError,
    'limits.maxEntryBytes must be a positive integer or Infinity, got NaN',
  ],
  [
    "a grid's limits.maxEntries: not an integer",
    () => limits({ maxEntries: 2.5 }),
    InvalidArgumentError,
    'limits.maxEntries must be a positive integer or Infinity, got 2.5',
  ],
  [
    "a grid's limits.maxEntries: a string",
    () => limits({ maxEntries: '1000' }),
    InvalidArgumentError,
    'limits.maxEntries must be a positive integer or Infinity, got a string',
  ],
  [
    "a grid's limits.maxIdLength: negative",
    () => limits({ maxIdLength: -5 }),
    InvalidArgumentError,
    'limits.maxIdLength must be a positive integer or Infinity, got -5',
  ],
  [
    "a unit's limits (the grid's check, wrapped)",
    () => resolveUnitOptions({ ...grid, limits: { maxEntries: 0 } } as never, 'unit.json'),
    UnitConfigError,
    'unit.json: limits.maxEntries must be a positive integer or Infinity, got 0',
  ],
  [
    "a unit's membership.sessionTimeoutMs: NaN (passed the floor check: NaN < 6000 is false)",
    () => resolveUnitOptions({ ...grid, membership: { sessionTimeoutMs: NaN } } as never, 'unit.json'),
    UnitConfigError,
    'unit.json: membership.sessionTimeoutMs must be a positive integer, got NaN',
  ],
  [
    "a unit's membership.rebalanceTimeoutMs: negative (was not checked at all)",
    () => resolveUnitOptions({ ...grid, membership: { rebalanceTimeoutMs: -1 } } as never, 'unit.json'),
    UnitConfigError,
    'unit.json: membership.rebalanceTimeoutMs must be a positive integer, got -1',
  ],
  [
    "a unit's membership.heartbeatIntervalMs: a string",
    () => resolveUnitOptions({ ...grid, membership: { heartbeatIntervalMs: '1s' } } as never, 'unit.json'),
    UnitConfigError,
    'unit.json: membership.heartbeatIntervalMs must be a positive integer, got a string',
  ],
  [
    "a client's retry.initialBackoffMs: NaN",
    () => resolveConnectOptions({ ...connect, retry: { initialBackoffMs: NaN } }),
    InvalidArgumentError,
    'retry.initialBackoffMs must be a non-negative number, got NaN',
  ],
  [
    "a client's retry.initialBackoffMs: negative",
    () => resolveConnectOptions({ ...connect, retry: { initialBackoffMs: -1 } }),
    InvalidArgumentError,
    'retry.initialBackoffMs must be a non-negative number, got -1',
  ],
  [
    "a client's retry.maxBackoffMs: Infinity",
    () => resolveConnectOptions({ ...connect, retry: { maxBackoffMs: Infinity } }),
    InvalidArgumentError,
    'retry.maxBackoffMs must be a non-negative number, got Infinity',
  ],
  [
    "a client's retry.multiplier: under 1 (a shrinking backoff)",
    () => resolveConnectOptions({ ...connect, retry: { multiplier: 0.5 } }),
    InvalidArgumentError,
    'retry.multiplier must be a number >= 1, got 0.5',
  ],
  [
    "a mirror's retry.initialMs: negative",
    () => checkMirrorOptions({ ...mirror, retry: { initialMs: -100 } }),
    InvalidArgumentError,
    'retry.initialMs must be a non-negative number, got -100',
  ],
  [
    "a mirror's retry.maxMs: NaN",
    () => checkMirrorOptions({ ...mirror, retry: { maxMs: NaN } }),
    InvalidArgumentError,
    'retry.maxMs must be a non-negative number, got NaN',
  ],
  [
    "a mirror's retry.maxMs: a string",
    () => checkMirrorOptions({ ...mirror, retry: { maxMs: '5s' } } as never),
    InvalidArgumentError,
    'retry.maxMs must be a non-negative number, got a string',
  ],
];

describe('a number inside limits or retry', () => {
  it.each(cases)('in %s is refused with the option’s path', (_what, run, error, message) => {
    expectRefusal(run, error, message);
  });

  it('is taken when it fits: Infinity lifts a limit, a wait may be 0, a multiplier 1', () => {
    expect(() =>
      limits({ maxEntryBytes: Infinity, maxRecordBytes: 1024, maxEntries: Infinity, maxIdLength: Infinity }),
    ).not.toThrow();
    expect(() =>
      limits({ maxEntryBytes: 1, maxRecordBytes: 2 ** 20, maxEntries: 1, maxIdLength: 1 }),
    ).not.toThrow();
    expect(
      resolveConnectOptions({ ...connect, retry: { initialBackoffMs: 0, maxBackoffMs: 0, multiplier: 1 } })
        .retry,
    ).toEqual({ initialBackoffMs: 0, maxBackoffMs: 0, multiplier: 1 });
    expect(
      resolveConnectOptions({
        ...connect,
        retry: { initialBackoffMs: 0.5, maxBackoffMs: 2.5, multiplier: 1.5 },
      }).retry,
    ).toEqual({ initialBackoffMs: 0.5, maxBackoffMs: 2.5, multiplier: 1.5 });
    expect(() => checkMirrorOptions({ ...mirror, retry: { initialMs: 0, maxMs: 0 } })).not.toThrow();
  });

  it('in a grid is refused before it connects to Kafka, so before any topic is made', async () => {
    const start = LocalGrid.start({
      ...grid,
      schemas: EXAMPLE_SCHEMAS,
      kafka: nowhere,
      limits: { maxRecordBytes: 512 },
    });
    await expect(start).rejects.toMatchObject({
      name: 'InvalidArgumentError',
      message: 'limits.maxRecordBytes must be an integer >= 1024, got 512',
    });
  });

  it('in a unit is refused before it connects to Kafka', async () => {
    const start = ProcessingUnit.start({
      ...grid,
      schemas: EXAMPLE_SCHEMAS,
      kafka: nowhere,
      limits: { maxIdLength: NaN },
    });
    await expect(start).rejects.toMatchObject({
      name: 'UnitConfigError',
      message: 'unit options: limits.maxIdLength must be a positive integer or Infinity, got NaN',
    });
  });

  it('in a client is refused before it dials a bootstrap server', async () => {
    const connecting = RemoteSpace.connect({
      bootstrap: ['127.0.0.1:1'],
      space: 'orders',
      retry: { maxBackoffMs: -1 },
    });
    await expect(connecting).rejects.toMatchObject({
      name: 'InvalidArgumentError',
      message: 'retry.maxBackoffMs must be a non-negative number, got -1',
    });
  });

  it('in a mirror is refused when the projector is made, before it starts', () => {
    const refusal = thrown(
      () => new MirrorProjector({ ...mirror, kafka: nowhere, retry: { initialMs: NaN } }),
    );
    expect(refusal).toBeInstanceOf(InvalidArgumentError);
    expect(refusal.message).toBe('retry.initialMs must be a non-negative number, got NaN');
  });

  it('given as undefined keeps its default (a spread would put the undefined past the checks)', () => {
    const unit = resolveUnitOptions(
      { ...grid, membership: { sessionTimeoutMs: undefined, rebalanceTimeoutMs: undefined } } as never,
      'unit.json',
    );
    expect(unit.timing).toEqual(DEFAULT_MEMBERSHIP_TIMING);
    const client = resolveConnectOptions({
      ...connect,
      retry: { initialBackoffMs: undefined, multiplier: 3 },
    });
    expect(client.retry).toEqual({ ...DEFAULT_CLIENT_RETRY, multiplier: 3 });
    // The projector keeps its policy private: read as its retries will.
    const projector = new MirrorProjector({
      ...mirror,
      kafka: nowhere,
      retry: { initialMs: undefined, maxMs: 50 },
    });
    expect((projector as unknown as { policy: unknown }).policy).toEqual({ initialMs: 100, maxMs: 50 });
    expect(withDefaults({ a: 1, b: 2 }, { a: undefined, b: 5 })).toEqual({ a: 1, b: 5 });
    expect(withDefaults({ a: 1 }, undefined)).toEqual({ a: 1 });
  });
});
