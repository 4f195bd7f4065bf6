import { DEFAULT_MEMBERSHIP_TIMING, UnitMembership } from '../../../src/cluster/UnitMembership';
import { slowConnectingKafka } from '../../support/slowConnectingKafka';

describe('UnitMembership stopped while it joins', () => {
  it('never subscribes or runs, and disconnects what connected after the stop', async () => {
    const { kafka, calls, release } = slowConnectingKafka();
    const membership = new UnitMembership({
      kafka,
      prefix: 'p',
      space: 's',
      shape: { partitions: 1, backups: 0 },
      timing: DEFAULT_MEMBERSHIP_TIMING,
      announce: () => ({ kind: 'observer' }),
      onPlacement: () => undefined,
    });
    const started = membership.start();
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual(['admin connect', 'connect']);
    await membership.stop();
    release();
    await started;
    expect(calls).toEqual([
      'admin connect',
      'connect',
      'disconnect',
      'admin disconnect',
      'connected',
      'disconnect',
      'admin disconnect',
    ]);
  });
});
