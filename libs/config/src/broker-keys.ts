import Joi from 'joi';
import { url } from './config-types';
import { positiveInt } from './service-keys';
import { oneOf, type ConfigOf } from './typed-config';

/** Where a process reaches RabbitMQ and the topic exchange the events travel on: the gateway and every service. */
export function brokerKeys() {
  return {
    AMQP_URL: url(['amqp', 'amqps']).default('amqp://guest:guest@127.0.0.1:5672'),
    EVENTS_EXCHANGE: Joi.string().max(200).default('gatehouse.events'),
  };
}

export type BrokerConfig = ConfigOf<ReturnType<typeof brokerKeys>>;

/**
 * libs/events' own ceiling on a retry's delay. Each retry queue is declared with its delay as
 * `x-message-ttl`, which RabbitMQ refuses to change on an existing queue, so a service keeps
 * the ceiling its queues were created with.
 */
const DEFAULT_RETRY_MAX_DELAY_MS = 60_000;

export interface EventConsumerDefaults {
  /** Usually the service's name. */
  readonly queuePrefix: string;
  /** Default {@link DEFAULT_RETRY_MAX_DELAY_MS}. */
  readonly retryMaxDelayMs?: number;
}

/**
 * How a service that consumes events names, declares and retries its queues. Every consumer
 * reads the same keys; only the defaults given here differ between services.
 */
export function eventConsumerKeys(defaults: EventConsumerDefaults) {
  return {
    /** Prefix of this service's queues (`<prefix>.user-deleted`, …); tests make it unique. */
    EVENTS_QUEUE_PREFIX: Joi.string()
      .pattern(/^[\w.-]{1,100}$/)
      .default(defaults.queuePrefix),
    /**
     * `quorum` declares each consumer queue, its retry queues and its dead-letter queue as quorum
     * queues (replicated across a RabbitMQ cluster). An existing queue cannot change type, so
     * switching needs the migration the README describes; the service refuses to start meanwhile.
     */
    EVENTS_QUEUE_TYPE: oneOf('classic', 'quorum').default('classic'),
    /** Deliveries of one event before it is dead-lettered; also how many retry queues there are. */
    EVENT_MAX_ATTEMPTS: positiveInt().max(20).default(5),
    /** The first retry's delay; each further retry waits twice as long, up to the ceiling below. */
    EVENT_RETRY_BASE_DELAY_MS: positiveInt().default(1000),
    EVENT_RETRY_MAX_DELAY_MS: positiveInt().default(defaults.retryMaxDelayMs ?? DEFAULT_RETRY_MAX_DELAY_MS),
  };
}

export type EventConsumerConfig = ConfigOf<ReturnType<typeof eventConsumerKeys>>;

/** How consumer queues are declared on the broker; one value for every consuming service. */
export type EventQueueType = EventConsumerConfig['EVENTS_QUEUE_TYPE'];
