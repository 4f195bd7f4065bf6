import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { LogReadError, SpacelogError, VersionConflictError } from '../../../src/errors';
import { fromErrorRecord, toErrorRecord, type ErrorRecord } from '../../../src/errors/errorRecord';

/** The record as another thread receives it: through a real port's structured clone. */
function acrossThreads(record: ErrorRecord): ErrorRecord {
  const { port1, port2 } = new MessageChannel();
  try {
    port1.postMessage(record);
    const received = receiveMessageOnPort(port2);
    if (!received) throw new Error('nothing arrived on the port');
    return received.message as ErrorRecord;
  } finally {
    port1.close();
  }
}

describe('ErrorRecord (the typed error as plain data, as a warm-up worker posts it)', () => {
  it('rebuilds the class, code, retriable flag, context and own fields across a thread boundary', () => {
    const sent = new VersionConflictError(7, 9, { type: 'Payment', entryId: 'p-4', partition: 0 });
    const got = fromErrorRecord(acrossThreads(toErrorRecord(sent)));
    expect(got).toBeInstanceOf(VersionConflictError);
    expect(got).toMatchObject({ code: 'VERSION_CONFLICT', retriable: false, message: sent.message });
    expect(got).toMatchObject({
      expectedVersion: 7,
      actualVersion: 9,
      type: 'Payment',
      entryId: 'p-4',
      partition: 0,
    });
    expect(got).not.toHaveProperty('space');
  });

  it('keeps a retriable log error retriable, and turns a foreign error into INTERNAL', () => {
    const log = fromErrorRecord(
      acrossThreads(toErrorRecord(new LogReadError('fetch failed', { partition: 1 }))),
    );
    expect(log).toBeInstanceOf(LogReadError);
    expect(log).toMatchObject({ code: 'LOG_READ_FAILED', retriable: true, partition: 1 });
    const foreign = fromErrorRecord(acrossThreads(toErrorRecord(new TypeError('boom'))));
    expect(foreign.constructor).toBe(SpacelogError);
    expect(foreign).toMatchObject({ code: 'INTERNAL', retriable: false });
    expect(foreign.message).toContain('boom');
  });
});
