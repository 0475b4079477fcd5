import { randomBytes, randomUUID } from 'node:crypto';
import type { GetMessage } from 'amqplib';
import type { Pool } from 'pg';
import { createPool, migrate, withTransaction } from '@gatehouse/db';
import {
  consumerQueueNames,
  createAmqpConnection,
  createEvent,
  createOutboxRelay,
  deleteConsumerQueue,
  insertOutboxEvent,
  outboxMigrationSql,
  outboxTraceContextMigrationSql,
  type AmqpConnection,
  type AnyEvent,
  type EventEnvelope,
  type OutboxRelay,
  type SecurityNoticeKind,
} from '@gatehouse/events';
import { createLogger } from '@gatehouse/logger';
import { captureLogs, createTestDatabase, serveOnFreePort, testInfrastructure, uniqueName, type CapturedEmail } from '@gatehouse/testing';
import { createApp, notificationQueues, type NotificationApp } from '../src/app';
import { loadNotificationConfig, type NotificationConfig } from '../src/config';
import { createMailer, MIGRATIONS_DIR } from '../src/infrastructure';
import { startSmtpCapture, type SmtpCapture } from '@gatehouse/testing';

/** The upstream side: an outbox database of its own and a relay, as auth will run them. */
export interface Publisher {
  /** Commits the event to the outbox; the relay publishes it. */
  publish(event: AnyEvent): Promise<void>;
  /** Publishes straight to the exchange, bypassing the outbox (redeliveries, malformed bodies). */
  publishRaw(body: unknown): Promise<void>;
}

export interface NotificationHarness {
  readonly url: string;
  readonly config: Readonly<NotificationConfig>;
  readonly pool: Pool;
  readonly smtp: SmtpCapture;
  readonly notification: NotificationApp;
  readonly queues: ReturnType<typeof consumerQueueNames>;
  readonly publisher: Publisher;
  readonly logs: ReturnType<typeof captureLogs>;
  /** Messages waiting in the dead-letter queue now. */
  deadLetterCount(): Promise<number>;
  /** Removes and returns what sits in the dead-letter queue. */
  takeDeadLetters(): Promise<GetMessage[]>;
  close(): Promise<void>;
}

export function registeredEvent(overrides: Partial<EventEnvelope<'user.registered'>['payload']> = {}): EventEnvelope<'user.registered'> {
  return createEvent('user.registered', {
    userId: randomUUID(),
    email: `${uniqueName('user')}@example.com`,
    name: 'Ada Lovelace',
    verificationToken: randomBytes(32).toString('base64url'),
    verificationExpiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    ...overrides,
  });
}

export function passwordResetEvent(
  overrides: Partial<EventEnvelope<'user.password_reset_requested'>['payload']> = {},
): EventEnvelope<'user.password_reset_requested'> {
  return createEvent('user.password_reset_requested', {
    userId: randomUUID(),
    email: `${uniqueName('user')}@example.com`,
    name: 'Ada Lovelace',
    resetToken: randomBytes(32).toString('base64url'),
    resetExpiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    ...overrides,
  });
}

export function securityNoticeEvent(
  kind: SecurityNoticeKind,
  overrides: Partial<EventEnvelope<'user.security_notice'>['payload']> = {},
): EventEnvelope<'user.security_notice'> {
  return createEvent('user.security_notice', {
    userId: randomUUID(),
    email: `${uniqueName('user')}@example.com`,
    name: 'Ada Lovelace',
    kind,
    at: new Date().toISOString(),
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
    ...overrides,
  });
}

/** The parts of a captured message: unfolded headers, and the text and HTML bodies as sent. */
export function mailParts(mail: CapturedEmail): { headers: string; text: string; html: string } {
  const headerEnd = mail.decoded.indexOf('\r\n\r\n');
  const headers = mail.decoded.slice(0, headerEnd).replace(/\r\n[ \t]+/g, ' ');
  const boundary = /boundary="([^"]+)"/.exec(headers)?.[1];
  if (!boundary) throw new Error('not a multipart message');
  const body = (type: string) => {
    const part = mail.decoded.split(`--${boundary}`).find((p) => p.includes(`Content-Type: text/${type}`));
    if (!part) throw new Error(`no text/${type} part`);
    return part.slice(part.indexOf('\r\n\r\n') + 4).replace(/\r\n$/, '');
  };
  return { headers, text: body('plain'), html: body('html') };
}

async function startPublisher(exchange: string, connection: AmqpConnection): Promise<Publisher & { relay: OutboxRelay; close(): Promise<void> }> {
  const database = await createTestDatabase('notification_outbox');
  const pool = createPool({ url: database.url, applicationName: 'notification-test-outbox' });
  await pool.query(outboxMigrationSql);
  await pool.query(outboxTraceContextMigrationSql);
  const relay = createOutboxRelay({ pool, connection, exchange, logger: createLogger({ service: 'relay', level: 'silent' }) });
  await relay.start();
  return {
    relay,
    async publish(event) {
      await withTransaction(pool, (client) => insertOutboxEvent(client, event));
    },
    async publishRaw(body) {
      const channel = connection.channel()!;
      const name = (body as { name?: string }).name ?? 'user.registered';
      channel.publish(exchange, name, Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), { persistent: true });
      await channel.waitForConfirms();
    },
    async close() {
      await relay.stop();
      await pool.end();
      await database.drop();
    },
  };
}

/**
 * A real notification service for one test file: its own database, exchange and queues, a real
 * SMTP server capturing mail, and an upstream outbox + relay publishing through the real broker.
 * Retry delays are tiny so dead-lettering takes milliseconds.
 */
export async function startNotification(label: string, env: Record<string, string> = {}): Promise<NotificationHarness> {
  const database = await createTestDatabase(`notification_${label}`);
  const smtp = await startSmtpCapture();
  const config = loadNotificationConfig({
    LOG_LEVEL: 'debug',
    DATABASE_URL: database.url,
    AMQP_URL: testInfrastructure().amqpUrl,
    EVENTS_EXCHANGE: uniqueName(`notification_${label}_events`),
    EVENTS_QUEUE_PREFIX: uniqueName(`notification_${label}`),
    SMTP_URL: smtp.url,
    EVENT_MAX_ATTEMPTS: '3',
    EVENT_RETRY_BASE_DELAY_MS: '20',
    EVENT_RETRY_MAX_DELAY_MS: '100',
    APP_URL: 'https://gatehouse.example.com',
    SIGN_IN_URL: 'https://app.gatehouse.example.com/sign-in',
    ...env,
  });
  const pool = createPool({ url: database.url, applicationName: 'notification-test' });
  await migrate(pool, MIGRATIONS_DIR);
  const logs = captureLogs();
  const logger = createLogger({ service: 'notification', level: 'debug', destination: logs.stream });
  const connection = createAmqpConnection({ url: config.AMQP_URL, logger, name: 'notification-test' });
  await connection.waitUntilConnected(5000);
  const mailer = createMailer(config, logger);
  const notification = createApp(config, { pool, connection, mailer, logger });
  await notification.start();
  const server = await serveOnFreePort(notification.app);
  // Straight to the broker, so a test that cuts the service's link still publishes and cleans up.
  const publisherConnection = createAmqpConnection({ url: testInfrastructure().amqpUrl, logger, name: 'notification-test-publisher' });
  await publisherConnection.waitUntilConnected(5000);
  const publisher = await startPublisher(config.EVENTS_EXCHANGE, publisherConnection);
  const queues = consumerQueueNames(notificationQueues(config.EVENTS_QUEUE_PREFIX).userRegistered, config.EVENT_MAX_ATTEMPTS);
  return {
    url: server.url,
    config,
    pool,
    smtp,
    notification,
    queues,
    publisher,
    logs,
    deadLetterCount: async () => (await publisherConnection.channel()!.checkQueue(queues.deadLetter)).messageCount,
    async takeDeadLetters() {
      const channel = publisherConnection.channel()!;
      const messages: GetMessage[] = [];
      for (let message = await channel.get(queues.deadLetter); message; message = await channel.get(queues.deadLetter)) {
        channel.ack(message);
        messages.push(message);
      }
      return messages;
    },
    async close() {
      await notification.stop();
      await publisher.close();
      await connection.close();
      const channel = publisherConnection.channel()!;
      for (const queue of Object.values(notificationQueues(config.EVENTS_QUEUE_PREFIX))) await deleteConsumerQueue(channel, queue, config.EVENT_MAX_ATTEMPTS);
      await channel.deleteExchange(config.EVENTS_EXCHANGE);
      await publisherConnection.close();
      await server.close();
      mailer.close();
      await smtp.close();
      await pool.end();
      await database.drop();
    },
  };
}

export { eventually } from '@gatehouse/testing';

export const settle = (ms = 300) => new Promise((resolve) => setTimeout(resolve, ms));
