export * from './KafkaClientOptions';
export {
  createKafka,
  describeKafkaConnection,
  type KafkaConnection,
  type KafkaTuning,
  type KafkaTls,
  type KafkaSasl,
  type KafkaPasswordSasl,
  type KafkaTokenFileSasl,
  type KafkaTokenCallbackSasl,
} from './KafkaConnection';
export {
  KAFKA_ENVIRONMENT,
  DEFAULT_BROKERS,
  kafkaBrokersFromEnv,
  type KafkaEnvironmentVariable,
} from './kafkaEnvironment';
export {
  KAFKA_CLIENT_IDS,
  KAFKA_TUNINGS,
  kafkaOn,
  openKafka,
  type KafkaOpenUse,
  type KafkaTuningName,
  type KafkaUse,
  type OpenedKafka,
} from './openKafka';
export {
  checkKafkaClientOptions,
  resolveKafkaConnection,
  type KafkaResolveContext,
} from './resolveKafkaConnection';
