export { loadConfig, ConfigError } from './load-config';
export { originList, stringList, port, logLevel, nodeEnv, flag, url } from './config-types';
export {
  baseServiceKeys,
  databaseKeys,
  tokenClaimsKeys,
  outboxKeys,
  processedEventsKeys,
  eventQueueKeys,
  positiveInt,
  migrationConfigSchema,
  type MigrationConfig,
  type BaseServiceConfig,
  type DatabaseConfig,
  type TokenClaimsConfig,
  type OutboxConfig,
  type ProcessedEventsConfig,
  type EventQueueConfig,
  type EventQueueType,
} from './service-keys';
