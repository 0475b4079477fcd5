import Joi from 'joi';
import {
  baseServiceKeys,
  databaseKeys,
  eventQueueKeys,
  loadConfig,
  outboxKeys,
  positiveInt,
  processedEventsKeys,
  tokenClaimsKeys,
  url,
  type BaseServiceConfig,
  type DatabaseConfig,
  type EventQueueConfig,
  type OutboxConfig,
  type ProcessedEventsConfig,
  type TokenClaimsConfig,
} from '@gatehouse/config';

export interface UserConfig extends BaseServiceConfig, DatabaseConfig, TokenClaimsConfig, OutboxConfig, ProcessedEventsConfig, EventQueueConfig {
  /** The auth service's public keys: this service verifies access tokens itself. */
  JWKS_URL: string;
  AMQP_URL: string;
  EVENTS_EXCHANGE: string;
  /** Prefix of this service's queues (`<prefix>.profile-events`); tests make it unique. */
  EVENTS_QUEUE_PREFIX: string;
  EVENT_MAX_ATTEMPTS: number;
  EVENT_RETRY_BASE_DELAY_MS: number;
}

export const userConfigSchema = Joi.object<UserConfig>({
  ...baseServiceKeys(4002),
  ...databaseKeys('gatehouse_user'),
  ...tokenClaimsKeys(),
  ...outboxKeys(),
  ...processedEventsKeys(),
  ...eventQueueKeys(),
  JWKS_URL: url(['http', 'https']).default('http://127.0.0.1:4001/.well-known/jwks.json'),
  AMQP_URL: url(['amqp', 'amqps']).default('amqp://guest:guest@127.0.0.1:5672'),
  EVENTS_EXCHANGE: Joi.string().max(200).default('gatehouse.events'),
  EVENTS_QUEUE_PREFIX: Joi.string()
    .pattern(/^[\w.-]{1,100}$/)
    .default('user'),
  EVENT_MAX_ATTEMPTS: positiveInt().max(20).default(5),
  EVENT_RETRY_BASE_DELAY_MS: positiveInt().default(1000),
});

export function loadUserConfig(env: Record<string, string | undefined>): Readonly<UserConfig> {
  return loadConfig('user', userConfigSchema, env);
}
