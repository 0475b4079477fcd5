import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import { declareExchange, parseEvent, InvalidEventError, type AmqpConnection, type AnyEvent } from '@gatehouse/events';
import type { Logger } from '@gatehouse/logger';
import { PRUNE_SLICE, type DenyList } from './deny-list';
import type { RevocationCatchUp } from './revocation-catch-up';

const REVOKING_EVENTS = ['user.deleted', 'session.revoked', 'client.deleted'] as const;

export interface RevocationFeedOptions {
  readonly connection: Pick<AmqpConnection, 'onConnected'>;
  readonly exchange: string;
  readonly denyList: Pick<DenyList, 'revokeUser' | 'revokeSessions' | 'revokeClient' | 'prune'>;
  /** Started once the queue is bound and consumed, on every (re)connect: fetches what the broker could not deliver. */
  readonly catchUp: Pick<RevocationCatchUp, 'run'>;
  readonly logger: Logger;
  /** How often expired entries are forgotten (default 60 s). */
  readonly pruneIntervalMs?: number;
}

export interface RevocationFeed {
  /** Declares this process's queue and starts consuming, now and after every reconnect. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

function apply(denyList: RevocationFeedOptions['denyList'], event: AnyEvent): boolean {
  if (event.name === 'user.deleted') {
    denyList.revokeUser(event.payload.userId);
    return true;
  }
  if (event.name === 'session.revoked') {
    denyList.revokeSessions(event.payload.sessionIds);
    if (event.payload.reason === 'user_deleted') denyList.revokeUser(event.payload.userId);
    return true;
  }
  if (event.name === 'client.deleted') {
    denyList.revokeClient(event.payload.clientId);
    return true;
  }
  return false;
}

/** Whose tokens an event revoked, for the log line. */
function subjectOf(event: AnyEvent): Record<string, string> {
  if (event.name === 'client.deleted') return { clientId: event.payload.clientId };
  return 'userId' in event.payload ? { userId: event.payload.userId } : {};
}

/**
 * Fills the deny list from `user.deleted`, `session.revoked` and `client.deleted`. Every gateway
 * process needs every revocation, so each declares its own exclusive, auto-deleted, server-named
 * queue (no competing consumers); it vanishes with the connection and is declared anew after a
 * reconnect.
 * Revocations published while no queue was bound (before the start, or while the link was
 * down) never reach it: after each subscription the catch-up asks auth for them.
 */
export function createRevocationFeed(options: RevocationFeedOptions): RevocationFeed {
  const { logger, denyList } = options;
  let active: { channel: ConfirmChannel; tag: string } | undefined;
  let pruning: NodeJS.Timeout | undefined;
  let pruningRest: NodeJS.Immediate | undefined;
  let stopped = false;

  const pruneSlice = () => {
    pruningRest = denyList.prune(PRUNE_SLICE) ? undefined : setImmediate(pruneSlice);
  };

  const receive = (channel: ConfirmChannel, message: ConsumeMessage) => {
    let event: AnyEvent;
    try {
      event = parseEvent(message.content);
      if (!apply(denyList, event)) throw new InvalidEventError([`"${event.name}" revokes nothing`]);
    } catch (error) {
      // A message that breaks the contract would fail the same way on every redelivery.
      logger.warn({ err: error, messageId: message.properties.messageId }, 'invalid revocation event dropped');
      channel.nack(message, false, false);
      return;
    }
    channel.ack(message);
    logger.info({ eventId: event.id, correlationId: event.correlationId, event: event.name, ...subjectOf(event) }, 'revocation applied');
  };

  const subscribe = async (channel: ConfirmChannel) => {
    await declareExchange(channel, options.exchange);
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
    for (const name of REVOKING_EVENTS) await channel.bindQueue(queue, options.exchange, name);
    if (stopped) return;
    const { consumerTag } = await channel.consume(queue, (message) => {
      if (message) receive(channel, message);
    });
    active = { channel, tag: consumerTag };
    // Not awaited: the fetch retries until auth answers, and must not hold up the connection.
    options.catchUp.run();
  };

  return {
    async start() {
      stopped = false;
      pruning = setInterval(() => {
        if (pruningRest === undefined) pruneSlice();
      }, options.pruneIntervalMs ?? 60_000);
      pruning.unref();
      await options.connection.onConnected(subscribe);
    },
    async stop() {
      stopped = true;
      clearInterval(pruning);
      clearImmediate(pruningRest);
      pruningRest = undefined;
      const current = active;
      active = undefined;
      await current?.channel.cancel(current.tag).catch(() => undefined);
    },
  };
}
