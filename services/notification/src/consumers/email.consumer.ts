import { consumerSettings, createEventConsumer, type ConsumerSettings, type EventConsumer, type EventEnvelope } from '@gatehouse/events';

/** The events that each become one email to the user they name. */
export type EmailEvent = 'user.registered' | 'user.password_reset_requested' | 'user.security_notice';

/** `queue`: its own per event, so a broken template only holds up its own emails. */
export interface EmailConsumerOptions<N extends EmailEvent> extends ConsumerSettings {
  readonly event: N;
  /** Sends the event's email unless its id was handled already. */
  readonly send: (event: EventEnvelope<N>) => Promise<'sent' | 'duplicate'>;
  readonly onOutcome: (outcome: 'handled' | 'retried' | 'dead_lettered', event: string) => void;
}

/** One event → one email. Validation, retries and dead-lettering come from the library. */
export function emailConsumer<N extends EmailEvent>(options: EmailConsumerOptions<N>): EventConsumer {
  return createEventConsumer<N>({
    ...consumerSettings(options),
    events: [options.event],
    onOutcome: options.onOutcome,
    handler: async (event) => {
      const result = await options.send(event);
      options.logger.info({ eventId: event.id, correlationId: event.correlationId, userId: event.payload.userId, result }, `${event.name} handled`);
    },
  });
}
