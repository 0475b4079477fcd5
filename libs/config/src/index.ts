export { loadConfig, ConfigError } from './load-config';
export { originList, stringList, port, logLevel, nodeEnv, flag, url } from './config-types';
export { configSchema, optional, oneOf, type ConfigFields, type ConfigOf } from './typed-config';
export {
  baseServiceKeys,
  databaseKeys,
  tokenClaimsKeys,
  outboxKeys,
  processedEventsKeys,
  positiveInt,
  migrationConfigSchema,
  type MigrationConfig,
  type BaseServiceConfig,
  type DatabaseConfig,
  type TokenClaimsConfig,
  type OutboxConfig,
  type ProcessedEventsConfig,
} from './service-keys';
export { brokerKeys, eventConsumerKeys, type BrokerConfig, type EventConsumerConfig, type EventConsumerDefaults, type EventQueueType } from './broker-keys';
