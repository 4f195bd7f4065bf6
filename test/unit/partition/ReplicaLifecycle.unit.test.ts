import fc from 'fast-check';
import {
  CorruptLogError,
  FencedError,
  IllegalReplicaTransitionError,
  LogReadError,
  PartitionNotReadyError,
  SpacelogError,
} from '../../../src/errors';
import {
  ReplicaLifecycle,
  type ReplicaKind,
  type ReplicaStateName,
  type ReplicaTransition,
} from '../../../src/partition/ReplicaLifecycle';

const ALL: readonly ReplicaStateName[] = [
  'created',
  'warming',
  'primary',
  'backup',
  'failed',
  'handed-over',
  'fenced',
  'corrupt',
  'closed',
];

/** The replica's life, written out here rather than read from the code under test. */
const EXPECTED: {
  readonly [K in ReplicaKind]: Partial<Record<ReplicaStateName, readonly ReplicaStateName[]>>;
} = {
  primary: {
    created: ['warming', 'closed'],
    warming: ['warming', 'primary', 'corrupt', 'fenced', 'closed'],
    primary: ['failed', 'fenced', 'closed'],
    failed: ['warming', 'closed'],
    fenced: ['closed'],
    corrupt: ['closed'],
    closed: [],
  },
  backup: {
    created: ['warming', 'closed'],
    warming: ['backup', 'failed', 'handed-over', 'closed'],
    backup: ['failed', 'handed-over', 'closed'],
    failed: ['warming', 'handed-over', 'closed'],
    'handed-over': [],
    closed: [],
  },
};

const KINDS: readonly ReplicaKind[] = ['primary', 'backup'];

/** The error a move to `to` carries (fenced and corrupt need one). */
function causeFor(to: ReplicaStateName): SpacelogError | undefined {
  if (to === 'fenced') return new FencedError('a newer writer');
  if (to === 'corrupt') return new CorruptLogError('version went backwards', 'Order/o-1', { offset: '7' });
  if (to === 'closed') return new PartitionNotReadyError('closed');
  if (to === 'failed') return new LogReadError('tail broke');
  return undefined;
}

type Untyped = {
  can(to: ReplicaStateName): boolean;
  transition(to: ReplicaStateName, cause?: SpacelogError): void;
};

/** The lifecycle with its kind's typing erased: the tests also ask for moves its type would refuse. */
function untyped(life: ReplicaLifecycle): Untyped {
  return life as unknown as Untyped;
}

/** Shortest legal path from `created` to `to` in the expected table (undefined: unreachable). */
function pathTo(kind: ReplicaKind, to: ReplicaStateName): ReplicaStateName[] | undefined {
  const table = EXPECTED[kind];
  const paths = new Map<ReplicaStateName, ReplicaStateName[]>([['created', []]]);
  const queue: ReplicaStateName[] = ['created'];
  for (let at = queue.shift(); at !== undefined; at = queue.shift()) {
    for (const next of table[at] ?? []) {
      if (paths.has(next)) continue;
      paths.set(next, [...paths.get(at)!, next]);
      queue.push(next);
    }
  }
  return paths.get(to);
}

function lifecycleAt(kind: ReplicaKind, state: ReplicaStateName): ReplicaLifecycle {
  const life = new ReplicaLifecycle(kind, { space: 'orders', partition: 3 });
  for (const step of pathTo(kind, state)!) untyped(life).transition(step, causeFor(step));
  expect(life.name).toBe(state);
  return life;
}

describe('ReplicaLifecycle', () => {
  test('every state of each kind is reachable from created', () => {
    for (const kind of KINDS) {
      for (const state of Object.keys(EXPECTED[kind]) as ReplicaStateName[]) {
        expect([kind, state, pathTo(kind, state) !== undefined]).toEqual([kind, state, true]);
      }
    }
  });

  test('every (kind, from, to) is legal exactly as the table says', () => {
    let legal = 0;
    let illegal = 0;
    for (const kind of KINDS) {
      for (const from of Object.keys(EXPECTED[kind]) as ReplicaStateName[]) {
        for (const to of ALL) {
          const allowed = EXPECTED[kind][from]!.includes(to);
          const life = lifecycleAt(kind, from);
          expect([kind, from, to, untyped(life).can(to)]).toEqual([kind, from, to, allowed]);
          if (allowed) {
            untyped(life).transition(to, causeFor(to));
            expect(life.name).toBe(to);
            legal++;
          } else {
            expect(() => untyped(life).transition(to, causeFor(to))).toThrow(IllegalReplicaTransitionError);
            expect(life.name).toBe(from);
            illegal++;
          }
        }
      }
    }
    // 7 primary states and 6 backup states, each tried against all 9 names.
    expect(legal + illegal).toBe((7 + 6) * ALL.length);
    expect(legal).toBe(14 + 12);
  });

  test('an illegal move throws the typed error with its fields and leaves the state and the listeners alone', () => {
    const life = lifecycleAt('primary', 'fenced');
    const before = life.state;
    const heard: ReplicaTransition[] = [];
    life.addListener((t) => heard.push(t));
    let caught: unknown;
    try {
      life.transition('primary');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(IllegalReplicaTransitionError);
    const error = caught as IllegalReplicaTransitionError;
    expect(error).toMatchObject({
      name: 'IllegalReplicaTransitionError',
      code: 'ILLEGAL_REPLICA_TRANSITION',
      retriable: false,
      replica: 'primary',
      from: 'fenced',
      to: 'primary',
      space: 'orders',
      partition: 3,
    });
    expect(error.message).toBe("primary of partition 3 of space 'orders' cannot move from fenced to primary");
    expect(life.state).toBe(before);
    expect(heard).toEqual([]);
    expect(() => life.check('primary')).toThrow(IllegalReplicaTransitionError);
    expect(() => life.check('closed')).not.toThrow();
  });

  test('a move to a state of the other kind is refused', () => {
    const primary = lifecycleAt('primary', 'warming');
    expect(() => untyped(primary).transition('backup')).toThrow(IllegalReplicaTransitionError);
    const backup = lifecycleAt('backup', 'warming');
    expect(() => untyped(backup).transition('primary')).toThrow(IllegalReplicaTransitionError);
    expect(() => untyped(backup).transition('fenced', new FencedError('x'))).toThrow(
      IllegalReplicaTransitionError,
    );
  });

  test('final states carry their error; failed carries its reason', () => {
    const fenced = new FencedError('a newer writer');
    const primary = lifecycleAt('primary', 'primary');
    primary.transition('fenced', fenced);
    expect(primary.state).toEqual({ name: 'fenced', error: fenced });
    expect(primary.finalError).toBe(fenced);
    const closedWith = new PartitionNotReadyError('closed');
    primary.transition('closed', closedWith);
    expect(primary.finalError).toBe(closedWith);

    const corrupt = lifecycleAt('primary', 'corrupt');
    expect(corrupt.finalError).toBeInstanceOf(CorruptLogError);

    const backup = lifecycleAt('backup', 'backup');
    const reason = new LogReadError('tail broke');
    backup.transition('failed', reason);
    expect(backup.state).toEqual({ name: 'failed', reason });
    expect(backup.finalError).toBeUndefined();
    backup.transition('closed');
    expect(backup.state).toEqual({ name: 'closed' });
    expect(backup.finalError).toBeUndefined();
  });

  test('fenced and corrupt are refused without their error, and nothing changes', () => {
    const life = lifecycleAt('primary', 'warming');
    expect(() => untyped(life).transition('fenced')).toThrow(TypeError);
    expect(() => untyped(life).transition('corrupt')).toThrow(TypeError);
    expect(life.name).toBe('warming');
  });

  test('ready means serving as its kind', () => {
    for (const kind of KINDS) {
      for (const state of Object.keys(EXPECTED[kind]) as ReplicaStateName[]) {
        expect([kind, state, lifecycleAt(kind, state).ready]).toEqual([kind, state, state === kind]);
      }
    }
  });

  test('listeners hear each move in the order they were added, after the state changed', () => {
    const life = new ReplicaLifecycle('backup', { partition: 0 });
    const heard: string[] = [];
    life.addListener((t) => heard.push(`a ${t.from}>${t.to} now ${life.name}`));
    life.addListener((t) => heard.push(`b ${t.from}>${t.to}`));
    life.transition('warming');
    const reason = new LogReadError('x');
    let cause: unknown;
    life.addListener((t) => (cause = t.cause));
    life.transition('failed', reason);
    expect(heard).toEqual([
      'a created>warming now warming',
      'b created>warming',
      'a warming>failed now failed',
      'b warming>failed',
    ]);
    expect(cause).toBe(reason);
  });

  test('the function addListener returns removes that listener only, even when added twice', () => {
    const life = new ReplicaLifecycle('primary');
    const heard: string[] = [];
    const listener = (t: ReplicaTransition): void => void heard.push(t.to);
    const first = life.addListener(listener);
    life.addListener(listener);
    life.transition('warming');
    first();
    first();
    life.transition('primary');
    expect(heard).toEqual(['warming', 'warming', 'primary']);
  });

  test('a listener that unsubscribes while hearing a move does not keep the next one from hearing it', () => {
    const life = new ReplicaLifecycle('primary');
    const heard: string[] = [];
    const stop = life.addListener(() => {
      heard.push('once');
      stop();
    });
    life.addListener((t) => heard.push(t.to));
    life.transition('warming');
    life.transition('primary');
    expect(heard).toEqual(['once', 'warming', 'primary']);
  });

  test('a throwing listener does not stop the others; its error is rethrown once they heard the move', () => {
    const life = new ReplicaLifecycle('primary');
    const heard: string[] = [];
    const boom = new Error('listener broke');
    life.addListener(() => {
      throw boom;
    });
    life.addListener(() => {
      throw new Error('second');
    });
    life.addListener((t) => heard.push(t.to));
    expect(() => life.transition('warming')).toThrow(boom);
    expect(heard).toEqual(['warming']);
    expect(life.name).toBe('warming');
  });

  test('random walks follow the table: legal moves land and are heard once, illegal ones change nothing', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...KINDS),
        fc.array(fc.constantFrom(...ALL), { maxLength: 30 }),
        (kind, moves) => {
          const life = new ReplicaLifecycle(kind);
          const heard: ReplicaStateName[] = [];
          life.addListener((t) => heard.push(t.to));
          let model: ReplicaStateName = 'created';
          const expected: ReplicaStateName[] = [];
          for (const to of moves) {
            const allowed = EXPECTED[kind][model]!.includes(to);
            let threw = false;
            try {
              untyped(life).transition(to, causeFor(to));
            } catch (error) {
              expect(error).toBeInstanceOf(IllegalReplicaTransitionError);
              threw = true;
            }
            expect(threw).toBe(!allowed);
            if (allowed) {
              model = to;
              expected.push(to);
            }
            expect(life.name).toBe(model);
            expect(life.ready).toBe(model === kind);
          }
          expect(heard).toEqual(expected);
        },
      ),
    );
  });
});
