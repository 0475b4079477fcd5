import type { Express } from 'express';
import { Router } from 'express';
import type { Pool } from 'pg';
import { createProcessedEvents, createProcessedEventsPruner, type AmqpConnection } from '@gatehouse/events';
import { createHttpApp, type HttpApp } from '@gatehouse/http';
import type { Logger } from '@gatehouse/logger';
import type { NotificationConfig } from './config';
import type { Mailer } from './domain/notification.ports';
import { sendVerificationEmail } from './domain/send-verification-email.use-case';
import { userRegisteredConsumer } from './consumers/user-registered.consumer';
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

/** Composition root of the notification service: consumers and operations endpoints. */
export function createApp(config: Readonly<NotificationConfig>, deps: NotificationDeps): NotificationApp {
  const queue = `${config.EVENTS_QUEUE_PREFIX}.user-registered`;
  const http = createHttpApp({
    service: 'notification',
    logger: deps.logger,
    trustProxyHops: config.TRUST_PROXY_HOPS,
    readinessChecks: {
      postgres: async () => void (await deps.pool.query('SELECT 1')),
      broker: async () => {
        if (!deps.connection.isConnected()) throw new Error('not connected to the broker');
      },
    },
  });
  const metrics = createNotificationMetrics(http.registry);
  const processed = createProcessedEvents(deps.pool, queue);
  const processedPruner = createProcessedEventsPruner({
    pool: deps.pool,
    logger: deps.logger,
    retentionMs: config.PROCESSED_EVENTS_RETENTION_SECONDS * 1000,
  });
  const consumer = userRegisteredConsumer({
    connection: deps.connection,
    exchange: config.EVENTS_EXCHANGE,
    queue,
    maxAttempts: config.MAX_DELIVERY_ATTEMPTS,
    retryBaseDelayMs: config.RETRY_BASE_DELAY_MS,
    retryMaxDelayMs: config.RETRY_MAX_DELAY_MS,
    logger: deps.logger,
    sendVerificationEmail: (event) => sendVerificationEmail({ mailer: deps.mailer, processed, metrics, appUrl: config.APP_URL }, event),
    onOutcome: metrics.event,
  });

  return {
    app: http.finish(Router()),
    http,
    async start() {
      await consumer.start();
      processedPruner.start();
    },
    async stop() {
      await consumer.stop();
      await processedPruner.stop();
    },
  };
}
