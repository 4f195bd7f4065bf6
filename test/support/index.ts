/** Helpers for integration and fault tests: real Kafka, real PostgreSQL, child processes. */
export { ChildHandle, distScript, spawnChild } from './childProcess';
export type { ChildExit, ChildMessage } from './childProcess';
export { testDatabaseUrl, testKafkaBrokers } from './endpoints';
export { PostgresInstance, startPrivatePostgres } from './privatePostgres';
export type { PostgresStopMode } from './privatePostgres';
export { openTestDatabase } from './TestDatabase';
export type { TestDatabase } from './TestDatabase';
export { deleteTopicsByPrefix, TestKafka } from './TestKafka';
export type { ReadMessage, ReadOptions, TestTopicOptions } from './TestKafka';
export { uniqueName } from './uniqueName';
export { gridTestKit, exampleOrder, deleteTestTopics, EXAMPLE_SCHEMAS } from './gridTestKit';
export type { GridTestKit } from './gridTestKit';
export { killAfterReady } from './killAfterReady';
export type { WorkerLine } from './killAfterReady';
