export * from './LogTypes';
export {
  HEADER,
  ENVELOPE_VERSION,
  MUTATION_ENVELOPE_SCHEMA,
  schemaFingerprint,
  type MutationEnvelope,
} from './mutationEnvelope';
export * from './topicNames';
export * from './WriterSchemas';
export * from './MutationCodec';
export * from './MutationDecoder';
export * from './SchemaTopic';
export * from './TopicAdmin';
export {
  type TopicSettings,
  type TopicDrift,
  DEFAULT_DELETE_RETENTION_MS,
  DEFAULT_SEGMENT_MS,
  DEFAULT_SEGMENT_BYTES,
  DEFAULT_MIN_CLEANABLE_DIRTY_RATIO,
  DEFAULT_MIN_COMPACTION_LAG_MS,
  DEFAULT_MAX_MESSAGE_BYTES,
} from './TopicSettings';
export * from './PartitionAppender';
export * from './PartitionAppenderOptions';
export * from './LogReader';
export { findIncompatibility, type Incompatibility } from './compatibility';
export { isFencingError } from './kafkaErrors';
