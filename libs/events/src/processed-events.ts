import type { Pool, PoolClient } from 'pg';
import { withTransaction } from '@gatehouse/db';
import type { Logger } from '@gatehouse/logger';
import { periodicPrune, type PeriodicPrune } from './periodic-prune';

/** Schema of the consumer-side deduplication table; copied into services' migrations like the outbox. */
export const processedEventsMigrationSql = `CREATE TABLE processed_events (
  consumer     text NOT NULL,
  event_id     uuid NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);
`;

/** Which events one consumer has already applied. */
export interface ProcessedEvents {
  has(eventId: string): Promise<boolean>;
  /** Records the id; true when it was not recorded before. */
  record(eventId: string): Promise<boolean>;
  /**
   * Runs `effect` and records the id in one transaction, or does nothing when the id is
   * already there: exactly once for side effects that live in the same database.
   */
  once(eventId: string, effect: (client: PoolClient) => Promise<void>): Promise<boolean>;
}

/** The `processed_events` rows of `consumer`, e.g. `notification.user-registered`. */
export function createProcessedEvents(pool: Pool, consumer: string): ProcessedEvents {
  return {
    async has(eventId) {
      const { rowCount } = await pool.query('SELECT 1 FROM processed_events WHERE consumer = $1 AND event_id = $2', [consumer, eventId]);
      return rowCount === 1;
    },
    async record(eventId) {
      const { rowCount } = await pool.query('INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [consumer, eventId]);
      return rowCount === 1;
    },
    once: (eventId, effect) =>
      withTransaction(pool, async (client) => {
        // The insert takes the row lock, so a concurrent redelivery waits here and then skips.
        const { rowCount } = await client.query('INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
          consumer,
          eventId,
        ]);
        if (rowCount === 1) await effect(client);
        return rowCount === 1;
      }),
  };
}

export interface ProcessedEventsPrunerOptions {
  readonly pool: Pool;
  readonly logger: Logger;
  /**
   * How long an id is remembered (default 7 days). It must outlast every redelivery of the
   * event, retries included, or a late duplicate would apply its effect again.
   */
  readonly retentionMs?: number;
  /** How often expired ids are deleted (default 1 h). */
  readonly intervalMs?: number;
  /** Rows deleted per statement (default 1000). */
  readonly batchSize?: number;
}

/** Deletes `processed_events` rows of every consumer once they are older than the retention. */
export function createProcessedEventsPruner(options: ProcessedEventsPrunerOptions): PeriodicPrune {
  const retentionSeconds = (options.retentionMs ?? 7 * 24 * 60 * 60 * 1000) / 1000;
  return periodicPrune({
    logger: options.logger,
    table: 'processed_events',
    intervalMs: options.intervalMs ?? 60 * 60 * 1000,
    batchSize: options.batchSize ?? 1000,
    deleteBatch: async (limit) => {
      const { rowCount } = await options.pool.query(
        `DELETE FROM processed_events WHERE (consumer, event_id) IN (
           SELECT consumer, event_id FROM processed_events WHERE processed_at < now() - make_interval(secs => $1)
           LIMIT $2 FOR UPDATE SKIP LOCKED)`,
        [retentionSeconds, limit],
      );
      return rowCount ?? 0;
    },
  });
}
