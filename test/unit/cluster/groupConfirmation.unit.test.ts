import { GroupConfirmation } from '../../../src/cluster/GroupConfirmation';

/** Wall and monotonic clocks moved together, as a real pause moves both. */
function clocks(): { clock: { epochMs(): number; monotonicMs(): number }; pass(ms: number): void } {
  let epoch = 1_700_000_000_000;
  let mono = 5_000;
  return {
    clock: { epochMs: () => epoch, monotonicMs: () => mono },
    pass: (ms) => {
      epoch += ms;
      mono += ms;
    },
  };
}

describe('GroupConfirmation', () => {
  it('is not confirmed before any answer', () => {
    const { clock } = clocks();
    expect(new GroupConfirmation(clock).within(5_500)).toBe(false);
  });

  it('dates a heartbeat from when it was sent: an answer read after a pause does not count the pause', () => {
    const { clock, pass } = clocks();
    const group = new GroupConfirmation(clock);
    const sent = clock.epochMs();
    pass(3);
    group.answered('Heartbeat', sent);
    group.confirmed('Heartbeat');
    expect(group.within(5_500)).toBe(true);
    // The next heartbeat goes out, then the process is stopped for 8 s with its answer in the socket.
    pass(1_000);
    const beforePause = clock.epochMs();
    pass(8_000);
    group.answered('Heartbeat', beforePause);
    group.confirmed('Heartbeat');
    // Read just now, but sent 8 s ago: past a 5.5 s bound, the unit must not think itself in the group.
    expect(group.within(5_500)).toBe(false);
    // A heartbeat sent after waking confirms it again.
    const fresh = clock.epochMs();
    pass(2);
    group.answered('Heartbeat', fresh);
    group.confirmed('Heartbeat');
    expect(group.within(5_500)).toBe(true);
  });

  it('counts only Heartbeat and SyncGroup requests, and a join by its SyncGroup', () => {
    const { clock, pass } = clocks();
    const group = new GroupConfirmation(clock);
    const syncSent = clock.epochMs();
    pass(7_000);
    group.answered('Fetch', clock.epochMs()); // other requests say nothing of the group
    group.answered('SyncGroup', syncSent);
    group.confirmed('SyncGroup');
    expect(group.within(5_500)).toBe(false);
    expect(group.within(8_000)).toBe(true);
  });

  it('never moves the confirmation back, and a wall clock set back does not date it in the future', () => {
    const { clock, pass } = clocks();
    const group = new GroupConfirmation(clock);
    group.answered('Heartbeat', clock.epochMs() + 60_000); // sent "in the future": age 0, not negative
    group.confirmed('Heartbeat');
    pass(5_000);
    expect(group.within(5_500)).toBe(true);
    pass(1_000);
    expect(group.within(5_500)).toBe(false);
    const stale = clock.epochMs() - 20_000;
    group.answered('Heartbeat', stale);
    group.confirmed('Heartbeat');
    expect(group.within(6_500)).toBe(true); // still the earlier confirmation, 6 s old
  });
});
