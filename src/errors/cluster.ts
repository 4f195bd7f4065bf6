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
