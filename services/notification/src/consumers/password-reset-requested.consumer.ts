import type { Logger } from '@gatehouse/logger';
import { createEventConsumer, type AmqpConnection, type EventConsumer } from '@gatehouse/events';
import type { PasswordResetRequested } from '../domain/send-password-reset-email.use-case';

export interface PasswordResetRequestedConsumerOptions {
  readonly connection: Pick<AmqpConnection, 'onConnected'>;
  readonly exchange: string;
  readonly queue: string;
  readonly maxAttempts: number;
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
  readonly logger: Logger;
  readonly sendPasswordResetEmail: (event: PasswordResetRequested) => Promise<'sent' | 'duplicate'>;
  readonly onOutcome: (outcome: 'handled' | 'retried' | 'dead_lettered', event: string) => void;
}

/** `user.password_reset_requested` → reset link email. Validation, retries and dead-lettering come from the library. */
export function passwordResetRequestedConsumer(options: PasswordResetRequestedConsumerOptions): EventConsumer {
  return createEventConsumer({
    connection: options.connection,
    exchange: options.exchange,
    queue: options.queue,
    events: ['user.password_reset_requested'],
    maxAttempts: options.maxAttempts,
    retryBaseDelayMs: options.retryBaseDelayMs,
    retryMaxDelayMs: options.retryMaxDelayMs,
    logger: options.logger,
    onOutcome: options.onOutcome,
    handler: async (event) => {
      const { payload } = event;
      const result = await options.sendPasswordResetEmail({
        eventId: event.id,
        email: payload.email,
        name: payload.name,
        resetToken: payload.resetToken,
        resetExpiresAt: payload.resetExpiresAt,
      });
      options.logger.info({ eventId: event.id, correlationId: event.correlationId, userId: payload.userId, result }, 'user.password_reset_requested handled');
    },
  });
}
