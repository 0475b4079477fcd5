import type { EventConsumerOptions } from './event-consumer';
import type { EventName } from './event-contracts';

type Options = EventConsumerOptions<EventName>;

/**
 * What a service hands each of its consumers from config and wiring: the link, where it listens,
 * and how it retries (the service's config always sets these, so they are not optional here).
 */
export type ConsumerSettings = Pick<Options, 'connection' | 'exchange' | 'queue' | 'logger'> &
  Required<Pick<Options, 'maxAttempts' | 'retryBaseDelayMs' | 'retryMaxDelayMs'>>;

/** Only the settings out of a consumer's options, to spread into `createEventConsumer`. */
export function consumerSettings(options: ConsumerSettings): ConsumerSettings {
  const { connection, exchange, queue, logger, maxAttempts, retryBaseDelayMs, retryMaxDelayMs } = options;
  return { connection, exchange, queue, logger, maxAttempts, retryBaseDelayMs, retryMaxDelayMs };
}
