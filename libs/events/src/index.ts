export {
  createEvent,
  validateEvent,
  parseEvent,
  eventNames,
  CLIENT_ID_PATTERN,
  securityNoticeKinds,
  sessionRevokedReasons,
  InvalidEventError,
  type EventName,
  type EventPayloads,
  type EventEnvelope,
  type AnyEvent,
  type NewEventOptions,
  type SessionRevokedReason,
  type SecurityNoticeKind,
} from './event-contracts';
export { createAmqpConnection, type AmqpConnection, type AmqpConnectionOptions, type ChannelSetup, type TopologySettings } from './amqp-connection';
export {
  DEFAULT_EXCHANGE,
  ATTEMPT_HEADER,
  QUORUM_DELIVERY_LIMIT,
  TopologyMismatchError,
  declareExchange,
  declareConsumerQueue,
  deleteConsumerQueue,
  consumerQueueNames,
  type ConsumerQueueOptions,
  type QueueType,
} from './topology';
export { publishEvent } from './publisher';
export { createEventConsumer, type EventConsumer, type EventConsumerOptions, type EventHandler } from './event-consumer';
export { consumerSettings, type ConsumerSettings } from './consumer-settings';
export { outboxMigrationSql, outboxTraceContextMigrationSql, insertOutboxEvent, OUTBOX_CHANNEL } from './outbox';
export { createOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from './outbox-relay';
export {
  processedEventsMigrationSql,
  createProcessedEvents,
  createProcessedEventsPruner,
  type ProcessedEvents,
  type ProcessedEventsPrunerOptions,
} from './processed-events';
export { periodicPrune, type PeriodicPrune, type PeriodicPruneOptions } from './periodic-prune';
export { backoffDelay } from './backoff';
export type { Clock } from './clock';
