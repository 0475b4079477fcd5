import { createEvent } from '@gatehouse/events';
import type { RefreshTokenStore, Transactions } from './auth.ports';

export interface DeleteAccountDeps {
  readonly refreshTokens: Pick<RefreshTokenStore, 'revokeAllForUser'>;
  readonly transactions: Pick<Transactions, 'once'>;
}

/**
 * Applies `user.deleted`: sessions die first, so no refresh succeeds once the deletion started; then the credential is deleted and `session.revoked` announced, exactly
 * once per event id. A redelivery revokes nothing new and publishes nothing.
 */
export async function deleteAccount(deps: DeleteAccountDeps, eventId: string, userId: string): Promise<boolean> {
  const sessionIds = await deps.refreshTokens.revokeAllForUser(userId);
  return deps.transactions.once(eventId, async (tx) => {
    await tx.deleteCredential(userId);
    await tx.publish(createEvent('session.revoked', { userId, sessionIds, reason: 'user_deleted' }));
  });
}
