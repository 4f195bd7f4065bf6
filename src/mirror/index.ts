export { MirrorProjector } from './MirrorProjector';
export {
  DEFAULT_MIRROR_SCHEMA,
  DEFAULT_MIRROR_CONCURRENCY,
  DEFAULT_MIRROR_BATCH_BYTES,
  DEFAULT_ON_POISON,
  type MirrorOptions,
  type MirrorPoisonPolicy,
  type MirrorProgress,
  type MirrorReconcile,
} from './MirrorConfig';
export type { ReconcileReason } from './tombstoneHorizon';
export {
  DeadLetterStore,
  type DeadLetter,
  type DeadLetterCode,
  type DeadLetterQuery,
  type StoredDeadLetter,
} from './DeadLetterStore';
export type { PartitionLag } from './MirrorLag';
export { waitForMirror, type MirrorPosition } from './waitForMirror';
export {
  mapEntryType,
  META_COLUMNS,
  type TableMapping,
  type ColumnMapping,
  type IndexMapping,
} from './TableMapping';
export { SQL_TYPES, type ValueKind } from './avroColumn';
export { checkMirrorSchema } from './checkMirrorSchema';
export { planMigration, type MigrationPlan } from './MigrationPlanner';
export { writeMigrationFile } from './writeMigrationFile';
export {
  migrateLatest,
  pendingMigrations,
  MIGRATIONS_TABLE,
  type MigrationTarget,
} from './SpacelogMigrations';
export { readMirrorStatus, type MirrorStatusOptions } from './readMirrorStatus';
export { makeMirrorMigration, type MakeMigrationOptions } from './makeMirrorMigration';
export { entryOfRow, type MirroredEntry } from './entryOfRow';
export { createMirrorTables, type CreateTablesOptions } from './createMirrorTables';
export { readMirrorSnapshot, type MirrorSnapshot, type MirrorSnapshotSource } from './readMirrorSnapshot';
