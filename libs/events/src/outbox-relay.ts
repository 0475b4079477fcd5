import { context, SpanStatusCode } from '@opentelemetry/api';
import type { ConfirmChannel } from 'amqplib';
import type { Pool, PoolClient } from 'pg';
import { withTransaction } from '@gatehouse/db';
import type { Logger } from '@gatehouse/logger';
import type { AmqpConnection } from './amqp-connection';
import type { AnyEvent } from './event-contracts';
import { OUTBOX_CHANNEL } from './outbox';
import { periodicPrune } from './periodic-prune';
import { publishEvent } from './publisher';
import { contextFromCarrier, eventsTracer, type TraceCarrier } from './trace-context';

/** Published rows are kept this long by default: enough to inspect a recent incident. */
const DEFAULT_RETENTION_MS = 60 * 60 * 1000;

export interface OutboxRelayOptions {
  readonly pool: Pool;
  readonly connection: Pick<AmqpConnection, 'channel' | 'onConnected'>;
  readonly exchange: string;
  readonly logger: Logger;
  /** Fallback when a notification is missed (default 5 s). */
  readonly pollIntervalMs?: number;
  readonly batchSize?: number;
  /**
   * How long a published row is kept before it is deleted (default 1 h). Payloads can hold
   * one-time secrets (the raw verification token of `user.registered`), so keep it short.
   * Pending rows are never deleted.
   */
  readonly retentionMs?: number;
  /** How often expired rows are deleted (default 1 min). */
  readonly pruneIntervalMs?: number;
  /** Rows deleted per statement (default 1000). */
  readonly pruneBatchSize?: number;
}

export interface OutboxRelay {
  /** LISTENs for new rows, polls as a fallback and publishes what is pending. */
  start(): Promise<void>;
  /** Publishes pending rows now; resolves when none are left or the broker is away. */
  drain(): Promise<void>;
  /** Deletes published rows older than the retention now; resolves with how many went. */
  prune(): Promise<number>;
  /** Stops listening, polling and pruning, after the batch in flight. */
  stop(): Promise<void>;
}

interface OutboxRow {
  position: string;
  envelope: AnyEvent;
  trace_context: TraceCarrier | null;
}

/**
 * Publishes one row inside the trace that wrote it: a span per row, child of the stored
 * context, whose publish (and its headers) the consumer continues.
 */
function publishRow(channel: ConfirmChannel, exchange: string, row: OutboxRow): Promise<void> {
  const { envelope } = row;
  return context.with(contextFromCarrier(row.trace_context), () =>
    eventsTracer.startActiveSpan(
      `outbox relay ${envelope.name}`,
      { attributes: { 'messaging.message.id': envelope.id, 'gatehouse.event.name': envelope.name, 'gatehouse.outbox.position': row.position } },
      async (span) => {
        try {
          await publishEvent(channel, exchange, envelope);
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
          throw error;
        } finally {
          span.end();
        }
      },
    ),
  );
}

/**
 * Publishes outbox rows with publisher confirms and marks them published. Rows are claimed
 * with `FOR UPDATE SKIP LOCKED`, so any number of replicas can relay without publishing a row
 * twice; a row stays pending while the broker is away and leaves once it is back. Delivery is
 * at least once (a crash between confirm and commit republishes): consumers deduplicate by id.
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { pool, logger } = options;
  const batchSize = options.batchSize ?? 100;
  let listener: PoolClient | undefined;
  let poll: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  const retentionSeconds = (options.retentionMs ?? DEFAULT_RETENTION_MS) / 1000;
  const pruner = periodicPrune({
    logger,
    table: 'outbox',
    intervalMs: options.pruneIntervalMs ?? 60_000,
    batchSize: options.pruneBatchSize ?? 1000,
    // Expired rows are the oldest, at the head of the primary key, so a pass reads little
    // beyond what it deletes; no index on published_at is needed.
    deleteBatch: async (limit) => {
      const { rowCount } = await pool.query(
        `DELETE FROM outbox WHERE position IN (
           SELECT position FROM outbox WHERE published_at < now() - make_interval(secs => $1)
           ORDER BY position LIMIT $2 FOR UPDATE SKIP LOCKED)`,
        [retentionSeconds, limit],
      );
      return rowCount ?? 0;
    },
  });

  const publishBatch = async (): Promise<number> => {
    const channel = options.connection.channel();
    if (!channel) return 0;
    return withTransaction(pool, async (client) => {
      const { rows } = await client.query<OutboxRow>(
        'SELECT position, envelope, trace_context FROM outbox WHERE published_at IS NULL ORDER BY position LIMIT $1 FOR UPDATE SKIP LOCKED',
        [batchSize],
      );
      // Publish the whole batch, then wait for the confirms together: the broker confirms
      // persistent messages after its disk sync, so awaiting each in turn would cap the relay
      // at one event per sync. Order on the wire is still the outbox order.
      const outcomes = await Promise.allSettled(rows.map((row) => publishRow(channel, options.exchange, row)));
      const published = rows.filter((_, i) => outcomes[i]!.status === 'fulfilled').map((row) => row.position);
      const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      if (failed) logger.warn({ err: failed.reason, pending: rows.length - published.length }, 'outbox publish failed; rows stay pending');
      if (published.length > 0) await client.query('UPDATE outbox SET published_at = now() WHERE position = ANY ($1::bigint[])', [published]);
      return published.length === rows.length ? rows.length : 0;
    });
  };

  const run = async () => {
    do {
      again = false;
      while (!stopped && (await publishBatch()) === batchSize);
    } while (again && !stopped);
  };

  const drain = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = run()
      .catch((error: unknown) => logger.warn({ err: error }, 'outbox relay pass failed'))
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const listen = async () => {
    const client = await pool.connect();
    client.on('notification', () => void drain());
    client.on('error', (error) => {
      // After stop() the client is back in the pool, which handles its errors; releasing it
      // again from here would throw.
      if (listener !== client) return;
      listener = undefined;
      logger.warn({ err: error }, 'outbox listener lost; polling until it is back');
      client.release(error);
    });
    await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    listener = client;
  };

  const tick = async () => {
    if (!listener) await listen().catch((error: unknown) => logger.warn({ err: error }, 'outbox LISTEN failed'));
    await drain();
  };

  return {
    async start() {
      stopped = false;
      await listen();
      // Rows written while the broker was away leave as soon as it is back.
      await options.connection.onConnected(async () => void drain());
      poll = setInterval(() => void tick(), options.pollIntervalMs ?? 5000);
      pruner.start();
      await drain();
    },
    drain,
    prune: pruner.prune,
    async stop() {
      stopped = true;
      clearInterval(poll);
      await pruner.stop();
      await running;
      const client = listener;
      listener = undefined;
      if (client) {
        client.removeAllListeners('notification');
        await client.query(`UNLISTEN ${OUTBOX_CHANNEL}`).catch(() => undefined);
        client.release();
      }
    },
  };
}
