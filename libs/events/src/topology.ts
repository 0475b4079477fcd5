import type { Channel } from 'amqplib';
import type { EventName } from './event-contracts';
import { backoffDelay } from './backoff';

/** The exchange every Gatehouse event goes through unless configured otherwise. */
export const DEFAULT_EXCHANGE = 'gatehouse.events';

/** Header holding how many deliveries of this message already failed. */
export const ATTEMPT_HEADER = 'x-gatehouse-attempt';

export interface ConsumerQueueOptions {
  readonly exchange: string;
  /** Owned by one consumer service, e.g. `notification.user-registered`. */
  readonly queue: string;
  readonly events: readonly EventName[];
  /** Deliveries before a message is dead-lettered (default 5). */
  readonly maxAttempts: number;
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
}

/** Names of the queues around one consumer queue. */
export function consumerQueueNames(queue: string, maxAttempts: number) {
  return {
    queue,
    deadLetter: `${queue}.dead-letter`,
    retries: Array.from({ length: Math.max(0, maxAttempts - 1) }, (_, i) => `${queue}.retry.${i + 1}`),
  };
}

/** The durable topic exchange all events are published to. */
export async function declareExchange(channel: Channel, exchange: string): Promise<void> {
  await channel.assertExchange(exchange, 'topic', { durable: true });
}

/**
 * A durable consumer queue bound to its events, one delay queue per retry (TTL growing
 * exponentially, dead-lettering back into the consumer queue only, so other consumers of the
 * event see it once) and a dead-letter queue for what failed `maxAttempts` times or is invalid.
 */
export async function declareConsumerQueue(channel: Channel, options: ConsumerQueueOptions): Promise<void> {
  const names = consumerQueueNames(options.queue, options.maxAttempts);
  await declareExchange(channel, options.exchange);
  await channel.assertQueue(names.queue, { durable: true });
  for (const event of options.events) await channel.bindQueue(names.queue, options.exchange, event);
  await channel.assertQueue(names.deadLetter, { durable: true });
  for (const [index, retry] of names.retries.entries()) {
    await channel.assertQueue(retry, {
      durable: true,
      arguments: {
        'x-message-ttl': backoffDelay(index + 1, options.retryBaseDelayMs, options.retryMaxDelayMs),
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': names.queue,
      },
    });
  }
}

/** Removes a consumer queue and its retry and dead-letter queues (tests, decommissioning). */
export async function deleteConsumerQueue(channel: Channel, queue: string, maxAttempts: number): Promise<void> {
  const names = consumerQueueNames(queue, maxAttempts);
  for (const name of [names.queue, names.deadLetter, ...names.retries]) await channel.deleteQueue(name);
}
