import { AppError, validationError } from '@gatehouse/errors';
import { createEvent } from '@gatehouse/events';
import type { Clock, LoginThrottle, PasswordHasher, SecretGenerator, SessionStore, Transactions } from './auth.ports';
import { passwordProblem } from './password-policy';
import { securityNotice } from './security-notice';
import { newSingleUseToken, SINGLE_USE_TOKEN_SHAPE } from './single-use-token';
import { announceEnded, fenceAfterCommit } from './session-announcements';

export interface PasswordResetDeps {
  readonly transactions: Pick<Transactions, 'run'>;
  readonly sessions: Pick<SessionStore, 'revokeAll'>;
  readonly throttle: Pick<LoginThrottle, 'clear'>;
  readonly hasher: Pick<PasswordHasher, 'hash'>;
  readonly secrets: Pick<SecretGenerator, 'token' | 'digest'>;
  readonly clock: Clock;
  readonly resetTtlSeconds: number;
}

const invalidToken = () => new AppError('reset_token_invalid', 'The reset link is invalid, expired or already used.');

/**
 * Emails a reset link when the address has an account: a new single-use token (only its digest is
 * stored) that voids the older ones, announced through the outbox. The caller answers the same
 * whatever happened, and runs this after answering, so neither body nor timing tells who has an
 * account.
 */
export async function requestPasswordReset(deps: PasswordResetDeps, email: string): Promise<void> {
  await deps.transactions.run(async (tx) => {
    const credential = await tx.findByEmail(email);
    if (!credential) return;
    const { token, digest, expiresAt } = newSingleUseToken(deps, deps.resetTtlSeconds);
    await tx.voidPasswordResets(credential.id);
    await tx.addPasswordReset(digest, credential.id, expiresAt);
    await tx.publish(
      createEvent('user.password_reset_requested', {
        userId: credential.id,
        email: credential.email,
        name: credential.name,
        resetToken: token,
        resetExpiresAt: expiresAt.toISOString(),
      }),
    );
  });
}

/**
 * Sets a new password with a reset token, once. Every session of the user ends (announced to the
 * gateways), every other reset link dies, failed logins are forgiven, the email counts as
 * verified (the link proved the mailbox), and the owner gets a notice. The token is claimed
 * first, so a second submission waits for the first and ends nothing; sessions end inside the
 * transaction and again after it, fencing out a login that checked the old password. Resolves
 * with the user's id.
 */
export async function resetPassword(deps: PasswordResetDeps, input: { token: string; password: string; userAgent: string | null }): Promise<string> {
  const problem = passwordProblem(input.password);
  if (problem) throw validationError([{ path: 'password', message: `"password" ${problem}` }]);
  if (!SINGLE_USE_TOKEN_SHAPE.test(input.token)) throw invalidToken();
  const digest = deps.secrets.digest(input.token);
  const now = new Date(deps.clock());
  if (!(await deps.transactions.run((tx) => tx.peekPasswordReset(digest, now)))) throw invalidToken();
  const passwordHash = await deps.hasher.hash(input.password);
  const account = await deps.transactions.run(async (tx) => {
    const userId = await tx.usePasswordReset(digest, now);
    if (!userId) throw invalidToken();
    const before = await tx.setPassword(userId, passwordHash, { markEmailVerified: true });
    if (!before) throw invalidToken();
    await tx.voidPasswordResets(userId);
    await announceEnded(tx, userId, await deps.sessions.revokeAll(userId), 'password_changed');
    await tx.publish(securityNotice(before, 'password_changed', now, input.userAgent));
    if (!before.emailVerified) await tx.publish(createEvent('user.email_verified', { userId, email: before.email }));
    return before;
  });
  await fenceAfterCommit(deps, account.id, undefined, 'password_changed');
  await deps.throttle.clear(account.email);
  return account.id;
}
