import Joi from 'joi';
import {
  baseServiceKeys,
  databaseKeys,
  flag,
  loadConfig,
  originList,
  positiveInt,
  stringList,
  tokenClaimsKeys,
  url,
  type BaseServiceConfig,
  type DatabaseConfig,
  type TokenClaimsConfig,
} from '@gatehouse/config';

export interface AuthConfig extends BaseServiceConfig, DatabaseConfig, TokenClaimsConfig {
  REDIS_URL: string;
  REDIS_KEY_PREFIX: string;
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
}

const positive = positiveInt;

export const authConfigSchema = Joi.object<AuthConfig>({
  ...baseServiceKeys(4001),
  ...databaseKeys('gatehouse_auth'),
  ...tokenClaimsKeys(),
  REDIS_URL: url(['redis', 'rediss']).default('redis://127.0.0.1:6379'),
  REDIS_KEY_PREFIX: Joi.string().pattern(/^[\w:.-]+$/).default('gatehouse:auth:'),
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
})
  .and('BOOTSTRAP_ADMIN_EMAIL', 'BOOTSTRAP_ADMIN_PASSWORD')
  .when(Joi.object({ NODE_ENV: 'production' }).unknown(), {
    then: Joi.object({ JWT_PRIVATE_KEY_FILE: Joi.required(), COOKIE_SECURE: Joi.valid(true) }),
  });

export function loadAuthConfig(env: Record<string, string | undefined>): Readonly<AuthConfig> {
  return loadConfig('auth', authConfigSchema, env);
}
