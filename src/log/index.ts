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
export * from './PartitionAppender';
export * from './PartitionAppenderOptions';
export * from './LogReader';
export { findIncompatibility, type Incompatibility } from './compatibility';
export { isFencingError } from './kafkaErrors';
