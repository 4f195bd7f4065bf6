import { SpacelogError, SpacelogErrorOptions } from './SpacelogError';

/**
 * This processing unit is not (or no longer) the primary of the partition: it moved, or this unit
 * lost its membership. Nothing of the operation was applied; refresh the partition map and retry.
 */
export class NotPrimaryError extends SpacelogError {
  constructor(message: string, options: SpacelogErrorOptions = {}) {
    super(message, 'NOT_PRIMARY', true, options);
    this.name = 'NotPrimaryError';
  }
}

/** A processing unit configuration is invalid (file, key and reason in the message). */
export class UnitConfigError extends SpacelogError {
  constructor(message: string, options: SpacelogErrorOptions = {}) {
    super(message, 'UNIT_CONFIG', false, options);
    this.name = 'UnitConfigError';
  }
}

/** What an illegal replica transition names besides its space and partition. */
export interface IllegalReplicaTransitionOptions extends SpacelogErrorOptions {
  /** Which replica of the partition: `primary` or `backup`. */
  readonly replica: 'primary' | 'backup';
  /** The state the replica is in (and stays in). */
  readonly from: string;
  /** The state it was asked to move to. */
  readonly to: string;
}

/**
 * A replica was asked to move between two states its life does not connect (a bug in Spacelog, not
 * in the caller's input): the move was refused and the replica stays where it was.
 */
export class IllegalReplicaTransitionError extends SpacelogError {
  readonly replica: 'primary' | 'backup';
  readonly from: string;
  readonly to: string;

  constructor(options: IllegalReplicaTransitionOptions) {
    const { replica, from, to, ...context } = options;
    const where =
      context.partition === undefined
        ? ''
        : ` of partition ${context.partition}${context.space === undefined ? '' : ` of space '${context.space}'`}`;
    super(
      `${replica}${where} cannot move from ${from} to ${to}`,
      'ILLEGAL_REPLICA_TRANSITION',
      false,
      context,
    );
    this.name = 'IllegalReplicaTransitionError';
    this.replica = replica;
    this.from = from;
    this.to = to;
  }
}
