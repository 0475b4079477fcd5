import Joi from 'joi';
import {
  baseServiceKeys,
  databaseKeys,
  loadConfig,
  tokenClaimsKeys,
  url,
  type BaseServiceConfig,
  type DatabaseConfig,
  type TokenClaimsConfig,
} from '@gatehouse/config';

export interface UserConfig extends BaseServiceConfig, DatabaseConfig, TokenClaimsConfig {
  /** The auth service's public keys: this service verifies access tokens itself. */
  JWKS_URL: string;
}

export const userConfigSchema = Joi.object<UserConfig>({
  ...baseServiceKeys(4002),
  ...databaseKeys('gatehouse_user'),
  ...tokenClaimsKeys(),
  JWKS_URL: url(['http', 'https']).default('http://127.0.0.1:4001/.well-known/jwks.json'),
});

export function loadUserConfig(env: Record<string, string | undefined>): Readonly<UserConfig> {
  return loadConfig('user', userConfigSchema, env);
}
