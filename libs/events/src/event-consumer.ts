import { context, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { Logger } from '@gatehouse/logger';
import type { AmqpConnection, TopologySettings } from './amqp-connection';
import { InvalidEventError, parseEvent, type EventEnvelope, type EventName } from './event-contracts';
import { ATTEMPT_HEADER, consumerQueueNames, declareConsumerQueue } from './topology';
import { contextFromCarrier, eventsTracer } from './trace-context';

/** Handles one event; throwing means "try again later". */
export type EventHandler<N extends EventName> = (event: EventEnvelope<N>) => Promise<void>;

export interface EventConsumerOptions<N extends EventName> {
  readonly connection: Pick<AmqpConnection, 'onConnected'>;
  readonly exchange: string;
  readonly queue: string;
  readonly events: readonly N[];
  readonly handler: EventHandler<N>;
  readonly logger: Logger;
  /** Deliveries before the message is dead-lettered (default 5). */
  readonly maxAttempts?: number;
  /** Delay before the first retry; doubles per attempt (default 1 s). */
  readonly retryBaseDelayMs?: number;
  readonly retryMaxDelayMs?: number;
  /** Told about each outcome, e.g. for metrics. */
  readonly onOutcome?: (outcome: 'handled' | 'retried' | 'dead_lettered', event: string) => void;
}

export interface EventConsumer {
  /** Declares the topology and starts consuming, now and after every reconnect. */
  start(): Promise<void>;
  /** Stops taking new deliveries and waits for the ones in flight. */
  stop(): Promise<void>;
}

function attemptOf(message: ConsumeMessage): number {
  const value: unknown = message.properties.headers?.[ATTEMPT_HEADER];
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : 0;
}

/**
 * Where a delivery's handling span belongs: under the span amqplib's instrumentation started
 * for the delivery (already a child of the message's trace context) when tracing is on, else
 * directly under the trace context the message headers carry.
 */
function deliveryContext(message: ConsumeMessage): Context {
  const active = context.active();
  return trace.getSpan(active) ? active : contextFromCarrier(message.properties.headers as Record<string, unknown> | undefined);
}

type Outcome = 'handled' | 'retried' | 'dead_lettered';

function sendConfirmed(channel: ConfirmChannel, queue: string, message: ConsumeMessage, headers: Record<string, unknown>): Promise<void> {
  return new Promise((resolve, reject) => {
    channel.sendToQueue(
      queue,
      message.content,
      { ...message.properties, persistent: true, headers: { ...message.properties.headers, ...headers } },
      (error: unknown) => (error ? reject(error instanceof Error ? error : new Error('the broker refused the message')) : resolve()),
    );
  });
}

/**
 * Consumes events from a queue of its own. Each message is validated; an invalid one goes
 * straight to the dead-letter queue. A failing handler sends the message to the delay queue of
 * its attempt (it comes back after the back-off) until `maxAttempts`, then to the dead-letter
 * queue. The copy is confirmed by the broker before the original is acked, so nothing is lost.
 */
export function createEventConsumer<N extends EventName>(options: EventConsumerOptions<N>): EventConsumer {
  const maxAttempts = options.maxAttempts ?? 5;
  const names = consumerQueueNames(options.queue, maxAttempts);
  const { logger } = options;
  const inFlight = new Set<Promise<void>>();
  let active: { channel: ConfirmChannel; tag: string } | undefined;
  let stopped = false;

  const deadLetter = async (channel: ConfirmChannel, message: ConsumeMessage, reason: string, event: string) => {
    await sendConfirmed(channel, names.deadLetter, message, { 'x-gatehouse-dead-letter-reason': reason.slice(0, 1000) });
    options.onOutcome?.('dead_lettered', event);
  };

  const handleDelivery = async (channel: ConfirmChannel, message: ConsumeMessage, span: Span): Promise<Outcome> => {
    let event: EventEnvelope<N>;
    try {
      const parsed = parseEvent(message.content);
      if (!(options.events as readonly string[]).includes(parsed.name)) throw new InvalidEventError([`"${parsed.name}" is not consumed here`]);
      event = parsed as EventEnvelope<N>;
    } catch (error) {
      logger.error({ err: error, queue: options.queue, messageId: message.properties.messageId }, 'invalid event dead-lettered');
      await deadLetter(channel, message, (error as Error).message, 'invalid');
      channel.ack(message);
      return 'dead_lettered';
    }
    span.setAttribute('gatehouse.event.name', event.name);
    try {
      await options.handler(event);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      const outcome = await retryOrDeadLetter(channel, message, event.name, error);
      channel.ack(message);
      return outcome;
    }
    channel.ack(message);
    options.onOutcome?.('handled', event.name);
    return 'handled';
  };

  /** One delivery in a span of its own, in the trace of the operation that wrote the event. */
  const handle = (channel: ConfirmChannel, message: ConsumeMessage): Promise<void> =>
    eventsTracer.startActiveSpan(
      `${options.queue} handle`,
      {
        attributes: {
          'messaging.destination.name': options.queue,
          'messaging.message.id': String(message.properties.messageId ?? ''),
          'gatehouse.event.attempt': attemptOf(message) + 1,
        },
      },
      deliveryContext(message),
      async (span) => {
        try {
          const outcome = await handleDelivery(channel, message, span);
          span.setAttribute('gatehouse.event.outcome', outcome);
          if (outcome !== 'handled') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: 'delivery left unacknowledged' });
          throw error;
        } finally {
          span.end();
        }
      },
    );

  const retryOrDeadLetter = async (channel: ConfirmChannel, message: ConsumeMessage, name: string, error: unknown): Promise<Outcome> => {
    const attempt = attemptOf(message) + 1;
    const reason = error instanceof Error ? error.message : String(error);
    if (attempt >= maxAttempts) {
      logger.error({ err: error, queue: options.queue, attempts: attempt, event: name }, 'event dead-lettered after its last attempt');
      await deadLetter(channel, message, reason, name);
      return 'dead_lettered';
    }
    const retry = names.retries[attempt - 1]!;
    logger.warn({ err: error, queue: options.queue, attempt, retryQueue: retry, event: name }, 'event handling failed, will retry');
    await sendConfirmed(channel, retry, message, { [ATTEMPT_HEADER]: attempt });
    options.onOutcome?.('retried', name);
    return 'retried';
  };

  // The queue type is the connection's: one setting for every consumer of a deployment.
  const consume = async (channel: ConfirmChannel, topology: TopologySettings) => {
    await declareConsumerQueue(channel, {
      exchange: options.exchange,
      queue: options.queue,
      events: options.events,
      maxAttempts,
      retryBaseDelayMs: options.retryBaseDelayMs ?? 1000,
      retryMaxDelayMs: options.retryMaxDelayMs ?? 60_000,
      queueType: topology.queueType,
    });
    if (stopped) return;
    const { consumerTag } = await channel.consume(names.queue, (message) => {
      if (!message) return;
      const work = handle(channel, message)
        // The channel died mid-way: the broker redelivers the unacked message after reconnect.
        .catch((error: unknown) => logger.warn({ err: error, queue: options.queue }, 'delivery left unacknowledged'))
        .finally(() => inFlight.delete(work));
      inFlight.add(work);
    });
    active = { channel, tag: consumerTag };
  };

  return {
    async start() {
      stopped = false;
      await options.connection.onConnected(consume);
    },
    async stop() {
      stopped = true;
      const current = active;
      active = undefined;
      await current?.channel.cancel(current.tag).catch(() => undefined);
      await Promise.allSettled([...inFlight]);
    },
  };
}
