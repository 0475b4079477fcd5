import type { Express } from 'express';
import { Router } from 'express';
import type { Pool } from 'pg';
import { createProcessedEvents, createProcessedEventsPruner, type AmqpConnection } from '@gatehouse/events';
import { createHttpApp, type HttpApp } from '@gatehouse/http';
import type { Logger } from '@gatehouse/logger';
import type { NotificationConfig } from './config';
import type { Mailer } from './domain/notification.ports';
import { sendPasswordResetEmail } from './domain/send-password-reset-email.use-case';
import { sendSecurityNoticeEmail } from './domain/send-security-notice-email.use-case';
import { sendVerificationEmail } from './domain/send-verification-email.use-case';
import { emailConsumer } from './consumers/email.consumer';
import { createNotificationMetrics } from './http/notification-metrics';

export interface NotificationDeps {
  readonly pool: Pool;
  readonly connection: AmqpConnection;
  readonly mailer: Mailer;
  readonly logger: Logger;
}

export interface NotificationApp {
  readonly app: Express;
  readonly http: HttpApp;
  /** Declares the queues and starts consuming (again after every reconnect) and pruning old ids. */
  start(): Promise<void>;
  /** Stops consuming and pruning, and waits for the messages in flight. */
  stop(): Promise<void>;
}

/**
 * One queue per event, each with its own retry and dead-letter queues and its own processed ids.
 * A template that breaks for one event then retries and dead-letters only that event's messages:
 * reset links, which a reader is waiting for, never queue behind failing notices, and each
 * queue's depth and dead letters tell an operator which email is stuck. The three notice kinds
 * share a queue because the broker routes by event name and the kind lives in the payload.
 */
export function notificationQueues(prefix: string) {
  return {
    userRegistered: `${prefix}.user-registered`,
    passwordResetRequested: `${prefix}.password-reset-requested`,
    securityNotice: `${prefix}.security-notice`,
  } as const;
}

/** Composition root of the notification service: consumers and operations endpoints. */
export function createApp(config: Readonly<NotificationConfig>, deps: NotificationDeps): NotificationApp {
  const queues = notificationQueues(config.EVENTS_QUEUE_PREFIX);
  const http = createHttpApp({
    service: 'notification',
    logger: deps.logger,
    trustProxyHops: config.TRUST_PROXY_HOPS,
    // Not the broker: it would only take the operations endpoints out of service. Its outages
    // show in the broker gauge and the logs, and deliveries resume on reconnect.
    readinessChecks: {
      postgres: async () => void (await deps.pool.query('SELECT 1')),
    },
  });
  const metrics = createNotificationMetrics(http.registry);
  const processedPruner = createProcessedEventsPruner({
    pool: deps.pool,
    logger: deps.logger,
    retentionMs: config.PROCESSED_EVENTS_RETENTION_SECONDS * 1000,
  });
  const delivery = {
    connection: deps.connection,
    exchange: config.EVENTS_EXCHANGE,
    maxAttempts: config.EVENT_MAX_ATTEMPTS,
    retryBaseDelayMs: config.EVENT_RETRY_BASE_DELAY_MS,
    retryMaxDelayMs: config.EVENT_RETRY_MAX_DELAY_MS,
    logger: deps.logger,
    onOutcome: metrics.event,
  };
  const sending = (queue: string) => ({
    mailer: deps.mailer,
    processed: createProcessedEvents(deps.pool, queue),
    metrics,
    appUrl: config.APP_URL,
    signInUrl: config.SIGN_IN_URL,
  });
  const registered = sending(queues.userRegistered);
  const reset = sending(queues.passwordResetRequested);
  const notice = sending(queues.securityNotice);
  const consumers = [
    emailConsumer({
      ...delivery,
      queue: queues.userRegistered,
      event: 'user.registered',
      send: (event) => sendVerificationEmail(registered, { eventId: event.id, ...event.payload }),
    }),
    emailConsumer({
      ...delivery,
      queue: queues.passwordResetRequested,
      event: 'user.password_reset_requested',
      send: (event) => sendPasswordResetEmail(reset, { eventId: event.id, ...event.payload }),
    }),
    emailConsumer({
      ...delivery,
      queue: queues.securityNotice,
      event: 'user.security_notice',
      send: (event) => sendSecurityNoticeEmail(notice, { eventId: event.id, ...event.payload }),
    }),
  ];

  return {
    app: http.finish(Router()),
    http,
    async start() {
      for (const consumer of consumers) await consumer.start();
      processedPruner.start();
    },
    async stop() {
      await Promise.all(consumers.map((consumer) => consumer.stop()));
      await processedPruner.stop();
    },
  };
}
