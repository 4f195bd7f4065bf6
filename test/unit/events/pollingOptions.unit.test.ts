import { DeadLetterTypeError, InvalidArgumentError } from '../../../src/errors';
import {
  deadLetterEntry,
  deadLetterSchema,
  failedEntryOf,
  requireDeadLetterType,
} from '../../../src/events/deadLetter';
import { startPollingContainer } from '../../../src/events/PollingContainer';
import {
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_POLLING_BACKOFF,
  DEFAULT_RECEIVE_TIMEOUT_MS,
  resolvePollingOptions,
  type PollingContainerOptions,
} from '../../../src/events/PollingOptions';
import { fromWireJson } from '../../../src/net/wireJson';
import { EntryType } from '../../../src/schema/EntryType';
import { SchemaLoader } from '../../../src/schema/SchemaLoader';
import { SCHEMAS } from '../space/fixtures';
import { FakeHost, orderOf, typesWithDeadLetters } from './pollingFixtures';

const types = typesWithDeadLetters();
const base: PollingContainerOptions = { name: 'pay', type: 'Order', handler: () => undefined };
const resolve = (extra: Record<string, unknown>) =>
  resolvePollingOptions({ ...base, ...extra } as PollingContainerOptions, types);

describe('polling container options', () => {
  it('applies the defaults', () => {
    const resolved = resolvePollingOptions(base, types);
    expect(resolved).toMatchObject({
      concurrency: 1,
      batchSize: 1,
      receiveTimeout: DEFAULT_RECEIVE_TIMEOUT_MS,
      maxAttempts: DEFAULT_MAX_ATTEMPTS,
      backoff: DEFAULT_POLLING_BACKOFF,
      transactionTimeout: 10_000,
      selector: { template: {} },
    });
  });

  it('keeps a template, a string query with params, or a query selector', () => {
    expect(resolve({ template: { status: 'NEW' } }).selector).toEqual({ template: { status: 'NEW' } });
    expect(resolve({ query: 'total > ?', params: [5] }).selector).toEqual({
      query: 'total > ?',
      params: [5],
    });
    expect(resolve({ query: { query: "status = 'NEW'" } }).selector).toEqual({ query: "status = 'NEW'" });
  });

  it.each([
    [{ colour: 'red' }, /unknown polling container option 'colour'/],
    [{ name: '' }, /name must be a non-empty string/],
    [{ type: 'Nope' }, /unknown entry type 'Nope'/],
    [{ handler: 'x' }, /handler must be a function/],
    [{ onError: 1 }, /onError must be a function/],
    [{ concurrency: 0 }, /concurrency must be an integer from 1 to 64/],
    [{ concurrency: 1.5 }, /concurrency must be an integer/],
    [{ batchSize: 1001 }, /batchSize must be an integer from 1 to 1000/],
    [{ receiveTimeout: -1 }, /receiveTimeout must be an integer/],
    [{ receiveTimeout: Number.NaN }, /receiveTimeout must be an integer/],
    [{ maxAttempts: 0 }, /maxAttempts must be an integer from 1/],
    [{ transactionTimeout: 0 }, /transaction timeout must be > 0/],
    [{ transactionTimeout: 120_000 }, /transaction timeout/],
    [{ backoff: { initial: 5 } }, /unknown backoff option 'initial'/],
    [{ backoff: { initialMs: 500, maxMs: 100 } }, /backoff.maxMs must be >= backoff.initialMs/],
    [{ backoff: { multiplier: 0.5 } }, /backoff.multiplier must be >= 1/],
    [{ template: { status: 'NEW' }, query: 'total > 1' }, /a template or a query, not both/],
    [{ params: [1] }, /params go with a string query/],
    [{ template: [1] }, /template must be an object/],
    [{ query: 'colour = 1' }, /query does not fit type 'Order'/],
    [{ template: { colour: 'red' } }, /template does not fit type 'Order'/],
  ])('refuses %j with InvalidArgumentError', (extra, message) => {
    let thrown: unknown;
    try {
      resolve(extra);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidArgumentError);
    expect((thrown as Error).message).toMatch(message);
  });

  it('a container refuses to start without <Type>DeadLetter, naming the schema to add', () => {
    const host = new FakeHost(2, SchemaLoader.loadFolder(SCHEMAS));
    let thrown: unknown;
    try {
      startPollingContainer(host, base);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DeadLetterTypeError);
    const error = thrown as DeadLetterTypeError;
    expect(error).toMatchObject({
      code: 'DEAD_LETTER_TYPE',
      deadLetterType: 'OrderDeadLetter',
      type: 'Order',
    });
    expect(error.message).toMatch(/OrderDeadLetter\.avsc/);
    // The schema it names is a valid entry type.
    expect(EntryType.fromSchema(JSON.parse(error.schema)).name).toBe('OrderDeadLetter');
  });

  it('refuses a dead-letter type of the wrong shape', () => {
    const wrong = SchemaLoader.loadFolder(SCHEMAS);
    const schema = deadLetterSchema('Order') as { fields: { name: string }[] };
    wrong.register(
      EntryType.fromSchema({ ...schema, fields: schema.fields.filter((f) => f.name !== 'attempts') }),
    );
    expect(() => requireDeadLetterType(wrong, wrong.require('Order'))).toThrow(DeadLetterTypeError);
  });

  it('a dead letter routes like its entry and holds it losslessly', () => {
    const order = types.require('Order');
    const entry = order.validate(orderOf('o-1', 'c-42'));
    const letter = deadLetterEntry({
      type: order,
      entry,
      version: 3,
      error: new InvalidArgumentError('bad total'),
      attempts: 5,
      container: 'pay',
      now: 1234,
    });
    expect(types.require('OrderDeadLetter').validate(letter)).toMatchObject({
      id: 'o-1@3',
      routing: 'c-42',
      entryId: 'o-1',
      entryVersion: 3,
      errorCode: 'INVALID_ARGUMENT',
      errorMessage: 'bad total',
      attempts: 5,
      container: 'pay',
      failedAt: 1234,
    });
    expect(fromWireJson(Buffer.from(letter.entry as string))).toEqual(entry);
    expect(failedEntryOf(letter)).toEqual(entry);
  });
});
