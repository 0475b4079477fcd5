import type { Limiter, SecretGenerator, Transactions } from './auth.ports';
import { issueEmailVerification, type VerificationDeps } from './email-verification';

export interface ResendVerificationDeps extends VerificationDeps {
  readonly transactions: Pick<Transactions, 'run'>;
  readonly secrets: Pick<SecretGenerator, 'token' | 'digest'>;
  /** Counts resends per email digest, so the address itself is never a Redis key. */
  readonly perEmail: Limiter;
}

/**
 * Issues a new verification when the account exists and is unverified. The caller answers the
 * same whatever happened (no account enumeration), so this returns nothing; past the per-email
 * limit it silently does nothing.
 */
export async function resendVerification(deps: ResendVerificationDeps, email: string): Promise<void> {
  if (!(await deps.perEmail.hit(deps.secrets.digest(email))).allowed) return;
  await deps.transactions.run(async (tx) => {
    const credential = await tx.findByEmail(email);
    if (!credential || credential.emailVerified) return;
    await issueEmailVerification(deps, tx, credential);
  });
}
