import { AppError } from '@gatehouse/errors';
import { createEvent } from '@gatehouse/events';
import type { Clock, SecretGenerator, SessionStore, Transactions } from './auth.ports';
import { SINGLE_USE_TOKEN_SHAPE } from './single-use-token';

export interface VerifyEmailDeps {
  readonly transactions: Pick<Transactions, 'run'>;
  readonly sessions: Pick<SessionStore, 'markEmailVerified'>;
  readonly secrets: Pick<SecretGenerator, 'digest'>;
  readonly clock: Clock;
}

const invalid = () => new AppError('verification_token_invalid', 'The verification link is invalid, expired or already used.');

/**
 * Uses a verification token once: marks the email verified and announces `user.email_verified`
 * in one transaction, then updates the live sessions so their next access token says so.
 * Resolves with the user's id.
 */
export async function verifyEmail(deps: VerifyEmailDeps, token: string | undefined): Promise<string> {
  if (!token || !SINGLE_USE_TOKEN_SHAPE.test(token)) throw invalid();
  const userId = await deps.transactions.run(async (tx) => {
    const owner = await tx.useEmailVerification(deps.secrets.digest(token), new Date(deps.clock()));
    if (!owner) return undefined;
    const email = await tx.markEmailVerified(owner);
    if (email === undefined) return undefined;
    await tx.publish(createEvent('user.email_verified', { userId: owner, email }));
    return owner;
  });
  if (!userId) throw invalid();
  await deps.sessions.markEmailVerified(userId);
  return userId;
}
