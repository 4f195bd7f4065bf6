import { KafkaJSProtocolError } from 'kafkajs';
// kafkajs's own builder of a protocol error from a broker's error code.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as {
  createErrorFromCode: (code: number) => Error;
};
import { AppendFailedError } from '../../../src/errors';
import {
  describeKafkaError,
  isFencingError,
  isMetadataLag,
  KAFKA_ERROR_CODES_UNKNOWN_TO_KAFKAJS,
  kafkaErrorOf,
  retryWhileMetadataLags,
} from '../../../src/log/connection/kafkaErrors';

/** A kafkajs protocol error as the client builds it from a broker's error code. */
function protocolError(type: string, message: string): Error {
  return Object.assign(new KafkaJSProtocolError(message), { type });
}

describe('Kafka error classification', () => {
  const unknownTopic = protocolError(
    'UNKNOWN_TOPIC_OR_PARTITION',
    'This server does not host this topic-partition',
  );

  it('tells metadata lag by type, through wrappers, and by kafkajs wording alone', () => {
    expect(isMetadataLag(unknownTopic)).toBe(true);
    expect(isMetadataLag(new AppendFailedError('starting the writer', false, { cause: unknownTopic }))).toBe(
      true,
    );
    expect(
      isMetadataLag(new Error('KafkaJSProtocolError: This server does not host this topic-partition')),
    ).toBe(true);
    expect(isMetadataLag(protocolError('LEADER_NOT_AVAILABLE', 'There is no leader'))).toBe(true);
    expect(isMetadataLag(protocolError('INVALID_PRODUCER_EPOCH', 'fenced'))).toBe(false);
    expect(isMetadataLag(new Error('connection refused'))).toBe(false);
    expect(isFencingError(unknownTopic)).toBe(false);
  });

  it('retries a step while metadata lags, and not for other failures', async () => {
    /** A step that fails with `errors` in turn, then answers 'ok'; counts its calls. */
    function step(...errors: Error[]): { run: () => Promise<string>; calls: () => number } {
      let calls = 0;
      return {
        run: async () => {
          const error = errors[calls++];
          if (error !== undefined) throw error;
          return 'ok';
        },
        calls: () => calls,
      };
    }
    const lagsTwice = step(unknownTopic, unknownTopic);
    await expect(retryWhileMetadataLags(lagsTwice.run, 5, 1)).resolves.toBe('ok');
    expect(lagsTwice.calls()).toBe(3);

    const other = new Error('topic config differs');
    const fails = step(other);
    await expect(retryWhileMetadataLags(fails.run, 5, 1)).rejects.toBe(other);
    expect(fails.calls()).toBe(1);

    const lagsOn = step(unknownTopic, unknownTopic, unknownTopic, unknownTopic, unknownTopic);
    await expect(retryWhileMetadataLags(lagsOn.run, 4, 1)).rejects.toBe(unknownTopic);
    expect(lagsOn.calls()).toBe(4);
  });

  it('knows a fencing answer by code, also PRODUCER_FENCED (90), which kafkajs 2.2.4 knows by no name', () => {
    expect(isFencingError(createErrorFromCode(47))).toBe(true); // INVALID_PRODUCER_EPOCH
    expect(isFencingError(createErrorFromCode(90))).toBe(true); // PRODUCER_FENCED, "Unknown error code 90"
    expect(isFencingError(new AppendFailedError('commit', false, { cause: createErrorFromCode(90) }))).toBe(
      true,
    );
    expect(isFencingError(createErrorFromCode(91))).toBe(false); // unknown code, not a fence
    expect(isFencingError(createErrorFromCode(3))).toBe(false);
  });

  it('names every code kafkajs 2.2.4 does not know, and only those (Kafka 3.9 and 4.x)', () => {
    const codes = Object.keys(KAFKA_ERROR_CODES_UNKNOWN_TO_KAFKAJS).map(Number);
    expect(Math.min(...codes)).toBe(89);
    for (const code of codes) {
      expect(createErrorFromCode(code)).toMatchObject({ type: 'KAFKAJS_UNKNOWN_ERROR_CODE', code: -99 });
    }
    // kafkajs names 88; were it upgraded to know more, the table would shadow its names: this fails first.
    expect(createErrorFromCode(88)).toMatchObject({ type: 'UNSTABLE_OFFSET_COMMIT', code: 88 });
  });

  it('gives the Kafka code and name of an error, where kafkajs knows it and where it does not', () => {
    expect(kafkaErrorOf(createErrorFromCode(47))).toEqual({ code: 47, type: 'INVALID_PRODUCER_EPOCH' });
    expect(kafkaErrorOf(createErrorFromCode(48))).toEqual({ code: 48, type: 'INVALID_TXN_STATE' });
    expect(kafkaErrorOf(createErrorFromCode(90))).toEqual({ code: 90, type: 'PRODUCER_FENCED' });
    expect(kafkaErrorOf(createErrorFromCode(120))).toEqual({ code: 120, type: 'TRANSACTION_ABORTABLE' });
    expect(kafkaErrorOf(createErrorFromCode(999))).toEqual({ code: 999, type: 'UNKNOWN_ERROR_CODE' });
    // Through Spacelog's wrappers and kafkajs's retrier, the innermost protocol error counts.
    const retried = Object.assign(new Error('Number of retries exceeded'), {
      name: 'KafkaJSNumberOfRetriesExceeded',
      originalError: createErrorFromCode(120),
    });
    expect(kafkaErrorOf(new AppendFailedError('commit', false, { cause: retried }))).toEqual({
      code: 120,
      type: 'TRANSACTION_ABORTABLE',
    });
    expect(kafkaErrorOf(new Error('connection refused'))).toBeUndefined();
    expect(kafkaErrorOf(undefined)).toBeUndefined();
  });

  it('tells a fence (47 of 3.9, 90 of 4.x) from an abortable transaction (120, or 48 at old versions)', () => {
    expect(isFencingError(createErrorFromCode(120))).toBe(false); // TRANSACTION_ABORTABLE
    expect(isFencingError(createErrorFromCode(48))).toBe(false); // INVALID_TXN_STATE
    expect(isFencingError(createErrorFromCode(105))).toBe(false); // TRANSACTIONAL_ID_NOT_FOUND
  });

  it('describes an error by its Kafka name, with the code where kafkajs had only a number', () => {
    const fenced = new AppendFailedError('commit', false, { cause: createErrorFromCode(90) });
    expect(describeKafkaError(fenced)).toBe('commit (PRODUCER_FENCED, code 90)');
    expect(describeKafkaError(createErrorFromCode(120))).toBe(
      'Unknown error code 120 (TRANSACTION_ABORTABLE, code 120)',
    );
    expect(describeKafkaError(createErrorFromCode(47))).toMatch(/\(INVALID_PRODUCER_EPOCH\)$/);
    expect(describeKafkaError(new Error('plain'))).toBe('plain');
  });
});
