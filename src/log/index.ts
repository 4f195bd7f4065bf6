export * from './codec/LogTypes';
export {
  HEADER,
  ENVELOPE_VERSION,
  MUTATION_ENVELOPE_SCHEMA,
  schemaFingerprint,
  type MutationEnvelope,
} from './codec/mutationEnvelope';
export * from './admin/topicNames';
export * from './codec/WriterSchemas';
export * from './codec/MutationCodec';
export * from './read/MutationDecoder';
export * from './read/SchemaTopic';
export * from './admin/TopicAdmin';
export {
  type TopicSettings,
  type TopicDrift,
  DEFAULT_DELETE_RETENTION_MS,
  DEFAULT_SEGMENT_MS,
  DEFAULT_SEGMENT_BYTES,
  DEFAULT_MIN_CLEANABLE_DIRTY_RATIO,
  DEFAULT_MIN_COMPACTION_LAG_MS,
  DEFAULT_MAX_MESSAGE_BYTES,
} from './admin/TopicSettings';
export * from './append/PartitionAppender';
export * from './append/PartitionAppenderOptions';
export * from './read/LogReader';
export { findIncompatibility, type Incompatibility } from './codec/compatibility';
export { isFencingError } from './connection/kafkaErrors';
