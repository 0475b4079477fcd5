import { join } from 'node:path';
import type { Pool } from 'pg';
import { openServiceDatabase } from '@gatehouse/db';
import { createAmqpConnection, type AmqpConnection } from '@gatehouse/events';
import type { Logger } from '@gatehouse/logger';
import type { NotificationConfig } from './config';
import type { Mailer } from './domain/notification.ports';
import { createFileMailer } from './mail/file-mailer';
import { createSmtpMailer } from './mail/smtp-mailer';

export const MIGRATIONS_DIR = join(__dirname, '..', 'migrations');

export interface NotificationInfrastructure {
  readonly pool: Pool;
  readonly connection: AmqpConnection;
  readonly mailer: Mailer;
  close(): Promise<void>;
}

/** SMTP when configured; otherwise .eml files, so local development needs no mail server. */
export function createMailer(config: Readonly<NotificationConfig>, logger: Logger): Mailer {
  return config.SMTP_URL
    ? createSmtpMailer({ url: config.SMTP_URL, from: config.MAIL_FROM })
    : createFileMailer({ directory: config.MAIL_DIR, from: config.MAIL_FROM, logger });
}

/**
 * Connects to PostgreSQL (creating and migrating the database when the config says so) and to the
 * broker. The broker may still be starting: the connection keeps retrying, and the broker gauge
 * and logs report it meanwhile.
 */
export async function connectInfrastructure(config: Readonly<NotificationConfig>, logger: Logger): Promise<NotificationInfrastructure> {
  const pool = await openServiceDatabase(config, { applicationName: 'gatehouse-notification', migrationsDirectory: MIGRATIONS_DIR, logger });
  const connection = createAmqpConnection({
    url: config.AMQP_URL,
    logger,
    name: 'gatehouse-notification',
    prefetch: config.CONCURRENT_DELIVERIES,
    queueType: config.EVENTS_QUEUE_TYPE,
  });
  const mailer = createMailer(config, logger);
  if (!config.SMTP_URL) logger.warn({ directory: config.MAIL_DIR }, 'no SMTP_URL: emails are written to files');
  return {
    pool,
    connection,
    mailer,
    async close() {
      await connection.close();
      mailer.close();
      await pool.end();
    },
  };
}
