import { eventually } from '../../support/eventually';

describe('eventually (the shared wait of integration and fault tests)', () => {
  it('resolves with the first answer that is neither undefined nor false', async () => {
    let calls = 0;
    const answers = [undefined, false, 0, 1];
    await expect(eventually(() => answers[calls++], 1000, 'an answer')).resolves.toBe(0);
    expect(calls).toBe(3);
  });

  it('waits for an async check', async () => {
    const readyAt = Date.now() + 120;
    await expect(eventually(async () => Date.now() >= readyAt && 'ready', 2000, 'ready')).resolves.toBe(
      'ready',
    );
  });

  it('rejects naming what it waited for once the time is up: a wait never passes silently', async () => {
    await expect(eventually(() => false, 100, 'the totals to catch up')).rejects.toThrow(
      'timed out after 100 ms waiting for the totals to catch up',
    );
    let seen = 0;
    await expect(
      eventually(
        () => void seen++,
        100,
        () => `a match (last saw ${seen} tries)`,
      ),
    ).rejects.toThrow(/waiting for a match \(last saw \d+ tries\)/);
  });

  it('ends the wait with the error of a check that throws', async () => {
    await expect(
      eventually(
        () => {
          throw new Error('broken probe');
        },
        1000,
        'anything',
      ),
    ).rejects.toThrow('broken probe');
  });
});
