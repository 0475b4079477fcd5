import { AppError } from '@gatehouse/errors';
import type { AuthTransaction, Clock, Credential, LoginThrottle, PasswordHasher, SessionStore, Transactions } from './auth.ports';
import { isCurrentPassword } from './current-password';
import type { CodeThrottle, SecretCipher, Totp } from './mfa.ports';
import { accountGone, checkTotpCode, countedAttempt, openTotpSecret, wrongProof } from './one-time-code';
import { securityNotice } from './security-notice';
import { announceEnded, fenceAfterCommit } from './session-announcements';

export interface TotpRemovalDeps {
  readonly transactions: Pick<Transactions, 'run'>;
  readonly sessions: Pick<SessionStore, 'revokeAll'>;
  readonly totp: Totp;
  readonly cipher: SecretCipher;
  readonly codeThrottle: CodeThrottle;
  readonly loginThrottle: LoginThrottle;
  readonly hasher: Pick<PasswordHasher, 'verify'>;
  readonly clock: Clock;
}

export interface TotpRemovalInput {
  readonly userId: string;
  /** The caller's session: it survives, every other one ends. */
  readonly sessionId: string;
  /** A current code of the app, or the password: an access token alone does not remove a factor. */
  readonly proof: { readonly code: string } | { readonly password: string };
  readonly address: string;
  readonly userAgent: string | null;
}

const notEnabled = () => new AppError('mfa_factor_not_found', 'No authenticator app is set up.');

/**
 * Removes the authenticator app and its recovery codes. Every other session of the user ends
 * (announced, then fenced like a password change) and the owner is told by email. A code is
 * checked under the factor's row lock and counted like every code; a password like a login.
 */
export async function removeTotp(deps: TotpRemovalDeps, input: TotpRemovalInput): Promise<void> {
  const { userId, proof } = input;
  const account = await deps.transactions.run(async (tx) => {
    const found = await tx.findById(userId);
    if (!found) throw accountGone();
    if (!(await tx.findTotp(userId))?.confirmed) throw notEnabled();
    return found;
  });
  let removed: boolean;
  if ('password' in proof) {
    if (!(await isCurrentPassword({ throttle: deps.loginThrottle, hasher: deps.hasher }, account, proof.password, input.address))) throw wrongProof('password');
    removed = await deps.transactions.run((tx) => remove(deps, tx, account, input, undefined));
  } else {
    removed = await countedAttempt(deps.codeThrottle, userId, () => deps.transactions.run((tx) => remove(deps, tx, account, input, proof.code)));
  }
  if (!removed) throw wrongProof('code');
  await fenceAfterCommit(deps, userId, input.sessionId, 'mfa_disabled');
}

/** In one transaction: the code (if any) against the locked factor, then the removal and its announcements. */
async function remove(deps: TotpRemovalDeps, tx: AuthTransaction, account: Credential, input: TotpRemovalInput, code: string | undefined): Promise<boolean> {
  const factor = await tx.findTotp(account.id, { forUpdate: true });
  if (!factor?.confirmed) throw notEnabled();
  if (code !== undefined) {
    const check = checkTotpCode(deps.totp, openTotpSecret(deps.cipher, account.id, factor), code, deps.clock(), factor.lastUsedStep);
    if (check.outcome !== 'accepted') return false;
  }
  await tx.removeSecondFactors(account.id);
  await announceEnded(tx, account.id, await deps.sessions.revokeAll(account.id, input.sessionId), 'mfa_disabled');
  await tx.publish(securityNotice(account, 'mfa_disabled', new Date(deps.clock()), input.userAgent));
  return true;
}
