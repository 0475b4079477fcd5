import Joi from 'joi';
import { flag, loadConfig, logLevel, nodeEnv, originList, port, stringList, url } from '@gatehouse/config';

export interface AuthConfig {
  NODE_ENV: 'development' | 'production' | 'test';
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  HOST: string;
  PORT: number;
  DATABASE_URL: string;
  DATABASE_POOL_SIZE: number;
  REDIS_URL: string;
  REDIS_KEY_PREFIX: string;
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
  JWT_PRIVATE_KEY_FILE?: string;
  JWT_PUBLISHED_PUBLIC_KEY_FILES: string[];
  DEV_KEYS_DIR: string;
  JWKS_MAX_AGE_SECONDS: number;
  ACCESS_TOKEN_TTL_SECONDS: number;
  REFRESH_TOKEN_TTL_SECONDS: number;
  REFRESH_REUSE_GRACE_SECONDS: number;
  BCRYPT_COST: number;
  CORS_ORIGINS: string[];
  COOKIE_SECURE: boolean;
  TRUST_PROXY_HOPS: number;
  REQUIRE_VERIFIED_EMAIL: boolean;
  LOGIN_IP_LIMIT: number;
  LOGIN_IP_WINDOW_SECONDS: number;
  LOGIN_FREE_ATTEMPTS: number;
  LOGIN_BACKOFF_MAX_SECONDS: number;
  LOGIN_ACCOUNT_FAILURE_LIMIT: number;
  LOGIN_ACCOUNT_WINDOW_SECONDS: number;
  REFRESH_IP_LIMIT: number;
  REFRESH_IP_WINDOW_SECONDS: number;
  REGISTER_IP_LIMIT: number;
  REGISTER_IP_WINDOW_SECONDS: number;
  BOOTSTRAP_ADMIN_EMAIL?: string;
  BOOTSTRAP_ADMIN_PASSWORD?: string;
  SHUTDOWN_TIMEOUT_MS: number;
}

const positive = () => Joi.number().integer().min(1);

export const authConfigSchema = Joi.object<AuthConfig>({
  NODE_ENV: nodeEnv(),
  LOG_LEVEL: logLevel(),
  HOST: Joi.string().default('0.0.0.0'),
  PORT: port().default(4001),
  DATABASE_URL: url(['postgres', 'postgresql']).default('postgres://postgres@127.0.0.1:5432/gatehouse_auth'),
  DATABASE_POOL_SIZE: positive().max(100).default(10),
  REDIS_URL: url(['redis', 'rediss']).default('redis://127.0.0.1:6379'),
  REDIS_KEY_PREFIX: Joi.string().pattern(/^[\w:.-]+$/).default('gatehouse:auth:'),
  JWT_ISSUER: Joi.string().default('gatehouse'),
  JWT_AUDIENCE: Joi.string().default('gatehouse-api'),
  JWT_PRIVATE_KEY_FILE: Joi.string(),
  JWT_PUBLISHED_PUBLIC_KEY_FILES: stringList().default([]),
  DEV_KEYS_DIR: Joi.string().default('.dev-keys'),
  JWKS_MAX_AGE_SECONDS: positive().max(86_400).default(300),
  ACCESS_TOKEN_TTL_SECONDS: positive().max(3600).default(900),
  REFRESH_TOKEN_TTL_SECONDS: positive().default(604_800),
  REFRESH_REUSE_GRACE_SECONDS: Joi.number().min(0).max(30).default(3),
  BCRYPT_COST: Joi.number()
    .integer()
    .min(4)
    .max(15)
    .default(12)
    .when('NODE_ENV', { is: 'production', then: Joi.number().min(10).messages({ 'number.min': '"BCRYPT_COST" must be at least 10 in production' }) }),
  CORS_ORIGINS: originList().default('http://localhost:3000,http://localhost:8080'),
  COOKIE_SECURE: flag().default(true),
  TRUST_PROXY_HOPS: Joi.number().integer().min(0).max(10).default(0),
  REQUIRE_VERIFIED_EMAIL: flag().default(false),
  LOGIN_IP_LIMIT: positive().default(30),
  LOGIN_IP_WINDOW_SECONDS: positive().default(60),
  LOGIN_FREE_ATTEMPTS: positive().default(5),
  LOGIN_BACKOFF_MAX_SECONDS: positive().default(900),
  LOGIN_ACCOUNT_FAILURE_LIMIT: positive().default(50),
  LOGIN_ACCOUNT_WINDOW_SECONDS: positive().default(900),
  REFRESH_IP_LIMIT: positive().default(300),
  REFRESH_IP_WINDOW_SECONDS: positive().default(60),
  REGISTER_IP_LIMIT: positive().default(20),
  REGISTER_IP_WINDOW_SECONDS: positive().default(3600),
  BOOTSTRAP_ADMIN_EMAIL: Joi.string().trim().lowercase().email({ tlds: false }),
  BOOTSTRAP_ADMIN_PASSWORD: Joi.string().min(8),
  SHUTDOWN_TIMEOUT_MS: positive().default(10_000),
})
  .and('BOOTSTRAP_ADMIN_EMAIL', 'BOOTSTRAP_ADMIN_PASSWORD')
  .when(Joi.object({ NODE_ENV: 'production' }).unknown(), {
    then: Joi.object({ JWT_PRIVATE_KEY_FILE: Joi.required(), COOKIE_SECURE: Joi.valid(true) }),
  });

export function loadAuthConfig(env: Record<string, string | undefined>): Readonly<AuthConfig> {
  return loadConfig('auth', authConfigSchema, env);
}
