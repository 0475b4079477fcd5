import { createEvent } from '@gatehouse/events';
import type { AuthTransaction, Clock, Credential, SecretGenerator } from './auth.ports';
import { newSingleUseToken } from './single-use-token';

export interface VerificationDeps {
  readonly secrets: Pick<SecretGenerator, 'token' | 'digest'>;
  readonly clock: Clock;
  readonly verificationTtlSeconds: number;
}

/**
 * Stores the digest of a fresh verification token and announces `user.registered` with the raw
 * token, in the caller's transaction. A resend announces `user.registered` again with the new
 * token: the notification service sends one email per event id, so each resend is one email.
 */
export async function issueEmailVerification(deps: VerificationDeps, tx: AuthTransaction, credential: Credential): Promise<void> {
  const { token, digest, expiresAt } = newSingleUseToken(deps, deps.verificationTtlSeconds);
  await tx.addEmailVerification(digest, credential.id, expiresAt);
  await tx.publish(
    createEvent('user.registered', {
      userId: credential.id,
      email: credential.email,
      name: credential.name,
      verificationToken: token,
      verificationExpiresAt: expiresAt.toISOString(),
    }),
  );
}
