import type { Channel, Options } from 'amqplib';
import type { EventName } from './event-contracts';
import { backoffDelay } from './backoff';

/** The exchange every Gatehouse event goes through unless configured otherwise. */
export const DEFAULT_EXCHANGE = 'gatehouse.events';

/** Header holding how many deliveries of this message already failed. */
export const ATTEMPT_HEADER = 'x-gatehouse-attempt';

/**
 * `classic` queues live on one broker node; `quorum` queues are replicated (Raft) across a
 * RabbitMQ cluster and survive the loss of a minority of its nodes.
 */
export type QueueType = 'classic' | 'quorum';

/**
 * Deliveries of one message that ended without an ack (the consumer crashed or its link dropped
 * mid-handling) before a quorum queue dead-letters it. Handler failures never count here: they
 * are acked and go through the retry queues. RabbitMQ 4 would otherwise drop such a message
 * after 20 silently, and RabbitMQ 3 redeliver it for ever.
 */
export const QUORUM_DELIVERY_LIMIT = 20;

/**
 * Thrown when the broker refuses to declare a queue because it exists with other arguments,
 * e.g. as a classic queue while quorum queues are configured, or with another retry delay.
 * Neither changes in place: see the README of @gatehouse/events for the migration.
 */
export class TopologyMismatchError extends Error {
  constructor(
    readonly queue: string,
    readonly queueType: QueueType,
    options: { cause: unknown },
  ) {
    const reply = options.cause instanceof Error ? options.cause.message : String(options.cause);
    // The broker names only the first argument it found different, which rarely is the type.
    super(
      `Queue "${queue}" exists with other arguments than this consumer declares (a ${queueType} queue). ` +
        "A queue's type (EVENTS_QUEUE_TYPE) and retry delays cannot change in place: keep the old settings, or stop every " +
        'consumer of it, drain it and delete it with its .retry.<n> and .dead-letter queues, then start again. ' +
        `The broker said: ${reply}`,
      options,
    );
    this.name = 'TopologyMismatchError';
  }
}

export interface ConsumerQueueOptions {
  readonly exchange: string;
  /** Owned by one consumer service, e.g. `notification.user-registered`. */
  readonly queue: string;
  readonly events: readonly EventName[];
  /** Deliveries before a message is dead-lettered (default 5). */
  readonly maxAttempts: number;
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
  /** Default `classic`; the same for every queue of the consumer. */
  readonly queueType?: QueueType;
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

/** AMQP 0-9-1 PRECONDITION_FAILED: the queue exists with other arguments. */
const PRECONDITION_FAILED = 406;

/**
 * Classic queues are declared without a type, exactly as before the option existed, so queues
 * declared by earlier versions stay equivalent.
 */
const typeArguments = (queueType: QueueType): Record<string, unknown> => (queueType === 'quorum' ? { 'x-queue-type': 'quorum' } : {});

/**
 * Dead-lettering into `queue`. A quorum queue does it at least once (which needs `reject-publish`
 * overflow): a message leaving a retry queue is never lost on its way back.
 */
function deadLetterTo(queue: string, queueType: QueueType): Record<string, unknown> {
  const target = { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': queue };
  return queueType === 'quorum' ? { ...target, 'x-dead-letter-strategy': 'at-least-once', 'x-overflow': 'reject-publish' } : target;
}

async function assertQueue(channel: Channel, queue: string, queueType: QueueType, options: Options.AssertQueue): Promise<void> {
  try {
    await channel.assertQueue(queue, options);
  } catch (error) {
    if ((error as { code?: unknown }).code === PRECONDITION_FAILED) throw new TopologyMismatchError(queue, queueType, { cause: error });
    throw error;
  }
}

/**
 * A durable consumer queue bound to its events, one delay queue per retry (TTL growing
 * exponentially, dead-lettering back into the consumer queue only, so other consumers of the
 * event see it once) and a dead-letter queue for what failed `maxAttempts` times or is invalid.
 * With quorum queues, a message whose deliveries keep ending without an ack (a crash mid-handling)
 * goes to the dead-letter queue after `QUORUM_DELIVERY_LIMIT` of them.
 * Throws `TopologyMismatchError` when a queue exists with other arguments (another type).
 */
export async function declareConsumerQueue(channel: Channel, options: ConsumerQueueOptions): Promise<void> {
  const names = consumerQueueNames(options.queue, options.maxAttempts);
  const queueType = options.queueType ?? 'classic';
  const typed = typeArguments(queueType);
  await declareExchange(channel, options.exchange);
  // Only a quorum queue counts deliveries; past the limit it dead-letters where our handler would.
  const poisonLimit = queueType === 'quorum' ? { 'x-delivery-limit': QUORUM_DELIVERY_LIMIT, ...deadLetterTo(names.deadLetter, queueType) } : {};
  await assertQueue(channel, names.queue, queueType, { durable: true, arguments: { ...typed, ...poisonLimit } });
  for (const event of options.events) await channel.bindQueue(names.queue, options.exchange, event);
  await assertQueue(channel, names.deadLetter, queueType, { durable: true, arguments: typed });
  for (const [index, retry] of names.retries.entries()) {
    await assertQueue(channel, retry, queueType, {
      durable: true,
      arguments: {
        ...typed,
        'x-message-ttl': backoffDelay(index + 1, options.retryBaseDelayMs, options.retryMaxDelayMs),
        ...deadLetterTo(names.queue, queueType),
      },
    });
  }
}

/** Removes a consumer queue and its retry and dead-letter queues (tests, decommissioning). */
export async function deleteConsumerQueue(channel: Channel, queue: string, maxAttempts: number): Promise<void> {
  const names = consumerQueueNames(queue, maxAttempts);
  for (const name of [names.queue, names.deadLetter, ...names.retries]) await channel.deleteQueue(name);
}
