import type { Logger } from '@gatehouse/logger';

export interface BackgroundWork {
  /** Runs `work` without anyone awaiting it; a failure is logged, never thrown. */
  run(name: string, work: () => Promise<void>): void;
  /** Resolves once everything started so far has finished (for a clean shutdown). */
  drain(): Promise<void>;
}

/**
 * Work done after the answer was sent, tracked so that shutdown waits for it, and bounded: past
 * `limit` tasks in flight new ones are dropped, so a flood of requests cannot queue unbounded work
 * behind a small database pool.
 */
export function createBackgroundWork(logger: Logger, limit: number): BackgroundWork {
  const running = new Set<Promise<void>>();
  return {
    run(name, work) {
      if (running.size >= limit) {
        logger.warn({ work: name, inFlight: running.size }, 'background work dropped: too much in flight');
        return;
      }
      const task = work()
        .catch((error: unknown) => logger.error({ err: error, work: name }, 'background work failed'))
        .finally(() => running.delete(task));
      running.add(task);
    },
    async drain() {
      await Promise.allSettled([...running]);
    },
  };
}
