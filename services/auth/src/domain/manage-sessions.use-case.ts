import { AppError } from '@gatehouse/errors';
import type { SessionInfo, SessionStore, Transactions } from './auth.ports';
import { announceEnded, fenceAfterCommit } from './session-announcements';

export interface ManageSessionsDeps {
  readonly sessions: Pick<SessionStore, 'list' | 'exists' | 'revoke' | 'revokeAll'>;
  readonly transactions: Pick<Transactions, 'run'>;
}

export function listSessions(deps: Pick<ManageSessionsDeps, 'sessions'>, userId: string): Promise<SessionInfo[]> {
  return deps.sessions.list(userId);
}

/**
 * Ends one of the caller's own sessions. Someone else's session, or an unknown id, is simply not
 * found (404): the answer tells nothing about other users' sessions.
 */
export async function endSession(deps: ManageSessionsDeps, userId: string, sessionId: string): Promise<void> {
  if (!(await deps.sessions.exists(userId, sessionId))) throw new AppError('session_not_found', 'You have no session with this id.');
  // Announced first, as logout does: a failure after it leaves a retry that still finds the session.
  await deps.transactions.run((tx) => announceEnded(tx, userId, [sessionId], 'session_ended_by_user'));
  await deps.sessions.revoke(userId, sessionId);
}

/** Ends every session of the user, announced to every gateway. */
export async function logoutAll(deps: ManageSessionsDeps, userId: string): Promise<void> {
  const live = (await deps.sessions.list(userId)).map((s) => s.sessionId);
  await deps.transactions.run((tx) => announceEnded(tx, userId, live, 'logout_all'));
  await fenceAfterCommit(deps, userId, undefined, 'logout_all', live);
}
