import { formatFigures, formatMs, LoadFigures, percentile } from '../../../src/demo/LoadFigures';

describe('percentile', () => {
  it('uses the nearest rank and leaves its input alone', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 .. 1
    expect(percentile(samples, 0.99)).toBe(99);
    expect(percentile(samples, 0.5)).toBe(50);
    expect(percentile(samples, 1)).toBe(100);
    expect(percentile(samples, 0)).toBe(1);
    expect(samples[0]).toBe(100);
  });

  it('is the largest sample for small windows and undefined for none', () => {
    expect(percentile([3, 1, 2], 0.99)).toBe(3);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([], 0.99)).toBeUndefined();
  });
});

describe('LoadFigures', () => {
  it('reports per-second rates and p99 of a window, then starts a new one; errors and totals accumulate', () => {
    let now = 0;
    const figures = new LoadFigures(() => now);
    for (let i = 1; i <= 100; i++) figures.recordWrite(i);
    figures.recordTake();
    figures.recordError();
    now = 2000;
    expect(figures.takeWindow()).toEqual({
      seconds: 2,
      writesPerSecond: 50,
      takesPerSecond: 0.5,
      p99WriteMs: 99,
      errors: 1,
    });
    figures.recordError();
    now = 3000;
    expect(figures.takeWindow()).toEqual({
      seconds: 1,
      writesPerSecond: 0,
      takesPerSecond: 0,
      p99WriteMs: undefined,
      errors: 2,
    });
    expect(figures.totals()).toEqual({ writes: 100, takes: 1, errors: 2 });
  });
});

describe('formatFigures', () => {
  it('prints one line: elapsed, rates, p99, entries per type, errors', () => {
    expect(
      formatFigures({
        elapsedSeconds: 12.4,
        writesPerSecond: 411.6,
        takesPerSecond: 61.2,
        p99WriteMs: 3.21,
        entries: [
          ['Customer', 200],
          ['Order', 1234],
        ],
        errors: 0,
      }),
    ).toBe('12s  writes/s 412  takes/s 61  p99 write 3.2 ms  entries Customer 200 · Order 1,234  errors 0');
  });

  it('shows a dash when no write completed and no entry type is counted', () => {
    expect(
      formatFigures({
        elapsedSeconds: 1,
        writesPerSecond: 0,
        takesPerSecond: 0,
        p99WriteMs: undefined,
        entries: [],
        errors: 12_345,
      }),
    ).toBe('1s  writes/s 0  takes/s 0  p99 write -  entries -  errors 12,345');
  });

  it('formatMs keeps one decimal below 100 ms', () => {
    expect(formatMs(0.04)).toBe('0.0');
    expect(formatMs(99.94)).toBe('99.9');
    expect(formatMs(140.4)).toBe('140');
    expect(formatMs(1520)).toBe('1,520');
  });
});

describe('formatFigures with a mirror', () => {
  const base = {
    elapsedSeconds: 3,
    writesPerSecond: 10,
    takesPerSecond: 1,
    p99WriteMs: 2,
    entries: [['Order', 5]] as const,
    errors: 0,
  };

  it('shows the mirror lag in records and seconds before the errors', () => {
    expect(formatFigures({ ...base, mirrorLag: { records: 1234, seconds: 0.42 } })).toBe(
      '3s  writes/s 10  takes/s 1  p99 write 2.0 ms  entries Order 5  mirror lag 1,234 rec 0.4 s  errors 0',
    );
    expect(formatFigures({ ...base, mirrorLag: { records: 0, seconds: 0 } })).toContain(
      '  mirror lag 0  errors 0',
    );
    expect(formatFigures({ ...base, mirrorLag: { records: 7, seconds: null } })).toContain(
      'mirror lag 7 rec  ',
    );
    expect(formatFigures({ ...base, mirrorLag: 'waiting' })).toContain('  mirror waiting  errors 0');
  });
});
