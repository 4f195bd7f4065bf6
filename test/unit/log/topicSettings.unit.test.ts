import { InvalidArgumentError } from '../../../src/errors';
import { DEFAULT_SEGMENT_MS, resolveTopicSettings } from '../../../src/log/admin/TopicSettings';

describe('topic settings', () => {
  // Regression: the check was `key in CONFIG_NAMES`, true for every name an object inherits, so
  // `{ toString: 1 }` and a JSON `__proto__` key passed as settings.
  it.each([
    ['toString', { toString: 1 }],
    ['constructor', { constructor: 1 }],
    ['hasOwnProperty', { hasOwnProperty: 1 }],
    ['__proto__', JSON.parse('{"__proto__":1}') as object],
  ])('refuses the prototype name %s as an unknown topic setting', (name, settings) => {
    const error = (() => {
      try {
        resolveTopicSettings(settings, 1);
      } catch (e) {
        return e as Error;
      }
      throw new Error('accepted');
    })();
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toBe(`unknown topic setting '${name}'`);
  });

  it('still takes every setting it names', () => {
    const resolved = resolveTopicSettings(
      {
        deleteRetentionMs: 1,
        segmentMs: 2,
        segmentBytes: 1024,
        minCleanableDirtyRatio: 0.5,
        minCompactionLagMs: 3,
        maxMessageBytes: 2048,
      },
      2,
    );
    expect(resolved).toEqual({
      deleteRetentionMs: 1,
      segmentMs: 2,
      segmentBytes: 1024,
      minCleanableDirtyRatio: 0.5,
      minCompactionLagMs: 3,
      maxMessageBytes: 2048,
      minInsyncReplicas: 2,
    });
    expect(resolveTopicSettings({}, 1).segmentMs).toBe(DEFAULT_SEGMENT_MS);
  });
});
