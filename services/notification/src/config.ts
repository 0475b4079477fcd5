import Joi from 'joi';
import {
  baseServiceKeys,
  brokerKeys,
  configSchema,
  databaseKeys,
  eventConsumerKeys,
  loadConfig,
  optional,
  positiveInt,
  processedEventsKeys,
  url,
  type ConfigOf,
} from '@gatehouse/config';

const notificationConfigFields = {
  ...baseServiceKeys(4003),
  ...databaseKeys('gatehouse_notification'),
  ...processedEventsKeys(),
  ...brokerKeys(),
  // Queues: `<prefix>.user-registered`, … (see `notificationQueues`).
  ...eventConsumerKeys({ queuePrefix: 'notification', retryMaxDelayMs: 300_000 }),
  /** Messages handled at once; sending is I/O-bound (SMTP round trips), so this sets throughput. */
  CONCURRENT_DELIVERIES: positiveInt().max(500).default(50),
  /**
   * Required in production. Absent: emails are written as .eml files into MAIL_DIR (local
   * development). A read-only root filesystem (Kubernetes) refuses the files, and a writable one
   * would keep mail nobody reads: production must name a server.
   */
  SMTP_URL: optional(
    url(['smtp', 'smtps']).when('NODE_ENV', {
      is: 'production',
      then: Joi.required().messages({ 'any.required': '"SMTP_URL" is required in production (without it, emails are written to files in MAIL_DIR)' }),
    }),
  ),
  MAIL_FROM: Joi.string().max(200).default('Gatehouse <no-reply@gatehouse.local>'),
  MAIL_DIR: Joi.string().default('.dev-mail'),
  /** Public origin of the platform; the emailed token links point at it (the API through its gateway). */
  APP_URL: url(['http', 'https']).default('http://localhost:8080'),
  /** Where users sign in: the platform's web app, which the security notices link to. Default: APP_URL. */
  SIGN_IN_URL: url(['http', 'https']).default(Joi.ref('APP_URL')),
};

export type NotificationConfig = ConfigOf<typeof notificationConfigFields>;

export const notificationConfigSchema = configSchema(notificationConfigFields)
  // The names before the broker keys were shared (one release, then gone); loadConfig warns.
  .rename('MAX_DELIVERY_ATTEMPTS', 'EVENT_MAX_ATTEMPTS')
  .rename('RETRY_BASE_DELAY_MS', 'EVENT_RETRY_BASE_DELAY_MS')
  .rename('RETRY_MAX_DELAY_MS', 'EVENT_RETRY_MAX_DELAY_MS');

export function loadNotificationConfig(env: Record<string, string | undefined>): Readonly<NotificationConfig> {
  return loadConfig('notification', notificationConfigSchema, env);
}
