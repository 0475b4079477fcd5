export { loadConfig, ConfigError } from './load-config';
export { originList, stringList, port, logLevel, nodeEnv, flag, url } from './config-types';
export {
  baseServiceKeys,
  databaseKeys,
  tokenClaimsKeys,
  positiveInt,
  type BaseServiceConfig,
  type DatabaseConfig,
  type TokenClaimsConfig,
} from './service-keys';
