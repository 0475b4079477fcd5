import type { Logger } from '@gatehouse/logger';
import { createEventConsumer, InvalidEventError, type AmqpConnection, type AnyEvent, type EventConsumer } from '@gatehouse/events';
import type { EmailVerification } from '../domain/mark-email-verified.use-case';
import type { Registration } from '../domain/create-registered-profile.use-case';

export interface ProfileEventsConsumerOptions {
  readonly connection: Pick<AmqpConnection, 'onConnected'>;
  readonly exchange: string;
  readonly queue: string;
  readonly maxAttempts: number;
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
  readonly logger: Logger;
  readonly createRegisteredProfile: (registration: Registration) => Promise<string>;
  readonly markEmailVerified: (verification: EmailVerification) => Promise<string>;
}

/**
 * `user.registered` → profile, `user.email_verified` → flag. One queue for both keeps them in
 * publication order, so the verification rarely arrives before the profile exists (when it does,
 * it is retried). Validation, retries and dead-lettering come from the library.
 */
export function profileEventsConsumer(options: ProfileEventsConsumerOptions): EventConsumer {
  return createEventConsumer({
    connection: options.connection,
    exchange: options.exchange,
    queue: options.queue,
    events: ['user.registered', 'user.email_verified'],
    maxAttempts: options.maxAttempts,
    retryBaseDelayMs: options.retryBaseDelayMs,
    retryMaxDelayMs: options.retryMaxDelayMs,
    logger: options.logger,
    handler: async (envelope) => {
      // Narrowed by name: the library already checked the payload against that contract.
      const event = envelope as AnyEvent;
      if (event.name !== 'user.registered' && event.name !== 'user.email_verified') throw new InvalidEventError([`"${event.name}" is not a profile event`]);
      const { userId } = event.payload;
      const result =
        event.name === 'user.registered'
          ? await options.createRegisteredProfile({ eventId: event.id, userId, email: event.payload.email, name: event.payload.name })
          : await options.markEmailVerified({ eventId: event.id, userId });
      options.logger.info({ eventId: event.id, correlationId: event.correlationId, event: event.name, userId, result }, 'profile event handled');
    },
  });
}
