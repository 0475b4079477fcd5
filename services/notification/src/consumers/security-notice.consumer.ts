import type { Logger } from '@gatehouse/logger';
import { createEventConsumer, type AmqpConnection, type EventConsumer } from '@gatehouse/events';
import type { SecurityNotice } from '../domain/send-security-notice-email.use-case';

export interface SecurityNoticeConsumerOptions {
  readonly connection: Pick<AmqpConnection, 'onConnected'>;
  readonly exchange: string;
  readonly queue: string;
  readonly maxAttempts: number;
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
  readonly logger: Logger;
  readonly sendSecurityNoticeEmail: (event: SecurityNotice) => Promise<'sent' | 'duplicate'>;
  readonly onOutcome: (outcome: 'handled' | 'retried' | 'dead_lettered', event: string) => void;
}

/** `user.security_notice` → the email of its kind. Validation, retries and dead-lettering come from the library. */
export function securityNoticeConsumer(options: SecurityNoticeConsumerOptions): EventConsumer {
  return createEventConsumer({
    connection: options.connection,
    exchange: options.exchange,
    queue: options.queue,
    events: ['user.security_notice'],
    maxAttempts: options.maxAttempts,
    retryBaseDelayMs: options.retryBaseDelayMs,
    retryMaxDelayMs: options.retryMaxDelayMs,
    logger: options.logger,
    onOutcome: options.onOutcome,
    handler: async (event) => {
      const { payload } = event;
      const result = await options.sendSecurityNoticeEmail({
        eventId: event.id,
        email: payload.email,
        name: payload.name,
        kind: payload.kind,
        at: payload.at,
        userAgent: payload.userAgent,
      });
      options.logger.info(
        { eventId: event.id, correlationId: event.correlationId, userId: payload.userId, kind: payload.kind, result },
        'user.security_notice handled',
      );
    },
  });
}
