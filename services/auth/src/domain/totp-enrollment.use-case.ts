import { AppError } from '@gatehouse/errors';
import type { Clock, Transactions } from './auth.ports';
import type { CodeThrottle, RecoveryCodes, SecretCipher, Totp, TotpProvisioning } from './mfa.ports';
import { accountGone, alreadyEnabled, checkTotpCode, countedAttempt, openTotpSecret, totpSecretContext, wrongProof } from './one-time-code';
import { securityNotice } from './security-notice';

export interface TotpEnrollmentDeps {
  readonly transactions: Pick<Transactions, 'run'>;
  readonly totp: Totp;
  readonly cipher: SecretCipher;
  readonly recoveryCodes: Pick<RecoveryCodes, 'issue'>;
  readonly throttle: CodeThrottle;
  readonly clock: Clock;
}

const noPendingSetup = () => new AppError('mfa_factor_not_found', 'No authenticator app is waiting to be confirmed; start the setup first.');

/**
 * Starts setting up an authenticator app: a fresh secret, stored sealed and pending until its
 * first code confirms it; a new setup replaces a pending one. The secret leaves only in this
 * answer, never in a log or an event.
 */
export async function setupTotp(deps: Pick<TotpEnrollmentDeps, 'transactions' | 'totp' | 'cipher'>, userId: string): Promise<TotpProvisioning> {
  const secret = deps.totp.newSecret();
  const account = await deps.transactions.run(async (tx) => {
    const found = await tx.findById(userId);
    if (!found) throw accountGone();
    if (!(await tx.savePendingTotp(userId, deps.cipher.seal(secret, totpSecretContext(userId))))) throw alreadyEnabled();
    return found;
  });
  return deps.totp.provisioning(secret, account.email);
}

/**
 * Confirms the pending setup with a code from the app (throttled like every code): from then on
 * a login needs the second factor. Returns ten fresh recovery codes, shown this once and stored
 * only as digests, and tells the owner by email, in the same transaction.
 */
export async function confirmTotp(deps: TotpEnrollmentDeps, input: { userId: string; code: string; userAgent: string | null }): Promise<string[]> {
  const { userId } = input;
  const recovery = deps.recoveryCodes.issue(userId);
  const confirmed = await countedAttempt(deps.throttle, userId, () =>
    deps.transactions.run(async (tx) => {
      const account = await tx.findById(userId);
      if (!account) throw accountGone();
      const factor = await tx.findTotp(userId, { forUpdate: true });
      if (!factor) throw noPendingSetup();
      if (factor.confirmed) throw alreadyEnabled();
      const check = checkTotpCode(deps.totp, openTotpSecret(deps.cipher, userId, factor), input.code, deps.clock(), factor.lastUsedStep);
      if (check.outcome !== 'accepted') return false;
      await tx.confirmTotp(userId, check.step);
      await tx.replaceRecoveryCodes(userId, recovery.digests);
      await tx.publish(securityNotice(account, 'mfa_enabled', new Date(deps.clock()), input.userAgent));
      return true;
    }),
  );
  if (!confirmed) throw wrongProof('code');
  return recovery.codes;
}
