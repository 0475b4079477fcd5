import { consumerSettings, createEventConsumer, InvalidEventError, type AnyEvent, type ConsumerSettings, type EventConsumer } from '@gatehouse/events';
import type { EmailVerification } from '../domain/mark-email-verified.use-case';
import type { Registration } from '../domain/create-registered-profile.use-case';

export interface ProfileEventsConsumerOptions extends ConsumerSettings {
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
    ...consumerSettings(options),
    events: ['user.registered', 'user.email_verified'],
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
