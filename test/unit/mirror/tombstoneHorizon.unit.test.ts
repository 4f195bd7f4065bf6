import { horizonMarginMs, reconcileReason } from '../../../src/mirror/tombstoneHorizon';

const DAY = 86_400_000;
const base = {
  appliedOffset: 100,
  coveredAt: 1_000_000_000_000,
  logStart: 0,
  logEnd: 150,
  deleteRetentionMs: 7 * DAY,
  now: 1_000_000_000_000 + DAY,
};

describe('reconcileReason: when a mirror must rebuild a partition instead of resuming it', () => {
  it('resumes a position younger than delete.retention.ms minus the margin', () => {
    expect(reconcileReason(base)).toBeUndefined();
    const edge = base.coveredAt + base.deleteRetentionMs - horizonMarginMs(base.deleteRetentionMs);
    expect(reconcileReason({ ...base, now: edge })).toBeUndefined();
    expect(reconcileReason({ ...base, now: edge + 1 })).toBe('past-tombstone-horizon');
  });

  it('rebuilds a position older than the horizon, or below the log start, or of unknown age', () => {
    expect(reconcileReason({ ...base, now: base.coveredAt + 8 * DAY })).toBe('past-tombstone-horizon');
    expect(reconcileReason({ ...base, logStart: 101 })).toBe('below-log-start');
    expect(reconcileReason({ ...base, coveredAt: null })).toBe('horizon-unknown');
  });

  it('never rebuilds when nothing was appended since, or when the whole log is read anyway', () => {
    const old = { ...base, now: base.coveredAt + 30 * DAY, coveredAt: null };
    expect(reconcileReason({ ...old, logEnd: 100 })).toBeUndefined();
    expect(reconcileReason({ ...old, appliedOffset: 0 })).toBeUndefined();
  });

  it('keeps a margin of a tenth of the retention, at most five minutes', () => {
    expect(horizonMarginMs(1000)).toBe(100);
    expect(horizonMarginMs(7 * DAY)).toBe(5 * 60_000);
  });
});
