import type { ConfirmChannel } from 'amqplib';
import { validateEvent, type AnyEvent } from './event-contracts';
import { injectTraceHeaders } from './trace-context';

/**
 * Publishes a validated event as a persistent message with routing key = event name, and
 * resolves only when the broker confirms it (rejects on nack or a closed channel). The
 * message headers carry the current trace context, for the consumer to continue.
 */
export function publishEvent(channel: ConfirmChannel, exchange: string, event: AnyEvent): Promise<void> {
  const valid = validateEvent(event);
  const headers: Record<string, unknown> = {};
  injectTraceHeaders(headers);
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
        // Untraced, the message stays as it was: no empty header table.
        ...(Object.keys(headers).length > 0 ? { headers } : {}),
      },
      (error: unknown) => (error ? reject(error instanceof Error ? error : new Error('the broker refused the message')) : resolve()),
    );
  });
}
