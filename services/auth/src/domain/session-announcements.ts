import { createEvent, type SessionRevokedReason } from '@gatehouse/events';
import type { AuthTransaction, SessionStore, Transactions } from './auth.ports';

/** Writes `session.revoked` for the sessions, in the caller's transaction, unless there are none. */
export async function announceEnded(tx: AuthTransaction, userId: string, sessionIds: readonly string[], reason: SessionRevokedReason): Promise<void> {
  if (sessionIds.length > 0) await tx.publish(createEvent('session.revoked', { userId, sessionIds: [...sessionIds], reason }));
}

/**
 * The second, fencing revoke-all after a credential change committed: it ends whatever a login
 * racing the change opened and stops any later one built on the old credential. Sessions it
 * finds that were not announced yet (not in `announced`) are announced now.
 */
export async function fenceAfterCommit(
  deps: { readonly sessions: Pick<SessionStore, 'revokeAll'>; readonly transactions: Pick<Transactions, 'run'> },
  userId: string,
  keep: string | undefined,
  reason: SessionRevokedReason,
  announced: readonly string[] = [],
): Promise<void> {
  const late = (await deps.sessions.revokeAll(userId, keep)).filter((id) => !announced.includes(id));
  if (late.length > 0) await deps.transactions.run((tx) => announceEnded(tx, userId, late, reason));
}
