import { backoffDelay } from '@gatehouse/events';
import type { Logger } from '@gatehouse/logger';
import type { DenyList } from './deny-list';
import { RecentRevocationsError, type FetchRecentRevocations, type RecentRevocations } from './recent-revocations.client';

export interface RevocationCatchUpOptions {
  readonly fetchRecent: FetchRecentRevocations;
  readonly denyList: Pick<DenyList, 'revokeUser' | 'revokeSessions' | 'revokeClient'>;
  readonly logger: Logger;
  /** First retry delay; doubles per failed attempt (default 250 ms). */
  readonly retryBaseDelayMs?: number;
  /** Longest retry delay: bounds how long a gap stays open once auth answers again (default 5 s). */
  readonly retryMaxDelayMs?: number;
}

export interface RevocationCatchUp {
  /**
   * Fetches what was revoked within the window and adds it to the deny list, retrying until it
   * succeeds. Call it right after each (re)subscription: a run supersedes an unfinished one,
   * whose fetch may have started before the new queue was bound.
   */
  run(): void;
  /** True once a run has succeeded: the deny list then holds every revocation still relevant. */
  synced(): boolean;
  /** Cancels the current run and its retries. */
  stop(): void;
}

function apply(denyList: RevocationCatchUpOptions['denyList'], recent: RecentRevocations): void {
  for (const { id, at } of recent.sessions) denyList.revokeSessions([id], at);
  for (const { id, at } of recent.users) denyList.revokeUser(id, at);
  for (const { id, at } of recent.clients) denyList.revokeClient(id, at);
}

/** Why an attempt failed, for the log: a status or an error code, never a URL, header or body. */
function reasonOf(error: unknown): Record<string, unknown> {
  if (error instanceof RecentRevocationsError) return { reason: error.message, ...(error.status ? { status: error.status } : {}) };
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  return { reason: error instanceof Error ? `${error.name}: ${error.message}` : 'unknown', ...(cause?.code ? { code: cause.code } : {}) };
}

/**
 * Closes the gap the broker leaves: a gateway hears a revocation only while its queue exists,
 * so one that starts, restarts or reconnects asks auth for every revocation of the last
 * access-token lifetime. The queue is bound first and the fetch follows, so a revocation
 * published between the two arrives at least once (twice is harmless).
 */
export function createRevocationCatchUp(options: RevocationCatchUpOptions): RevocationCatchUp {
  const { logger } = options;
  const baseDelay = options.retryBaseDelayMs ?? 250;
  const maxDelay = options.retryMaxDelayMs ?? 5000;
  let generation = 0;
  let synced = false;
  let inFlight: AbortController | undefined;
  let retry: NodeJS.Timeout | undefined;

  const cancel = () => {
    generation += 1;
    clearTimeout(retry);
    retry = undefined;
    inFlight?.abort();
    inFlight = undefined;
  };

  const attempt = async (run: number, attemptNumber: number) => {
    const controller = new AbortController();
    inFlight = controller;
    try {
      const recent = await options.fetchRecent(controller.signal);
      if (run !== generation) return;
      apply(options.denyList, recent);
      synced = true;
      inFlight = undefined;
      logger.info(
        { attempt: attemptNumber, sessions: recent.sessions.length, users: recent.users.length, clients: recent.clients.length },
        'revocations caught up',
      );
    } catch (error) {
      if (run !== generation) return;
      const delayMs = backoffDelay(attemptNumber, baseDelay, maxDelay);
      logger.warn({ attempt: attemptNumber, delayMs, ...reasonOf(error) }, 'revocation catch-up failed, retrying');
      retry = setTimeout(() => void attempt(run, attemptNumber + 1), delayMs);
    }
  };

  return {
    run() {
      cancel();
      void attempt(generation, 1);
    },
    synced: () => synced,
    stop: cancel,
  };
}
