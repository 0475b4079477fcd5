import type { ConfirmChannel } from 'amqplib';
import { validateEvent, type AnyEvent } from './event-contracts';

/**
 * Publishes a validated event as a persistent message with routing key = event name, and
 * resolves only when the broker confirms it (rejects on nack or a closed channel).
 */
export function publishEvent(channel: ConfirmChannel, exchange: string, event: AnyEvent): Promise<void> {
  const valid = validateEvent(event);
  return new Promise((resolve, reject) => {
    channel.publish(
      exchange,
      valid.name,
      Buffer.from(JSON.stringify(valid)),
      {
        persistent: true,
        contentType: 'application/json',
        messageId: valid.id,
        correlationId: valid.correlationId,
        type: `${valid.name}.v${valid.version}`,
        timestamp: Math.floor(Date.parse(valid.occurredAt) / 1000),
      },
      (error: unknown) => (error ? reject(error instanceof Error ? error : new Error('the broker refused the message')) : resolve()),
    );
  });
}
