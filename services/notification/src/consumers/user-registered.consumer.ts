import type { Logger } from '@gatehouse/logger';
import { createEventConsumer, type AmqpConnection, type EventConsumer } from '@gatehouse/events';
import type { UserRegistered } from '../domain/send-verification-email.use-case';

export interface UserRegisteredConsumerOptions {
  readonly connection: Pick<AmqpConnection, 'onConnected'>;
  readonly exchange: string;
  readonly queue: string;
  readonly maxAttempts: number;
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
  readonly logger: Logger;
  readonly sendVerificationEmail: (event: UserRegistered) => Promise<'sent' | 'duplicate'>;
  readonly onOutcome: (outcome: 'handled' | 'retried' | 'dead_lettered', event: string) => void;
}

/** `user.registered` → confirmation email. Validation, retries and dead-lettering come from the library. */
export function userRegisteredConsumer(options: UserRegisteredConsumerOptions): EventConsumer {
  return createEventConsumer({
    connection: options.connection,
    exchange: options.exchange,
    queue: options.queue,
    events: ['user.registered'],
    maxAttempts: options.maxAttempts,
    retryBaseDelayMs: options.retryBaseDelayMs,
    retryMaxDelayMs: options.retryMaxDelayMs,
    logger: options.logger,
    onOutcome: options.onOutcome,
    handler: async (event) => {
      const { payload } = event;
      const result = await options.sendVerificationEmail({
        eventId: event.id,
        email: payload.email,
        name: payload.name,
        verificationToken: payload.verificationToken,
        verificationExpiresAt: payload.verificationExpiresAt,
      });
      options.logger.info({ eventId: event.id, correlationId: event.correlationId, userId: payload.userId, result }, 'user.registered handled');
    },
  });
}
