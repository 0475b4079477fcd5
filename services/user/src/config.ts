import Joi from 'joi';
import { loadConfig, logLevel, nodeEnv, port, url } from '@gatehouse/config';

export interface UserConfig {
  NODE_ENV: 'development' | 'production' | 'test';
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  HOST: string;
  PORT: number;
  DATABASE_URL: string;
  DATABASE_POOL_SIZE: number;
  JWKS_URL: string;
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
  TRUST_PROXY_HOPS: number;
  SHUTDOWN_TIMEOUT_MS: number;
}

const positive = () => Joi.number().integer().min(1);

export const userConfigSchema = Joi.object<UserConfig>({
  NODE_ENV: nodeEnv(),
  LOG_LEVEL: logLevel(),
  HOST: Joi.string().default('0.0.0.0'),
  PORT: port().default(4002),
  DATABASE_URL: url(['postgres', 'postgresql']).default('postgres://postgres@127.0.0.1:5432/gatehouse_user'),
  DATABASE_POOL_SIZE: positive().max(100).default(10),
  JWKS_URL: url(['http', 'https']).default('http://127.0.0.1:4001/.well-known/jwks.json'),
  JWT_ISSUER: Joi.string().default('gatehouse'),
  JWT_AUDIENCE: Joi.string().default('gatehouse-api'),
  TRUST_PROXY_HOPS: Joi.number().integer().min(0).max(10).default(0),
  SHUTDOWN_TIMEOUT_MS: positive().default(10_000),
});

export function loadUserConfig(env: Record<string, string | undefined>): Readonly<UserConfig> {
  return loadConfig('user', userConfigSchema, env);
}
