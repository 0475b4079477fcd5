import { AppError } from '@gatehouse/errors';
import type { Clock, SessionStore, Transactions } from './auth.ports';
import { accountGone } from './one-time-code';
import type { Passkey, PasskeyStore } from './passkey.ports';
import { securityNotice } from './security-notice';
import { announceEnded, fenceAfterCommit } from './session-announcements';

export interface ManagePasskeysDeps {
  readonly transactions: Pick<Transactions, 'run'>;
  readonly sessions: Pick<SessionStore, 'revokeAll'>;
  readonly clock: Clock;
}

export interface PasskeyRemovalInput {
  readonly userId: string;
  /** The caller's session: it survives, every other one ends. */
  readonly sessionId: string;
  readonly passkeyId: string;
  readonly userAgent: string | null;
}

export function listPasskeys(deps: { readonly passkeys: Pick<PasskeyStore, 'listOf'> }, userId: string): Promise<Passkey[]> {
  return deps.passkeys.listOf(userId);
}

/**
 * Removes one of the caller's passkeys. Someone else's, or an unknown id, is simply not found.
 * Every other session of the user ends, as when the authenticator app is removed: a passkey is
 * removed most often because its device was lost, and the sessions it opened must go with it
 * (sessions do not record which passkey opened them). The owner is told by email.
 */
export async function removePasskey(deps: ManagePasskeysDeps, input: PasskeyRemovalInput): Promise<void> {
  const { userId } = input;
  const ended = await deps.transactions.run(async (tx) => {
    const account = await tx.findById(userId);
    if (!account) throw accountGone();
    if (!(await tx.deletePasskey(userId, input.passkeyId))) throw new AppError('passkey_not_found', 'You have no passkey with this id.');
    const revoked = await deps.sessions.revokeAll(userId, input.sessionId);
    await announceEnded(tx, userId, revoked, 'passkey_removed');
    await tx.publish(securityNotice(account, 'passkey_removed', new Date(deps.clock()), input.userAgent));
    return revoked;
  });
  // A login that read the passkey before it went is fenced out (its notBefore predates this).
  await fenceAfterCommit(deps, userId, input.sessionId, 'passkey_removed', ended);
}
