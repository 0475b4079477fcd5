import { createEvent } from '@gatehouse/events';
import type { SessionStore, SessionTokens, Transactions } from './auth.ports';
import { userActor, type AuditTrail } from './audit.ports';

export interface LogoutDeps {
  readonly sessions: Pick<SessionStore, 'exists' | 'revoke'>;
  readonly tokens: Pick<SessionTokens, 'readRefreshToken'>;
  readonly transactions: Pick<Transactions, 'run'>;
  readonly audit: AuditTrail;
}

/**
 * Ends the session of the presented token and tells every gateway, so its access tokens stop
 * working at once rather than when they expire. The announcement is written first: if ending the
 * session then fails, a retry finds it still live and does both. Unknown or absent tokens are
 * fine: logout is idempotent.
 */
export async function logout(deps: LogoutDeps, presented: string | undefined): Promise<void> {
  const token = deps.tokens.readRefreshToken(presented);
  if (!token || !(await deps.sessions.exists(token.userId, token.sessionId))) return;
  await deps.transactions.run((tx) => tx.publish(createEvent('session.revoked', { userId: token.userId, sessionIds: [token.sessionId], reason: 'logout' })));
  await deps.sessions.revoke(token.userId, token.sessionId);
  deps.audit.record({ action: 'logout', outcome: 'success', actor: userActor(token.userId), subject: token.userId });
}
