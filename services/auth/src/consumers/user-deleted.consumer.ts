import type { Logger } from '@gatehouse/logger';
import { createEventConsumer, type AmqpConnection, type EventConsumer } from '@gatehouse/events';

export interface UserDeletedConsumerOptions {
  readonly connection: Pick<AmqpConnection, 'onConnected'>;
  readonly exchange: string;
  readonly queue: string;
  readonly maxAttempts: number;
  readonly retryBaseDelayMs: number;
  readonly logger: Logger;
  readonly deleteAccount: (eventId: string, userId: string) => Promise<boolean>;
}

/** `user.deleted` → the credential and every session go. Validation, retries and dead-lettering come from the library. */
export function userDeletedConsumer(options: UserDeletedConsumerOptions): EventConsumer {
  return createEventConsumer({
    connection: options.connection,
    exchange: options.exchange,
    queue: options.queue,
    events: ['user.deleted'],
    maxAttempts: options.maxAttempts,
    retryBaseDelayMs: options.retryBaseDelayMs,
    logger: options.logger,
    handler: async (event) => {
      const applied = await options.deleteAccount(event.id, event.payload.userId);
      options.logger.info(
        { eventId: event.id, correlationId: event.correlationId, userId: event.payload.userId, result: applied ? 'deleted' : 'duplicate' },
        'user.deleted handled',
      );
    },
  });
}
