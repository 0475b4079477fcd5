import type { Logger } from '@gatehouse/logger';

export interface PeriodicPruneOptions {
  readonly logger: Logger;
  /** What is pruned, for log lines (`outbox`, `processed_events`). */
  readonly table: string;
  readonly intervalMs: number;
  readonly batchSize: number;
  /** Deletes at most `limit` expired rows in one short statement; resolves with how many went. */
  readonly deleteBatch: (limit: number) => Promise<number>;
}

/** Deletes expired rows of one table on a timer. */
export interface PeriodicPrune {
  /** Starts the timer; it is unref'd, so it never keeps a process alive. */
  start(): void;
  /** Deletes expired rows now, batch after batch until a batch comes back short; resolves with the count. */
  prune(): Promise<number>;
  /** Stops the timer, after the pass in flight. */
  stop(): Promise<void>;
}

/**
 * Retention for append-only tables. Each batch is its own statement, so no long lock is held
 * and a large backlog drains over a few passes without blocking writers. Replicas may all run
 * it: the batches skip rows another replica is deleting.
 */
export function periodicPrune(options: PeriodicPruneOptions): PeriodicPrune {
  const { logger, batchSize } = options;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let stopped = false;

  const pruneAll = async (): Promise<number> => {
    let total = 0;
    for (;;) {
      const deleted = await options.deleteBatch(batchSize);
      total += deleted;
      if (deleted < batchSize || stopped) return total;
    }
  };

  const prune = (): Promise<number> => {
    running ??= pruneAll().finally(() => {
      running = undefined;
    });
    return running;
  };

  const tick = async () => {
    try {
      const deleted = await prune();
      if (deleted > 0) logger.debug({ table: options.table, deleted }, 'pruned expired rows');
    } catch (error) {
      logger.warn({ err: error, table: options.table }, 'pruning expired rows failed; retrying on the next tick');
    }
  };

  return {
    start() {
      stopped = false;
      clearInterval(timer);
      timer = setInterval(() => void tick(), options.intervalMs);
      timer.unref();
    },
    prune,
    async stop() {
      stopped = true;
      clearInterval(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
}
