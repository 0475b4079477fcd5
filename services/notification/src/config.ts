import Joi from 'joi';
import {
  baseServiceKeys,
  databaseKeys,
  eventQueueKeys,
  loadConfig,
  positiveInt,
  processedEventsKeys,
  url,
  type BaseServiceConfig,
  type DatabaseConfig,
  type EventQueueConfig,
  type ProcessedEventsConfig,
} from '@gatehouse/config';

export interface NotificationConfig extends BaseServiceConfig, DatabaseConfig, ProcessedEventsConfig, EventQueueConfig {
  AMQP_URL: string;
  EVENTS_EXCHANGE: string;
  /** Prefix of this service's queues (`<prefix>.user-registered`, …: see `notificationQueues`); tests make it unique. */
  EVENTS_QUEUE_PREFIX: string;
  MAX_DELIVERY_ATTEMPTS: number;
  /** Messages handled at once; sending is I/O-bound (SMTP round trips), so this sets throughput. */
  CONCURRENT_DELIVERIES: number;
  RETRY_BASE_DELAY_MS: number;
  RETRY_MAX_DELAY_MS: number;
  /** Required in production. Absent: emails are written as .eml files into MAIL_DIR (local development). */
  SMTP_URL?: string;
  MAIL_FROM: string;
  MAIL_DIR: string;
  /** Public origin of the platform; the emailed token links point at it (the API through its gateway). */
  APP_URL: string;
  /** Where users sign in: the platform's web app, which the security notices link to. Default: APP_URL. */
  SIGN_IN_URL: string;
}

export const notificationConfigSchema = Joi.object<NotificationConfig>({
  ...baseServiceKeys(4003),
  ...databaseKeys('gatehouse_notification'),
  ...processedEventsKeys(),
  ...eventQueueKeys(),
  AMQP_URL: url(['amqp', 'amqps']).default('amqp://guest:guest@127.0.0.1:5672'),
  EVENTS_EXCHANGE: Joi.string().max(200).default('gatehouse.events'),
  EVENTS_QUEUE_PREFIX: Joi.string()
    .pattern(/^[\w.-]{1,100}$/)
    .default('notification'),
  MAX_DELIVERY_ATTEMPTS: positiveInt().max(20).default(5),
  CONCURRENT_DELIVERIES: positiveInt().max(500).default(50),
  RETRY_BASE_DELAY_MS: positiveInt().default(1000),
  RETRY_MAX_DELAY_MS: positiveInt().default(300_000),
  // A read-only root filesystem (Kubernetes) refuses the files, and a writable one would keep
  // mail nobody reads: production must name a server.
  SMTP_URL: url(['smtp', 'smtps']).when('NODE_ENV', {
    is: 'production',
    then: Joi.required().messages({ 'any.required': '"SMTP_URL" is required in production (without it, emails are written to files in MAIL_DIR)' }),
  }),
  MAIL_FROM: Joi.string().max(200).default('Gatehouse <no-reply@gatehouse.local>'),
  MAIL_DIR: Joi.string().default('.dev-mail'),
  APP_URL: url(['http', 'https']).default('http://localhost:8080'),
  SIGN_IN_URL: url(['http', 'https']).default(Joi.ref('APP_URL')),
});

export function loadNotificationConfig(env: Record<string, string | undefined>): Readonly<NotificationConfig> {
  return loadConfig('notification', notificationConfigSchema, env);
}
