import { createEvent } from '@gatehouse/events';
import type { CredentialStore, SessionStore, Transactions } from './auth.ports';

export interface DeleteAccountDeps {
  readonly sessions: Pick<SessionStore, 'revokeAll'>;
  readonly credentials: Pick<CredentialStore, 'exists'>;
  readonly transactions: Pick<Transactions, 'once'>;
}

export type DeleteAccountResult = 'deleted' | 'duplicate' | 'refused_last_admin';

/**
 * A `user.deleted` naming the only admin is refused: the user service never sends one, so it can
 * only be forged or broken, and obeying it would lock every operator out.
 */
export function isLastAdmin(userId: string, adminIds: readonly string[]): boolean {
  return adminIds.length === 1 && adminIds[0] === userId;
}

/**
 * Applies `user.deleted` exactly once per event id: the credential goes and `session.revoked` is
 * announced in one transaction. Sessions end before (so no refresh succeeds once the deletion
 * started) and again after the commit, which fences out a login that read the credential just
 * before it was deleted. That second step also runs on a redelivery whenever the credential is
 * gone: if it failed the first time, the retry must not skip it (a refused event leaves the
 * credential, so its redelivery ends nothing).
 */
export async function deleteAccount(deps: DeleteAccountDeps, eventId: string, userId: string): Promise<DeleteAccountResult> {
  let result = 'duplicate' as DeleteAccountResult;
  await deps.transactions.once(eventId, async (tx) => {
    if (isLastAdmin(userId, await tx.lockAdmins())) {
      result = 'refused_last_admin';
      return;
    }
    const sessionIds = await deps.sessions.revokeAll(userId);
    await tx.deleteCredential(userId);
    await tx.publish(createEvent('session.revoked', { userId, sessionIds, reason: 'user_deleted' }));
    result = 'deleted';
  });
  if (result === 'deleted' || !(await deps.credentials.exists(userId))) await deps.sessions.revokeAll(userId);
  return result;
}
