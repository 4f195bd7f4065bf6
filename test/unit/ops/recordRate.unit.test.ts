import type { Socket } from 'node:net';
import { ConnectionTimeoutError, ProtocolError } from '../../../src/errors';
import { connectionRefusals } from '../../../src/ops/logging/connectionRefusals';
import { reportListenerError } from '../../../src/ops/logging/listenerErrors';
import { RecordRate } from '../../../src/ops/rate/RecordRate';
import { CapturingLogger } from '../../support/capturingLogger';

const socket = { remoteAddress: '10.0.0.9', remotePort: 5000 } as Socket;

describe('RecordRate', () => {
  test('writes perWindow records a window, counts the rest, and the next written says how many were left out', () => {
    let now = 0;
    const rate = new RecordRate({ perWindow: 2, windowMs: 1000, now: () => now });
    expect([rate.take(), rate.take(), rate.take(), rate.take()]).toEqual([
      { write: true },
      { write: true },
      { write: false },
      { write: false },
    ]);
    now = 999;
    expect(rate.take()).toEqual({ write: false });
    now = 1000;
    expect(rate.take()).toEqual({ write: true, suppressed: 3 });
    expect(rate.take()).toEqual({ write: true });
  });
});

describe('a flood of refused connections', () => {
  test('writes 20 warnings per 10 s, then one carrying the count left out; idle closes stay debug and are not counted', () => {
    let now = 0;
    const capture = new CapturingLogger();
    const refused = connectionRefusals(capture, { now: () => now });
    for (let i = 0; i < 500; i++) refused(socket, new ProtocolError('bad frame'));
    refused(socket, new ConnectionTimeoutError('idle', 1000));
    expect(capture.records.filter((r) => r.level === 'warn')).toHaveLength(20);
    expect(capture.records.filter((r) => r.level === 'debug')).toHaveLength(1);
    now = 10_000;
    refused(socket, new ProtocolError('bad frame'));
    const last = capture.records.at(-1);
    expect(last?.fields).toMatchObject({
      event: 'connection-refused',
      remote: '10.0.0.9:5000',
      suppressed: 480,
    });
  });
});

describe('a listener that throws on every event', () => {
  test('is logged 20 times per window while the application handler hears every error', () => {
    const capture = new CapturingLogger();
    let heard = 0;
    const report = reportListenerError(capture, () => (heard += 1));
    for (let i = 0; i < 1000; i++) report(new Error('boom'), { source: 'subscription', partition: 0 });
    expect(heard).toBe(1000);
    expect(capture.records.filter((r) => r.fields.event === 'listener-error')).toHaveLength(20);
  });
});
