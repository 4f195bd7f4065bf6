import * as kafkajs from 'kafkajs';

/**
 * The version of Spacelog's kafkajs patch (patches/kafkajs+2.2.4.patch) that the loaded kafkajs
 * carries, or 0 for a stock kafkajs. The patch adds this marker to kafkajs's exports; it is applied
 * in this repository only (`npm install` here), never in a project that installs Spacelog as a
 * dependency, which gets the stock kafkajs unless it applies the patch itself. Version 1: the
 * transaction coordinator kept, pre-encoded record tails, cheaper encoding; version 2 adds asking
 * AddPartitionsToTxn again at once on CONCURRENT_TRANSACTIONS (bounded); version 3 asks EndTxn
 * again on UNKNOWN_SERVER_ERROR (Kafka 3.x's answer to a commit racing its fencing: asked again, it
 * answers the fence), coordinator moves and lost answers, marking an error that follows a lost answer
 * (`isCommitOutcomeUnknown`). Only the tails change what
 * Spacelog hands kafkajs; the rest is as correct on a stock kafkajs, only slower.
 * @internal
 */
export const KAFKAJS_PATCH_VERSION: number = readPatchVersion(kafkajs);

/**
 * True when kafkajs writes a message's pre-encoded `spacelogRecordTail` (patch version 1 and up).
 * Read once, when this module loads: a stock kafkajs would ignore the tails and encode every record
 * again, so the appender builds them only when this is true.
 * @internal
 */
export const KAFKAJS_WRITES_RECORD_TAILS: boolean = KAFKAJS_PATCH_VERSION >= 1;

/** The marker's value; anything but a positive integer is a stock (or unknown) kafkajs. */
export function readPatchVersion(module: object): number {
  const marker: unknown = Reflect.get(module, 'spacelogPatch');
  return typeof marker === 'number' && Number.isInteger(marker) && marker > 0 ? marker : 0;
}
