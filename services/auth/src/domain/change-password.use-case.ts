import { AppError, validationError } from '@gatehouse/errors';
import type { Clock, LoginThrottle, PasswordHasher, SessionStore, Transactions } from './auth.ports';
import { isCurrentPassword } from './current-password';
import { passwordProblem } from './password-policy';
import { securityNotice } from './security-notice';
import { announceEnded, fenceAfterCommit } from './session-announcements';

export interface ChangePasswordDeps {
  readonly transactions: Pick<Transactions, 'run'>;
  readonly sessions: Pick<SessionStore, 'revokeAll'>;
  readonly throttle: LoginThrottle;
  readonly hasher: Pick<PasswordHasher, 'hash' | 'verify'>;
  readonly clock: Clock;
}

export interface ChangePasswordInput {
  readonly userId: string;
  /** The caller's session: it survives, every other one ends. */
  readonly sessionId: string;
  readonly currentPassword: string;
  readonly newPassword: string;
  readonly address: string;
  readonly userAgent: string | null;
}

/**
 * Changes the password of a signed-in user who proves the current one. Wrong guesses count like
 * failed logins (before bcrypt runs), so a stolen access token cannot brute-force the password.
 */
export async function changePassword(deps: ChangePasswordDeps, input: ChangePasswordInput): Promise<void> {
  const problem = passwordProblem(input.newPassword);
  if (problem) throw validationError([{ path: 'newPassword', message: `"newPassword" ${problem}` }]);
  const account = await deps.transactions.run((tx) => tx.findById(input.userId));
  if (!account) throw new AppError('token_invalid', 'The account no longer exists.');
  if (!(await isCurrentPassword(deps, account, input.currentPassword, input.address)))
    throw new AppError('invalid_credentials', 'The current password is incorrect.');
  const passwordHash = await deps.hasher.hash(input.newPassword);
  const now = new Date(deps.clock());
  await deps.transactions.run(async (tx) => {
    if (!(await tx.setPassword(account.id, passwordHash, { markEmailVerified: false }))) throw new AppError('token_invalid', 'The account no longer exists.');
    // A reset link asked for before the change must not undo it.
    await tx.voidPasswordResets(account.id);
    await announceEnded(tx, account.id, await deps.sessions.revokeAll(account.id, input.sessionId), 'password_changed');
    await tx.publish(securityNotice(account, 'password_changed', now, input.userAgent));
  });
  await fenceAfterCommit(deps, account.id, input.sessionId, 'password_changed');
}
