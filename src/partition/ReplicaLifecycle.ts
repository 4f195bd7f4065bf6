import { IllegalReplicaTransitionError, type SpacelogError } from '../errors';

/** Which replica of a partition: the one that serves and appends, or one that tails the log. */
export type ReplicaKind = 'primary' | 'backup';

/**
 * Where one replica is in its life. `failed` may say why; `fenced` and `corrupt` carry the error its
 * operations get from then on, `closed` the one it was closed with (a primary's, always).
 */
export type ReplicaState =
  | { readonly name: 'created' }
  | { readonly name: 'warming' }
  | { readonly name: 'primary' }
  | { readonly name: 'backup' }
  | { readonly name: 'failed'; readonly reason?: SpacelogError }
  | { readonly name: 'handed-over' }
  | { readonly name: 'fenced'; readonly error: SpacelogError }
  | { readonly name: 'corrupt'; readonly error: SpacelogError }
  | { readonly name: 'closed'; readonly error?: SpacelogError };

export type ReplicaStateName = ReplicaState['name'];

/** The states of a primary: `fenced`, `corrupt` and `closed` are final (only `closed` follows them). */
export type PrimaryStateName = 'created' | 'warming' | 'primary' | 'failed' | 'fenced' | 'corrupt' | 'closed';

/** The states of a backup: `handed-over` (its state went to a promoted primary) and `closed` end it. */
export type BackupStateName = 'created' | 'warming' | 'backup' | 'failed' | 'handed-over' | 'closed';

/** The state names of one kind of replica. */
export type StateNameOf<K extends ReplicaKind> = K extends 'primary' ? PrimaryStateName : BackupStateName;

/** The states of one kind of replica. */
export type StateOf<K extends ReplicaKind> = Extract<ReplicaState, { readonly name: StateNameOf<K> }>;

/** For each state, the states it may move to. */
type Moves<S extends ReplicaStateName> = { readonly [From in S]: readonly S[] };

const PRIMARY_MOVES: Moves<PrimaryStateName> = {
  created: ['warming', 'closed'],
  // A warm-up attempt that failed leaves the primary warming; the next attempt (its rebuild, a
  // unit's retry of the promotion) starts over from there.
  warming: ['warming', 'primary', 'corrupt', 'fenced', 'closed'],
  primary: ['failed', 'fenced', 'closed'],
  failed: ['warming', 'closed'],
  fenced: ['closed'],
  corrupt: ['closed'],
  closed: [],
};

const BACKUP_MOVES: Moves<BackupStateName> = {
  created: ['warming', 'closed'],
  warming: ['backup', 'failed', 'handed-over', 'closed'],
  backup: ['failed', 'handed-over', 'closed'],
  // A failed backup tails again from the beginning (unless its log is corrupt), or is promoted or closed.
  failed: ['warming', 'handed-over', 'closed'],
  'handed-over': [],
  closed: [],
};

const MOVES: { readonly [K in ReplicaKind]: Moves<StateNameOf<K>> } = {
  primary: PRIMARY_MOVES,
  backup: BACKUP_MOVES,
};

/** One move of a replica, as its listeners hear it. */
export interface ReplicaTransition<S extends ReplicaStateName = ReplicaStateName> {
  readonly from: S;
  readonly to: S;
  /** Why: the failure, or the error a final state carries. */
  readonly cause?: SpacelogError;
}

export type ReplicaListener<S extends ReplicaStateName = ReplicaStateName> = (
  transition: ReplicaTransition<S>,
) => void;

/**
 * The checked life of one replica of a partition (a primary or a backup): its state, and the moves
 * between states its kind allows (the tables above). An illegal move throws
 * IllegalReplicaTransitionError and leaves the state as it was. Listeners hear every move, in the
 * order they were added, after the state changed.
 */
export class ReplicaLifecycle<K extends ReplicaKind = ReplicaKind> {
  private current: ReplicaState = { name: 'created' };
  private listeners: { readonly listener: ReplicaListener<StateNameOf<K>> }[] = [];

  constructor(
    readonly kind: K,
    private readonly context: { readonly space?: string; readonly partition?: number } = {},
  ) {}

  get state(): StateOf<K> {
    return this.current as StateOf<K>;
  }

  get name(): StateNameOf<K> {
    return this.current.name as StateNameOf<K>;
  }

  /** Serving as its kind: a primary serves, a backup is caught up and tailing. */
  get ready(): boolean {
    return this.current.name === this.kind;
  }

  /** The error of a final state (`fenced`, `corrupt`, `closed`), which the replica's operations get. */
  get finalError(): SpacelogError | undefined {
    const state = this.current;
    return state.name === 'fenced' || state.name === 'corrupt' || state.name === 'closed'
      ? state.error
      : undefined;
  }

  /** Whether the replica may move to `to` from where it is. */
  can(to: StateNameOf<K>): boolean {
    const moves = MOVES[this.kind] as Moves<ReplicaStateName>;
    return moves[this.current.name]?.includes(to) ?? false;
  }

  /** Throws IllegalReplicaTransitionError unless the replica may move to `to`; changes nothing. */
  check(to: StateNameOf<K>): void {
    if (!this.can(to)) {
      throw new IllegalReplicaTransitionError({
        replica: this.kind,
        from: this.current.name,
        to,
        ...this.context,
      });
    }
  }

  /**
   * Moves to `to` and tells the listeners. An illegal move throws and changes nothing. A listener
   * that throws does not keep the others from hearing the move; the first such error is rethrown
   * once they all have.
   */
  transition(to: StateNameOf<K>, cause: SpacelogError): void;
  transition(to: Exclude<StateNameOf<K>, 'fenced' | 'corrupt'>, cause?: SpacelogError): void;
  transition(to: StateNameOf<K>, cause?: SpacelogError): void {
    this.check(to);
    const from = this.name;
    this.current = stateOf(to, cause);
    const transition: ReplicaTransition<StateNameOf<K>> =
      cause === undefined ? { from, to } : { from, to, cause };
    let thrown: { readonly error: unknown } | undefined;
    for (const { listener } of this.listeners) {
      try {
        listener(transition);
      } catch (error) {
        thrown ??= { error };
      }
    }
    if (thrown !== undefined) throw thrown.error;
  }

  /** Hears every move from now on; returns the function that stops it. */
  addListener(listener: ReplicaListener<StateNameOf<K>>): () => void {
    const entry = { listener };
    this.listeners = [...this.listeners, entry];
    return () => {
      this.listeners = this.listeners.filter((e) => e !== entry);
    };
  }
}

function stateOf(to: ReplicaStateName, cause: SpacelogError | undefined): ReplicaState {
  switch (to) {
    case 'failed':
      return cause === undefined ? { name: to } : { name: to, reason: cause };
    case 'closed':
      return cause === undefined ? { name: to } : { name: to, error: cause };
    case 'fenced':
    case 'corrupt':
      if (cause === undefined) throw new TypeError(`a replica becomes ${to} with the error that says why`);
      return { name: to, error: cause };
    default:
      return { name: to };
  }
}
