import type { Pool } from 'pg';
import { createOutboxRelay, createProcessedEventsPruner, declareExchange, type AmqpConnection } from '@gatehouse/events';
import type { Logger } from '@gatehouse/logger';
import type { AuthConfig } from './config';
import type { AuditTrail } from './domain/audit.ports';
import type { Transactions } from './domain/auth.ports';
import type { DeleteAccountResult } from './domain/delete-account.use-case';
import { userDeletedConsumer } from './consumers/user-deleted.consumer';

export interface EventsDeps {
  readonly pool: Pool;
  readonly connection: AmqpConnection;
  readonly logger: Logger;
  readonly deleteAccount: (eventId: string, userId: string) => Promise<DeleteAccountResult>;
  /** Its processed-event log is the `user.deleted` queue's (see `userDeletedQueue`). */
  readonly transactions: Pick<Transactions, 'once'>;
  readonly audit: AuditTrail;
}

export interface AuthEvents {
  /** Declares the exchange on every link, then starts consuming, relaying and pruning. */
  start(): Promise<void>;
  /** Stops consuming (waiting for the messages in flight), then the relay and the pruner. */
  stop(): Promise<void>;
}

/**
 * The queue `user.deleted` and `user.deletion_recorded` arrive on; its processed-event log is
 * kept under the same name.
 */
export const userDeletedQueue = (config: Readonly<AuthConfig>): string => `${config.EVENTS_QUEUE_PREFIX}.user-deleted`;

/** The broker side of the service: the outbox relay, the user-deletion consumer, and their pruning. */
export function composeEvents(config: Readonly<AuthConfig>, deps: EventsDeps): AuthEvents {
  const { pool, connection, logger } = deps;
  const relay = createOutboxRelay({ pool, connection, exchange: config.EVENTS_EXCHANGE, logger, retentionMs: config.OUTBOX_RETENTION_SECONDS * 1000 });
  const processedPruner = createProcessedEventsPruner({ pool, logger, retentionMs: config.PROCESSED_EVENTS_RETENTION_SECONDS * 1000 });
  const consumer = userDeletedConsumer({
    connection,
    exchange: config.EVENTS_EXCHANGE,
    queue: userDeletedQueue(config),
    maxAttempts: config.EVENT_MAX_ATTEMPTS,
    retryBaseDelayMs: config.EVENT_RETRY_BASE_DELAY_MS,
    retryMaxDelayMs: config.EVENT_RETRY_MAX_DELAY_MS,
    logger,
    deleteAccount: deps.deleteAccount,
    // Nothing to write but the id: the audit record follows the commit, once.
    firstDelivery: (eventId) => deps.transactions.once(eventId, async () => undefined),
    audit: deps.audit,
  });
  return {
    async start() {
      // The relay may publish before any consumer declared the exchange, on this or a new link.
      await connection.onConnected((channel) => declareExchange(channel, config.EVENTS_EXCHANGE));
      await consumer.start();
      await relay.start();
      processedPruner.start();
    },
    async stop() {
      await consumer.stop();
      await relay.stop();
      await processedPruner.stop();
    },
  };
}
