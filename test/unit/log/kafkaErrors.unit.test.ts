import { KafkaJSProtocolError } from 'kafkajs';
// kafkajs's own builder of a protocol error from a broker's error code.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as {
  createErrorFromCode: (code: number) => Error;
};
import { AppendFailedError } from '../../../src/errors';
import { isFencingError, isMetadataLag, retryWhileMetadataLags } from '../../../src/log/kafkaErrors';

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
});
