import { noticeWhileSlow } from '../../../src/partition/noticeWhileSlow';

describe('noticeWhileSlow', () => {
  it('says nothing of a step that settles before the first notice', async () => {
    const notices: number[] = [];
    await expect(noticeWhileSlow(Promise.resolve(7), 50, (ms) => notices.push(ms))).resolves.toBe(7);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(notices).toEqual([]);
  });

  it('notices a slow step at each interval with the time waited, and stops once it settles', async () => {
    const notices: number[] = [];
    const step = new Promise<string>((resolve) => setTimeout(() => resolve('done'), 130));
    await expect(noticeWhileSlow(step, 40, (ms) => notices.push(ms))).resolves.toBe('done');
    const seen = notices.length;
    expect(seen).toBeGreaterThanOrEqual(2);
    expect(notices[0]).toBeGreaterThanOrEqual(35);
    expect(notices[1]!).toBeGreaterThan(notices[0]!);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(notices.length).toBe(seen);
  });

  it('passes a failure on as it is', async () => {
    const failure = new Error('coordinator moved');
    await expect(noticeWhileSlow(Promise.reject(failure), 40, () => undefined)).rejects.toBe(failure);
  });
});
