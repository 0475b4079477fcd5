import type { Logger } from '@gatehouse/logger';
import { createEventConsumer, type AmqpConnection, type EventConsumer, type EventEnvelope } from '@gatehouse/events';

/** The events that each become one email to the user they name. */
export type EmailEvent = 'user.registered' | 'user.password_reset_requested' | 'user.security_notice';

export interface EmailConsumerOptions<N extends EmailEvent> {
  readonly connection: Pick<AmqpConnection, 'onConnected'>;
  readonly exchange: string;
  /** Its own queue per event: a broken template only holds up its own emails. */
  readonly queue: string;
  readonly event: N;
  readonly maxAttempts: number;
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
  readonly logger: Logger;
  /** Sends the event's email unless its id was handled already. */
  readonly send: (event: EventEnvelope<N>) => Promise<'sent' | 'duplicate'>;
  readonly onOutcome: (outcome: 'handled' | 'retried' | 'dead_lettered', event: string) => void;
}

/** One event → one email. Validation, retries and dead-lettering come from the library. */
export function emailConsumer<N extends EmailEvent>(options: EmailConsumerOptions<N>): EventConsumer {
  return createEventConsumer<N>({
    connection: options.connection,
    exchange: options.exchange,
    queue: options.queue,
    events: [options.event],
    maxAttempts: options.maxAttempts,
    retryBaseDelayMs: options.retryBaseDelayMs,
    retryMaxDelayMs: options.retryMaxDelayMs,
    logger: options.logger,
    onOutcome: options.onOutcome,
    handler: async (event) => {
      const result = await options.send(event);
      options.logger.info({ eventId: event.id, correlationId: event.correlationId, userId: event.payload.userId, result }, `${event.name} handled`);
    },
  });
}
