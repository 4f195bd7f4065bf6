import {
  type NumberRules,
  isOptionsObject,
  optionKeys,
  rejectBadNumbers,
  rejectNonBoolean,
  rejectNonObject,
  rejectUnknownKeys,
} from '../../../src/config/optionKeys';

interface Sample {
  readonly name: string;
  readonly size?: number;
  readonly onEvent?: () => void;
}

const KNOWN = optionKeys<Sample>({ name: true, size: true, onEvent: true });

class Refused extends Error {
  constructor(readonly key: string) {
    super(`no '${key}'`);
  }
}
const refuse = (key: string): Error => new Refused(key);

function refusedKey(options: object): string | undefined {
  try {
    rejectUnknownKeys(options, KNOWN, refuse);
    return undefined;
  } catch (error) {
    return (error as Refused).key;
  }
}

describe('optionKeys', () => {
  it('is the set of the keys listed, optional ones included', () => {
    expect([...KNOWN]).toEqual(['name', 'size', 'onEvent']);
  });

  it('does not compile when the list misses a key of the type or names one it lacks', () => {
    // @ts-expect-error onEvent is missing
    optionKeys<Sample>({ name: true, size: true });
    // @ts-expect-error colour is not a key of Sample
    optionKeys<Sample>({ name: true, size: true, onEvent: true, colour: true });
    expect(true).toBe(true);
  });
});

describe('rejectUnknownKeys', () => {
  it('accepts known keys, whether given or not', () => {
    expect(refusedKey({})).toBeUndefined();
    expect(refusedKey({ name: 'a', size: undefined, onEvent: () => undefined })).toBeUndefined();
  });

  it('refuses the first unknown key, in Object.keys order', () => {
    expect(refusedKey({ name: 'a', colour: 1, shade: 2 })).toBe('colour');
    expect(refusedKey({ shade: 2, name: 'a', colour: 1 })).toBe('shade');
  });

  it("throws refuse's error as it is", () => {
    const error = new TypeError('mine');
    let thrown: unknown;
    try {
      rejectUnknownKeys({ colour: 1 }, KNOWN, () => error);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBe(error);
  });

  it('refuses prototype names like any other key', () => {
    expect(refusedKey(JSON.parse('{"__proto__":1}') as object)).toBe('__proto__');
    expect(refusedKey({ toString: 1 })).toBe('toString');
    expect(refusedKey({ name: 'a', constructor: 1 })).toBe('constructor');
    expect(refusedKey({ hasOwnProperty: 1 })).toBe('hasOwnProperty');
  });

  it('ignores symbol keys, inherited keys and keys that are not enumerable', () => {
    expect(refusedKey({ name: 'a', [Symbol('tag')]: 1 })).toBeUndefined();
    expect(refusedKey(Object.create({ colour: 1 }) as object)).toBeUndefined();
    expect(refusedKey(Object.defineProperty({}, 'colour', { value: 1, enumerable: false }))).toBeUndefined();
  });

  it('does not call refuse when every key is known', () => {
    const spy = jest.fn((key: string) => new Refused(key));
    rejectUnknownKeys({ name: 'a' }, KNOWN, spy);
    expect(spy).not.toHaveBeenCalled();
  });
});

describe('rejectNonObject', () => {
  const refusal = (value: unknown): string | undefined => {
    try {
      rejectNonObject(value, 'retry', (message) => new TypeError(message));
      return undefined;
    } catch (error) {
      expect(error).toBeInstanceOf(TypeError);
      return (error as Error).message;
    }
  };

  it('accepts undefined and objects, with keys or without', () => {
    expect(refusal(undefined)).toBeUndefined();
    expect(refusal({})).toBeUndefined();
    expect(refusal({ a: 1 })).toBeUndefined();
    expect(refusal(Object.create(null))).toBeUndefined();
  });

  it('refuses what would pass for an object with no keys, or with keys 0, 1 ...', () => {
    expect(refusal(5)).toBe('retry must be an object, got 5');
    expect(refusal(false)).toBe('retry must be an object, got false');
    expect(refusal(null)).toBe('retry must be an object, got null');
    expect(refusal([1])).toBe('retry must be an object, got an array');
    expect(refusal(() => undefined)).toBe('retry must be an object, got a function');
  });

  it('never shows a string, which could be a secret', () => {
    expect(refusal('hunter2')).toBe('retry must be an object, got a string');
  });

  it('isOptionsObject agrees', () => {
    expect([{}, [], null, 'a', 1, undefined].map(isOptionsObject)).toEqual([
      true,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('rejectNonBoolean', () => {
  const refusal = (value: unknown): string | undefined => {
    try {
      rejectNonBoolean(value, 'http.console', (message) => new TypeError(message));
      return undefined;
    } catch (error) {
      expect(error).toBeInstanceOf(TypeError);
      return (error as Error).message;
    }
  };

  it('accepts undefined, true and false', () => {
    expect([undefined, true, false].map(refusal)).toEqual([undefined, undefined, undefined]);
  });

  it('refuses anything else, naming the path and the value (a string, a number) or its shape', () => {
    expect(refusal('no')).toBe('http.console must be true or false, got "no"');
    expect(refusal(0)).toBe('http.console must be true or false, got 0');
    expect(refusal(null)).toBe('http.console must be true or false, got null');
    expect(refusal({ on: true })).toBe('http.console must be true or false, got an object');
    expect(refusal([true])).toBe('http.console must be true or false, got an array');
  });
});

describe('rejectBadNumbers', () => {
  interface Sized {
    readonly count?: number;
    readonly ratio?: number;
    readonly floor?: number;
    readonly cap?: number;
    readonly label?: string;
  }
  const RULES: NumberRules<Sized> = {
    count: { integer: true, min: 1 },
    ratio: { integer: false, min: 0 },
    floor: { integer: true, min: 1024 },
    cap: { integer: true, min: 0, orInfinity: true },
  };
  const refusal = (value: Sized | undefined): string | undefined => {
    try {
      rejectBadNumbers(value, 'limits', RULES, (message) => new TypeError(message));
      return undefined;
    } catch (error) {
      expect(error).toBeInstanceOf(TypeError);
      return (error as Error).message;
    }
  };

  it('does not compile when the rules miss a number key or name a key that is not one', () => {
    // @ts-expect-error cap is missing
    const missing: NumberRules<Sized> = { count: RULES.count, ratio: RULES.ratio, floor: RULES.floor };
    // @ts-expect-error label holds a string
    const wrong: NumberRules<Sized> = { ...RULES, label: RULES.count };
    expect([missing, wrong]).toHaveLength(2);
  });

  it('accepts what fits, left-out keys and no object at all', () => {
    expect(refusal(undefined)).toBeUndefined();
    expect(refusal({})).toBeUndefined();
    expect(refusal({ count: 1, ratio: 0, floor: 1024, cap: 0 })).toBeUndefined();
    expect(refusal({ count: 2 ** 53 - 1, ratio: 0.5, floor: 4096, cap: Infinity })).toBeUndefined();
  });

  it('refuses each bad value, naming the path, the rule and the value', () => {
    expect(refusal({ count: 0 })).toBe('limits.count must be a positive integer, got 0');
    expect(refusal({ count: -1 })).toBe('limits.count must be a positive integer, got -1');
    expect(refusal({ count: 1.5 })).toBe('limits.count must be a positive integer, got 1.5');
    expect(refusal({ count: 2 ** 53 })).toBe('limits.count must be a positive integer, got 9007199254740992');
    expect(refusal({ count: Infinity })).toBe('limits.count must be a positive integer, got Infinity');
    expect(refusal({ ratio: NaN })).toBe('limits.ratio must be a non-negative number, got NaN');
    expect(refusal({ ratio: -0.5 })).toBe('limits.ratio must be a non-negative number, got -0.5');
    expect(refusal({ ratio: Infinity })).toBe('limits.ratio must be a non-negative number, got Infinity');
    expect(refusal({ floor: 1023 })).toBe('limits.floor must be an integer >= 1024, got 1023');
    expect(refusal({ cap: -Infinity })).toBe(
      'limits.cap must be a non-negative integer or Infinity, got -Infinity',
    );
  });

  it('refuses what is not a number, never showing a string', () => {
    expect(refusal({ count: '5' } as never)).toBe('limits.count must be a positive integer, got a string');
    expect(refusal({ count: null } as never)).toBe('limits.count must be a positive integer, got null');
    expect(refusal({ count: true } as never)).toBe('limits.count must be a positive integer, got true');
    expect(refusal({ count: 5n } as never)).toBe('limits.count must be a positive integer, got a bigint');
  });

  it('refuses the first bad key in the order of the rules', () => {
    expect(refusal({ cap: -1, count: 0 })).toBe('limits.count must be a positive integer, got 0');
  });
});
