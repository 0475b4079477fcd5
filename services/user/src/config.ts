import {
  baseServiceKeys,
  brokerKeys,
  configSchema,
  databaseKeys,
  eventConsumerKeys,
  loadConfig,
  outboxKeys,
  processedEventsKeys,
  tokenClaimsKeys,
  url,
  type ConfigOf,
} from '@gatehouse/config';

const userConfigFields = {
  ...baseServiceKeys(4002),
  ...databaseKeys('gatehouse_user'),
  ...tokenClaimsKeys(),
  ...outboxKeys(),
  ...processedEventsKeys(),
  ...brokerKeys(),
  ...eventConsumerKeys({ queuePrefix: 'user' }),
  /** The auth service's public keys: this service verifies access tokens itself. */
  JWKS_URL: url(['http', 'https']).default('http://127.0.0.1:4001/.well-known/jwks.json'),
};

export type UserConfig = ConfigOf<typeof userConfigFields>;

export const userConfigSchema = configSchema(userConfigFields);

export function loadUserConfig(env: Record<string, string | undefined>): Readonly<UserConfig> {
  return loadConfig('user', userConfigSchema, env);
}
