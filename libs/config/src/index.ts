export { loadConfig, ConfigError } from './load-config';
export { originList, stringList, port, logLevel, nodeEnv, flag, url } from './config-types';
